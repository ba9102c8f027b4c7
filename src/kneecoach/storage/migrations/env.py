"""Alembic environment: run the migrations on the engine handed over by ``storage.db``.

Everything happens in one transaction, one process at a time (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: a transaction-level advisory lock), so two processes
opening a new journal at once migrate it once, one after the other.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from kneecoach.storage.models import Base

#: PostgreSQL advisory-lock key of the journal's migrations (any constant; "kneecoach" in hex).
LOCK_KEY = 0x6B6E6565636F6163


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("run the journal migrations through kneecoach.storage.db.upgrade")
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # one migrator at a time; the others wait, then find the schema up to date
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            transactional_ddl=True,
        )
        context.run_migrations()


run_migrations_online()
