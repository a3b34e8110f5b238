"""Posting from the reader process's claim heads (`remittance_files.claim_heads`) writes exactly what posting
from the built claims writes, on a remittance with every kind of claim posting distinguishes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chartclaim.billing import posting
from chartclaim.billing import synthetic as syn
from chartclaim.store.models import (
    ClaimPayment,
    ClaimRecord,
    ClaimTransition,
    LedgerEntry,
    PostingException,
    ProviderAdjustment,
    RemitAdjustment,
)
from tests.billing.helpers import DOS, setup_practice, submitted_claim

D = Decimal
LP = syn.LinePay


def _claims(s: Session, ids: dict[str, int]) -> None:
    for number, lines in [
        ("P1", [("99213:25", "150.00"), ("36415", "20.00")]),  # matched by procedure (no REF*6R sent)
        ("P2", [("99214", "200.00")]),  # matched by REF*6R
        ("P3", [("99213", "100.00")]),  # denied in full
        ("P4", [("99213", "100.00"), ("81002", "30.00")]),  # partly denied, line remark
        ("P5", [("99214:25:59", "180.00")]),  # the payer dropped a modifier; zero-amount CAS
        ("P6", [("99213", "100.00")]),  # claim-level CAS (unbalanced)
        ("P7", [("99213", "100.00")]),  # unbalanced line
        ("P8", [("99213", "100.00")]),  # a line we never billed
        ("P9", [("99213", "100.00")]),  # crossed over to the supplemental payer
        ("P10", [("93000", "60.00"), ("93000", "70.00")]),  # same procedure twice: the charge decides
        ("P11", [("99213", "100.00")]),  # PI-253, OA-23, claim remarks (MOA)
        ("P12", [("99213", "100.00")]),  # paid twice in this remittance (two payer claim numbers)
        ("P13", [("99213", "100.00")]),  # REF*6R that is only our line number
        ("P14", [("99213", "100.00")]),  # nothing paid, denied, CLP02 1
        ("X1", [("99213", "100.00")]),  # paid earlier: reversed and paid again here
        ("Y1", [("99213", "100.00")]),  # paid earlier: the same payment again (duplicate)
    ]:
        submitted_claim(s, ids, number, lines)
    from chartclaim.billing import practice

    practice.create_claim(s, practice.ClaimInput(  # a draft: never submitted
        patient_id=ids["patient"], payer_id=ids["acme"], coverage_id=ids["coverage"], claim_number="DRAFT1",
        lines=[practice.LineInput(procedure="99213", modifiers=[], charge=D("100"), date_of_service=DOS)]))


def _paid(number: str, trace: str, icn: str) -> syn.Era:
    return syn.Era(trace, [syn.ClaimPay(number, [LP("99213", D("100"), D("70"), [("CO", "45", D("20")),
                                                                                 ("PR", "2", D("10"))],
                                                    date_of_service=DOS)], payer_claim_number=icn)])


def _varied() -> syn.Era:
    return syn.Era("VARIED", [
        syn.ClaimPay("P1", [LP("99213", D("150"), D("80"), [("CO", "45", D("50")), ("PR", "2", D("20"))],
                               modifiers=["25"], date_of_service=DOS),
                            LP("36415", D("20"), D("12"), [("CO", "45", D("3")), ("PR", "3", D("5"))],
                               date_of_service=DOS)]),
        syn.ClaimPay("P2", [LP("99214", D("200"), D("120"), [("CO", "45", D("40")), ("PR", "1", D("40"))],
                               date_of_service=DOS, line_control_number="P2-1")]),
        syn.ClaimPay("P3", [LP("99213", D("100"), D("0"), [("CO", "50", D("100"))], date_of_service=DOS,
                               remarks=["N115"])], status="4"),
        syn.ClaimPay("P4", [LP("99213", D("100"), D("60"), [("CO", "45", D("20")), ("PR", "2", D("20"))],
                               date_of_service=DOS),
                            LP("81002", D("30"), D("0"), [("CO", "97", D("30"))], date_of_service=DOS,
                               remarks=["M15"], line_control_number="P4-2")]),
        syn.ClaimPay("P5", [LP("99214", D("180"), D("150"), [("CO", "45", D("30")), ("CO", "253", D("0"))],
                               modifiers=["25"], date_of_service=DOS)]),
        syn.ClaimPay("P6", [LP("99213", D("100"), D("70"), [("CO", "45", D("20"))], date_of_service=DOS)],
                     claim_adjustments=[("PR", "2", D("10"))]),
        syn.ClaimPay("P7", [LP("99213", D("100"), D("60"), [("CO", "45", D("10"))], date_of_service=DOS)]),
        syn.ClaimPay("P8", [LP("99999", D("100"), D("70"), [("CO", "45", D("30"))], date_of_service=DOS)]),
        syn.ClaimPay("P9", [LP("99213", D("100"), D("60"), [("CO", "45", D("20")), ("PR", "2", D("20"))],
                               date_of_service=DOS)], status="19", crossover_to="SUPPLEMENTAL MUTUAL",
                     remarks=["MA18"]),
        syn.ClaimPay("P10", [LP("93000", D("70"), D("50"), [("CO", "45", D("20"))], date_of_service=DOS),
                             LP("93000", D("60"), D("40"), [("CO", "45", D("15")), ("PR", "2", D("5"))],
                                date_of_service=DOS)]),
        syn.ClaimPay("P11", [LP("99213", D("100"), D("58"), [("PI", "253", D("2")), ("OA", "23", D("30")),
                                                             ("CO", "45", D("10"))], date_of_service=DOS)],
                     remarks=["MA01"]),
        syn.ClaimPay("P12", [LP("99213", D("100"), D("50"), [("CO", "45", D("50"))], date_of_service=DOS)],
                     payer_claim_number="ICN-P12-A"),
        syn.ClaimPay("P12", [LP("99213", D("100"), D("10"), [("CO", "45", D("90"))], date_of_service=DOS)],
                     payer_claim_number="ICN-P12-B"),
        syn.ClaimPay("P13", [LP("99213", D("100"), D("70"), [("CO", "45", D("30"))], date_of_service=DOS,
                                line_control_number="1")]),
        syn.ClaimPay("P14", [LP("99213", D("100"), D("0"), [("CO", "50", D("100"))], date_of_service=DOS)]),
        syn.ClaimPay("X1", [LP("99213", D("-100"), D("-70"), [("CO", "45", D("-20")), ("PR", "2", D("-10"))],
                               date_of_service=DOS)], status="22", payer_claim_number="ICN-X1"),
        syn.ClaimPay("X1", [LP("99213", D("100"), D("75"), [("CO", "45", D("15")), ("PR", "2", D("10"))],
                               date_of_service=DOS)], payer_claim_number="ICN-X1"),
        syn.ClaimPay("Y1", [LP("99213", D("100"), D("70"), [("CO", "45", D("20")), ("PR", "2", D("10"))],
                               date_of_service=DOS)], payer_claim_number="ICN-Y1"),
        syn.ClaimPay("NOPE1", [LP("99213", D("100"), D("70"), [("CO", "45", D("30"))], date_of_service=DOS)],
                     member_id="NOBODY"),
        syn.ClaimPay("DRAFT1", [LP("99213", D("100"), D("70"), [("CO", "45", D("30"))], date_of_service=DOS)]),
    ], plb=[("L6", "P1", D("-1.25"))])


def _snapshot(s: Session, rid: int) -> dict[str, Any]:
    """What posting wrote for remittance `rid`, without surrogate ids and timestamps: rows point at their claim
    payment by its position, transfer keys are replaced by the pair they make."""
    s.flush()
    cps = list(s.execute(select(ClaimPayment).where(ClaimPayment.remittance_id == rid).order_by(ClaimPayment.id))
               .scalars())
    pos = {cp.id: i for i, cp in enumerate(cps)}
    payments = [(cp.claim_id, cp.payer_id, cp.patient_control_number, cp.status_code, cp.charge, cp.paid,
                 cp.patient_responsibility, cp.payer_claim_number, cp.received_on, cp.outcome, cp.crossover_to,
                 cp.detail, posting.claim_payment_detail(cp.detail)) for cp in cps]
    keys: dict[str, int] = {}
    entries = []
    for e in s.execute(select(LedgerEntry).where(LedgerEntry.remittance_id == rid).order_by(LedgerEntry.id)
                       ).scalars():
        pair = None if e.transfer_key is None else keys.setdefault(e.transfer_key, len(keys))
        entries.append((e.kind, e.amount, e.patient_id, e.claim_id, e.claim_line_id, e.payer_id, e.posted_on,
                        e.actor, e.group_code, e.reason_code, e.memo, pair, e.reverses_id is not None,
                        pos.get(e.claim_payment_id or 0)))
    adjs = [(pos[a.claim_payment_id], a.claim_line_id, a.group_code, a.reason_code, a.amount, a.quantity,
             a.treatment, a.denial_category, a.remark_codes)
            for a in s.execute(select(RemitAdjustment).where(RemitAdjustment.claim_payment_id.in_(list(pos)))
                               .order_by(RemitAdjustment.id)).scalars()]
    excs = [(pos.get(x.claim_payment_id or 0), x.claim_id, x.reason, x.detail)
            for x in s.execute(select(PostingException).where(PostingException.remittance_id == rid)
                               .order_by(PostingException.id)).scalars()]
    moves = [(t.claim_id, t.from_status, t.to_status, t.actor, t.reason)
             for t in s.execute(select(ClaimTransition).where(ClaimTransition.remittance_id == rid)
                                .order_by(ClaimTransition.id)).scalars()]
    statuses = sorted(tuple(r) for r in s.execute(
        select(ClaimRecord.claim_number, ClaimRecord.status, ClaimRecord.crossed_over_to)))
    reversed_by = sorted((cp.claim_id, cp.payer_claim_number, pos.get(cp.reversed_by_id or 0))
                         for cp in s.execute(select(ClaimPayment).where(ClaimPayment.reversed_by_id.is_not(None)))
                         .scalars())
    return {"payments": payments, "entries": entries, "adjustments": adjs, "exceptions": excs, "moves": moves,
            "statuses": statuses, "reversed_by": reversed_by}


@pytest.mark.parametrize("secondary", [False, True], ids=["patient-next", "secondary-next"])
def test_posting_from_heads_writes_what_posting_from_claims_writes(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                                   secondary: bool) -> None:
    with Session(engine) as s:
        ids = setup_practice(s, secondary=secondary)
        _claims(s, ids)
        s.commit()
        for era in (_paid("X1", "EARLIER1", "ICN-X1"), _paid("Y1", "EARLIER2", "ICN-Y1")):
            [(rem, fp, _err)] = list(posting.iter_remittances_text(syn.interchange([era])))
            assert rem is not None
            posting.post_remittance(s, rem, fingerprint=fp, balancing_checked=True)
        s.commit()

        [(rem, fp, err)] = list(posting.iter_remittances_text(syn.interchange([_varied()])))
        assert rem is not None and err is None
        [(rem2, _fp, _err)] = list(posting.iter_remittances_text(syn.interchange([_varied()])))
        assert rem2 is not None
        heads = posting.claim_heads(rem2.claims)
        # the claims a head can carry alone have a body; the others are planned from their ClaimPayment
        assert [h[0] for h in heads if h[6] is None] == ["P6", "P7", "X1"]

        planned_from_claims: list[str] = []
        plan_claim = posting._plan_claim

        def spy(cp: Any, *a: Any, **k: Any) -> Any:
            planned_from_claims.append(cp.patient_control_number)
            return plan_claim(cp, *a, **k)

        monkeypatch.setattr(posting, "_plan_claim", spy)
        got = {}
        for mode, h in (("claims", None), ("heads", heads)):
            planned_from_claims.clear()
            r = rem if h is None else rem2
            res = posting.post_remittance(s, r, fingerprint=fp, balancing_checked=True, heads=h)
            assert res.remittance_id is not None
            got[mode] = (_snapshot(s, res.remittance_id), res.claims_posted, res.claims_reversed,
                         res.exceptions, res.ledger_rows, res.provider_adjustments, list(planned_from_claims))
            s.rollback()
        from_claims, from_heads = got["claims"], got["heads"]
        assert from_heads[:6] == from_claims[:6]
        # and the heads path really planned most claims from their heads
        # (the others are the reversal's, planned by _plan_reversal either way, and the exceptions decided before)
        assert len(from_claims[6]) == 17 and sorted(from_heads[6]) == ["DRAFT1", "P6", "P7", "P8"]
        snap = from_heads[0]
        reasons = sorted(r for _cp, _c, r, _d in snap["exceptions"])
        assert reasons == ["claim_not_submitted", "duplicate_payment", "unbalanced", "unbalanced", "unmatched_claim",
                           "unmatched_line"]
        assert snap["reversed_by"] and any(e[12] for e in snap["entries"])  # the reversal reversed rows
        assert any(a[6] == "denial" for a in snap["adjustments"]) and any(a[4] == 0 for a in snap["adjustments"])
        assert any(p[10] for p in snap["payments"])  # the crossover was recorded
        assert {n: st for n, st, _x in snap["statuses"] if n in ("P3", "P4", "P14", "P2")} == {
            "P2": "paid", "P3": "denied", "P4": "partially_paid", "P14": "denied"}
        next_payers = {e[5] for e in snap["entries"] if e[0] == "transfer" and e[1] > 0 and not e[12]}
        assert next_payers == ({ids["supp"]} if secondary else {None})


def test_reader_heads_leave_the_claims_unbuilt(tmp_path: Any) -> None:
    """What the reader process sends: each remittance with heads equal to those of its claims as built, and its
    claims still unbuilt (so it pickles as its segments' text), on a varied 835 in a file."""
    import pickle

    from chartclaim.billing.remittance_files import read_file

    text = syn.interchange([_varied(), _paid("X1", "EARLIER1", "ICN-X1")])
    path = tmp_path / "era.835"
    path.write_text(text)
    items = read_file(str(path))
    assert len(items) == 2
    claims = bodies = 0
    for rem, _fp, err, heads in items:
        assert rem is not None and err is None and heads is not None
        size_unbuilt = len(pickle.dumps(rem))
        assert heads == posting.claim_heads(rem.claims)  # builds and keeps them
        # built claims never travel: a remittance pickles as its segments' text, built or not
        assert len(pickle.dumps(rem)) == size_unbuilt
        claims += len(heads)
        bodies += sum(h[6] is not None for h in heads)
    assert claims == 21 and bodies == 18


def test_stored_detail_text_is_what_the_json_encoder_writes() -> None:
    from chartclaim.store.bulk import _json_encode
    from chartclaim.x12.core import Delimiters

    delims = Delimiters("*", ":", "^", "~")
    loop = 'CLP*P1*1*100*70**12*ICN~\nNM1*QC*1*DÖE*"J"\\\t****MI*M1~\nSVC*HC:99213*100*70'
    for numbers, hn in (([1, 2, 10], "1"), (None, ""), ([3], "")):
        plan = posting._Plan({}, None, loop_x12=loop, line_numbers=numbers, header_number=hn)
        d: dict[str, Any] = {"x12": loop, "delimiters": ["*", ":", "~"]}
        if numbers:
            d["line_numbers"] = numbers
        if hn:
            d["lx"] = hn
        assert posting._stored_detail(plan, delims) == _json_encode(d)


def test_cas_rows_are_ledger_rows_in_column_order() -> None:
    """The ledger rows posting makes as tuples are, column by column, the rows ledger.entry_row describes."""
    from chartclaim.billing import ledger

    base = (11, 12, DOS, "poster", 13, 14)  # claim, patient, posted on, actor, remittance, claim payment
    entries: list[tuple[Any, ...]] = []
    adjs: list[dict[str, Any]] = []
    denied = posting._cas_rows(entries, adjs, base, 15, "P", 16, 17,
                               [("CO", "45", D("20.005"), None), ("PR", "2", D("10"), None),
                                ("CO", "50", D("5"), D("1"))], ("N115",))
    rows = [dict(zip(ledger.COLUMNS, e, strict=True)) for e in entries]
    key = rows[1]["transfer_key"]
    common = {"claim_line_id": 15, "claim_id": 11, "patient_id": 12, "posted_on": DOS, "actor": "poster",
              "remittance_id": 13, "claim_payment_id": 14}
    assert rows == [
        {**ledger.ENTRY_DEFAULTS, **common, "kind": "adjustment", "amount": D("-20.01"), "payer_id": 16,
         "group_code": "CO", "reason_code": "45"},
        {**ledger.ENTRY_DEFAULTS, **common, "kind": "transfer", "amount": D("-10.00"), "payer_id": 16,
         "group_code": "PR", "reason_code": "2", "transfer_key": key},
        {**ledger.ENTRY_DEFAULTS, **common, "kind": "transfer", "amount": D("10.00"), "payer_id": 17,
         "group_code": "PR", "reason_code": "2", "transfer_key": key}]
    assert key and len(key) == 20
    assert denied == 5 and [(a["group_code"], a["reason_code"], a["treatment"], a["remark_codes"]) for a in adjs] == [
        ("CO", "50", "denial", "N115")]
    assert posting._ledger_row("payment", D("-1.00"), 15, 16, None, None, None, base) == tuple(
        {**ledger.ENTRY_DEFAULTS, **common, "kind": "payment", "amount": D("-1.00"), "payer_id": 16}[c]
        for c in ledger.COLUMNS)


def _straightforward_inserts(monkeypatch: pytest.MonkeyPatch) -> None:
    """store.bulk's inserts and id lists replaced by the plain SQLAlchemy statements they stand for (one Core
    executemany with the types' own bind processing, an IN list), for the oracle below."""
    import json

    from sqlalchemy import insert

    from chartclaim.billing import lifecycle
    from chartclaim.store import bulk

    def plain(v: Any) -> Any:  # JSON already encoded: the value it encodes, which the JSON type encodes again
        return json.loads(v) if isinstance(v, bulk.JSONText) else v

    def insert_columns(session: Session, table: Any, keys: list[str], columns: list[Any], n: int) -> int:
        session.connection().execute(insert(table), [{k: plain(v) for k, v in zip(keys, row, strict=True)}
                                                     for row in zip(*columns, strict=True)])
        return n

    def in_list(session: Session, column: Any, values: Any) -> Any:
        return column.in_(list(values))

    monkeypatch.setattr(bulk, "_insert_columns", insert_columns)
    for module in (bulk, posting, lifecycle):
        monkeypatch.setattr(module, "in_values", in_list)


def _more() -> syn.Era:
    """A reversal and its corrected payment, claim-level CAS spread over two lines, a denial with a crossover
    remark, a PLB: with `_varied`, every kind of row posting writes."""
    return syn.Era("MORE", [
        syn.ClaimPay("P2", [LP("99214", D("-200"), D("-120"), [("CO", "45", D("-40")), ("PR", "1", D("-40"))],
                               date_of_service=DOS, line_control_number="P2-1")], status="22"),
        syn.ClaimPay("P2", [LP("99214", D("200"), D("130"), [("CO", "45", D("40")), ("PR", "1", D("30"))],
                               date_of_service=DOS, line_control_number="P2-1")]),
        syn.ClaimPay("P10", [LP("93000", D("70"), D("50"), [("CO", "45", D("20"))], date_of_service=DOS),
                             LP("93000", D("60"), D("40"), [("CO", "45", D("15")), ("PR", "2", D("5"))],
                                date_of_service=DOS)], claim_adjustments=[("PR", "2", D("10"))],
                     payer_claim_number="ICN-P10-2"),
        syn.ClaimPay("P3", [LP("99213", D("100"), D("0"), [("CO", "50", D("100"))], date_of_service=DOS)],
                     status="4", payer_claim_number="ICN-P3-2", remarks=["MA18"]),
    ], plb=[("WO", "X", D("3.10"))])


@pytest.mark.parametrize("secondary", [False, True], ids=["patient-next", "secondary-next"])
def test_posting_writes_what_plain_inserts_write(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                 secondary: bool) -> None:
    """Oracle for the bulk writing (binary COPY with pre-encoded money, array literals, tuple rows): the same
    remittances posted with plain SQLAlchemy inserts and IN lists write the same rows."""
    with Session(engine) as s:
        ids = setup_practice(s, secondary=secondary)
        _claims(s, ids)
        s.commit()
    eras = [_paid("X1", "EARLIER1", "ICN-X1"), _paid("Y1", "EARLIER2", "ICN-Y1"), _varied(), _more()]
    # the claim-level CAS of P10 over both lines: CLP03 above the lines' charges (the reader checks CLP03 − CLP04)
    text = syn.interchange(eras).replace("CLP*P10*1*130*90*15*", "CLP*P10*1*140*90*15*")
    got = []
    for plain in (False, True):
        if plain:
            _straightforward_inserts(monkeypatch)
        with Session(engine) as s:
            snaps = []
            for rem, fp, err in posting.iter_remittances_text(text):
                assert rem is not None and err is None
                res = posting.post_remittance(s, rem, fingerprint=fp, balancing_checked=True,
                                              heads=posting.heads_of(rem))
                assert res.remittance_id is not None
                snaps.append((_snapshot(s, res.remittance_id), res.claims_posted, res.claims_reversed,
                              res.exceptions, res.ledger_rows, res.provider_adjustments))
            plb = s.execute(select(ProviderAdjustment.reason_code, ProviderAdjustment.reference,
                                   ProviderAdjustment.amount).order_by(ProviderAdjustment.id)).all()
            got.append((snaps, plb))
            s.rollback()
    monkeypatch.undo()
    # a reversal's memo names the reversed payment's id, which PostgreSQL's sequence does not roll back
    assert [re.sub(r"payment #\d+", "payment #", repr(g)) for g in got] == [re.sub(r"payment #\d+", "payment #",
                                                                                   repr(got[1]))] * 2
    assert "reversal (CLP02 22) of claim payment #" in repr(got[0])
    snaps, plb = got[0]
    assert [sn[1:3] for sn in snaps] == [(1, 0), (1, 0), (13, 1), (3, 1)] and plb == [("L6", "P1", D("-1.25")),
                                                                                    ("WO", "X", D("3.10"))]
    last = snaps[3][0]
    assert any(p[9] == "reversal" for p in last["payments"]) and len({e[11] for e in last["entries"]}) > 2


def test_signed_money_is_rounding_each_sign() -> None:
    """The shared (-amount, amount) pairs are what rounding -amount and amount half up to cents makes, digits
    and exponent alike, for amounts equal in value but written differently too."""
    amounts = [D("20.005"), D("-20.005"), D("0.015"), D("1E+1"), D("10"), D("10.000"), D("-0.004"), D("99999.995"),
               D("3.14159"), D("70")]
    for a in amounts:
        out, into = posting._signed_money(a)
        assert (str(out), str(into)) == (str(posting._money(-a)), str(posting._money(a)))
