"""Property: whatever sequence of charges, payer postings, reversals, transfers, patient payments, refunds and
write-offs happens, Σ charges = Σ payments + Σ adjustments + Σ open balances to the cent — per line, claim,
patient and overall — and the totals equal what an independent tally of the same events says."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, patient, posting, practice
from chartclaim.billing import synthetic as syn
from chartclaim.billing.lifecycle import transition
from chartclaim.store.models import ClaimLine, ClaimRecord

D = Decimal
CENT = D("0.01")
DOS = dt.date(2025, 2, 3)
PROCS = ["99213", "99214", "36415", "81002", "93000"]


def cents(n: int) -> Decimal:
    return (D(n) * CENT).quantize(CENT)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_money_identity(engine: Engine, data: st.DataObject) -> None:
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            _run(s, data)
        finally:
            s.close()
            outer.rollback()


def _run(s: Session, data: st.DataObject) -> None:
    acme = practice.get_or_add_payer(s, "ACME1", "ACME HEALTH")
    supp = practice.get_or_add_payer(s, "SUPP1", "SUPP")
    pats = []
    for i in range(2):
        p = practice.add_patient(s, f"PAT{i}", "TEST")
        cov = practice.add_coverage(s, p.id, acme.id, f"M{i}", priority=1)
        if i == 1:
            practice.add_coverage(s, p.id, supp.id, f"S{i}", priority=2)
        pats.append((p.id, cov.id))

    # the independent tally
    charges: dict[int, Decimal] = defaultdict(lambda: D("0.00"))  # by claim
    era_pay: dict[int, Decimal] = defaultdict(lambda: D("0.00"))
    era_adj: dict[int, Decimal] = defaultdict(lambda: D("0.00"))
    pat_pay: dict[int, Decimal] = defaultdict(lambda: D("0.00"))  # by patient, net of refunds
    pat_adj: dict[int, Decimal] = defaultdict(lambda: D("0.00"))
    claims: list[ClaimRecord] = []
    posted: list[tuple[int, syn.ClaimPay]] = []  # (claim id, what was posted) for reversals
    n_era = 0

    for _step in range(data.draw(st.integers(1, 14), label="steps")):
        op = data.draw(st.sampled_from(["claim", "era", "era", "reverse", "ppay", "refund", "transfer",
                                        "writeoff", "adjust"]), label="op")
        if op == "claim" or not claims:
            pid, cov = pats[data.draw(st.integers(0, 1), label="patient")]
            n = data.draw(st.integers(1, 3), label="lines")
            amounts = [cents(data.draw(st.integers(1, 50_000), label="charge")) for _ in range(n)]
            c = practice.create_claim(s, practice.ClaimInput(
                patient_id=pid, payer_id=acme.id, coverage_id=cov,
                lines=[practice.LineInput(PROCS[i], amt, DOS) for i, amt in enumerate(amounts)]))
            for stt in ("scrubbed", "ready", "submitted"):
                transition(s, c, stt, "prop", None)
            claims.append(c)
            charges[c.id] += sum(amounts, D("0.00"))
            continue
        claim = claims[data.draw(st.integers(0, len(claims) - 1), label="claim")]
        if op == "era":
            lines = []
            for ln in claim.lines:
                total = int(ln.charge * 100)
                paid = data.draw(st.integers(0, total), label="paid")
                co = data.draw(st.integers(0, total - paid), label="co")
                pr = data.draw(st.integers(0, total - paid - co), label="pr")
                denied = total - paid - co - pr
                adjs = [(g, r, cents(v)) for g, r, v in (("CO", "45", co), ("PR", "2", pr), ("CO", "50", denied))
                        if v]
                lines.append(syn.LinePay(ln.procedure, ln.charge, cents(paid), adjs))
            n_era += 1
            cp = syn.ClaimPay(claim.claim_number, lines, payer_claim_number=f"P{n_era}")
            res = _post(s, syn.Era(f"T{n_era}", [cp]))
            if not res.exceptions:
                era_pay[claim.id] += cp.paid
                era_adj[claim.id] += sum((a[2] for ln in lines for a in ln.adjustments if a[:2] == ("CO", "45")),
                                         D("0.00"))
                posted.append((claim.id, cp))
        elif op == "reverse" and posted:
            cid, cp = posted.pop(data.draw(st.integers(0, len(posted) - 1), label="which"))
            neg = syn.ClaimPay(cp.claim_number, [
                syn.LinePay(ln.procedure, -ln.charge, -ln.paid, [(g, r, -a) for g, r, a in ln.adjustments])
                for ln in cp.lines], status="22", payer_claim_number=cp.payer_claim_number)
            n_era += 1
            res = _post(s, syn.Era(f"T{n_era}", [neg]))
            assert res.claims_reversed == 1, res.exceptions
            era_pay[cid] -= cp.paid
            era_adj[cid] -= sum((a[2] for ln in cp.lines for a in ln.adjustments if a[:2] == ("CO", "45")),
                                D("0.00"))
        elif op == "ppay":
            amt = cents(data.draw(st.integers(1, 30_000), label="ppay"))
            patient.record_patient_payment(s, claim.patient_id, amt, DOS, "card")
            pat_pay[claim.patient_id] += amt
        elif op == "refund":
            credit = -ledger.patient_totals(s, claim.patient_id).patient_balance
            credits = [b for _l, _c, b in patient._party_lines(s, claim.patient_id, None) if b < 0]
            if credits:
                part = data.draw(st.integers(1, int(-sum(credits) * 100)), label="refund")
                refunded = patient.refund_credit(s, claim.patient_id, DOS, amount=cents(part))
                pat_pay[claim.patient_id] -= refunded
            assert credit is not None
        elif op == "transfer":
            ln = claim.lines[data.draw(st.integers(0, len(claim.lines) - 1), label="line")]
            bal = ledger.line_party_balances(s, [ln.id])[ln.id].get(acme.id, D("0.00"))
            if bal > 0:
                part = cents(data.draw(st.integers(1, int(bal * 100)), label="move"))
                ledger.transfer(s, ln, part, acme.id, None, DOS)
        elif op == "writeoff":
            limit = cents(data.draw(st.integers(1, 5_000), label="limit"))
            for pid, amt in patient.write_off_small_balances(s, DOS, limit=limit):
                pat_adj[pid] += amt
        elif op == "adjust":
            ln = claim.lines[data.draw(st.integers(0, len(claim.lines) - 1), label="line")]
            amt = cents(data.draw(st.integers(1, 2_000), label="adj"))
            ledger.adjust(s, ln, amt, acme.id, DOS, "MANUAL", kind="adjustment")
            era_adj[claim.id] += amt

    _check(s, claims, pats, charges, era_pay, era_adj, pat_pay, pat_adj)


def _post(s: Session, era: syn.Era) -> posting.PostingResult:
    [(rem, fp, err)] = list(posting.iter_remittances_text(syn.interchange([era])))
    assert rem is not None, err
    return posting.post_remittance(s, rem, fingerprint=fp)


def _check(s: Session, claims: list[ClaimRecord], pats: list[tuple[int, int]], charges: dict[int, Decimal],
           era_pay: dict[int, Decimal], era_adj: dict[int, Decimal], pat_pay: dict[int, Decimal],
           pat_adj: dict[int, Decimal]) -> None:
    zero = D("0.00")

    def identity(t: ledger.Totals, where: str) -> None:
        assert t.charges == t.payments + t.adjustments + t.balance, (where, t)
        assert t.balance == t.insurance_balance + t.patient_balance, (where, t)

    line_sum: dict[int, list[Decimal]] = defaultdict(lambda: [zero, zero, zero, zero])
    for c in claims:
        ids = [ln.id for ln in s.scalars(select(ClaimLine).where(ClaimLine.claim_id == c.id))]
        parties = ledger.line_party_balances(s, ids)  # balances by another query: by line and party
        for lid in ids:
            t = ledger.line_totals(s, lid)
            identity(t, f"line {lid}")
            assert t.balance == sum(parties[lid].values(), zero)
            acc = line_sum[c.id]
            for i, v in enumerate((t.charges, t.payments, t.adjustments, t.balance)):
                acc[i] += v
        ct = ledger.claim_totals(s, c.id)
        identity(ct, f"claim {c.claim_number}")
        assert [ct.charges, ct.payments, ct.adjustments, ct.balance] == line_sum[c.id]
        assert ct.charges == charges[c.id]
    overall = [zero, zero, zero, zero]
    for pid, _cov in pats:
        pt = ledger.patient_totals(s, pid)
        identity(pt, f"patient {pid}")
        mine = [c for c in claims if c.patient_id == pid]
        assert pt.charges == sum((charges[c.id] for c in mine), zero)
        assert pt.payments == sum((era_pay[c.id] for c in mine), zero) + pat_pay[pid]
        assert pt.adjustments == sum((era_adj[c.id] for c in mine), zero) + pat_adj[pid]
        for i, v in enumerate((pt.charges, pt.payments, pt.adjustments, pt.balance)):
            overall[i] += v
    ot = ledger.overall_totals(s)
    identity(ot, "overall")
    assert [ot.charges, ot.payments, ot.adjustments, ot.balance] == overall
