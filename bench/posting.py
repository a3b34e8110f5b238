"""835 posting benchmark: N claim payments (default 100,000) posted from 835 files, on SQLite and PostgreSQL.

    .venv/bin/python bench/posting.py [--claims 100000] [--per-remittance 2000] [--no-pg]

Set-up (not timed): one practice, N submitted one-line claims with their charges, and 835 files in which every
claim is paid with CO-45 and PR (coinsurance) adjustments — 4 ledger rows (which carry the CO and PR amounts with
group + CARC: no CAS record is kept twice), 1 claim payment and 1 status change per claim. Timed: reading the files with chartclaim's 835 reader and posting them (matching,
idempotency fingerprint, ledger rows, one transaction per remittance; on PostgreSQL `--workers` remittances at
a time; on both, a reader process parses the next files meanwhile — its CPU time is reported; see
posting.post_835_files). Then the same files are posted again
(must change nothing). PostgreSQL runs when CHARTCLAIM_TEST_PG (or CHARTCLAIM_BENCH_PG) is set, in a throw-away
schema. The comparison is a naive ORM poster (one session.add per row, one flush per claim) on a slice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, posting
from chartclaim.billing import synthetic as syn
from chartclaim.store.db import make_engine, upgrade
from chartclaim.store.models import (
    ClaimLine,
    ClaimPayment,
    ClaimRecord,
    ClaimTransition,
    Coverage,
    LedgerEntry,
    PatientRecord,
    PayerRecord,
)

D = Decimal
DOS = dt.date(2025, 3, 3)
PROCS = ["99213", "99214", "99203", "36415", "93000", "81002", "90471", "97110"]


def setup(engine: Engine, n: int) -> None:
    with Session(engine) as s:
        payer = PayerRecord(payer_code="ACME1", name="ACME HEALTH")
        s.add(payer)
        s.flush()
        n_pat = max(1, n // 5)
        s.execute(insert(PatientRecord), [{"account_number": f"A{i:08d}", "first_name": "PAT", "last_name": f"N{i}"}
                                          for i in range(n_pat)])
        pids = list(s.scalars(select(PatientRecord.id).order_by(PatientRecord.id)))
        s.execute(insert(Coverage), [{"patient_id": p, "payer_id": payer.id, "member_id": f"M{p}", "priority": 1}
                                     for p in pids])
        covs = {p: c for p, c in s.execute(select(Coverage.patient_id, Coverage.id))}
        now = dt.datetime.now(dt.UTC)
        for start in range(0, n, 20000):
            rng = range(start, min(n, start + 20000))
            s.execute(insert(ClaimRecord), [
                {"claim_number": f"C{i:09d}", "patient_id": pids[i % n_pat], "payer_id": payer.id,
                 "coverage_id": covs[pids[i % n_pat]], "status": "submitted", "responsibility": "P",
                 "frequency": "1", "claim_type": "professional", "created_at": now} for i in rng])
            ids = dict(s.execute(select(ClaimRecord.claim_number, ClaimRecord.id)
                                 .where(ClaimRecord.claim_number.in_([f"C{i:09d}" for i in rng]))).all())
            s.execute(insert(ClaimLine), [
                {"claim_id": ids[f"C{i:09d}"], "patient_id": pids[i % n_pat], "line_number": 1, "procedure": PROCS[i % len(PROCS)], "modifiers": "",
                 "units": D(1), "charge": D(100 + i % 400), "dx_pointers": "1", "date_of_service": DOS,
                 "line_control_number": f"C{i:09d}-1"} for i in rng])
            lines = s.execute(select(ClaimLine.id, ClaimLine.claim_id, ClaimLine.charge)
                              .where(ClaimLine.claim_id.in_(list(ids.values())))).all()
            pat_of = {ids[f"C{i:09d}"]: pids[i % n_pat] for i in rng}
            ledger.add_entries(s, [ledger.entry_row("charge", ch, (lid, cid, pat_of[cid]), payer.id, DOS)
                                   for lid, cid, ch in lines])
            s.execute(insert(ClaimTransition), [{"claim_id": cid, "from_status": "ready", "to_status": "submitted",
                                                 "actor": "bench", "at": now} for cid in ids.values()])
        s.commit()


def write_eras(folder: Path, n: int, per: int) -> list[Path]:
    files = []
    for k, start in enumerate(range(0, n, per)):
        claims = []
        for i in range(start, min(n, start + per)):
            charge = D(100 + i % 400)
            paid = (charge * D("0.64")).quantize(D("0.01"))
            co = (charge * D("0.20")).quantize(D("0.01"))
            pr = charge - paid - co
            claims.append(syn.ClaimPay(f"C{i:09d}", [syn.LinePay(PROCS[i % len(PROCS)], charge, paid,
                                                                 [("CO", "45", co), ("PR", "2", pr)],
                                                                 date_of_service=DOS,
                                                                 line_control_number=f"C{i:09d}-1")],
                                       payer_claim_number=f"ICN{i:09d}", member_id=f"M{i}"))
        p = folder / f"era{k:04d}.835"
        p.write_text(syn.interchange([syn.Era(f"EFT{k:06d}", claims, control_number=f"{k + 1:04d}")], k + 1))
        files.append(p)
    return files


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


class ServerCpu:
    """CPU time of the PostgreSQL backends serving this engine's connections, read from /proc (a server on this
    machine, readable by us; else unknown): the database's share of the posting, which the client's CPU omits."""

    def __init__(self, engine: Engine) -> None:
        self.pids: set[int] = set()
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.pids.add(cur.fetchone()[0])

    def seconds(self) -> dict[int, float] | None:
        out = {}
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return out

    @staticmethod
    def spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
        if before is None or after is None:
            return None
        return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def count(engine: Engine, model: type) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def run(engine: Engine, label: str, n: int, per: int, folder: Path, workers: int = 1) -> dict[str, float]:
    server = ServerCpu(engine)
    upgrade(engine)
    t0 = time.perf_counter()
    setup(engine, n)
    t_setup = time.perf_counter() - t0
    files = write_eras(folder, n, per)
    # reading alone (chartclaim's 835 reader), to show how the posting time splits
    t0 = time.perf_counter()
    c0 = time.process_time()
    parsed = 0
    for f in files:
        for rem, _fp, _err in posting.iter_remittances(f):
            assert rem is not None
            parsed += len(rem.claims)
            for c in rem.claims:
                _ = c.services
    t_read = time.perf_counter() - t0
    cpu_read = time.process_time() - c0
    posting.classify_adjustment("CO", "45", "P")  # load the denial map once, outside the timing
    t0 = time.perf_counter()
    c0 = time.process_time()
    k0 = _children_cpu()
    s0 = server.seconds()
    posted = 0
    for r in posting.post_835_files(engine, files, actor="bench", workers=workers):
        assert not r.exceptions, r.exceptions[:3]
        posted += r.claims_posted
    t_post = time.perf_counter() - t0
    cpu_post = time.process_time() - c0
    cpu_reader = _children_cpu() - k0  # the reader process (post_835_files reads ahead), ended by now
    cpu_server = ServerCpu.spent(s0, server.seconds())
    rows = count(engine, LedgerEntry) - n  # minus the charges from set-up
    t0 = time.perf_counter()
    again = posting.post_835_files(engine, files, actor="bench", workers=workers)
    t_again = time.perf_counter() - t0
    assert all(r.duplicate for r in again) and count(engine, LedgerEntry) - n == rows
    with Session(engine) as s:
        t = ledger.overall_totals(s)
        assert t.charges == t.payments + t.adjustments + t.balance
    assert posted == n and count(engine, ClaimPayment) == n
    print(f"[{label}] set-up {t_setup:.1f}s; reading alone (chartclaim.x12 835 reader): {parsed:,} claim payments in "
          f"{t_read:.2f}s, {cpu_read:.1f}s CPU")
    print(f"[{label}] posted {posted:,} claim payments ({rows:,} ledger rows) from {len(files)} remittances in "
          f"{t_post:.2f}s: {posted / t_post:,.0f} claim payments/s, {rows / t_post:,.0f} ledger rows/s "
          f"(goal < 10 s: {'met' if t_post < 10 else 'NOT met'}); this process used {cpu_post:.1f}s CPU "
          f"+ {cpu_reader:.1f}s in the 835 reader process "
          + ("(SQLite's time included); " if engine.dialect.name == "sqlite" else
             "+ server time unknown (not a local server); " if cpu_server is None else
             f"+ {cpu_server:.1f}s in the PostgreSQL server; ")
          + f"{workers if engine.dialect.name != 'sqlite' else 1} "
          f"posting thread(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"[{label}] posting the same files again: {t_again:.2f}s, all {len(again)} recognised, nothing changed")
    return {"post": t_post, "read": t_read, "n": posted, "cpu": cpu_post, "cpu_reader": cpu_reader,
            "cpu_server": -1.0 if cpu_server is None else cpu_server}


def naive_orm(engine: Engine, n: int) -> float:
    """The straightforward way: ORM objects, one row at a time, a query per claim — for comparison."""
    upgrade(engine)
    setup(engine, n)
    with Session(engine) as s:
        t0 = time.perf_counter()
        for i in range(n):
            claim = s.scalar(select(ClaimRecord).where(ClaimRecord.claim_number == f"C{i:09d}"))
            assert claim is not None
            line = s.scalar(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
            assert line is not None
            charge = line.charge
            paid = (charge * D("0.64")).quantize(D("0.01"))
            co = (charge * D("0.20")).quantize(D("0.01"))
            pr = charge - paid - co
            for kind, amt, payer in (("payment", -paid, claim.payer_id), ("adjustment", -co, claim.payer_id),
                                     ("transfer", -pr, claim.payer_id), ("transfer", pr, None)):
                s.add(LedgerEntry(kind=kind, amount=amt, patient_id=claim.patient_id, claim_id=claim.id,
                                  claim_line_id=line.id, payer_id=payer, posted_on=DOS))
            claim.status = "paid"
            s.flush()
        s.commit()
        return time.perf_counter() - t0


def pg_engine(base: str) -> tuple[Engine, str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return make_engine(url.render_as_string(hide_password=False)), schema


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--per-remittance", type=int, default=2_000)
    ap.add_argument("--naive", type=int, default=2_000, help="claims for the naive ORM comparison (0: skip)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--workers", type=int, default=2,
                    help="posting threads on PostgreSQL (post_835_files; SQLite has one writer and posts serially)")
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        eng = make_engine(f"sqlite:///{folder / 'bench.sqlite'}")
        results["sqlite"] = run(eng, "sqlite", args.claims, args.per_remittance, folder)
        eng.dispose()
        if args.naive:
            eng = make_engine(f"sqlite:///{folder / 'naive.sqlite'}")
            t = naive_orm(eng, args.naive)
            eng.dispose()
            ours = results["sqlite"]["n"] / results["sqlite"]["post"]
            print(f"[sqlite] naive ORM poster (no matching, no CAS records, no idempotency): {args.naive:,} claims in "
                  f"{t:.2f}s = {args.naive / t:,.0f}/s; chartclaim posting is {ours / (args.naive / t):.1f}× faster")
        base = os.environ.get("CHARTCLAIM_BENCH_PG") or os.environ.get("CHARTCLAIM_TEST_PG")
        if base and not args.no_pg:
            eng, schema = pg_engine(base)
            try:
                results["postgresql"] = run(eng, "postgresql", args.claims, args.per_remittance, folder, args.workers)
            finally:
                eng.dispose()
                admin = make_engine(base)
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
        elif not args.no_pg:
            print("[postgresql] skipped: set CHARTCLAIM_TEST_PG or CHARTCLAIM_BENCH_PG", file=sys.stderr)


if __name__ == "__main__":
    main()
