"""835 writer (005010X221A1) from ``Remittance`` records — for the payer simulator and for tests.

The output passes pyx12 (no ST03, which its 835 map marks "not used"). CAS triplets of one group are packed
six to a segment, PLB pairs six to a segment, as the guide lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from chartclaim.x12.envelope import (
    ControlNumberSource,
    EnvelopeOptions,
    clean,
    comp,
    default_numbers,
    interchange,
    seg,
)
from chartclaim.x12.remit import (
    CasAdjustment,
    ClaimPayment,
    Name,
    Party,
    Payment,
    PlbAdjustment,
    Procedure,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    Trace,
    check_balancing,
)

VERSION = "005010X221A1"


def cas_segments(adjustments: Iterable[CasAdjustment]) -> list[str]:
    """Group adjustments by group code (first-seen order) and pack six triplets per CAS."""
    by_group: dict[str, list[CasAdjustment]] = {}
    for a in adjustments:
        by_group.setdefault(a.group, []).append(a)
    out = []
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            els: list[object] = ["CAS", group]
            for a in items[i:i + 6]:
                els += [a.reason, a.amount, a.quantity]
            out.append(seg(*els))
    return out


def _procedure(p: Procedure) -> str:
    return comp(p.qualifier, p.code, *(list(p.modifiers) + [""] * (4 - len(p.modifiers)))[:4], clean(p.description))


def _name(n: Name) -> str:
    return seg("NM1", n.entity, n.entity_type, clean(n.last_or_org, 60), clean(n.first, 35), clean(n.middle, 25), "",
               clean(n.suffix, 10), n.id_qualifier, n.id)


def _party(p: Party) -> list[str]:
    out = [seg("N1", p.entity, clean(p.name, 60), p.id_qualifier, p.id)]
    if p.address is not None:
        lines = [clean(x, 55) for x in p.address.lines][:2]
        if lines:
            out.append(seg("N3", *lines))
        out.append(seg("N4", clean(p.address.city, 30), p.address.state, p.address.zip, p.address.country))
    for q, v in p.references:
        out.append(seg("REF", q, clean(v, 50)))
    for c in p.contacts:
        tag, *rest = c
        out.append(seg(tag, *[clean(x) for x in rest]))
    return out


def _service(s: ServicePayment) -> list[str]:
    out = [seg("SVC", _procedure(s.procedure), s.charge, s.paid, s.revenue_code, s.units,
               _procedure(s.original_procedure) if s.original_procedure else "", s.original_units)]
    for q, d in s.dates:
        out.append(seg("DTM", q, d))
    out += cas_segments(s.adjustments)
    for q, v in s.references:
        out.append(seg("REF", q, clean(v, 50)))
    for q, a in s.amounts:
        out.append(seg("AMT", q, a))
    for q, a in s.quantities:
        out.append(seg("QTY", q, a))
    for r in s.remarks:
        out.append(seg("LQ", r.qualifier, r.code))
    return out


def _claim(c: ClaimPayment) -> list[str]:
    out = [seg("CLP", c.patient_control_number, c.status, c.charge, c.paid, c.patient_responsibility,
               c.filing_indicator, c.payer_claim_control_number, c.facility_code, c.frequency, "", c.drg,
               c.drg_weight, c.discharge_fraction)]
    out += cas_segments(c.adjustments)
    order = {"QC": 0, "IL": 1, "74": 2, "82": 3, "TT": 4, "PR": 5, "GB": 6}
    for n in sorted(c.names, key=lambda n: order.get(n.entity, 9)):
        out.append(_name(n))
    if c.inpatient is not None:
        out.append(seg("MIA", *c.inpatient.elements))
    if c.outpatient is not None:
        o = c.outpatient
        rem = list(o.remarks[:5]) + [""] * (5 - len(o.remarks[:5]))
        out.append(seg("MOA", o.reimbursement_rate, o.hcpcs_payable, *rem, o.esrd_payment, o.non_payable_professional))
    for q, v in c.references:
        out.append(seg("REF", q, clean(v, 50)))
    for q, d in c.dates:
        out.append(seg("DTM", q, d))
    for p in c.contacts:
        out.append(seg("PER", *[clean(x) for x in p]))
    for q, a in c.amounts:
        out.append(seg("AMT", q, a))
    for q, a in c.quantities:
        out.append(seg("QTY", q, a))
    for s in c.services:
        out += _service(s)
    return out


def _plb(provider_id: str, fiscal: object, items: Sequence[PlbAdjustment]) -> list[str]:
    out = []
    for i in range(0, len(items), 6):
        els: list[object] = ["PLB", provider_id, fiscal]
        for a in items[i:i + 6]:
            els += [comp(a.reason, a.reference) if a.reference else a.reason, a.amount]
        out.append(seg(*els))
    return out


def remittance_body(rem: Remittance) -> list[str]:
    """The segments between ST and SE for one remittance."""
    p = rem.payment
    out = [seg("BPR", p.handling, p.amount, p.credit_debit, p.method, p.format,
               "01" if p.payer_dfi else "", p.payer_dfi, "DA" if p.payer_account else "", p.payer_account,
               p.payer_id, "", "01" if p.payee_dfi else "", p.payee_dfi, "DA" if p.payee_account else "",
               p.payee_account, p.date)]
    if rem.trace is not None:
        out.append(seg("TRN", rem.trace.type or "1", rem.trace.number, rem.trace.originator, rem.trace.reference))
    if rem.currency:
        out.append(seg("CUR", "PR", rem.currency))
    for q, v in rem.references:
        out.append(seg("REF", q, clean(v, 50)))
    if rem.receiver_id and not any(q == "EV" for q, _ in rem.references):
        out.append(seg("REF", "EV", rem.receiver_id))
    if rem.production_date is not None:
        out.append(seg("DTM", "405", rem.production_date))
    out += _party(rem.payer)
    out += _party(rem.payee)
    by_header: dict[str, list[ClaimPayment]] = {}
    for c in rem.claims:
        by_header.setdefault(c.header_number or "1", []).append(c)
    summaries = {ps.header_number: ps for ps in rem.provider_summaries}
    for hn, claims in by_header.items():
        out.append(seg("LX", hn))
        ps = summaries.get(hn)
        if ps is not None:
            if ps.ts3:
                out.append(seg("TS3", *ps.ts3))
            if ps.ts2:
                out.append(seg("TS2", *ps.ts2))
        for c in claims:
            out += _claim(c)
    for plb in rem.provider_adjustments:
        out += _plb(plb.provider_id, plb.fiscal_period, plb.adjustments)
    return out


def problems_for_writing(rem: Remittance) -> list[str]:
    """What the implementation guide requires that this remittance lacks (pyx12 would reject the file)."""
    out = []
    if rem.payment.date is None:
        out.append("payment.date (BPR16) is required")
    if rem.trace is None:
        out.append("trace (TRN) is required")
    if rem.payer.address is None or not rem.payer.address.lines or not rem.payer.address.city:
        out.append("payer.address (1000A N3/N4) is required")
    if not any(c and c[0] == "PER" and len(c) > 1 and c[1] == "BL" for c in rem.payer.contacts):
        out.append("payer.contacts needs a PER*BL technical contact (1000A)")
    if not rem.payee.id or not rem.payee.id_qualifier:
        out.append("payee.id and payee.id_qualifier (N103/N104, e.g. XX + NPI) are required")
    for c in rem.claims:
        if c.patient is None:
            out.append(f"claim {c.patient_control_number}: patient name (NM1*QC) is required")
    return out


def write_835(
    remittances: Iterable[Remittance],
    opts: EnvelopeOptions,
    numbers: ControlNumberSource | None = None,
    *,
    require_balanced: bool = True,
) -> str:
    """One interchange, one GS (HP), one ST per remittance. Refuses unbalanced remittances unless told not
    to (a payer simulator that wants to test our balancing says ``require_balanced=False``)."""
    numbers = numbers or default_numbers()
    sets = []
    for rem in remittances:
        missing = problems_for_writing(rem)
        if missing:
            raise ValueError("remittance cannot be written as a valid 835: " + "; ".join(missing))
        if require_balanced:
            problems = check_balancing(rem)
            if problems:
                raise ValueError("remittance does not balance: " + "; ".join(i.message for i in problems))
        sets.append(("835", remittance_body(rem)))
    return interchange([("HP", VERSION, sets)], opts, numbers)


def claim_payment_for(
    claim: Any,
    line_results: Sequence[tuple[Decimal, Sequence[CasAdjustment]]],
    *,
    status: str = "1",
    payer_claim_control_number: str,
    claim_adjustments: Sequence[CasAdjustment] = (),
    filing_indicator: str | None = None,
) -> ClaimPayment:
    """A ``ClaimPayment`` answering one of our ``Claim``s (what a payer simulator sends back): one
    ``(paid, adjustments)`` per claim line, in line order. Lines echo procedure, modifiers, units, date and
    REF*6R; patient responsibility is the sum of the PR adjustments; it balances when each line's
    adjustments explain charge − paid."""
    if len(line_results) != len(claim.lines):
        raise ValueError(f"claim {claim.claim_id}: {len(claim.lines)} lines but {len(line_results)} results")
    services = []
    for i, (ln, (paid, adjustments)) in enumerate(zip(claim.lines, line_results, strict=True), 1):
        refs = (("6R", ln.line_control_number or f"{claim.claim_id}-{i}"),)
        dates: tuple[tuple[str, Any], ...] = ((("150", ln.date_of_service), ("151", ln.date_of_service_end))
                                              if ln.date_of_service_end and ln.date_of_service_end != ln.date_of_service
                                              else (("472", ln.date_of_service),))
        proc = Procedure("HC", ln.procedure, tuple(ln.modifiers)) if ln.procedure else Procedure("NU", ln.revenue_code or "")
        services.append(ServicePayment(proc, ln.charge, paid, ln.revenue_code or "" if ln.procedure else "", ln.units,
                                       adjustments=tuple(adjustments), dates=dates, references=refs))
    all_adj = list(claim_adjustments) + [a for _, adjs in line_results for a in adjs]
    pr = sum((a.amount for a in all_adj if a.group == "PR"), Decimal(0))
    who = claim.patient or claim.subscriber
    names = [Name("QC", "1", who.last_name, who.first_name, id_qualifier="MI", id=claim.subscriber.member_id)]
    if claim.patient is not None and claim.patient.relationship != "18":
        s = claim.subscriber
        names.append(Name("IL", "1", s.last_name, s.first_name, id_qualifier="MI", id=s.member_id))
    if claim.rendering_provider is not None:
        r = claim.rendering_provider
        names.append(Name("82", "1", r.last_name, r.first_name, id_qualifier="XX", id=r.npi))
    facility, freq = (claim.place_of_service or "11"), claim.frequency
    if claim.claim_type == "institutional" and claim.type_of_bill:
        tob = claim.type_of_bill[-3:]
        facility, freq = tob[:2], tob[2]
    return ClaimPayment(
        claim.claim_id, status, claim.total_charge, sum((s.paid for s in services), Decimal(0)), pr,
        filing_indicator or _FILING.get(claim.payer.filing_indicator, "12"), payer_claim_control_number, facility, freq,
        adjustments=tuple(claim_adjustments), names=tuple(names), services=tuple(services), header_number="1",
    )


def remittance_for(
    claims: Sequence[ClaimPayment],
    *,
    payer: Party,
    payee: Party,
    paid_on: Any,
    trace_number: str,
    payer_tin: str,
    method: str = "ACH",
    provider_adjustments: Sequence[ProviderAdjustment] = (),
    control_number: str = "0001",
) -> Remittance:
    """A balanced ``Remittance``: BPR02 = Σ CLP04 − Σ PLB, handling I (or H when nothing is paid)."""
    total = sum((c.paid for c in claims), Decimal(0)) - sum((p.total for p in provider_adjustments), Decimal(0))
    handling = "I" if total > 0 else "H"
    pay = Payment(handling, total, "C", method if total > 0 else "NON", "CCP" if method == "ACH" and total > 0 else "",
                  date=paid_on)
    return Remittance(control_number, pay, Trace("1", trace_number, "1" + payer_tin.replace("-", "")[-9:]), payer,
                      payee, tuple(claims), tuple(provider_adjustments), paid_on)


# SBR09 claim filing indicator (837) → CLP06 claim filing indicator (835)
_FILING = {"MB": "MB", "MA": "MA", "MC": "MC", "CI": "12", "BL": "15", "HM": "HM", "16": "16", "12": "12",
           "13": "13", "14": "14", "15": "15", "CH": "CH", "VA": "VA", "WC": "WC", "DS": "DS", "OF": "OF", "TV": "TV"}
