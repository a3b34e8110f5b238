"""Shared fixtures: isolated data directory, reference data location, database URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartclaim.settings import get_settings


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only reference/evaluation data; tests that need it skip with a clear message when absent."""
    path = get_settings().shared_data
    if not path.is_dir():
        pytest.skip(f"reference data not found at {path} (set CHARTCLAIM_SHARED_DATA)")
    return path


def shared_file(shared_data: Path, rel: str) -> Path:
    p = shared_data / rel
    if not p.exists():
        pytest.skip(f"reference file {p} is absent")
    return p


@pytest.fixture()
def pg_url() -> Iterator[str]:
    url = os.environ.get("CHARTCLAIM_TEST_PG")
    if not url:
        pytest.skip("PostgreSQL tests need CHARTCLAIM_TEST_PG (set by .ci/run)")
    yield url
