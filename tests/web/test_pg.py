"""The web tables and a signed-in flow on PostgreSQL (CHARTCLAIM_TEST_PG; .ci/run sets it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from chartclaim.settings import Settings
from chartclaim.store.db import make_engine, session_scope, upgrade
from chartclaim.web.app import create_app
from chartclaim.web.security import use_fast_hasher
from tests.store.dbfixtures import database_url
from tests.web.conftest import login
from tests.web.fakes import FakeCodes, fake_suggester
from tests.web.seed import seed


@pytest.mark.pg
def test_web_on_postgresql(tmp_path: Path) -> None:
    use_fast_hasher()
    for url in database_url("postgresql", tmp_path):
        eng = make_engine(url)
        upgrade(eng)
        with session_scope(eng) as db:
            ids = seed(db)
        app = create_app(Settings(database_url=url, data_dir=tmp_path, secret_key="pg"), engine=eng,
                         suggester=fake_suggester, codes=FakeCodes())
        c = login(app, "coder")
        queue = c.get("/api/v1/coding/queue").json()
        assert queue["total"] == 3
        assert c.get(f"/api/v1/encounters/{ids['encounter0']}").status_code == 200
        b = login(app, "biller")
        assert b.get("/api/v1/claims", params={"status": "draft"}).json()["total"] == 2
        assert b.get("/claims").status_code == 200
        with eng.begin() as conn:
            n = conn.execute(text("select count(*) from audit_event")).scalar()
            assert n and n >= 3
        for stmt in ("update audit_event set action = 'x'", "delete from audit_event"):
            with pytest.raises(Exception, match="append-only"), eng.begin() as conn:
                conn.execute(text(stmt))
        eng.dispose()
