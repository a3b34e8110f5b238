"""Engine and per-request sessions for the web application."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chartclaim.store import db as store_db


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Uvicorn runs sync routes in a thread pool, so one connection may serve several threads in turn.
        return store_db.make_engine(url, connect_args={"check_same_thread": False})
    return store_db.make_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return store_db.session_factory(engine)


def get_db(request: Request) -> Iterator[Session]:
    db: Session = request.app.state.sessionmaker()
    try:
        yield db
    finally:
        db.close()
