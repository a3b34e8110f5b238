"""The CLI commands, and the web over the real coder and code sets (slow: they load terminology)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chartclaim.cli import app as cli
from chartclaim.settings import Settings
from chartclaim.store.db import make_engine, session_scope, upgrade
from chartclaim.web.app import create_app
from chartclaim.web.security import use_fast_hasher
from tests.web.conftest import login
from tests.web.seed import seed


def test_users_add_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chartclaim.settings import get_settings
    from chartclaim.store import db as store_db

    use_fast_hasher()
    monkeypatch.setenv("CHARTCLAIM_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    get_settings.cache_clear()
    store_db._default_engine.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(cli, ["users", "add", "ana", "--role", "coder", "--name", "Ana Diaz",
                                "--password", "long enough"])
        assert r.exit_code == 0, r.output
        assert "created ana (coder)" in r.output
        bad = runner.invoke(cli, ["users", "add", "bob", "--role", "janitor", "--password", "long enough"])
        assert bad.exit_code == 1 and "role must be one of" in bad.output
        dup = runner.invoke(cli, ["users", "add", "ana", "--role", "coder", "--password", "long enough"])
        assert dup.exit_code == 1 and "already exists" in dup.output
        listed = runner.invoke(cli, ["users", "list"])
        assert "ana" in listed.output and "coder" in listed.output
    finally:
        get_settings.cache_clear()
        store_db._default_engine.cache_clear()


def test_serve_help_names_host_and_port() -> None:
    r = CliRunner().invoke(cli, ["serve", "--help"])
    assert r.exit_code == 0 and "--host" in r.output and "--port" in r.output


@pytest.mark.slow
def test_encounter_with_the_real_coder_and_encoder(tmp_path: Path) -> None:
    use_fast_hasher()
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    with session_scope(eng) as db:
        ids = seed(db)
    app = create_app(Settings(database_url=url, data_dir=tmp_path, secret_key="s"),
                     engine=make_engine(url, connect_args={"check_same_thread": False}))
    c: TestClient = login(app, "coder")
    d = c.get(f"/api/v1/encounters/{ids['encounter0']}").json()
    assert d["coder_available"], d["coder_message"]
    codes = {s["code"] for s in d["diagnoses"]}
    assert "E11.22" in codes
    for s in d["diagnoses"]:
        assert s["evidence"], s
        for e in s["evidence"]:
            assert d["note"][e["start"]:e["end"]] == e["text"]
    assert d["em"] and d["em"]["code"].startswith("992")
    assert any(r["reason"].startswith("negated") for r in d["rejected"])
    hits = c.get("/api/v1/codes/search", params={"q": "type 2 diabetes with diabetic chronic kidney disease"}).json()
    assert "E11.22" in [h["code"] for h in hits["items"][:5]]
    # a change to a header code is refused with the billable children named
    r = c.post(f"/api/v1/encounters/{ids['encounter0']}/codes",
               json={"decision": "change", "suggested_code": "E11.22", "final_code": "E11", "reason": "test"})
    assert r.status_code == 422 and "not billable" in r.json()["detail"]
