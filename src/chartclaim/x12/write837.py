"""837P (005010X222A1) and 837I (005010X223A2) writer from ``chartclaim.claim.Claim``.

Loops written: 1000A submitter, 1000B receiver, 2000A/2010AA billing provider (2010AB pay-to when the
pay-to address differs), 2000B/2010BA/2010BB subscriber and payer, 2000C/2010CA patient when the patient is
not the subscriber, 2300 claim (CLM, DTP, CL1 for 837I, REF, NTE, HI), 2310A referring (837P) / attending
(837I), 2310B rendering, 2320/2330A/2330B other payers with COB amounts, 2400 lines (SV1 / SV2, DTP, REF*6R,
LIN/CTP for NDC), 2420A line rendering, 2430 line adjudication (SVD/CAS/DTP*573).

Claims are grouped by billing provider (one 2000A per provider) and by subscriber; ``one_st_per_claim``
puts each claim in its own ST. Every line gets a REF*6R line item control number (``claim_id`` + line
number when the claim has none) so 835 lines can be matched back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chartclaim.claim import Address, Claim, OtherPayer, Person, ServiceLine
from chartclaim.x12.core import gc_paused
from chartclaim.x12.envelope import (
    COMPONENT,
    ControlNumberSource,
    EnvelopeOptions,
    clean,
    default_numbers,
    fmt_amount,
    interchange,
)

VERSION_P = "005010X222A1"
VERSION_I = "005010X223A2"


class X12WriteError(ValueError):
    """A claim that cannot be written as a valid 837; names the claim and the field."""

    def __init__(self, claim_id: str, field: str, message: str) -> None:
        self.claim_id = claim_id
        self.field = field
        super().__init__(f"claim {claim_id}: {field}: {message}")


@dataclass(frozen=True, slots=True)
class Submitter:
    """1000A submitter (the practice or its billing service) and its EDI contact."""

    name: str
    id: str  # submitter id assigned by the receiver (NM109)
    contact_name: str
    phone: str
    entity_type: str = "2"  # 1 person, 2 organisation


@dataclass(frozen=True, slots=True)
class Receiver:
    """1000B receiver (clearinghouse or payer)."""

    name: str
    id: str


def with_line_control_numbers(claim: Claim) -> Claim:
    """The claim as written: every line carries a line item control number (REF*6R)."""
    if all(ln.line_control_number for ln in claim.lines):
        return claim
    lines = tuple(
        ln if ln.line_control_number else ln.model_copy(update={"line_control_number": f"{claim.claim_id}-{i}"})
        for i, ln in enumerate(claim.lines, 1)
    )
    return claim.model_copy(update={"lines": lines})


_D8: dict[dt.date, str] = {}


def cob_problems(claim: Claim) -> list[str]:
    """COB balancing an 837 receiver checks for each other payer that adjudicated the claim: CLM02 − AMT*D =
    Σ 2320 CAS + Σ 2430 CAS, and per adjudicated line SV102 − SVD02 = Σ 2430 CAS. Empty when it balances
    (or when no other payer reported a payment)."""
    out = []
    for k, op in enumerate(claim.other_payers):
        if op.paid is None:
            continue
        line_cas = sum((a.amount for la in op.line_adjudications for a in la.adjustments), Decimal(0))
        claim_cas = sum((a.amount for a in op.adjustments), Decimal(0))
        if claim.total_charge - op.paid != claim_cas + line_cas:
            out.append(f"other_payers[{k}]: charge {claim.total_charge} − paid {op.paid} ≠ claim CAS {claim_cas}"
                       f" + line CAS {line_cas}")
        for la in op.line_adjudications:
            if not 1 <= la.line <= len(claim.lines):
                out.append(f"other_payers[{k}]: line adjudication for line {la.line}, which the claim does not have")
                continue
            charge = claim.lines[la.line - 1].charge
            cas = sum((a.amount for a in la.adjustments), Decimal(0))
            if charge - la.paid != cas:
                out.append(f"other_payers[{k}] line {la.line}: charge {charge} − paid {la.paid} ≠ CAS {cas}")
    return out


def _d8(d: dt.date) -> str:
    try:
        return _D8[d]
    except KeyError:
        v = _D8[d] = f"{d.year:04d}{d.month:02d}{d.day:02d}"
        return v


def _amt(v: Decimal) -> str:
    s = str(v)
    if "E" in s:
        s = format(v, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def _s(*parts: str) -> str:
    """Segment from already rendered elements; trailing empties dropped."""
    n = len(parts)
    while n > 1 and not parts[n - 1]:
        n -= 1
    return "*".join(parts[:n])


def _c(*parts: str) -> str:
    n = len(parts)
    while n > 1 and not parts[n - 1]:
        n -= 1
    return COMPONENT.join(parts[:n])


def _zip(z: str) -> str:
    return z.replace("-", "").replace(" ", "")


def _addr(a: Address) -> list[str]:
    n3 = f"N3*{clean(a.line1, 55)}*{clean(a.line2, 55)}" if a.line2 else f"N3*{clean(a.line1, 55)}"
    return [n3, f"N4*{clean(a.city, 30)}*{a.state}*{_zip(a.zip)}"]


def _person_nm1(code: str, p: Person) -> str:
    return f"NM1*{code}*1*{clean(p.last_name, 60)}*{clean(p.first_name, 35)}****XX*{p.npi}"


def _date_range(start: dt.date, end: dt.date | None) -> tuple[str, str]:
    if end is not None and end != start:
        return "RD8", f"{_d8(start)}-{_d8(end)}"
    return "D8", _d8(start)


class _Writer:
    """Builds one transaction body; HL numbering is per transaction."""

    def __init__(self, submitter: Submitter, receiver: Receiver, institutional: bool, created: dt.datetime,
                 cache: dict[Any, Any] | None = None) -> None:
        self.cache: dict[Any, Any] = cache if cache is not None else {}
        self.out: list[str] = []
        self.hl = 0
        self.inst = institutional
        self.out.append(_s("BHT", "0019", "00", "", created.strftime("%Y%m%d"), created.strftime("%H%M"), "CH"))
        self.out.append(_s("NM1", "41", submitter.entity_type, clean(submitter.name, 60), "", "", "", "", "46", submitter.id))
        self.out.append(_s("PER", "IC", clean(submitter.contact_name, 60), "TE", submitter.phone))
        self.out.append(_s("NM1", "40", "2", clean(receiver.name, 60), "", "", "", "", "46", receiver.id))

    def set_reference(self, ref: str) -> None:
        bht = self.out[0].split("*")
        bht[3] = clean(ref, 50)
        self.out[0] = "*".join(bht)

    def billing_provider(self, c: Claim) -> int:
        self.hl += 1
        hl = self.hl
        bp = c.billing_provider
        # one ST per claim repeats the same 2000A for every claim: render it once per provider object
        key = (id(bp), id(c.pay_to_address), hl)
        hit = self.cache.get(key)
        if hit is not None and hit[0] is bp and hit[1] is c.pay_to_address:
            self.out += hit[2]
            return hl
        out: list[str] = []
        out.append(_s("HL", str(hl), "", "20", "1"))
        if bp.taxonomy:
            out.append(_s("PRV", "BI", "PXC", bp.taxonomy))
        out.append(_s("NM1", "85", "2", clean(bp.name, 60), "", "", "", "", "XX", bp.npi))
        z = _zip(bp.address.zip)
        if len(z) != 9 or not z.isdigit():
            raise X12WriteError(c.claim_id, "billing_provider.address.zip", "the billing provider needs a 9-digit ZIP+4")
        out += _addr(bp.address)
        out.append(_s("REF", bp.tax_id_type, bp.tax_id.replace("-", "")))
        if bp.phone:
            out.append(_s("PER", "IC", clean(bp.name, 60), "TE", "".join(ch for ch in bp.phone if ch.isdigit())))
        if c.pay_to_address is not None and c.pay_to_address != bp.address:
            out.append(_s("NM1", "87", "2"))
            out += _addr(c.pay_to_address)
        self.cache[key] = (bp, c.pay_to_address, out)  # only once it rendered without error
        self.out += out
        return hl

    def subscriber(self, c: Claim, parent: int) -> int:
        self.hl += 1
        hl = self.hl
        sub = c.subscriber
        self_pat = c.is_subscriber_patient
        out = self.out
        out.append(f"HL*{hl}*{parent}*22*{0 if self_pat else 1}")
        out.append(f"SBR*{c.payer_responsibility}*{'18' if self_pat else ''}*{clean(sub.group_number, 50)}******"
                   f"{c.payer.filing_indicator}")
        out.append(f"NM1*IL*1*{clean(sub.last_name, 60)}*{clean(sub.first_name, 35)}****MI*{sub.member_id}")
        if sub.address is not None:
            out += _addr(sub.address)
        elif self_pat:
            raise X12WriteError(c.claim_id, "subscriber.address", "required when the subscriber is the patient (2010BA N3/N4)")
        if sub.dob is not None:
            out.append(f"DMG*D8*{_d8(sub.dob)}*{sub.sex or 'U'}")
        elif self_pat:
            raise X12WriteError(c.claim_id, "subscriber.dob", "required when the subscriber is the patient (2010BA DMG)")
        out.append(f"NM1*PR*2*{clean(c.payer.name, 60)}*****PI*{c.payer.id}")
        if c.payer.address is not None:
            out += _addr(c.payer.address)
        return hl

    def patient(self, c: Claim, parent: int) -> None:
        p = c.patient
        assert p is not None
        self.hl += 1
        out = self.out
        out.append(_s("HL", str(self.hl), str(parent), "23", "0"))
        out.append(_s("PAT", p.relationship))
        out.append(_s("NM1", "QC", "1", clean(p.last_name, 60), clean(p.first_name, 35)))
        if p.address is None:
            raise X12WriteError(c.claim_id, "patient.address", "required for a patient who is not the subscriber (2010CA N3/N4)")
        out += _addr(p.address)
        if p.dob is None:
            raise X12WriteError(c.claim_id, "patient.dob", "required for a patient who is not the subscriber (2010CA DMG)")
        out.append(_s("DMG", "D8", _d8(p.dob), p.sex or "U"))

    def claim(self, c: Claim) -> None:
        out = self.out
        cid = c.claim_id
        if not c.diagnoses:
            raise X12WriteError(cid, "diagnoses", "at least one diagnosis is required (HI)")
        if len(c.claim_id) > 38:
            raise X12WriteError(cid, "claim_id", "longer than 38 characters (CLM01)")
        total = _amt(c.total_charge)
        if self.inst:
            tob = c.type_of_bill or ""
            tob = tob[1:] if len(tob) == 4 else tob
            if len(tob) != 3 or not tob.isdigit():
                raise X12WriteError(cid, "type_of_bill", "an institutional claim needs a type of bill like 0131")
            out.append(_s("CLM", clean(cid, 38), total, "", "", _c(tob[:2], "A", tob[2]), "",
                          c.assignment, "Y" if c.benefits_assigned else "N", c.release_of_information))
            if c.admission_date is not None:
                out.append(_s("DTP", "435", "D8", _d8(c.admission_date)))
            start = c.statement_from or c.first_date_of_service
            end = c.statement_to or c.last_date_of_service
            out.append(_s("DTP", "434", "RD8", f"{_d8(start)}-{_d8(end)}"))
            if not c.patient_status:
                raise X12WriteError(cid, "patient_status", "CL103 patient status is required on an 837I")
            out.append(_s("CL1", c.admission_type or "", c.admission_source or "", c.patient_status))
        else:
            pos = c.place_of_service or "11"
            related = _c("AA", "", "", c.accident_state) if c.accident_state else ""
            out.append(f"CLM*{clean(cid, 38)}*{total}***{pos}:B:{c.frequency}*{'Y' if c.provider_signature else 'N'}"
                       f"*{c.assignment}*{'Y' if c.benefits_assigned else 'N'}*{c.release_of_information}"
                       + (f"**{related}" if related else ""))
            if c.onset_date is not None:
                out.append(f"DTP*431*D8*{_d8(c.onset_date)}")
        if c.prior_authorization:
            out.append(f"REF*G1*{clean(c.prior_authorization, 50)}")
        if c.frequency in ("7", "8") or c.original_claim_number:
            if not c.original_claim_number:
                raise X12WriteError(cid, "original_claim_number", "a replacement or void (frequency 7/8) needs the payer claim number (REF*F8)")
            out.append(_s("REF", "F8", clean(c.original_claim_number, 50)))
        if c.referral_number:
            out.append(_s("REF", "9F", clean(c.referral_number, 50)))
        if c.note:
            out.append(_s("NTE", "ADD", clean(c.note, 80)))
        codes = [d.replace(".", "") for d in c.diagnoses]  # the claim model keeps them upper case
        if len(codes) > (25 if self.inst else 12):
            raise X12WriteError(cid, "diagnoses", f"more than {25 if self.inst else 12} diagnoses")
        if self.inst:
            out.append(_s("HI", _c("ABK", codes[0])))
            others = codes[1:]
            for i in range(0, len(others), 12):
                out.append(_s("HI", *[_c("ABF", x) for x in others[i:i + 12]]))
            if c.attending_provider is not None:
                out.append(_person_nm1("71", c.attending_provider))
                if c.attending_provider.taxonomy:
                    out.append(_s("PRV", "AT", "PXC", c.attending_provider.taxonomy))
            if c.rendering_provider is not None:
                out.append(_person_nm1("82", c.rendering_provider))
            if c.referring_provider is not None:
                out.append(_person_nm1("DN", c.referring_provider))
        else:
            out.append("HI*ABK:" + "*ABF:".join(codes))
            if c.referring_provider is not None:
                out.append(_person_nm1("DN", c.referring_provider))
            if c.rendering_provider is not None:
                out.append(_person_nm1("82", c.rendering_provider))
                if c.rendering_provider.taxonomy:
                    out.append(f"PRV*PE*PXC*{c.rendering_provider.taxonomy}")
        for op in c.other_payers:
            self.other_payer(c, op)
        for i, ln in enumerate(c.lines, 1):
            self.line(c, i, ln)

    def other_payer(self, c: Claim, op: OtherPayer) -> None:
        out = self.out
        out.append(_s("SBR", op.responsibility, op.relationship, clean(op.subscriber.group_number, 50), "", "", "", "",
                      "", op.payer.filing_indicator))
        for seg_ in _cas(op.adjustments):
            out.append(seg_)
        if op.paid is not None:
            out.append(_s("AMT", "D", _amt(op.paid)))
        if self.inst:
            out.append(_s("OI", "", "", "Y" if c.benefits_assigned else "N", "", "", c.release_of_information))
        else:
            out.append(_s("OI", "", "", "Y" if c.benefits_assigned else "N", "P", "", c.release_of_information))
        sub = op.subscriber
        out.append(_s("NM1", "IL", "1", clean(sub.last_name, 60), clean(sub.first_name, 35), "", "", "", "MI", sub.member_id))
        if sub.address is not None:
            out += _addr(sub.address)
        out.append(_s("NM1", "PR", "2", clean(op.payer.name, 60), "", "", "", "", "PI", op.payer.id))
        if op.payer.address is not None:
            out += _addr(op.payer.address)
        if op.adjudicated_on is not None:
            out.append(_s("DTP", "573", "D8", _d8(op.adjudicated_on)))
        if op.claim_control_number:
            out.append(_s("REF", "F8", clean(op.claim_control_number, 50)))

    def line(self, c: Claim, n: int, ln: ServiceLine) -> None:
        out = self.out
        out.append(f"LX*{n}")
        proc = (f"HC:{ln.procedure}:" + ":".join(ln.modifiers[:4]) if ln.modifiers else f"HC:{ln.procedure}") if ln.procedure else ""
        units = _amt(ln.units)
        if self.inst:
            if not ln.revenue_code:
                raise X12WriteError(c.claim_id, f"lines[{n - 1}].revenue_code", "an 837I line needs a revenue code (SV201)")
            out.append(_s("SV2", ln.revenue_code, proc, _amt(ln.charge), ln.unit_type if ln.unit_type == "UN" else "UN", units))
        else:
            if not ln.procedure:
                raise X12WriteError(c.claim_id, f"lines[{n - 1}].procedure", "an 837P line needs a procedure code (SV101)")
            ptrs = [str(p) for p in ln.dx_pointers[:4] if 1 <= p <= len(c.diagnoses)]
            if not ptrs:
                raise X12WriteError(c.claim_id, f"lines[{n - 1}].dx_pointers", "no pointer to a diagnosis on the claim")
            pos = ln.place_of_service if ln.place_of_service and ln.place_of_service != c.place_of_service else ""
            out.append(f"SV1*{proc}*{_amt(ln.charge)}*{ln.unit_type}*{units}*{pos}**{':'.join(ptrs)}")
        q, v = _date_range(ln.date_of_service, ln.date_of_service_end)
        out.append(f"DTP*472*{q}*{v}")
        lcn = ln.line_control_number or f"{c.claim_id}-{n}"
        out.append(f"REF*6R*{clean(lcn, 50)}")
        if ln.ndc:
            out.append(_s("LIN", "", "N4", ln.ndc.replace("-", "")))
            out.append(_s("CTP", "", "", "", units, "UN"))
        if ln.rendering_provider is not None and not self.inst:
            out.append(_person_nm1("82", ln.rendering_provider))
            if ln.rendering_provider.taxonomy:
                out.append(_s("PRV", "PE", "PXC", ln.rendering_provider.taxonomy))
        for op in c.other_payers:
            for la in op.line_adjudications:
                if la.line != n:
                    continue
                code = la.procedure or ln.procedure
                if code:
                    lproc = _c("HC", code, *(la.modifiers or ln.modifiers)[:4])
                elif self.inst:
                    lproc = ""  # 837I: SVD03 is situational; the revenue code (SVD04) identifies the line
                else:
                    raise X12WriteError(c.claim_id, f"lines[{n - 1}].procedure", "2430 SVD03 needs a procedure code")
                if self.inst:
                    out.append(_s("SVD", la.payer_id, _amt(la.paid), lproc, ln.revenue_code or "", _amt(la.units)))
                else:
                    out.append(_s("SVD", la.payer_id, _amt(la.paid), lproc, "", _amt(la.units)))
                out.extend(_cas(la.adjustments))
                when = la.adjudicated_on or op.adjudicated_on
                if when is None:
                    raise X12WriteError(c.claim_id, f"other_payers[].line_adjudications[{n}].adjudicated_on",
                                        "2430 needs the adjudication date (DTP*573)")
                out.append(_s("DTP", "573", "D8", _d8(when)))


def _cas(adjustments: Iterable[object]) -> list[str]:
    by_group: dict[str, list[object]] = {}
    for a in adjustments:
        by_group.setdefault(a.group, []).append(a)  # type: ignore[attr-defined]
    out = []
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            els = ["CAS", group]
            for a in items[i:i + 6]:
                q = a.quantity  # type: ignore[attr-defined]
                els += [a.reason, _amt(a.amount), _amt(q) if q is not None else ""]  # type: ignore[attr-defined]
            out.append(_s(*els))
    return out


def transaction_body(claims: Sequence[Claim], submitter: Submitter, receiver: Receiver, *,
                     created: dt.datetime | None = None, reference: str | None = None,
                     cache: dict[Any, Any] | None = None) -> list[str]:
    """Segments between ST and SE for claims of one type (all professional or all institutional)."""
    if not claims:
        raise ValueError("no claims to write")
    inst = claims[0].claim_type == "institutional"
    for c in claims:
        if (c.claim_type == "institutional") != inst:
            raise X12WriteError(c.claim_id, "claim_type", "professional and institutional claims go in separate transactions")
    created = created or dt.datetime.now()
    w = _Writer(submitter, receiver, inst, created, cache)
    w.set_reference(reference or claims[0].claim_id)
    # 2000A per billing provider, 2000B per subscriber+payer within it (claims keep their order inside).
    by_provider: dict[tuple[str, ...], list[Claim]] = {}
    for c in claims:
        bp = c.billing_provider
        # keyed by plain values: hashing the nested model per claim costs more than writing it
        key = (bp.npi, bp.tax_id, bp.name, bp.address.line1, bp.address.zip, bp.taxonomy or "", bp.phone or "",
               repr(c.pay_to_address) if c.pay_to_address else "")
        by_provider.setdefault(key, []).append(c)
    for provider_claims in by_provider.values():
        parent = w.billing_provider(provider_claims[0])
        for c in provider_claims:
            sub_hl = w.subscriber(c, parent)
            if not c.is_subscriber_patient:
                w.patient(c, sub_hl)
            w.claim(c)
    return w.out


def write_837(
    claims: Iterable[Claim],
    opts: EnvelopeOptions,
    submitter: Submitter,
    receiver: Receiver,
    numbers: ControlNumberSource | None = None,
    *,
    one_st_per_claim: bool = True,
    created: dt.datetime | None = None,
) -> str:
    """Write claims as one interchange: 837P claims in one GS (005010X222A1), 837I in another (X223A2).

    ``one_st_per_claim=False`` batches all claims of a type into one ST (clearinghouses accept both).
    Raises ``X12WriteError`` naming the claim and field before anything is written.
    """
    numbers = numbers or default_numbers()
    created = created or opts.timestamp or dt.datetime.now()
    claims = list(claims)
    prof = [c for c in claims if c.claim_type != "institutional"]
    inst = [c for c in claims if c.claim_type == "institutional"]
    groups = []
    with gc_paused():
        groups = _groups(prof, inst, submitter, receiver, created, one_st_per_claim)
    if not groups:
        raise ValueError("no claims to write")
    return interchange(groups, opts, numbers)


def _groups(prof: list[Claim], inst: list[Claim], submitter: Submitter, receiver: Receiver, created: dt.datetime,
            one_st_per_claim: bool) -> list[tuple[str, str, list[tuple[str, list[str]]]]]:
    groups = []
    for batch, version in ((prof, VERSION_P), (inst, VERSION_I)):
        if not batch:
            continue
        if one_st_per_claim:
            cache: dict[Any, Any] = {}
            sets = [("837", transaction_body([c], submitter, receiver, created=created, cache=cache)) for c in batch]
        else:
            sets = [("837", transaction_body(batch, submitter, receiver, created=created,
                                             reference=f"B{created.strftime('%Y%m%d%H%M%S')}"))]
        groups.append(("HC", version, sets))
    return groups


__all__ = ["Receiver", "Submitter", "X12WriteError", "cob_problems", "fmt_amount", "transaction_body", "with_line_control_numbers", "write_837"]
