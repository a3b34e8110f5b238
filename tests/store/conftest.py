from tests.store.dbfixtures import db_url, engine  # noqa: F401
