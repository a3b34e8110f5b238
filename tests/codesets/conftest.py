"""Code-set fixtures: the compiled base is shared (built once per machine, under a file lock); every test
that imports gets its own imports file in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chartclaim.codesets import CodeSets
from chartclaim.settings import get_settings


@pytest.fixture(scope="session")
def base_path() -> Path:
    return get_settings().codesets_db


@pytest.fixture(scope="session")
def cs(base_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodeSets]:
    """Read-only use: the base plus an empty imports file."""
    c = CodeSets.open(base_path, tmp_path_factory.mktemp("cs") / "imports.sqlite")
    yield c
    c.close()


@pytest.fixture()
def fresh_cs(base_path: Path, tmp_path: Path) -> Iterator[CodeSets]:
    """For import tests: a private imports file."""
    c = CodeSets.open(base_path, tmp_path / "imports.sqlite")
    yield c
    c.close()
