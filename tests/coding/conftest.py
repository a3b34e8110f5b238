from __future__ import annotations

import pytest

from chartclaim.coding.pipeline import Coder
from chartclaim.coding.terminology import Terminology, compile_terminology


@pytest.fixture(scope="session")
def terminology() -> Terminology:
    # Tabular only: the tests must not depend on whether an Alphabetic Index was imported on this machine.
    from chartclaim.codesets import get_codesets

    icd = get_codesets().icd10cm
    return compile_terminology(icd.iter_entries(), [], icd.version_for(None).label)


@pytest.fixture(scope="session")
def coder(terminology: Terminology) -> Coder:
    return Coder(terminology=terminology)


def codes_of(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.code for c in result.codes]


def rejected_of(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.code: r.reason for r in result.rejected}
