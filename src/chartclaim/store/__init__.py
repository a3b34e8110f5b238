"""Persistence: the practice database.

* `models` — every table, in one module (SQLAlchemy 2 declarative).
* `types` — the exact `Money` column type (NUMERIC(12,2) on PostgreSQL, integer cents on SQLite).
* `db` — engine/session factory (`get_session` for dependency injection), Alembic `upgrade`.
* `bulk` — executemany/COPY inserts for posting.
* `migrations/` — Alembic scripts, shipped with the package.
"""
