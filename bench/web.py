"""Web latency: p50/p95 of the coding queue and the claims workbench with 100,000 encounters and claims.

    .venv/bin/python bench/web.py [--encounters 100000] [--requests 200] [--db PATH]

Builds (once, cached at --db) a SQLite practice with N encounters (notes, mixed coding states, some held by a
physician query), N claims in every lifecycle state with a line and its charge in the ledger, then times
in-process requests (routing, auth, audit write, queries, template rendering) for the pages and their API
twins. Goal: p95 < 100 ms. No peer system is measured: no open-source coding/billing UI runs here to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chartclaim.settings import Settings
from chartclaim.store.db import make_engine, upgrade
from chartclaim.store.models import (
    ClaimLine,
    ClaimRecord,
    Encounter,
    LedgerEntry,
    Organization,
    PatientRecord,
    PayerRecord,
    Provider,
)
from chartclaim.web.app import create_app
from chartclaim.web.security import use_fast_hasher
from chartclaim.web.tables import PhysicianQuery
from chartclaim.web.users import create_user

STATES = ["draft", "scrubbed", "ready", "submitted", "accepted", "rejected", "paid", "partially_paid", "denied",
          "appealed", "closed"]
NOTE = ("Chief complaint: follow-up.\nHPI: type 2 diabetes with diabetic chronic kidney disease stage 3a, "
        "essential hypertension. Denies chest pain.\nAssessment: stable.\nPlan: continue metformin and lisinopril.")


def build(url: str, n: int) -> None:
    eng = make_engine(url)
    upgrade(eng)
    rng = random.Random(7)
    t0 = time.perf_counter()
    with Session(eng) as db:
        use_fast_hasher()
        for role in ("coder", "biller", "manager"):
            create_user(db, role, "bench-password", role)
        org = Organization(name="Bench Clinic", npi="1234567893", tax_id="123456789")
        db.add(org)
        db.flush()
        provs = [Provider(organization_id=org.id, npi=f"12453195{i:02d}", last_name=f"Doc{i}") for i in range(3)]
        payers = [PayerRecord(payer_code=f"P{i:03d}", name=f"Payer {i}") for i in range(10)]
        db.add_all(provs + payers)
        db.flush()
        n_pat = max(1, n // 10)
        db.execute(insert(PatientRecord), [{"account_number": f"A{i:07d}", "first_name": f"F{i}", "last_name": f"L{i % 997}",
                                            "dob": dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), "sex": "FM"[i % 2],
                                            "created_at": dt.datetime.now(dt.UTC)} for i in range(n_pat)])
        pat_ids = list(db.scalars(select(PatientRecord.id)))
        today = dt.date.today()
        encs = [{"patient_id": pat_ids[i % n_pat], "provider_id": provs[i % 3].id,
                 "date_of_service": today - dt.timedelta(days=rng.randrange(400)), "notes": NOTE,
                 "coding_status": rng.choice(["not_coded", "coded", "reviewed", "reviewed"])} for i in range(n)]
        for i in range(0, n, 20_000):
            db.execute(insert(Encounter), encs[i:i + 20_000])
        enc_ids = list(db.scalars(select(Encounter.id)))
        coder_id = 1  # the first user created above
        db.execute(insert(PhysicianQuery), [{"encounter_id": e, "question": "Please document the CKD stage.",
                                             "asked_by": coder_id, "status": "open",
                                             "asked_at": dt.datetime.now(dt.UTC)} for e in enc_ids[::97]])
        claims = [{"claim_number": f"C{i:09d}", "patient_id": encs[i]["patient_id"], "payer_id": payers[i % 10].id,
                   "encounter_id": enc_ids[i], "status": rng.choice(STATES), "responsibility": "P", "frequency": "1",
                   "claim_type": "professional",
                   "created_at": dt.datetime.combine(encs[i]["date_of_service"], dt.time(12), dt.UTC)} for i in range(n)]
        for i in range(0, n, 20_000):
            db.execute(insert(ClaimRecord), claims[i:i + 20_000])
        claim_ids = list(db.scalars(select(ClaimRecord.id).order_by(ClaimRecord.id)))
        lines = [{"claim_id": cid, "patient_id": claims[i]["patient_id"], "line_number": 1, "procedure": "99214", "modifiers": "", "units": 1,
                  "charge": "150.00", "dx_pointers": "1", "date_of_service": claims[i]["created_at"].date()}
                 for i, cid in enumerate(claim_ids)]
        for i in range(0, n, 20_000):
            db.execute(insert(ClaimLine), lines[i:i + 20_000])
        line_ids = list(db.scalars(select(ClaimLine.id).order_by(ClaimLine.claim_id)))
        ledger = [{"kind": "charge", "amount": "150.00", "patient_id": claims[i]["patient_id"], "claim_id": cid,
                   "claim_line_id": line_ids[i], "payer_id": claims[i]["payer_id"], "posted_on": lines[i]["date_of_service"],
                   "actor": "bench", "created_at": dt.datetime.now(dt.UTC)} for i, cid in enumerate(claim_ids)]
        for i in range(0, n, 20_000):
            db.execute(insert(LedgerEntry), ledger[i:i + 20_000])
        db.commit()
    # Steady state: planner statistics, and on PostgreSQL the visibility map that index-only scans rely on
    # (autovacuum does this in production; right after a bulk load it has not run yet).
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if eng.dialect.name == "postgresql" else "ANALYZE")
    eng.dispose()
    print(f"built {n:,} encounters / claims in {time.perf_counter() - t0:.1f} s → {eng.url.render_as_string()}")


def measure(client, url: str, requests: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    for _ in range(5):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1]


def main() -> None:
    from fastapi.testclient import TestClient

    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--db", type=Path, default=None, help="SQLite file (built once, then reused)")
    ap.add_argument("--url", default=None, help="A PostgreSQL URL of an EMPTY database/schema to build into instead")
    args = ap.parse_args()
    if args.url:
        url = args.url
        build(url, args.encounters)
    else:
        path = args.db or Path(tempfile.gettempdir()) / f"chartclaim-bench-web-{args.encounters}.sqlite"
        url = f"sqlite:///{path}"
        if not path.exists():
            build(url, args.encounters)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(url, connect_args={"check_same_thread": False}) if backend == "SQLite" else make_engine(url)
    app = create_app(Settings(database_url=url, data_dir=tmp, secret_key="bench"), engine=engine)
    results = []
    for role, urls in (("coder", ["/coding", "/coding?status=coded&provider_id=2", "/coding?offset=5000",
                                  "/api/v1/coding/queue", "/coding?status=held"]),
                       ("biller", ["/claims", "/claims?status=submitted&payer_id=3", "/claims?min_age=90&max_age=120",
                                   "/api/v1/claims?status=denied,partially_paid", "/claims?offset=20000"])):
        client = TestClient(app)
        r = client.post("/api/v1/auth/login", json={"username": role, "password": "bench-password"})
        assert r.status_code == 200, r.text
        for u in urls:
            p50, p95, worst = measure(client, u, args.requests)
            results.append((u, p50, p95, worst))
    print(f"\n{args.encounters:,} encounters and claims, {backend}, {args.requests} requests each, in-process "
          f"(TestClient: routing + auth + audit insert + queries + rendering)")
    print(f"{'page':48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  goal p95 < 100 ms")
    for u, p50, p95, worst in results:
        print(f"{u:48} {p50:8.1f} {p95:8.1f} {worst:8.1f}  {'ok' if p95 < 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
