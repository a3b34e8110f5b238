"""PDF documents: CMS-1500 boxes, patient statement arithmetic and layout, appeal letter content."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from typer.testing import CliRunner

from chartclaim.billing.denials import explain_denial
from chartclaim.billing.documents import (
    AgingBuckets,
    AppealLetter,
    Cms1500Error,
    PaymentPlanInfo,
    PracticeInfo,
    StatementData,
    StatementLine,
    appeal_for_claim,
    default_argument,
    render_appeal_letter,
    render_cms1500,
    render_statement,
)
from chartclaim.claim import Address, Claim, load_claims

D = Decimal
DATA = Path(__file__).parent / "data"
PAGE_H_MM = 279.4


@pytest.fixture(scope="module")
def claim() -> Claim:
    return load_claims(DATA / "claim_8_lines.json")[0]


def _text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def _placed(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """Every text run with its position in mm from the top-left corner."""
    out: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x_pt = tm[4] * cm[0] + cm[4]
            y_pt = tm[5] * cm[3] + cm[5]
            out.append((text.strip(), x_pt / 72 * 25.4, PAGE_H_MM - y_pt / 72 * 25.4))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def _in_box(placed: list[tuple[str, float, float]], text: str, x0: float, x1: float, y0: float, y1: float) -> bool:
    return any(t == text and x0 <= x <= x1 and y0 <= y <= y1 for t, x, y in placed)


# --- CMS-1500 ----------------------------------------------------------------------------------------------------


def test_cms1500_data_lands_in_the_numbered_boxes(claim: Claim) -> None:
    pdf = render_cms1500(claim)
    p = _placed(pdf, 0)
    # (text, box) with the box rectangles of our 02/12 layout in mm: x0, x1, y0, y1
    assert _in_box(p, "XKP903311207", 136, 208, 30, 39)          # 1a insured's ID
    assert _in_box(p, "QUILL, ROBIN", 8, 88, 39, 48)             # 2 patient's name
    assert _in_box(p, "11 23 2012", 88, 136, 39, 48)             # 3 patient's birth date
    assert _in_box(p, "QUILL, DANA", 136, 208, 39, 48)           # 4 insured's name
    assert _in_box(p, "QUILL, ROBIN", 8, 88, 75, 84)             # 9 other insured's name
    assert _in_box(p, "MCD55120", 8, 88, 84, 93)                 # 9a other insured's policy
    assert _in_box(p, "STATE MEDICAID DEMO", 8, 88, 111, 120)    # 9d other plan name
    assert _in_box(p, "GRP-88120", 136, 208, 75, 84)             # 11 insured's group
    assert _in_box(p, "PRAIRIE MUTUAL HEALTH PLAN", 136, 208, 102, 111)  # 11c plan name
    assert _in_box(p, "SIGNATURE ON FILE", 8, 136, 120, 132)     # 12
    assert _in_box(p, "SIGNATURE ON FILE", 136, 208, 120, 132)   # 13
    assert _in_box(p, "03 12 2025  431", 8, 72, 132, 141)        # 14 onset + qualifier
    assert _in_box(p, "DN LEE BRANDT", 8, 88, 141, 150)          # 17 referring provider
    assert _in_box(p, "1609870001", 88, 136, 145, 150)           # 17b NPI
    assert _in_box(p, "J020", 8, 136, 159, 177)                  # 21 A (no decimal point)
    assert _in_box(p, "H6121", 8, 136, 159, 177)                 # 21 L
    assert _in_box(p, "AUTH-77120", 136, 208, 168, 177)          # 23 prior authorization
    assert _in_box(p, "99214", 70, 88, 190, 195)                 # 24D line 1
    assert _in_box(p, "25", 88, 94, 190, 195)                    # 24D line 1 first modifier
    assert _in_box(p, "ABCD", 112, 124, 190, 195)                # 24E pointers
    assert _in_box(p, "327", 124, 140, 190, 195)                 # 24F dollars
    assert _in_box(p, "1467560003", 170, 208, 190, 195)          # 24J rendering NPI
    assert _in_box(p, "N400409379501", 8, 70, 215, 219)          # line 4 shaded NDC
    assert _in_box(p, "123456789", 8, 60, 245, 254)              # 25 tax ID
    assert _in_box(p, "PCN-20250314-0042", 60, 100, 245, 254)    # 26 account no.
    assert _in_box(p, "502 50", 136, 165, 245, 254)              # 28 page total (lines 1-6)
    assert _in_box(p, "1234567893", 136, 208, 254, 271)          # 33a billing NPI
    assert _in_box(p, "ZZ207Q00000X", 136, 208, 254, 271)        # 33b taxonomy
    # and not somewhere else: the member ID is not in item 2, line 7 is not on page 1
    assert not _in_box(p, "XKP903311207", 8, 136, 39, 271)
    assert not any(t == "73610" for t, _, _ in p)


def test_cms1500_continuation_page_and_totals(claim: Claim) -> None:
    pdf = render_cms1500(claim)
    pages = _text(pdf)
    assert len(pages) == 2
    assert "PAGE 1 OF 2" in pages[0] and "PAGE 2 OF 2" in pages[1]
    p2 = _placed(pdf, 1)
    assert _in_box(p2, "73610", 70, 88, 190, 195)  # line 7 is the first line of page 2
    assert _in_box(p2, "26", 88, 94, 190, 195) and _in_box(p2, "RT", 94, 100, 190, 195)
    page_totals = [D("502.50"), D("116.00")]
    assert sum(page_totals) == claim.total_charge
    assert _in_box(p2, "116 00", 136, 165, 245, 254)
    # every page repeats the header items
    assert "XKP903311207" in pages[1] and "J020" in pages[1]


def test_cms1500_checkboxes_follow_the_claim(claim: Claim) -> None:
    p = _placed(render_cms1500(claim))
    xs = [(x, y) for t, x, y in p if t == "X"]
    # item 1 GROUP HEALTH PLAN box (filing indicator CI) sits at x = 8 + 69
    assert any(76 <= x <= 80 and 30 <= y <= 39 for x, y in xs)
    # item 6 Child, item 27 YES, 11d YES
    assert any(110 <= x <= 116 and 48 <= y <= 57 for x, y in xs)
    assert any(100 <= x <= 106 and 245 <= y <= 254 for x, y in xs)
    assert any(136 <= x <= 142 and 111 <= y <= 120 for x, y in xs)
    medicare = claim.model_copy(update={"payer": claim.payer.model_copy(update={"filing_indicator": "MB"})})
    xs2 = [(x, y) for t, x, y in _placed(render_cms1500(medicare)) if t == "X"]
    assert any(8 <= x <= 12 and 30 <= y <= 39 for x, y in xs2)


def test_cms1500_resubmission_code_and_reference(claim: Claim) -> None:
    corrected = claim.model_copy(update={"frequency": "7", "original_claim_number": "PM2025031400917"})
    p = _placed(render_cms1500(corrected))
    assert _in_box(p, "7", 136, 160, 159, 168)
    assert _in_box(p, "PM2025031400917", 160, 208, 159, 168)


def test_cms1500_refuses_what_the_form_cannot_carry(claim: Claim) -> None:
    too_many = claim.model_copy(update={"diagnoses": (*claim.diagnoses, "R51.9")})
    with pytest.raises(Cms1500Error, match="diagnoses: 13 diagnoses"):
        render_cms1500(too_many)
    bad_line = claim.lines[0].model_copy(update={"dx_pointers": (1, 2, 3, 4, 5)})
    with pytest.raises(Cms1500Error, match=r"lines\[0\]\.dx_pointers"):
        render_cms1500(claim.model_copy(update={"lines": (bad_line,)}))
    with pytest.raises(Cms1500Error, match="claim_type"):
        render_cms1500(claim.model_copy(update={"claim_type": "institutional"}))
    # a bad claim in a batch stops the batch before anything is drawn
    with pytest.raises(Cms1500Error):
        render_cms1500([claim, too_many])


def test_cms1500_is_reproducible_and_survives_non_latin_text(claim: Claim) -> None:
    assert render_cms1500(claim) == render_cms1500(claim)
    odd = claim.model_copy(update={"note": "Seen by Dr Zoë Ångström — follow-up ≤ 2 weeks"})
    text = _text(render_cms1500(odd))[0]
    assert "ZOË ÅNGSTRÖM - FOLLOW-UP <= 2 WEEKS" in text


def test_cli_cms1500(tmp_path: Path) -> None:
    from chartclaim.cli import app

    out = tmp_path / "claim.pdf"
    r = CliRunner().invoke(app, ["claims", "cms1500", str(DATA / "claim_8_lines.json"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "2 page(s)" in r.output and len(PdfReader(out).pages) == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"claim_id": "X"}')
    r = CliRunner().invoke(app, ["claims", "cms1500", str(bad), "-o", str(tmp_path / "no.pdf")])
    assert r.exit_code == 1 and not (tmp_path / "no.pdf").exists()


# --- statements ----------------------------------------------------------------------------------------------------

PRACTICE = PracticeInfo(name="Maple Grove Family Medicine",
                        address=Address(line1="200 Main Street", city="Springfield", state="IL", zip="62701"),
                        phone="(217) 555-0142", pay_online_url="https://pay.example/bill",
                        remit_address=Address(line1="PO Box 77", city="Springfield", state="IL", zip="62705"))
HOME = Address(line1="14 Orchard Lane", city="Chatham", state="IL", zip="62629")


def _statement(lines: tuple[StatementLine, ...], **kw: object) -> StatementData:
    return StatementData(statement_date=dt.date(2025, 3, 31), account_number="A-100245", practice=PRACTICE,
                         patient_name="Robin Quill", guarantor_name="Dana Quill", guarantor_address=HOME,
                         lines=lines, due_date=dt.date(2025, 4, 25), **kw)  # type: ignore[arg-type]


LINES = (
    StatementLine(dt.date(2025, 3, 6), "Office visit", D("327.00"), D("150.12"), D("120.00"), code="99214"),
    StatementLine(dt.date(2025, 1, 20), "Rapid strep test", D("33.00"), D("0"), D("12.00"), code="87880"),
    StatementLine(dt.date(2024, 10, 1), "Earwax removal", D("94.00"), D("40.00"), D("30.00"), code="69210"),
    StatementLine(dt.date(2025, 3, 14), "Flu vaccine", D("42.00"), insurance_pending=D("42.00"), code="90686"),
    StatementLine(dt.date(2025, 2, 10), "Payment - thank you", patient_paid=D("10.00")),
)


def test_statement_totals_and_aging_are_derived_from_lines() -> None:
    s = _statement(LINES)
    assert s.total_charges == D("496.00") and s.total_insurance_paid == D("190.12")
    assert s.amount_due == D("56.88") + D("21.00") + D("24.00") - D("10.00")
    a = s.aging_buckets
    # the 10.00 credit goes against the oldest balance (over 120 days: 24.00 -> 14.00)
    assert (a.current, a.days_31_60, a.days_61_90, a.days_91_120, a.over_120) == (
        D("56.88"), D("0"), D("21.00"), D("0"), D("14.00"))
    assert a.total == s.amount_due


def test_statement_pdf_shows_lines_totals_aging_and_stub() -> None:
    s = _statement(LINES, messages=("We now text appointment reminders.",))
    pdf = render_statement(s)
    text = "\n".join(_text(pdf))
    for needle in ("PATIENT STATEMENT", "A-100245", "99214", "Office visit", "-$150.12", "Insurance paid",
                   "Adjustments", "Current (0-30 days)", "Over 120 days", "$91.88", "How to pay",
                   "https://pay.example/bill", "Amount enclosed", "PO Box 77", "Please detach",
                   "still with insurance", "We now text appointment reminders."):
        assert needle in text, needle
    assert render_statement(s) == pdf  # reproducible bytes


def test_statement_credit_balance_and_payment_plan() -> None:
    credit = _statement((StatementLine(dt.date(2025, 3, 1), "Visit", D("100"), D("80"), D("20"), D("15")),))
    assert credit.amount_due == D("-15") and credit.due_now == D("0")
    assert "Credit on your account" in _text(render_statement(credit))[0]
    plan = _statement(LINES, payment_plan=PaymentPlanInfo(D("25.00"), dt.date(2025, 4, 15), 4, missed=1))
    assert plan.due_now == D("25.00")
    text = _text(render_statement(plan))[0]
    assert "Amount due now" in text and "1 payment(s) missed" in text


def test_statement_runs_onto_more_pages_when_long() -> None:
    many = tuple(StatementLine(dt.date(2025, 1, 1) + dt.timedelta(days=i), f"Visit {i}", D("50"), D("30"), D("10"),
                               code="99213", note="Coinsurance") for i in range(40))
    pdf = render_statement(_statement(many))
    pages = _text(pdf)
    assert len(pages) >= 2 and "(continued)" in pages[1]
    assert "Visit 0" in pages[0] and "Visit 39" in "\n".join(pages)
    assert "$400.00" in "\n".join(pages)  # 40 x 10.00


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 50000), st.integers(0, 100), st.integers(0, 100),
                          st.integers(0, 100)), min_size=1, max_size=12))
def test_aging_buckets_always_sum_to_the_amount_due(rows: list[tuple[int, int, int, int, int]]) -> None:
    as_of = dt.date(2025, 6, 30)
    lines = []
    for age, cents, ins_pct, adj_pct, pat_pct in rows:
        charge = D(cents) / 100
        ins = (charge * ins_pct / 100).quantize(D("0.01"))
        adj = ((charge - ins) * adj_pct / 100).quantize(D("0.01"))
        pat = ((charge - ins - adj) * pat_pct / 100).quantize(D("0.01")) + (D("5") if pat_pct > 90 else 0)
        lines.append(StatementLine(as_of - dt.timedelta(days=age), "x", charge, ins, adj, pat))
    a = AgingBuckets.from_lines(lines, as_of)
    assert a.total == sum((ln.patient_balance for ln in lines), D(0))
    if a.total >= 0:
        assert min(a.current, a.days_31_60, a.days_61_90, a.days_91_120, a.over_120) >= 0


# --- appeal letters ----------------------------------------------------------------------------------------------


def test_appeal_letter_has_facts_reasons_argument_and_excerpt(claim: Claim) -> None:
    denial = explain_denial("CO", "97", ["M15"], D("56.00"))
    excerpt = "Procedure note: IM ketorolac 30 mg, left deltoid, for chest wall pain separate from the visit."
    letter = appeal_for_claim(claim, [denial], excerpt, dt.date(2025, 4, 2), payer_claim_number="PM2025031400917",
                              denial_date=dt.date(2025, 3, 28), line_numbers=(3,))
    assert letter.argument == default_argument(denial, claim) and "separate and distinct" in letter.argument
    text = " ".join(" ".join(_text(render_appeal_letter(letter))).split())
    for needle in ("Request for reconsideration", "PM2025031400917", "PCN-20250314-0042", "XKP903311207",
                   "Robin Quill", "03/14/2025", "03/28/2025", "$618.50", "96372", "J45.20", "CO-97 M15",
                   "Bundling / NCCI", "included in another service's payment", "Why the claim should be paid",
                   "separate and distinct", "IM ketorolac 30 mg", "Enclosures", "NPI 1467560003"):
        assert needle in text, needle
    assert "99214" not in text.split("Services under appeal")[1].split("Reason(s)")[0]  # only line 3


def test_appeal_argument_uses_claim_facts(claim: Claim) -> None:
    tf = explain_denial("CO", "29")
    assert "03/20/2025" in default_argument(tf, claim)  # submitted_on
    assert "03/14/2025" in default_argument(explain_denial("CO", "27"), claim)


def test_appeal_letter_refuses_incomplete_input(claim: Claim) -> None:
    base = dict(claim=claim, argument="x", documentation_excerpt="y", letter_date=dt.date(2025, 4, 2))
    with pytest.raises(ValueError, match="at least one denial"):
        render_appeal_letter(AppealLetter(denials=(), **base))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="line 9 does not exist"):
        render_appeal_letter(AppealLetter(denials=(explain_denial("CO", "50"),), line_numbers=(9,),
                                          **base))  # type: ignore[arg-type]


def test_cli_denials_explain_and_letter(tmp_path: Path, claim: Claim) -> None:
    from chartclaim.cli import app

    runner = CliRunner()
    # --descriptions with an empty folder keeps the test off the user's compiled code sets
    r = runner.invoke(app, ["denials", "explain", "CO-16", "M51", "--json", "--descriptions", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert '"category": "coding"' in r.output and '"deciding_code": "RARC M51"' in r.output
    excerpt = tmp_path / "note.txt"
    excerpt.write_text("Assessment: strep pharyngitis; injection given for a separate problem.")
    out = tmp_path / "appeal.pdf"
    r = runner.invoke(app, ["denials", "letter", str(DATA / "claim_8_lines.json"), "-d", "CO-97 M15",
                            "--excerpt", str(excerpt), "-o", str(out), "--line", "3", "--descriptions", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "separate problem" in " ".join(_text(out.read_bytes()))


def test_cms1500_minimal_self_pay_medicare_claim() -> None:
    from chartclaim.claim import parse_claim

    c = parse_claim({
        "claim_id": "C1", "payer": {"id": "MCR", "name": "Medicare Part B", "filing_indicator": "MB"},
        "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "Solo Doc",
                             "address": {"line1": "1 A St", "city": "Town", "state": "TX", "zip": "75001"}},
        "subscriber": {"member_id": "1EG4TE5MK73", "first_name": "Ann", "last_name": "Lee"},
        "diagnoses": ["I10"],
        "lines": [{"procedure": "99213", "charge": "150", "date_of_service": "2025-02-03"}],
    })
    pdf = render_cms1500(c)
    pages = _text(pdf)
    assert len(pages) == 1 and "PAGE" not in pages[0]
    p = _placed(pdf)
    assert _in_box(p, "LEE, ANN", 8, 88, 39, 48) and _in_box(p, "LEE, ANN", 136, 208, 39, 48)
    assert _in_box(p, "150 00", 136, 165, 245, 254)
    assert _in_box(p, "I10", 8, 136, 159, 177)
    xs = [(x, y) for t, x, y in p if t == "X"]
    assert any(8 <= x <= 12 and 30 <= y <= 39 for x, y in xs)        # item 1 Medicare
    assert any(88 <= x <= 92 and 48 <= y <= 57 for x, y in xs)       # item 6 Self
    assert any(150 <= x <= 154 and 111 <= y <= 120 for x, y in xs)   # 11d NO
