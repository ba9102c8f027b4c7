"""Alembic environment: run the migrations on the engine handed over by ``storage.db``.

Everything happens in one transaction (SQLite: ``BEGIN IMMEDIATE``, so two
processes opening a new journal at once migrate it once, one after the other).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from kneecoach.storage.models import Base


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("run the journal migrations through kneecoach.storage.db.upgrade")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            transactional_ddl=True,
        )
        context.run_migrations()


run_migrations_online()
