"""One small migrated SQLite database and app per test session; clients signed in per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chartclaim.edits import ScrubContext
from chartclaim.settings import Settings
from chartclaim.store.db import make_engine, session_scope, upgrade
from chartclaim.web.app import create_app
from chartclaim.web.security import use_fast_hasher
from chartclaim.web.services.claims import Scrubber
from tests.web.fakes import FakeCodes, fake_suggester
from tests.web.seed import PASSWORD, seed


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    use_fast_hasher()
    path: Path = tmp_path_factory.mktemp("web") / "web.sqlite"
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    upgrade(eng)
    with session_scope(eng) as db:
        ids = seed(db)
    eng.dispose()
    yield url, ids


@pytest.fixture(scope="session")
def app(web_db: tuple[str, dict[str, int]], tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    url, _ = web_db
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("data"), secret_key="test-secret")
    return create_app(settings, engine=make_engine(url, connect_args={"check_same_thread": False}),
                      suggester=fake_suggester, codes=FakeCodes(),
                      scrubber=Scrubber(ScrubContext(codesets=None, store=None, rules=())))


@pytest.fixture(scope="session")
def ids(web_db: tuple[str, dict[str, int]]) -> dict[str, int]:
    return web_db[1]


def login(app: FastAPI, role: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    r = client.post("/api/v1/auth/login", json={"username": role, "password": password})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


@pytest.fixture(scope="session")
def clients(app: FastAPI) -> dict[str, TestClient]:
    return {role: login(app, role) for role in ("coder", "biller", "manager", "admin")}


@pytest.fixture()
def anon(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)
