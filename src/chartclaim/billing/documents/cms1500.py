"""The CMS-1500 (02/12) professional claim form, drawn from scratch (no form image) with the data in the
numbered items the NUCC 1500 Reference Instruction Manual assigns.

Form in drop-out red, data in black Courier capitals as an OCR scanner expects. Six service lines per page;
a longer claim continues on further pages, each a complete form with the same header items, its own lines and
its own item 28 total (the sum of its 24F charges), marked "PAGE n OF m".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from fpdf import FPDF

from chartclaim.billing.documents._pdf import latin1, new_document, to_bytes
from chartclaim.claim import Address, Claim, ServiceLine, icd10_nodot

RED = (200, 30, 45)
BLACK = (0, 0, 0)
SHADE = (253, 228, 228)
LINES_PER_PAGE = 6
MAX_DIAGNOSES = 12
X0, X1 = 8.0, 208.0  # form edges (mm) on a 215.9 mm wide Letter page
CL, CR = 88.0, 136.0  # columns: patient | middle | insured

DX_LETTERS = "ABCDEFGHIJKL"


class Cms1500Error(ValueError):
    """A claim the paper form cannot carry (e.g. more than 12 diagnoses); names the field."""

    def __init__(self, claim_id: str, field: str, message: str):
        self.claim_id, self.field = claim_id, field
        super().__init__(f"claim {claim_id}: {field}: {message}")


def _program(claim: Claim) -> str:
    """Item 1 box from the claim filing indicator (SBR09)."""
    fi = claim.payer.filing_indicator.upper()
    # FI is the Federal Employees Health Benefits Program — a group plan, not FECA (work injury), which has
    # no SBR09 code of its own.
    group = {"CI", "BL", "HM", "FI", "11", "12", "13", "14", "15", "16", "17", "DS"}
    return {"MA": "MEDICARE", "MB": "MEDICARE", "MC": "MEDICAID", "CH": "TRICARE", "VA": "CHAMPVA"}.get(
        fi, "GROUP" if fi in group else "OTHER")


def _name(last: str, first: str) -> str:
    return f"{last}, {first}".upper()


def _d(d: dt.date | None, sep: str = " ", year4: bool = True) -> str:
    if d is None:
        return ""
    return d.strftime(f"%m{sep}%d{sep}%Y" if year4 else f"%m{sep}%d{sep}%y")


def _units(u: Decimal) -> str:
    return str(int(u)) if u == u.to_integral_value() else f"{u.normalize():f}"


class _Form:
    def __init__(self, pdf: FPDF):
        self.pdf = pdf

    # -- form ink -------------------------------------------------------------------------------------------
    def label(self, x: float, y: float, text: str, size: float = 5.2, bold: bool = False) -> None:
        p = self.pdf
        p.set_text_color(*RED)
        p.set_font("Helvetica", "B" if bold else "", size)
        p.text(x, y, latin1(text))

    def box(self, x: float, y: float, w: float, h: float, fill: bool = False) -> None:
        p = self.pdf
        p.set_draw_color(*RED)
        if fill:
            p.set_fill_color(*SHADE)
        p.rect(x, y, w, h, style="DF" if fill else "D")

    def hline(self, x0: float, x1: float, y: float) -> None:
        self.pdf.set_draw_color(*RED)
        self.pdf.line(x0, y, x1, y)

    def vline(self, x: float, y0: float, y1: float) -> None:
        self.pdf.set_draw_color(*RED)
        self.pdf.line(x, y0, x, y1)

    def check(self, x: float, y: float, caption: str, on: bool) -> None:
        """A check box with its caption; data 'X' in black when on."""
        self.box(x, y - 2.6, 2.8, 2.8)
        self.label(x + 3.6, y, caption, 5)
        if on:
            self.data(x + 0.45, y - 0.05, "X", 8)

    # -- data ink ---------------------------------------------------------------------------------------------
    def data(self, x: float, y: float, text: str, size: float = 8.5, width: float | None = None,
             align: str = "L") -> None:
        if not text:
            return
        p = self.pdf
        p.set_text_color(*BLACK)
        p.set_font("Courier", "B", size)
        s = latin1(text).upper()
        if width is not None:
            while s and p.get_string_width(s) > width:
                s = s[:-1]  # fit the box rather than overprint the next one
            if align == "R":
                x = x + width - p.get_string_width(s)
        p.text(x, y, s)


def _address_lines(a: Address | None) -> tuple[str, str, str, str]:
    if a is None:
        return "", "", "", ""
    street = a.line1 + (f" {a.line2}" if a.line2 else "")
    return street, a.city, a.state, a.zip


def _phone(p: str | None) -> tuple[str, str]:
    digits = "".join(ch for ch in (p or "") if ch.isdigit())
    if len(digits) == 10:
        return digits[:3], f"{digits[3:6]}-{digits[6:]}"
    return "", digits


def render_cms1500(claims: Claim | Sequence[Claim]) -> bytes:
    """One claim (or several, one after another) on the CMS-1500 (02/12) form, as PDF bytes. Every claim is
    checked before anything is drawn, so a bad claim never leaves a half-written document."""
    batch = [claims] if isinstance(claims, Claim) else list(claims)
    if not batch:
        raise ValueError("no claims to print")
    for claim in batch:
        _check(claim)
    pdf = new_document(f"CMS-1500 claim {batch[0].claim_id}" + (f" and {len(batch) - 1} more" if len(batch) > 1
                                                                  else ""), when=batch[0].submitted_on)
    for claim in batch:
        pages = [claim.lines[i:i + LINES_PER_PAGE] for i in range(0, len(claim.lines), LINES_PER_PAGE)]
        for n, page_lines in enumerate(pages, start=1):
            pdf.add_page()
            _draw_page(_Form(pdf), claim, page_lines, n, len(pages), (n - 1) * LINES_PER_PAGE)
    return to_bytes(pdf)


def _check(claim: Claim) -> None:
    if claim.claim_type != "professional":
        raise Cms1500Error(claim.claim_id, "claim_type", "the CMS-1500 is for professional claims (use a UB-04)")
    if len(claim.diagnoses) > MAX_DIAGNOSES:
        raise Cms1500Error(claim.claim_id, "diagnoses", f"{len(claim.diagnoses)} diagnoses; item 21 holds 12 — "
                                                        "split the claim")
    for i, ln in enumerate(claim.lines):
        bad = [p for p in ln.dx_pointers if not 1 <= p <= len(claim.diagnoses)]
        if bad:
            raise Cms1500Error(claim.claim_id, f"lines[{i}].dx_pointers",
                               f"pointer {bad[0]} has no diagnosis (claim has {len(claim.diagnoses)})")
        if len(ln.dx_pointers) > 4:
            raise Cms1500Error(claim.claim_id, f"lines[{i}].dx_pointers", "item 24E holds at most 4 pointers")


def _draw_page(f: _Form, c: Claim, lines: Sequence[ServiceLine], page: int, pages: int, first_index: int) -> None:
    patient_self = c.is_subscriber_patient
    pat_first = c.patient.first_name if c.patient else c.subscriber.first_name
    pat_last = c.patient.last_name if c.patient else c.subscriber.last_name
    pat_addr = (c.patient.address if c.patient and c.patient.address else None) or (
        c.subscriber.address if patient_self else None)

    # --- carrier block and title -------------------------------------------------------------------------
    payer_street, payer_city, payer_state, payer_zip = _address_lines(c.payer.address)
    f.data(118, 10, c.payer.name, 8.5, 88)
    f.data(118, 14, payer_street, 8.5, 88)
    f.data(118, 18, f"{payer_city} {payer_state} {payer_zip}".strip(), 8.5, 88)
    f.label(X1 - 10, 7, "CARRIER", 5, True)
    f.label(X0, 24.5, "HEALTH INSURANCE CLAIM FORM", 10, True)
    f.label(X0, 27.5, "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12", 5.5)
    f.label(X0 + 130, 24.5, "1500", 12, True)
    if pages > 1:
        f.data(170, 27.5, f"PAGE {page} OF {pages}", 8)

    y = 30.0
    # --- item 1 / 1a ----------------------------------------------------------------------------------------
    f.box(X0, y, X1 - X0, 9)
    f.vline(CR, y, y + 9)
    prog = _program(c)
    programs = (("MEDICARE", "1. MEDICARE", "(Medicare#)"), ("MEDICAID", "MEDICAID", "(Medicaid#)"),
                ("TRICARE", "TRICARE", "(ID#/DoD#)"), ("CHAMPVA", "CHAMPVA", "(Member ID#)"),
                ("GROUP", "GROUP HEALTH PLAN", "(ID#)"), ("FECA", "FECA BLK LUNG", "(ID#)"), ("OTHER", "OTHER", "(ID#)"))
    for (key, title, cap), dx in zip(programs, (1, 18, 35, 52, 69, 92, 111), strict=True):
        f.label(X0 + dx, y + 2.3, title, 4.8)
        f.check(X0 + dx, y + 7, cap, prog == key)
    f.label(CR + 1, y + 2.3, "1a. INSURED'S I.D. NUMBER          (For Program in Item 1)")
    f.data(CR + 2, y + 7, c.subscriber.member_id, 9, X1 - CR - 4)
    y += 9

    # --- items 2-8 and 4, 7 ------------------------------------------------------------------------------------
    row = 9.0
    f.box(X0, y, X1 - X0, row * 4)
    f.vline(CL, y, y + row * 4)
    f.vline(CR, y, y + row * 4)
    for k in range(1, 4):
        f.hline(X0, X1, y + row * k)
    # 2 / 3 / 4
    f.label(X0 + 1, y + 2.3, "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)")
    f.data(X0 + 2, y + 7, _name(pat_last, pat_first), 9, CL - X0 - 4)
    f.label(CL + 1, y + 2.3, "3. PATIENT'S BIRTH DATE  MM DD YY      SEX")
    f.data(CL + 2, y + 7, _d(c.patient_dob), 8.5)
    f.check(CL + 33, y + 7, "M", c.patient_sex == "M")
    f.check(CL + 40, y + 7, "F", c.patient_sex == "F")
    f.label(CR + 1, y + 2.3, "4. INSURED'S NAME (Last Name, First Name, Middle Initial)")
    f.data(CR + 2, y + 7, _name(c.subscriber.last_name, c.subscriber.first_name), 9, X1 - CR - 4)
    y += row
    # 5 / 6 / 7 (street)
    street, city, state, zip_ = _address_lines(pat_addr)
    f.label(X0 + 1, y + 2.3, "5. PATIENT'S ADDRESS (No., Street)")
    f.data(X0 + 2, y + 7, street, 8.5, CL - X0 - 4)
    f.label(CL + 1, y + 2.3, "6. PATIENT RELATIONSHIP TO INSURED")
    rel = "18" if patient_self else (c.patient.relationship if c.patient else "18")
    rel_box = {"18": "Self", "01": "Spouse", "19": "Child"}.get(rel, "Other")
    for i, cap in enumerate(("Self", "Spouse", "Child", "Other")):
        f.check(CL + 1 + i * 12, y + 7, cap, rel_box == cap)
    i_street, i_city, i_state, i_zip = _address_lines(c.subscriber.address)
    f.label(CR + 1, y + 2.3, "7. INSURED'S ADDRESS (No., Street)")
    f.data(CR + 2, y + 7, i_street, 8.5, X1 - CR - 4)
    y += row
    # city / state; 8 reserved
    f.label(X0 + 1, y + 2.3, "CITY")
    f.label(CL - 14, y + 2.3, "STATE")
    f.vline(CL - 15, y, y + row)
    f.data(X0 + 2, y + 7, city, 8.5, CL - X0 - 19)
    f.data(CL - 13, y + 7, state, 8.5)
    f.label(CL + 1, y + 2.3, "8. RESERVED FOR NUCC USE")
    f.label(CR + 1, y + 2.3, "CITY")
    f.label(X1 - 14, y + 2.3, "STATE")
    f.vline(X1 - 15, y, y + row)
    f.data(CR + 2, y + 7, i_city, 8.5, X1 - CR - 19)
    f.data(X1 - 13, y + 7, i_state, 8.5)
    y += row
    # zip / phone
    f.label(X0 + 1, y + 2.3, "ZIP CODE")
    f.label(X0 + 31, y + 2.3, "TELEPHONE (Include Area Code)")
    f.vline(X0 + 30, y, y + row)
    f.data(X0 + 2, y + 7, zip_, 8.5)
    f.label(CR + 1, y + 2.3, "ZIP CODE")
    f.label(CR + 31, y + 2.3, "TELEPHONE (Include Area Code)")
    f.vline(CR + 30, y, y + row)
    f.data(CR + 2, y + 7, i_zip, 8.5)
    y += row

    # --- items 9-11d ------------------------------------------------------------------------------------------
    other = c.other_payers[0] if c.other_payers else None
    f.box(X0, y, X1 - X0, row * 5)
    f.vline(CL, y, y + row * 5)
    f.vline(CR, y, y + row * 5)
    for k in range(1, 5):
        f.hline(X0, CL, y + row * k)
        f.hline(CR, X1, y + row * k)
    f.label(X0 + 1, y + 2.3, "9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)")
    if other:
        f.data(X0 + 2, y + 7, _name(other.subscriber.last_name, other.subscriber.first_name), 9, CL - X0 - 4)
    f.label(CL + 1, y + 2.3, "10. IS PATIENT'S CONDITION RELATED TO:")
    f.label(CR + 1, y + 2.3, "11. INSURED'S POLICY GROUP OR FECA NUMBER")
    f.data(CR + 2, y + 7, c.subscriber.group_number or "", 9, X1 - CR - 4)
    y += row
    f.label(X0 + 1, y + 2.3, "a. OTHER INSURED'S POLICY OR GROUP NUMBER")
    if other:
        f.data(X0 + 2, y + 7, other.subscriber.group_number or other.subscriber.member_id, 9, CL - X0 - 4)
    f.label(CL + 1, y + 2.3, "a. EMPLOYMENT? (Current or Previous)")
    f.check(CL + 8, y + 7, "YES", False)
    f.check(CL + 24, y + 7, "NO", True)
    f.label(CR + 1, y + 2.3, "a. INSURED'S DATE OF BIRTH  MM DD YY          SEX")
    f.data(CR + 2, y + 7, _d(c.subscriber.dob), 8.5)
    f.check(CR + 40, y + 7, "M", c.subscriber.sex == "M")
    f.check(CR + 50, y + 7, "F", c.subscriber.sex == "F")
    y += row
    f.label(X0 + 1, y + 2.3, "b. RESERVED FOR NUCC USE")
    f.label(CL + 1, y + 2.3, "b. AUTO ACCIDENT?          PLACE (State)")
    auto = bool(c.accident_state)
    f.check(CL + 8, y + 7, "YES", auto)
    f.check(CL + 24, y + 7, "NO", not auto)
    f.data(CL + 38, y + 7, c.accident_state or "", 8.5)
    f.label(CR + 1, y + 2.3, "b. OTHER CLAIM ID (Designated by NUCC)")
    y += row
    f.label(X0 + 1, y + 2.3, "c. RESERVED FOR NUCC USE")
    f.label(CL + 1, y + 2.3, "c. OTHER ACCIDENT?")
    f.check(CL + 8, y + 7, "YES", False)
    f.check(CL + 24, y + 7, "NO", True)
    f.label(CR + 1, y + 2.3, "c. INSURANCE PLAN NAME OR PROGRAM NAME")
    f.data(CR + 2, y + 7, c.payer.name, 8.5, X1 - CR - 4)
    y += row
    f.label(X0 + 1, y + 2.3, "d. INSURANCE PLAN NAME OR PROGRAM NAME")
    if other:
        f.data(X0 + 2, y + 7, other.payer.name, 8.5, CL - X0 - 4)
    f.label(CL + 1, y + 2.3, "10d. CLAIM CODES (Designated by NUCC)")
    f.label(CR + 1, y + 2.3, "d. IS THERE ANOTHER HEALTH BENEFIT PLAN?")
    f.check(CR + 2, y + 7, "YES", other is not None)
    f.check(CR + 14, y + 7, "NO", other is None)
    f.label(CR + 24, y + 7, "If yes, complete items 9, 9a, and 9d.", 4.6)
    y += row

    # --- 12 / 13 signatures ---------------------------------------------------------------------------------
    f.box(X0, y, X1 - X0, 12)
    f.vline(CR, y, y + 12)
    f.label(X0 + 1, y + 2.3, "READ BACK OF FORM BEFORE COMPLETING & SIGNING THIS FORM.", 5.2, True)
    f.label(X0 + 1, y + 4.6, "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE I authorize the release of any medical or "
                             "other information necessary", 4.8)
    f.label(X0 + 1, y + 6.6, "to process this claim. I also request payment of government benefits either to myself "
                             "or to the party who accepts assignment below.", 4.8)
    f.label(X0 + 1, y + 11, "SIGNED", 5)
    f.label(CL + 8, y + 11, "DATE", 5)
    if c.release_of_information == "Y":
        f.data(X0 + 12, y + 11, "SIGNATURE ON FILE", 8.5)
        f.data(CL + 16, y + 11, _d(c.submitted_on, "/"), 8.5)
    f.label(CR + 1, y + 2.3, "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE I authorize", 4.8)
    f.label(CR + 1, y + 4.3, "payment of medical benefits to the undersigned physician or supplier", 4.8)
    f.label(CR + 1, y + 6.3, "for services described below.", 4.8)
    f.label(CR + 1, y + 11, "SIGNED", 5)
    if c.benefits_assigned:
        f.data(CR + 12, y + 11, "SIGNATURE ON FILE", 8.5)
    y += 12

    # --- 14-20 ----------------------------------------------------------------------------------------------
    f.box(X0, y, X1 - X0, row * 3)
    f.vline(CR, y, y + row * 3)
    f.hline(X0, X1, y + row)
    f.hline(X0, X1, y + row * 2)
    f.vline(72, y, y + row)
    f.vline(CL, y + row, y + row * 2)
    f.label(X0 + 1, y + 2.3, "14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)")
    if c.onset_date:
        f.label(X0 + 1, y + 7, "QUAL.", 5)
        f.data(X0 + 9, y + 7, f"{_d(c.onset_date)}  431", 8.5)
    f.label(72 + 1, y + 2.3, "15. OTHER DATE    QUAL.     MM DD YY")
    f.label(CR + 1, y + 2.3, "16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION")
    f.label(CR + 1, y + 7, "FROM", 5)
    f.label(CR + 38, y + 7, "TO", 5)
    y += row
    f.label(X0 + 1, y + 2.3, "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE")
    ref = c.referring_provider
    if ref:
        f.data(X0 + 2, y + 7, f"DN {ref.first_name} {ref.last_name}", 8.5, CL - X0 - 4)
    f.label(CL + 1, y + 2.3, "17a.")
    f.label(CL + 1, y + 7, "17b. NPI")
    f.hline(CL, CR, y + 4.3)
    if ref:
        f.data(CL + 12, y + 7.5, ref.npi, 8.5)
    f.label(CR + 1, y + 2.3, "18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES")
    f.label(CR + 1, y + 7, "FROM", 5)
    f.label(CR + 38, y + 7, "TO", 5)
    if c.admission_date:
        f.data(CR + 8, y + 7, _d(c.admission_date), 8)
    y += row
    f.label(X0 + 1, y + 2.3, "19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)")
    f.data(X0 + 2, y + 7, c.note or "", 8.5, CR - X0 - 4)
    f.label(CR + 1, y + 2.3, "20. OUTSIDE LAB?                 $ CHARGES")
    f.check(CR + 2, y + 7, "YES", False)
    f.check(CR + 14, y + 7, "NO", True)
    y += row

    # --- 21 diagnoses, 22, 23 --------------------------------------------------------------------------------
    dh = 18.0
    f.box(X0, y, X1 - X0, dh)
    f.vline(CR, y, y + dh)
    f.hline(CR, X1, y + dh / 2)
    f.label(X0 + 1, y + 2.3, "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY  Relate A-L to service line below (24E)")
    f.label(X0 + 100, y + 2.3, "ICD Ind.")
    f.data(X0 + 110, y + 2.6, "0", 8)  # 0 = ICD-10-CM
    col_w = (CR - X0 - 4) / 4
    for i in range(MAX_DIAGNOSES):
        cx = X0 + 2 + (i % 4) * col_w
        cy = y + 7 + (i // 4) * 4.5
        f.label(cx, cy, f"{DX_LETTERS[i]}.", 5.5)
        f.hline(cx + 3, cx + col_w - 3, cy + 0.6)
        if i < len(c.diagnoses):
            f.data(cx + 4, cy, icd10_nodot(c.diagnoses[i]), 8.5)
    f.label(CR + 1, y + 2.3, "22. RESUBMISSION CODE          ORIGINAL REF. NO.")
    if c.frequency in {"7", "8"}:
        f.data(CR + 4, y + 7.5, c.frequency, 8.5)
        f.data(CR + 30, y + 7.5, c.original_claim_number or "", 8.5, X1 - CR - 32)
    f.label(CR + 1, y + dh / 2 + 2.3, "23. PRIOR AUTHORIZATION NUMBER")
    f.data(CR + 2, y + dh / 2 + 7.3, c.prior_authorization or c.referral_number or "", 8.5, X1 - CR - 4)
    y += dh

    # --- 24 service lines ------------------------------------------------------------------------------------
    cols = {"A": 8.0, "B": 56.0, "C": 64.0, "D": 70.0, "E": 112.0, "F": 124.0, "G": 146.0, "H": 156.0,
            "I": 162.0, "J": 170.0}
    hh = 8.0
    f.box(X0, y, X1 - X0, hh)
    f.label(X0 + 1, y + 2.3, "24. A.      DATE(S) OF SERVICE")
    f.label(X0 + 1, y + 5, "From", 5)
    f.label(X0 + 25, y + 5, "To", 5)
    f.label(X0 + 1, y + 7.4, "MM    DD    YY    MM    DD    YY", 4.6)
    f.label(cols["B"] + 0.5, y + 2.3, "B.", 5.2)
    f.label(cols["B"] + 0.5, y + 4.8, "PLACE OF", 4.2)
    f.label(cols["B"] + 0.5, y + 6.6, "SERVICE", 4.2)
    f.label(cols["C"] + 0.5, y + 2.3, "C.", 5.2)
    f.label(cols["C"] + 0.5, y + 6.6, "EMG", 4.2)
    f.label(cols["D"] + 0.5, y + 2.3, "D. PROCEDURES, SERVICES, OR SUPPLIES", 5)
    f.label(cols["D"] + 0.5, y + 4.6, "(Explain Unusual Circumstances)", 4.4)
    f.label(cols["D"] + 0.5, y + 7.2, "CPT/HCPCS          MODIFIER", 4.6)
    f.label(cols["E"] + 0.5, y + 2.3, "E.", 5.2)
    f.label(cols["E"] + 0.5, y + 4.8, "DIAGNOSIS", 4.2)
    f.label(cols["E"] + 0.5, y + 6.6, "POINTER", 4.2)
    f.label(cols["F"] + 0.5, y + 2.3, "F.", 5.2)
    f.label(cols["F"] + 0.5, y + 6.6, "$ CHARGES", 4.6)
    f.label(cols["G"] + 0.5, y + 2.3, "G. DAYS", 4.6)
    f.label(cols["G"] + 0.5, y + 4.6, "OR", 4.4)
    f.label(cols["G"] + 0.5, y + 6.6, "UNITS", 4.4)
    f.label(cols["H"] + 0.5, y + 2.3, "H.", 4.6)
    f.label(cols["H"] + 0.3, y + 4.6, "EPSDT", 3.8)
    f.label(cols["H"] + 0.3, y + 6.6, "Family", 3.8)
    f.label(cols["I"] + 0.5, y + 2.3, "I.", 4.6)
    f.label(cols["I"] + 0.5, y + 4.6, "ID.", 4.4)
    f.label(cols["I"] + 0.5, y + 6.6, "QUAL.", 4.4)
    f.label(cols["J"] + 0.5, y + 2.3, "J.", 4.6)
    f.label(cols["J"] + 0.5, y + 4.6, "RENDERING", 4.4)
    f.label(cols["J"] + 0.5, y + 6.6, "PROVIDER ID. #", 4.4)
    for key in "BCDEFGHIJ":
        f.vline(cols[key], y, y + hh)
    y += hh
    lh = 10.0
    shade_h = 4.0
    total = Decimal(0)
    for k in range(LINES_PER_PAGE):
        ly = y + k * lh
        f.box(X0, ly, X1 - X0, shade_h, fill=True)
        f.box(X0, ly + shade_h, X1 - X0, lh - shade_h)
        f.label(X0 - 4.5, ly + 8, str(k + 1), 8, True)
        for key in "BCDEFGHIJ":
            f.vline(cols[key], ly + shade_h, ly + lh)
        for xx in (16.0, 24.0, 32.0, 40.0, 48.0):  # MM | DD | YY | MM | DD | YY
            f.vline(xx, ly + shade_h + 3.5, ly + lh)
        for xx in (88.0, 94.0, 100.0, 106.0):  # modifier boxes
            f.vline(xx, ly + shade_h + 3.5, ly + lh)
        f.vline(140.0, ly + shade_h + 3.5, ly + lh)  # dollars | cents
        f.vline(cols["J"], ly, ly + shade_h)
        f.label(cols["I"] + 1.5, ly + 8.6, "NPI", 5)
        if k >= len(lines):
            continue
        ln = lines[k]
        by = ly + lh - 1.4
        end = ln.date_of_service_end or ln.date_of_service
        for cell, part in enumerate((*ln.date_of_service.strftime("%m %d %y").split(), *end.strftime("%m %d %y").split())):
            f.data(X0 + 1.6 + cell * 8, by, part, 8.5)
        f.data(cols["B"] + 1.5, by, c.line_pos(ln) or "", 8.5)
        f.data(cols["D"] + 1, by, ln.procedure, 8.5)
        for m_i, mod in enumerate(ln.modifiers[:4]):
            f.data(88.8 + m_i * 6, by, mod, 8.5)
        f.data(cols["E"] + 1, by, "".join(DX_LETTERS[p - 1] for p in ln.dx_pointers[:4]), 8.5)
        dollars, cents = f"{ln.charge:.2f}".split(".")
        f.data(cols["F"] + 0.5, by, dollars, 8.5, 140 - cols["F"] - 1.5, "R")
        f.data(140.8, by, cents, 8.5)
        f.data(cols["G"] + 0.5, by, _units(ln.units), 8.5, cols["H"] - cols["G"] - 1.5, "R")
        rendering = ln.rendering_provider or c.rendering_provider
        if rendering:
            f.data(cols["J"] + 1.5, by, rendering.npi, 8.5)
        # Shaded supplemental area: NDC (N4 + 11 digits) as the NUCC manual places it.
        if ln.ndc:
            f.data(X0 + 1, ly + 3.2, f"N4{ln.ndc.replace('-', '')}", 8)
        if ln.modifiers[4:]:
            f.data(cols["D"] + 1, ly + 3.2, "MODS " + " ".join(ln.modifiers[4:]), 7)
        total += ln.charge
    y += lh * LINES_PER_PAGE

    # --- 25-30 ------------------------------------------------------------------------------------------------
    f.box(X0, y, X1 - X0, row)
    for xx in (60.0, 100.0, CR, 165.0, 190.0):
        f.vline(xx, y, y + row)
    bp = c.billing_provider
    f.label(X0 + 1, y + 2.3, "25. FEDERAL TAX I.D. NUMBER     SSN  EIN")
    f.check(X0 + 33, y + 4.9, "", bp.tax_id_type == "SY")
    f.check(X0 + 39, y + 4.9, "", bp.tax_id_type == "EI")
    f.data(X0 + 2, y + 8, bp.tax_id, 8.5)
    f.label(61, y + 2.3, "26. PATIENT'S ACCOUNT NO.")
    f.data(62, y + 7.5, c.claim_id, 8.5, 100 - 63)
    f.label(101, y + 2.3, "27. ACCEPT ASSIGNMENT?")
    f.label(101, y + 4.2, "(For govt. claims, see back)", 4.2)
    f.check(102, y + 8, "YES", c.assignment in {"A", "B"})
    f.check(115, y + 8, "NO", c.assignment == "C")
    f.label(CR + 1, y + 2.3, "28. TOTAL CHARGE")
    f.data(CR + 1, y + 7.5, f"{total:.2f}".replace(".", " "), 8.5, 165 - CR - 3, "R")
    f.label(166, y + 2.3, "29. AMOUNT PAID")
    paid = sum((op.paid or Decimal(0) for op in c.other_payers), Decimal(0))
    if paid and page == pages:
        f.data(166, y + 7.5, f"{paid:.2f}".replace(".", " "), 8.5, 190 - 168, "R")
    f.label(191, y + 2.3, "30. Rsvd for", 4.4)
    f.label(191, y + 4.3, "NUCC Use", 4.4)
    y += row

    # --- 31-33 -----------------------------------------------------------------------------------------------
    bh = 17.0
    f.box(X0, y, X1 - X0, bh)
    f.vline(60.0, y, y + bh)
    f.vline(CR, y, y + bh)
    f.hline(60.0, X1, y + bh - 4.5)
    f.vline(98.0, y + bh - 4.5, y + bh)
    f.vline(CR + 36, y + bh - 4.5, y + bh)
    f.label(X0 + 1, y + 2.3, "31. SIGNATURE OF PHYSICIAN OR SUPPLIER", 4.8)
    f.label(X0 + 1, y + 4.3, "INCLUDING DEGREES OR CREDENTIALS", 4.8)
    f.label(X0 + 1, y + 6.3, "(I certify that the statements on the reverse", 4.4)
    f.label(X0 + 1, y + 8.0, "apply to this bill and are made a part thereof.)", 4.4)
    f.label(X0 + 1, y + bh - 1, "SIGNED", 4.8)
    f.label(X0 + 32, y + bh - 1, "DATE", 4.8)
    signer = c.rendering_provider
    if c.provider_signature:
        f.data(X0 + 2, y + 11.5, f"{signer.first_name} {signer.last_name}" if signer else "SIGNATURE ON FILE",
               8, 60 - X0 - 3)
        f.data(X0 + 39, y + bh - 1, _d(c.submitted_on, "/", False), 7.5)
    f.label(61, y + 2.3, "32. SERVICE FACILITY LOCATION INFORMATION", 4.8)
    f.label(61, y + bh - 1, "a.", 5)
    f.label(64, y + bh - 1, "NPI", 4.4)
    f.label(99, y + bh - 1, "b.", 5)
    f.label(CR + 1, y + 2.3, "33. BILLING PROVIDER INFO & PH #", 4.8)
    area, number = _phone(bp.phone)
    if number:
        f.data(CR + 40, y + 2.6, f"({area}) {number}" if area else number, 7.5)
    b_street, b_city, b_state, b_zip = _address_lines(bp.address)
    f.data(CR + 2, y + 6, bp.name, 8, X1 - CR - 4)
    f.data(CR + 2, y + 9, b_street, 8, X1 - CR - 4)
    f.data(CR + 2, y + 12, f"{b_city} {b_state} {b_zip}", 8, X1 - CR - 4)
    f.label(CR + 1, y + bh - 1, "a.", 5)
    f.data(CR + 5, y + bh - 1, bp.npi, 8)
    f.label(CR + 37, y + bh - 1, "b.", 5)
    if bp.taxonomy:
        f.data(CR + 41, y + bh - 1, f"ZZ{bp.taxonomy}", 8)
    y += bh
    f.label(X0, y + 3, "NUCC Instruction Manual available at: www.nucc.org", 5)
    f.label(X0 + 75, y + 3, "PLEASE PRINT OR TYPE", 6, True)
    f.label(X0 + 135, y + 3, "APPROVED OMB-0938-1197 FORM 1500 (02-12)", 5)
    f.label(X0, y + 5.8, "Printed by chartclaim; form drawn to the NUCC 02/12 layout, not an official printed form.", 4.4)
