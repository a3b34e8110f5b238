"""Shared PDF plumbing: Letter pages with fpdf2 core fonts, reproducible bytes, money and date formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fpdf import FPDF

# Core PDF fonts cover Latin-1 only; map the punctuation our texts use so nothing is dropped or raises.
_REPLACE = {
    "\u2014": "-", "\u2013": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2026": "...", "\u00d7": "x", "\u2264": "<=", "\u2265": ">=", "\u2192": "->", "\u2022": "-",
    "\u00a0": " ", "\u2011": "-", "\u2009": " ", "\u202f": " ",
}


def latin1(text: object) -> str:
    s = "" if text is None else str(text)
    for k, v in _REPLACE.items():
        s = s.replace(k, v)
    return s.encode("latin-1", "replace").decode("latin-1")


def money(amount: Decimal | None, blank_zero: bool = False) -> str:
    if amount is None or (blank_zero and amount == 0):
        return ""
    q = amount.quantize(Decimal("0.01"))
    sign = "-" if q < 0 else ""
    return f"{sign}${abs(q):,.2f}"


def phone(p: str | None) -> str:
    """'2175550142' -> '(217) 555-0142'; anything else unchanged."""
    if not p:
        return ""
    digits = "".join(ch for ch in p if ch.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else p


def mdy(d: dt.date | None) -> str:
    return d.strftime("%m/%d/%Y") if d else ""


def new_document(title: str, author: str = "chartclaim", when: dt.date | None = None) -> FPDF:
    """A Letter-size document in millimetres. The creation date is fixed to ``when`` (or 2000-01-01) so the
    same input always gives the same bytes — documents are compared and stored by hash."""
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_title(latin1(title))
    pdf.set_author(latin1(author))
    pdf.set_creator("chartclaim")
    stamp = dt.datetime.combine(when or dt.date(2000, 1, 1), dt.time(0, 0), tzinfo=dt.UTC)
    pdf.set_creation_date(stamp)
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    return pdf


def to_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
