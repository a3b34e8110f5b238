"""A real process killed (SIGKILL) in the middle of posting leaves each remittance all posted or not at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, posting
from chartclaim.billing import synthetic as syn
from chartclaim.store.models import ClaimPayment, LedgerEntry, RemitAdjustment, Remittance
from tests.billing.helpers import setup_practice, submitted_claim

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def _era(trace: str, numbers: list[str]) -> syn.Era:
    return syn.Era(trace, [syn.ClaimPay(n, [syn.LinePay("99213", D("100"), D("70"),
                                                        [("CO", "45", D("20")), ("PR", "2", D("10"))])])
                           for n in numbers], payment_date=syn.Era("x", []).payment_date)


def test_sigkill_mid_posting_leaves_all_or_none(engine: Engine, migrated_url: str, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        for i in range(60):
            submitted_claim(s, ids, f"K{i:03d}", [("99213", "100.00")])
        s.commit()
    path = tmp_path / "two.835"
    path.write_text(syn.interchange([_era("FIRST", [f"K{i:03d}" for i in range(30)]),
                                     _era("SECOND", [f"K{i:03d}" for i in range(30, 60)])]))
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.billing.kill_helper", migrated_url, str(path), str(marker), "2"],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            if proc.poll() is not None:
                raise AssertionError(f"helper exited early: {proc.stderr.read().decode() if proc.stderr else ''}")
            if time.monotonic() > deadline:
                raise AssertionError("helper never reached the middle of posting")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert marker.read_text().startswith("120 ledger rows written")  # it really was mid-transaction

    with Session(engine) as s:
        # the first remittance was committed whole; of the second nothing at all remains
        assert s.scalars(select(Remittance.trace_number)).all() == ["FIRST"]
        assert s.scalar(select(func.count()).select_from(ClaimPayment)) == 30
        # its CO-45 and PR-2 amounts are the ledger's adjustment and transfer rows (no CAS record kept twice)
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "adjustment")) == 30
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "transfer")) == 60
        assert s.scalar(select(func.count()).select_from(RemitAdjustment)) == 0
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "payment")) == 30
        assert ledger.overall_totals(s).payments == D("2100.00")
        # posting the file again completes the second and recognises the first
        res = posting.post_835_file(s, path)
        assert [r.duplicate for r in res] == [True, False]
        assert res[1].claims_posted == 30 and res[1].exceptions == []
        t = ledger.overall_totals(s)
        assert (t.payments, t.adjustments, t.patient_balance, t.insurance_balance) == (
            D("4200.00"), D("1200.00"), D("600.00"), D("0.00"))
