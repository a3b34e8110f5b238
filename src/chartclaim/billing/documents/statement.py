"""Patient statements: what was done, what insurance paid and adjusted, what the patient paid, what is due,
how old it is, how to pay, and a remit stub to tear off and mail back.

The billing core fills ``StatementData`` from the ledger; this module only lays it out. Every total printed is
derived from the lines here, so the statement can never disagree with itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from fpdf import FPDF

from chartclaim.billing.documents._pdf import latin1, mdy, money, new_document, to_bytes
from chartclaim.claim import Address

ZERO = Decimal(0)
INK = (25, 45, 80)
GREY = (110, 110, 110)
PALE = (236, 241, 248)


@dataclass(frozen=True)
class PracticeInfo:
    """Who the statement is from and how to reach and pay them."""

    name: str
    address: Address
    phone: str
    remit_address: Address | None = None  # where checks go, when not the practice address
    pay_online_url: str | None = None
    billing_email: str | None = None
    office_hours: str | None = None
    tax_id: str | None = None
    accepts_cards: tuple[str, ...] = ("VISA", "MASTERCARD", "DISCOVER", "AMEX")


@dataclass(frozen=True)
class StatementLine:
    """One service (or a patient payment/credit with charge 0). Amounts are positive as money moved:
    ``balance = charge - insurance_paid - adjustments - patient_paid``; ``insurance_pending`` is the part of
    that balance still waiting on a payer, not yet due from the patient."""

    date: dt.date
    description: str
    charge: Decimal = ZERO
    insurance_paid: Decimal = ZERO
    adjustments: Decimal = ZERO
    patient_paid: Decimal = ZERO
    insurance_pending: Decimal = ZERO
    code: str | None = None
    provider: str | None = None
    claim_id: str | None = None
    note: str | None = None  # e.g. "Deductible", "Sent to Prairie Mutual 03/20"
    aging_date: dt.date | None = None  # when the patient's share became due (default: the service date)

    @property
    def balance(self) -> Decimal:
        return self.charge - self.insurance_paid - self.adjustments - self.patient_paid

    @property
    def patient_balance(self) -> Decimal:
        return self.balance - self.insurance_pending


@dataclass(frozen=True)
class AgingBuckets:
    """Patient balance by age in days: 0–30 (current), 31–60, 61–90, 91–120, over 120."""

    current: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_91_120: Decimal = ZERO
    over_120: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.current + self.days_31_60 + self.days_61_90 + self.days_91_120 + self.over_120

    @classmethod
    def from_lines(cls, lines: Sequence[StatementLine], as_of: dt.date) -> AgingBuckets:
        b = [ZERO] * 5
        credits = ZERO
        for ln in lines:
            amt = ln.patient_balance
            if amt < 0:
                credits += amt  # unapplied payments/credits reduce the oldest balance first
                continue
            age = (as_of - (ln.aging_date or ln.date)).days
            idx = 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3 if age <= 120 else 4
            b[idx] += amt
        for idx in (4, 3, 2, 1, 0):
            if credits == 0:
                break
            use = min(b[idx], -credits)
            b[idx] -= use
            credits += use
        b[0] += credits  # a remaining credit shows as a negative current balance
        return cls(*b)


@dataclass(frozen=True)
class PaymentPlanInfo:
    installment: Decimal
    next_due: dt.date
    remaining_installments: int
    missed: int = 0


@dataclass(frozen=True)
class StatementData:
    statement_date: dt.date
    account_number: str
    practice: PracticeInfo
    patient_name: str
    guarantor_name: str
    guarantor_address: Address
    lines: tuple[StatementLine, ...]
    due_date: dt.date | None = None
    statement_number: str | None = None
    messages: tuple[str, ...] = ()
    payment_plan: PaymentPlanInfo | None = None
    aging: AgingBuckets | None = None  # default: computed from the lines as of the statement date
    previous_balance: Decimal | None = None
    language: str = "en"

    @property
    def total_charges(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), ZERO)

    @property
    def total_insurance_paid(self) -> Decimal:
        return sum((ln.insurance_paid for ln in self.lines), ZERO)

    @property
    def total_adjustments(self) -> Decimal:
        return sum((ln.adjustments for ln in self.lines), ZERO)

    @property
    def total_patient_paid(self) -> Decimal:
        return sum((ln.patient_paid for ln in self.lines), ZERO)

    @property
    def insurance_pending(self) -> Decimal:
        return sum((ln.insurance_pending for ln in self.lines), ZERO)

    @property
    def amount_due(self) -> Decimal:
        """What the patient owes now (negative: a credit the practice owes back)."""
        return sum((ln.patient_balance for ln in self.lines), ZERO)

    @property
    def aging_buckets(self) -> AgingBuckets:
        return self.aging or AgingBuckets.from_lines(self.lines, self.statement_date)

    @property
    def due_now(self) -> Decimal:
        """With a payment plan only the installment is due; otherwise the whole amount."""
        if self.payment_plan and self.amount_due > 0:
            return min(self.payment_plan.installment, self.amount_due)
        return max(self.amount_due, ZERO)


@dataclass
class _Cursor:
    pdf: FPDF
    y: float = 0.0
    page: int = 0
    pages: list[int] = field(default_factory=list)


def _addr_lines(a: Address) -> list[str]:
    return [a.line1, *([a.line2] if a.line2 else []), f"{a.city}, {a.state} {a.zip}"]


def _text(pdf: FPDF, x: float, y: float, s: str, size: float = 9, style: str = "",
          color: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.set_text_color(*color)
    pdf.text(x, y, latin1(s))


def _rtext(pdf: FPDF, x_right: float, y: float, s: str, size: float = 9, style: str = "",
           color: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font("Helvetica", style, size)
    w = pdf.get_string_width(latin1(s))
    _text(pdf, x_right - w, y, s, size, style, color)


def _fit(pdf: FPDF, s: str, width: float, size: float) -> str:
    pdf.set_font("Helvetica", "", size)
    s = latin1(s)
    if pdf.get_string_width(s) <= width:
        return s
    while s and pdf.get_string_width(s + "...") > width:
        s = s[:-1]
    return s + "..."


# Column right edges for money and the left edges of text columns (mm).
_COLS = {"date": 15.0, "desc": 36.0, "charge": 118.0, "ins": 138.0, "adj": 158.0, "pat": 178.0, "bal": 200.0}
_STUB_TOP = 214.0
_LINES_BOTTOM = 258.0  # continuation pages carry lines only, down to here
_FINAL_BLOCK_H = 68.0  # totals + aging + how to pay


def render_statement(data: StatementData) -> bytes:
    """The statement as PDF bytes: header, itemised services, totals, aging, how to pay, remit stub."""
    pdf = new_document(f"Statement {data.account_number}", data.practice.name, data.statement_date)
    pdf.add_page()
    y = _header(pdf, data)
    y = _table_header(pdf, y)
    lines = sorted(data.lines, key=lambda ln: (ln.date, ln.claim_id or "", ln.description))
    for ln in lines:
        row_h = 5.0 + (3.6 if ln.note or ln.provider else 0)
        if y + row_h > _LINES_BOTTOM:
            _footer(pdf, data, continued=True)
            pdf.add_page()
            y = _table_header(pdf, _continuation_header(pdf, data))
        y = _line_row(pdf, ln, y)
    # Totals, aging, how to pay and the stub stay together on the last page.
    if y + _FINAL_BLOCK_H > _STUB_TOP:
        _footer(pdf, data, continued=True)
        pdf.add_page()
        y = _continuation_header(pdf, data) + 4
    y = _totals(pdf, data, y)
    y = _aging(pdf, data, y + 3)
    _how_to_pay(pdf, data, y + 3)
    _footer(pdf, data, continued=False)
    _remit_stub(pdf, data)
    return to_bytes(pdf)


def _header(pdf: FPDF, d: StatementData) -> float:
    p = d.practice
    _text(pdf, 15, 20, p.name, 14, "B", INK)
    for i, s in enumerate([*_addr_lines(p.address), f"Phone {p.phone}"]):
        _text(pdf, 15, 25.5 + i * 4.2, s, 9)
    _rtext(pdf, 200, 20, "PATIENT STATEMENT", 14, "B", INK)
    info = [("Statement date", mdy(d.statement_date)), ("Account number", d.account_number),
            ("Patient", d.patient_name)]
    if d.statement_number:
        info.append(("Statement number", d.statement_number))
    for i, (k, v) in enumerate(info):
        _rtext(pdf, 160, 26 + i * 4.5, k, 8.5, "", GREY)
        _text(pdf, 162, 26 + i * 4.5, v, 9, "B")
    # Amount-due panel
    pdf.set_fill_color(*PALE)
    pdf.set_draw_color(*INK)
    pdf.rect(120, 46, 80, 20, style="DF")
    label = "Credit on your account" if d.amount_due < 0 else "Amount due now" if d.payment_plan else "Amount due"
    _text(pdf, 124, 52, label, 9, "B", INK)
    _rtext(pdf, 196, 53, money(abs(d.amount_due) if d.amount_due < 0 else d.due_now), 15, "B", INK)
    if d.due_date and d.amount_due > 0:
        _text(pdf, 124, 58.5, f"Please pay by {mdy(d.due_date)}", 9)
    if d.insurance_pending:
        _text(pdf, 124, 63, f"Waiting on insurance: {money(d.insurance_pending)}", 8.5, "", GREY)
    _text(pdf, 15, 52, "Bill to", 8.5, "", GREY)
    for i, s in enumerate([d.guarantor_name, *_addr_lines(d.guarantor_address)]):
        _text(pdf, 15, 57 + i * 4.2, s, 9, "B" if i == 0 else "")
    return 74.0


def _continuation_header(pdf: FPDF, d: StatementData) -> float:
    _text(pdf, 15, 20, d.practice.name, 11, "B", INK)
    _rtext(pdf, 200, 20, f"Statement {mdy(d.statement_date)} - account {d.account_number} (continued)", 9)
    return 28.0


def _table_header(pdf: FPDF, y: float) -> float:
    pdf.set_fill_color(*INK)
    pdf.rect(15, y, 185, 6.5, style="F")
    c = _COLS
    white = (255, 255, 255)
    _text(pdf, c["date"] + 1, y + 4.4, "Date", 8, "B", white)
    _text(pdf, c["desc"], y + 4.4, "Service", 8, "B", white)
    for key, title in (("charge", "Charges"), ("ins", "Insurance paid"), ("adj", "Adjustments"),
                       ("pat", "You paid"), ("bal", "Balance")):
        _rtext(pdf, c[key] - 0.5, y + 4.4, title, 7.5, "B", white)
    return y + 10.5


def _line_row(pdf: FPDF, ln: StatementLine, y: float) -> float:
    c = _COLS
    _text(pdf, c["date"] + 1, y, mdy(ln.date), 8.5)
    desc = f"{ln.code}  {ln.description}" if ln.code else ln.description
    _text(pdf, c["desc"], y, _fit(pdf, desc, c["charge"] - c["desc"] - 18, 8.5), 8.5)
    for key, amt in (("charge", ln.charge), ("ins", -ln.insurance_paid), ("adj", -ln.adjustments),
                     ("pat", -ln.patient_paid), ("bal", ln.balance)):
        _rtext(pdf, c[key] - 0.5, y, money(amt, blank_zero=key != "bal"), 8.5, "B" if key == "bal" else "")
    h = 5.0
    extra = "  ".join(s for s in (ln.provider or "", ln.note or "") if s)
    if extra:
        _text(pdf, c["desc"] + 2, y + 3.6, _fit(pdf, extra, 120, 7.5), 7.5, "", GREY)
        h += 3.6
    pdf.set_draw_color(220, 220, 220)
    pdf.line(15, y + h - 3.4, 200, y + h - 3.4)
    return y + h


def _totals(pdf: FPDF, d: StatementData, y: float) -> float:
    c = _COLS
    pdf.set_draw_color(*INK)
    pdf.line(c["desc"], y - 2.5, 200, y - 2.5)
    _text(pdf, c["desc"], y + 1.5, "Totals", 9, "B")
    for key, amt in (("charge", d.total_charges), ("ins", -d.total_insurance_paid), ("adj", -d.total_adjustments),
                     ("pat", -d.total_patient_paid), ("bal", d.total_charges - d.total_insurance_paid
                                                      - d.total_adjustments - d.total_patient_paid)):
        _rtext(pdf, c[key] - 0.5, y + 1.5, money(amt), 8.5, "B")
    y += 6
    if d.insurance_pending:
        _text(pdf, c["desc"], y + 1.5, "Less: still with insurance (not due from you yet)", 8.5)
        _rtext(pdf, c["bal"] - 0.5, y + 1.5, money(-d.insurance_pending), 8.5)
        y += 5
    _text(pdf, c["desc"], y + 1.5, "Your balance", 10, "B", INK)
    _rtext(pdf, c["bal"] - 0.5, y + 1.5, money(d.amount_due), 10, "B", INK)
    return y + 6


def _aging(pdf: FPDF, d: StatementData, y: float) -> float:
    a = d.aging_buckets
    cells = (("Current (0-30 days)", a.current), ("31-60 days", a.days_31_60), ("61-90 days", a.days_61_90),
             ("91-120 days", a.days_91_120), ("Over 120 days", a.over_120), ("Total", a.total))
    w = 185 / len(cells)
    pdf.set_draw_color(*INK)
    for i, (title, amt) in enumerate(cells):
        x = 15 + i * w
        pdf.set_fill_color(*PALE)
        pdf.rect(x, y, w, 5, style="DF")
        pdf.rect(x, y + 5, w, 6, style="D")
        _text(pdf, x + 1.5, y + 3.6, title, 7.5, "B", INK)
        _rtext(pdf, x + w - 1.5, y + 9.3, money(amt), 9, "B" if title == "Total" else "")
    return y + 13


def _how_to_pay(pdf: FPDF, d: StatementData, y: float) -> None:
    p = d.practice
    _text(pdf, 15, y + 3, "How to pay", 10, "B", INK)
    ways: list[str] = []
    if p.pay_online_url:
        ways.append(f"Online: {p.pay_online_url} (account {d.account_number})")
    ways.append(f"Phone: {p.phone}" + (f", {p.office_hours}" if p.office_hours else "") +
                (" - we accept " + ", ".join(c.title() for c in p.accepts_cards) if p.accepts_cards else ""))
    remit = p.remit_address or p.address
    ways.append(f"Mail: check payable to {p.name}, {remit.line1}, {remit.city}, {remit.state} {remit.zip} - "
                "write your account number on the check and return the stub below.")
    if d.payment_plan:
        pp = d.payment_plan
        ways.append(f"Payment plan: {money(pp.installment)} due {mdy(pp.next_due)}; "
                    f"{pp.remaining_installments} payment(s) left." +
                    (f" {pp.missed} payment(s) missed - please call us to stay on the plan." if pp.missed else ""))
    else:
        ways.append("Cannot pay in full? Call us to set up a payment plan.")
    if p.billing_email:
        ways.append(f"Questions about this bill: {p.billing_email} or {p.phone}.")
    yy = y + 8
    for w in ways:
        pdf.set_xy(18, yy - 3)
        pdf.set_font("Helvetica", "", 8.5)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(182, 3.8, latin1("- " + w), align="L")
        yy = pdf.get_y() + 3.4
    for m in d.messages:
        pdf.set_xy(15, yy - 3)
        pdf.set_font("Helvetica", "I", 8.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(185, 3.8, latin1(m), align="L")
        yy = pdf.get_y() + 3.4


def _footer(pdf: FPDF, d: StatementData, continued: bool) -> None:
    text = "Continued on the next page" if continued else f"Page {pdf.page_no()}"
    _rtext(pdf, 200, 207 if not continued else 268, text, 7.5, "", GREY)


def _remit_stub(pdf: FPDF, d: StatementData) -> None:
    y = _STUB_TOP
    pdf.set_draw_color(*GREY)
    pdf.set_dash_pattern(dash=1.5, gap=1.2)
    pdf.line(8, y, 208, y)
    pdf.set_dash_pattern()
    _text(pdf, 15, y + 3.5, "Please detach and return this part with your payment.", 7.5, "I", GREY)
    p = d.practice
    remit = p.remit_address or p.address
    _text(pdf, 15, y + 11, p.name, 10, "B", INK)
    for i, s in enumerate(_addr_lines(remit)):
        _text(pdf, 15, y + 15.5 + i * 4.2, s, 9)
    rows = [("Account number", d.account_number), ("Patient", d.patient_name),
            ("Statement date", mdy(d.statement_date)),
            ("Amount due", money(d.due_now))]
    if d.due_date and d.amount_due > 0:
        rows.append(("Due by", mdy(d.due_date)))
    for i, (k, v) in enumerate(rows):
        _rtext(pdf, 158, y + 11 + i * 4.8, k, 8.5, "", GREY)
        _text(pdf, 161, y + 11 + i * 4.8, v, 9.5, "B")
    by = y + 11 + len(rows) * 4.8 + 1
    _rtext(pdf, 158, by + 3, "Amount enclosed", 8.5, "B")
    pdf.set_draw_color(*INK)
    pdf.rect(161, by - 1, 39, 6)
    _text(pdf, 162, by + 3, "$", 9, "B")
    # card payment boxes
    cy = y + 35
    _text(pdf, 15, cy, "Pay by card:", 8, "B")
    for i, card in enumerate(p.accepts_cards):
        pdf.rect(35 + i * 24, cy - 2.6, 2.8, 2.8)
        _text(pdf, 39 + i * 24, cy, card.title(), 7.5)
    for i, lab in enumerate(("Card number", "Exp. date", "Name on card", "Signature")):
        yy = cy + 6 + i * 5.8
        _text(pdf, 15, yy, lab, 7.5, "", GREY)
        pdf.set_draw_color(*GREY)
        pdf.line(36, yy + 0.6, 110, yy + 0.6)
    # guarantor block placed for a window envelope
    gy = y + 45
    _text(pdf, 120, gy, "From:", 7.5, "", GREY)
    for i, s in enumerate([d.guarantor_name, *_addr_lines(d.guarantor_address)]):
        _text(pdf, 120, gy + 4.2 + i * 4.2, s, 9, "B" if i == 0 else "")
