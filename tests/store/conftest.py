from tests.store.dbfixtures import _pg_migrated_url, db_url, engine, migrated_url  # noqa: F401
