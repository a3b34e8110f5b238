"""Alembic environment: runs against the engine handed in by chartclaim.store.db (or the configured URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from chartclaim.store.db import in_schema_comparison, make_engine
from chartclaim.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER TABLE needs batch mode
            compare_type=True,
            include_object=in_schema_comparison(connection.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
