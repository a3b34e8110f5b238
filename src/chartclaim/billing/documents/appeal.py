"""Appeal letters: the claim facts, the denial reasons in words, the argument, and the supporting
documentation excerpt — the letter a biller would otherwise type by hand for each denial."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF

from chartclaim.billing.denials import DenialExplanation
from chartclaim.billing.documents._pdf import latin1, mdy, money, new_document, phone, to_bytes
from chartclaim.claim import Address, Claim

INK = (25, 45, 80)
GREY = (100, 100, 100)

# Our own starting arguments, one per denial category; the biller edits or replaces them.
_ARGUMENTS: dict[str, str] = {
    "bundling": (
        "The services billed were separate and distinct. As the enclosed record shows, the second service was "
        "performed for a different problem (or at a different site or session) from the primary procedure, which "
        "is the circumstance the NCCI policy manual recognises with modifier 59 or XE/XP/XS/XU. The "
        "modifier has been appended and the service should be paid separately."),
    "medical_necessity": (
        "The service was medically necessary for this patient. The documentation below records the symptoms, "
        "findings and clinical reasoning that led to it, and the diagnoses on the claim are among those the "
        "applicable coverage policy lists as supporting the service."),
    "coding": (
        "The codes billed accurately describe the service documented. We have reviewed the record against the "
        "code set in effect on the date of service; the enclosed note supports the procedure, its modifiers and "
        "the linked diagnoses."),
    "authorization": (
        "Authorization requirements were met (or could not reasonably be met before the service, which was "
        "urgent). The enclosed record and authorization history show the service was provided as approved or "
        "required without delay; we ask that the claim be paid or a retroactive authorization granted."),
    "timely_filing": (
        "The claim was filed within the plan's filing limit. Our records show it was first submitted on "
        "{submitted_on}; the clearinghouse acceptance report is enclosed as proof of timely filing."),
    "eligibility": (
        "The patient was covered on the date of service. The enclosed eligibility response shows active coverage "
        "for the member on {dos}."),
    "missing_information": (
        "The information the payer requested is now provided. The enclosed documentation completes the record "
        "for this claim; please reprocess it."),
    "non_covered": (
        "The service is covered under the patient's benefits in these circumstances. The documentation below "
        "shows the service was not routine and was provided to diagnose or treat the conditions listed."),
    "duplicate": (
        "This claim is not a duplicate. The services were provided separately on the same day, as the record "
        "shows, and were billed with the modifier that identifies a repeated service."),
    "benefit_limit": (
        "The benefit limit had not been reached for this service when it was provided, or the plan allows an "
        "exception for the medical need documented below."),
    "coordination_of_benefits": (
        "Coordination of benefits has been updated. The patient has no other primary coverage for this date of "
        "service (or the primary payer's adjudication is enclosed)."),
    "provider_eligibility": (
        "The rendering provider was enrolled and credentialed with the plan on the date of service; the "
        "enrolment confirmation is enclosed."),
}
_DEFAULT_ARGUMENT = ("We believe this claim was denied in error. The enclosed documentation supports payment of "
                     "the services as billed.")


def default_argument(denial: DenialExplanation | None, claim: Claim) -> str:
    """A first-draft argument for the denial's category, filled with the claim's facts."""
    text = _ARGUMENTS.get(denial.category, _DEFAULT_ARGUMENT) if denial else _DEFAULT_ARGUMENT
    return text.format(submitted_on=mdy(claim.submitted_on) or "the original submission date",
                       dos=mdy(claim.first_date_of_service))


@dataclass(frozen=True)
class AppealLetter:
    """Everything the letter says. ``line_numbers`` are the 1-based claim lines appealed (empty: all)."""

    claim: Claim
    denials: tuple[DenialExplanation, ...]
    argument: str
    documentation_excerpt: str
    letter_date: dt.date
    documentation_title: str = "Excerpt from the medical record"
    payer_claim_number: str | None = None
    denial_date: dt.date | None = None
    level: str = "Request for reconsideration"
    line_numbers: tuple[int, ...] = ()
    appeals_address: Address | None = None  # default: the payer's address on the claim
    appeals_department: str = "Appeals Department"
    contact_name: str | None = None
    contact_phone: str | None = None
    enclosures: tuple[str, ...] = ()
    amount_in_dispute: Decimal | None = None


def _claim_rows(letter: AppealLetter) -> list[tuple[str, str]]:
    c = letter.claim
    patient = c.patient or c.subscriber
    rows = [
        ("Patient", f"{patient.first_name} {patient.last_name}"),
        ("Date of birth", mdy(c.patient_dob)),
        ("Member ID", c.subscriber.member_id),
        ("Subscriber", f"{c.subscriber.first_name} {c.subscriber.last_name}"),
        ("Our claim number", c.claim_id),
    ]
    if letter.payer_claim_number:
        rows.append(("Payer claim number", letter.payer_claim_number))
    dos = mdy(c.first_date_of_service)
    if c.last_date_of_service != c.first_date_of_service:
        dos += f" - {mdy(c.last_date_of_service)}"
    rows += [("Date(s) of service", dos), ("Billed amount", money(c.total_charge))]
    if letter.denial_date:
        rows.append(("Denial date", mdy(letter.denial_date)))
    if letter.amount_in_dispute is not None:
        rows.append(("Amount in dispute", money(letter.amount_in_dispute)))
    rp = c.rendering_provider
    if rp:
        rows.append(("Rendering provider", f"{rp.first_name} {rp.last_name}, NPI {rp.npi}"))
    rows.append(("Billing provider", f"{c.billing_provider.name}, NPI {c.billing_provider.npi}"))
    return rows


def _para(pdf: FPDF, text: str, size: float = 10, style: str = "", gap: float = 2.5,
          color: tuple[int, int, int] = (0, 0, 0), indent: float = 0.0) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.set_text_color(*color)
    pdf.set_x(20 + indent)
    pdf.multi_cell(176 - indent, size * 0.48, latin1(text), align="L")
    pdf.ln(gap)


def _ensure_room(pdf: FPDF, needed: float) -> None:
    if pdf.get_y() + needed > 262:
        pdf.add_page()
        pdf.set_y(20)


def render_appeal_letter(letter: AppealLetter) -> bytes:
    if not letter.denials:
        raise ValueError(f"claim {letter.claim.claim_id}: an appeal letter needs at least one denial reason")
    if not letter.argument.strip():
        raise ValueError(f"claim {letter.claim.claim_id}: the appeal argument is empty")
    c = letter.claim
    bp = c.billing_provider
    pdf = new_document(f"Appeal claim {c.claim_id}", bp.name, letter.letter_date)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(20, 15, 20)
    pdf.add_page()
    # letterhead
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(*INK)
    pdf.text(20, 20, latin1(bp.name))
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(*GREY)
    addr = bp.address
    head = f"{addr.line1}{', ' + addr.line2 if addr.line2 else ''}, {addr.city}, {addr.state} {addr.zip}"
    if bp.phone:
        head += f"  -  {phone(bp.phone)}"
    pdf.text(20, 25, latin1(head))
    pdf.text(20, 29, latin1(f"NPI {bp.npi}  -  Tax ID {bp.tax_id}"))
    pdf.set_draw_color(*INK)
    pdf.line(20, 32, 196, 32)
    pdf.set_y(38)
    _para(pdf, mdy(letter.letter_date), gap=4)
    to = letter.appeals_address or c.payer.address
    recipient = [c.payer.name, letter.appeals_department]
    if to:
        recipient += [to.line1, *([to.line2] if to.line2 else []), f"{to.city}, {to.state} {to.zip}"]
    _para(pdf, "\n".join(recipient), gap=5)
    _para(pdf, f"RE: {letter.level} - claim {letter.payer_claim_number or c.claim_id}", 11, "B", gap=3, color=INK)

    # claim facts table
    pdf.set_font("Helvetica", "", 9.5)
    for k, v in _claim_rows(letter):
        pdf.set_x(24)
        pdf.set_text_color(*GREY)
        pdf.cell(42, 5, latin1(k))
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.cell(0, 5, latin1(v), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9.5)
    pdf.ln(4)
    patient = c.patient or c.subscriber
    _para(pdf, f"To the {letter.appeals_department.lower()}:", gap=2)
    _para(pdf, f"We ask you to reconsider the denial of the services below, provided to "
               f"{patient.first_name} {patient.last_name} on {mdy(c.first_date_of_service)}. "
               "The reasons given, our response and the supporting documentation follow.")

    # services appealed
    numbers = letter.line_numbers or tuple(range(1, len(c.lines) + 1))
    for n in numbers:
        if not 1 <= n <= len(c.lines):
            raise ValueError(f"claim {c.claim_id}: line {n} does not exist (claim has {len(c.lines)} lines)")
    _ensure_room(pdf, 12 + 6 * len(numbers))
    _para(pdf, "Services under appeal", 10.5, "B", gap=1, color=INK)
    widths = (10, 24, 34, 70, 30)
    pdf.set_font("Helvetica", "B", 8.5)
    pdf.set_fill_color(236, 241, 248)
    pdf.set_x(20)
    for w, t in zip(widths, ("Line", "Date", "Code", "Diagnoses", "Charge"), strict=True):
        pdf.cell(w, 5.5, t, border=1, fill=True, align="R" if t == "Charge" else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8.5)
    for n in numbers:
        ln = c.lines[n - 1]
        code = ln.procedure + ("-" + "-".join(ln.modifiers) if ln.modifiers else "")
        dx = ", ".join(c.diagnoses[p - 1] for p in ln.dx_pointers if 1 <= p <= len(c.diagnoses))
        pdf.set_x(20)
        for w, t, al in zip(widths, (str(n), mdy(ln.date_of_service), code, dx, money(ln.charge)),
                            ("L", "L", "L", "L", "R"), strict=True):
            pdf.cell(w, 5.5, latin1(t), border=1, align=al)
        pdf.ln()
    pdf.ln(4)

    # reasons in words
    _ensure_room(pdf, 20)
    _para(pdf, "Reason(s) given for the denial", 10.5, "B", gap=1, color=INK)
    seen: set[str] = set()
    for d in letter.denials:
        if d.code_string in seen:
            continue
        seen.add(d.code_string)
        _para(pdf, f"{d.code_string} ({d.category_label})", 9.5, "B", gap=0.5, indent=4)
        for r in d.reasons:
            _para(pdf, r, 9.5, gap=0.5, indent=8)
        pdf.ln(1.5)
    pdf.ln(2)

    # argument
    _ensure_room(pdf, 20)
    _para(pdf, "Why the claim should be paid", 10.5, "B", gap=1, color=INK)
    for paragraph in [p.strip() for p in letter.argument.split("\n\n") if p.strip()]:
        _para(pdf, paragraph, 10, gap=2.5)

    # documentation excerpt in a ruled box
    _ensure_room(pdf, 25)
    _para(pdf, f"Supporting documentation: {letter.documentation_title}", 10.5, "B", gap=1.5, color=INK)
    top = pdf.get_y()
    start_page = pdf.page_no()
    pdf.set_font("Courier", "", 8.8)
    pdf.set_text_color(0, 0, 0)
    pdf.set_x(26)
    pdf.multi_cell(166, 4.1, latin1(letter.documentation_excerpt.strip() or "(no excerpt provided)"), align="L")
    if pdf.page_no() == start_page:
        pdf.set_draw_color(*INK)
        pdf.line(23, top - 1, 23, pdf.get_y() + 1)  # a quote rule beside the excerpt
    pdf.ln(5)

    enclosures = letter.enclosures or ("Copy of the claim (CMS-1500)", "Remittance advice showing the denial",
                                       letter.documentation_title)
    _ensure_room(pdf, 12 + 5 * len(enclosures))
    _para(pdf, "Enclosures", 10.5, "B", gap=1, color=INK)
    for e in enclosures:
        _para(pdf, f"- {e}", 9.5, gap=0.3, indent=4)
    pdf.ln(4)
    _ensure_room(pdf, 34)
    contact = letter.contact_name or "our billing office"
    tel = phone(letter.contact_phone or bp.phone)
    _para(pdf, f"Please reprocess this claim for payment. If you need anything further, contact {contact}"
               + (f" at {tel}" if tel else "") + ".", gap=8)
    _para(pdf, "Sincerely,", gap=12)
    signer = c.rendering_provider
    _para(pdf, letter.contact_name or (f"{signer.first_name} {signer.last_name}" if signer else bp.name),
          10, "B", gap=0.5)
    _para(pdf, bp.name, 9.5, gap=0.5)
    # page numbers
    total = pdf.page_no()
    for i in range(1, total + 1):
        pdf.page = i
        pdf.set_font("Helvetica", "", 7.5)
        pdf.set_text_color(*GREY)
        pdf.text(150, 272, latin1(f"Claim {c.claim_id} - page {i} of {total}"))
    return to_bytes(pdf)


def appeal_for_claim(claim: Claim, denials: Sequence[DenialExplanation], documentation_excerpt: str,
                     letter_date: dt.date, **kwargs: object) -> AppealLetter:
    """An ``AppealLetter`` with the default argument for the first denial that is appealable."""
    first = next((d for d in denials if d.appealable), denials[0] if denials else None)
    return AppealLetter(claim=claim, denials=tuple(denials), argument=default_argument(first, claim),
                        documentation_excerpt=documentation_excerpt, letter_date=letter_date,
                        **kwargs)  # type: ignore[arg-type]
