"""Alembic migrations of the journal schema (run automatically by ``open_database``)."""
