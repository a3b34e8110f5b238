"""Engine and session factory, and schema migration.

`get_session()` is a generator so FastAPI can use it as a dependency (`Depends(get_session)`); the CLI and tests
use `session_scope()` or build their own `Session(engine)`. SQLite is the default (a file in the data dir);
any SQLAlchemy URL (PostgreSQL: postgresql+psycopg://...) is used as given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # Foreign keys are off by default in SQLite. WAL lets readers (web, reports) run while posting writes;
    # synchronous=NORMAL in WAL mode stays atomic when the process is killed (only power loss can drop
    # the last commit, never half of one).
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for `url` (default: settings.sqlalchemy_url, creating the data dir for SQLite)."""
    if url is None:
        from chartclaim.settings import get_settings

        settings = get_settings()
        if settings.database_url is None:
            settings.ensure_dirs()
        url = settings.sqlalchemy_url
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=4)
def _default_engine(url: str | None) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    from chartclaim.settings import get_settings

    return _default_engine(get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


def get_session() -> Iterator[Session]:
    """One session per request/command; commits when the caller finishes without error, else rolls back."""
    with session_factory()() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    with session_factory(engine)() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def in_schema_comparison(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for comparing the models with a database of `dialect`: on PostgreSQL the
    statement-checked foreign keys (`models.STATEMENT_CHECKED_KEYS`) are triggers, not constraints."""
    from chartclaim.store.models import STATEMENT_CHECKED_KEYS

    def include(_obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return not (dialect == "postgresql" and type_ == "foreign_key_constraint" and name in STATEMENT_CHECKED_KEYS)

    return include


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` (empty database → head works)."""
    from alembic import command

    command.upgrade(alembic_config(engine or get_engine()), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with (engine or get_engine()).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
