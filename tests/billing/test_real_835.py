"""Third-party 835 samples (../shared/data/x12/835): posting never crashes on real payer files, keeps every CLP
it cannot apply in the exception queue, and a second pass changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from chartclaim.billing import posting
from chartclaim.store.models import (
    ClaimPayment,
    LedgerEntry,
    PostingException,
    ProviderAdjustment,
    Remittance,
)
from chartclaim.x12.core import X12Error
from tests.conftest import shared_file


def _counts(s: Session) -> tuple[int, ...]:
    return tuple(s.scalar(select(func.count()).select_from(t)) or 0
                 for t in (Remittance, ClaimPayment, PostingException, LedgerEntry, ProviderAdjustment))


def test_sample_835s_post_idempotently(engine: Engine, shared_data: Path) -> None:
    folder = shared_file(shared_data, "x12/835")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".md")
    assert len(files) >= 10
    clps = 0
    with Session(engine) as s:
        for f in files:
            try:
                results = posting.post_835_file(s, f)
            except X12Error:
                continue  # bare ST..SE fragments without an ISA: the reader says so, with the position
            for r in results:
                assert r.claims_posted == 0  # none of these claims are ours
                clps += sum(1 for reason, _ in r.exceptions if reason == "unmatched_claim")
        first = _counts(s)
        assert first[1] >= clps > 20  # every CLP kept (as a claim payment with its exception)
        assert first[3] == 0  # nothing of ours was touched
        for f in files:
            try:
                again = posting.post_835_file(s, f)
            except X12Error:
                continue
            assert all(r.duplicate for r in again), f
        assert _counts(s) == first
    with pytest.raises(X12Error):
        posting.post_835_file(Session(engine), folder / "README.md")
