"""Claim status: 276 inquiry (writer and reader), 277 response (005010X212) and the 277CA claim
acknowledgment (005010X214, reader and writer) — one hierarchical model for both 277 flavours.

HL levels: 20 information source (payer), 21 information receiver (submitter), 19 provider of service,
22 subscriber, 23 dependent, PT patient (277CA). Within a subscriber/dependent/patient level each TRN
starts one claim (2200D/E), its STC/REF/DTP follow, SVC starts a service line (2220D/E).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chartclaim.x12.core import (
    Delimiters,
    Issue,
    RawTransaction,
    X12Error,
    check_dates,
    check_known,
    date_lenient,
)
from chartclaim.x12.core import decimal_element as _dec
from chartclaim.x12.core import element as _e
from chartclaim.x12.envelope import (
    ControlNumberSource,
    EnvelopeOptions,
    clean,
    default_numbers,
    fmt_amount,
    interchange,
)
from chartclaim.x12.remit import Name, Procedure
from chartclaim.x12.remit import name_from_nm1 as _name

# STC01-1 claim status category codes that mean the claim went on (everything else stopped it).
ACCEPTED_CATEGORIES = frozenset({"A0", "A1", "A2", "A5"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2", "E3", "E4", "D0"})
PENDING_PREFIXES = ("P",)
FINALIZED_PREFIX = "F"


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """One STC: category (A1, A2, A7, F1, P1...), status code (CSC), entity (CSCC entity), date, action,
    amount, plus the optional second and third composites (STC10, STC11)."""

    category: str
    code: str = ""
    entity: str = ""
    date: dt.date | None = None
    action: str = ""  # STC03 in a 277CA: WQ accepted, U rejected
    amount: Decimal | None = None
    more: tuple[tuple[str, str, str], ...] = ()
    text: str = ""

    @property
    def accepted(self) -> bool:
        return self.category in ACCEPTED_CATEGORIES

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES

    @property
    def codes(self) -> tuple[tuple[str, str, str], ...]:
        return ((self.category, self.code, self.entity), *self.more)


@dataclass(frozen=True, slots=True)
class LineStatus:
    procedure: Procedure
    charge: Decimal | None
    paid: Decimal | None = None
    revenue_code: str = ""
    units: Decimal | None = None
    statuses: tuple[StatusInfo, ...] = ()
    line_control_number: str = ""  # REF*FJ
    service_from: dt.date | None = None
    service_to: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """One claim's status (2200D/E): matched to our claim by ``patient_control_number``."""

    patient_control_number: str  # TRN02 (277CA: our CLM01; 277: the trace we sent, REF*EJ carries CLM01)
    statuses: tuple[StatusInfo, ...] = ()
    payer_claim_control_number: str = ""  # REF*1K
    clearinghouse_trace: str = ""  # REF*D9
    bill_type: str = ""  # REF*BLT
    account_number: str = ""  # REF*EJ (277)
    service_from: dt.date | None = None
    service_to: dt.date | None = None
    patient: Name | None = None
    subscriber: Name | None = None
    provider: Name | None = None
    lines: tuple[LineStatus, ...] = ()
    position: int = field(default=0, compare=False)

    @property
    def status(self) -> StatusInfo | None:
        return self.statuses[0] if self.statuses else None

    @property
    def accepted(self) -> bool:
        return bool(self.statuses) and all(not s.rejected for s in self.statuses) and any(
            s.accepted or s.category.startswith(("F", "P")) for s in self.statuses)

    @property
    def rejected(self) -> bool:
        return any(s.rejected for s in self.statuses)

    @property
    def claim_id(self) -> str:
        """Our claim id: REF*EJ when present (277), else TRN02 (277CA echoes CLM01 there)."""
        return self.account_number or self.patient_control_number


@dataclass(frozen=True, slots=True)
class PartyStatus:
    """Status at the receiver (21) or provider (19) level: batch acceptance counts and amounts."""

    level: str
    name: Name
    trace: str = ""
    statuses: tuple[StatusInfo, ...] = ()
    quantities: tuple[tuple[str, Decimal], ...] = ()  # QTY 90 accepted, AA rejected
    amounts: tuple[tuple[str, Decimal], ...] = ()  # AMT YU accepted, YY rejected


@dataclass(frozen=True, slots=True)
class ClaimStatusReport:
    """A 277 (claim status response) or 277CA (claim acknowledgment); ``kind`` says which."""

    kind: str
    control_number: str
    reference: str = ""
    created: dt.date | None = None
    payer: Name | None = None
    receiver: Name | None = None
    received_on: dt.date | None = None  # DTP*050
    processed_on: dt.date | None = None  # DTP*009
    parties: tuple[PartyStatus, ...] = ()
    claims: tuple[ClaimStatus, ...] = ()
    issues: tuple[Issue, ...] = ()
    position: int = field(default=0, compare=False)

    @property
    def accepted(self) -> tuple[ClaimStatus, ...]:
        return tuple(c for c in self.claims if not c.rejected)

    @property
    def rejected(self) -> tuple[ClaimStatus, ...]:
        return tuple(c for c in self.claims if c.rejected)

    def for_claim(self, claim_id: str) -> ClaimStatus | None:
        for c in self.claims:
            if claim_id in (c.patient_control_number, c.account_number):
                return c
        return None


ClaimAck = ClaimStatusReport
ClaimStatusResponse = ClaimStatusReport


@dataclass(frozen=True, slots=True)
class StatusInquiryClaim:
    trace: str
    subscriber: Name | None
    patient: Name | None
    account_number: str = ""  # REF*EJ
    payer_claim_control_number: str = ""  # REF*1K
    total_charge: Decimal | None = None
    service_from: dt.date | None = None
    service_to: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatusInquiry:
    """A 276 as read."""

    control_number: str
    reference: str
    payer: Name | None
    receiver: Name | None
    provider: Name | None
    claims: tuple[StatusInquiryClaim, ...]
    position: int = field(default=0, compare=False)


def _split(v: str, d: Delimiters) -> list[str]:
    if d.component in v:
        return [x.strip() for x in v.split(d.component)]
    for alt in (":", ">", "|", "^"):
        if alt != d.element and alt in v:
            return [x.strip() for x in v.split(alt)]
    return [v.strip()]


def _stc(seg: list[str], pos: int, d: Delimiters) -> StatusInfo:
    first = _split(_e(seg, 1), d)
    if not first or not first[0]:
        raise X12Error("STC01 status category is missing", position=pos, segment_id="STC", element="STC01")
    more = []
    for i in (10, 11):
        v = _e(seg, i)
        if v:
            p = [*_split(v, d), "", "", ""]
            more.append((p[0], p[1], p[2]))
    stc02 = _e(seg, 2)
    date = date_lenient(stc02)
    if stc02 and date is None and stc02.strip("0"):
        raise X12Error(f"not a date (CCYYMMDD): {stc02!r}", position=pos, segment_id="STC", element="STC02")
    _dec(seg, 5, pos)  # STC05 claim payment amount: not kept, but a non-number is damage
    return StatusInfo(first[0], first[1] if len(first) > 1 else "", first[2] if len(first) > 2 else "",
                      date, _e(seg, 3), _dec(seg, 4, pos), tuple(more), _e(seg, 12))


def _dates(v: str) -> tuple[dt.date | None, dt.date | None]:
    a, _, b = v.partition("-")
    start = date_lenient(a)
    return start, (date_lenient(b) if b else start)


class _ClaimB:
    def __init__(self, trace: str, pos: int, patient: Name | None, subscriber: Name | None, provider: Name | None) -> None:
        self.trace = trace
        self.pos = pos
        self.patient, self.subscriber, self.provider = patient, subscriber, provider
        self.statuses: list[StatusInfo] = []
        self.refs: dict[str, str] = {}
        self.dates: tuple[dt.date | None, dt.date | None] = (None, None)
        self.lines: list[dict[str, Any]] = []

    def build(self) -> ClaimStatus:
        lines = tuple(LineStatus(ln["proc"], ln["charge"], ln["paid"], ln["rev"], ln["units"], tuple(ln["stc"]),
                                 ln.get("fj", ""), *ln.get("dates", (None, None))) for ln in self.lines)
        return ClaimStatus(self.trace, tuple(self.statuses), self.refs.get("1K", ""), self.refs.get("D9", ""),
                           self.refs.get("BLT", ""), self.refs.get("EJ", ""), self.dates[0], self.dates[1],
                           self.patient, self.subscriber, self.provider, lines, self.pos)


def _parse_277(raw: RawTransaction, kind: str) -> ClaimStatusReport:
    d = raw.interchange.delimiters
    base = raw.start + 1
    issues = list(raw.issues)
    reference, created = "", None
    payer: Name | None = None
    receiver: Name | None = None
    received_on = processed_on = None
    parties: list[PartyStatus] = []
    claims: list[ClaimStatus] = []
    level = ""
    party: dict[str, Any] | None = None
    provider: Name | None = None
    subscriber: Name | None = None
    person: Name | None = None
    claim: _ClaimB | None = None
    line: dict[str, Any] | None = None

    def close_party() -> None:
        nonlocal party
        if party is not None and party.get("name") is not None and level in ("21", "19"):
            parties.append(PartyStatus(party["level"], party["name"], party.get("trace", ""), tuple(party["stc"]),
                                       tuple(party["qty"]), tuple(party["amt"])))
        party = None

    def close_claim() -> None:
        nonlocal claim, line
        if claim is not None:
            claims.append(claim.build())
        claim = None
        line = None

    for idx, seg in enumerate(raw.segments):
        pos = base + idx
        check_known(kind, seg, pos)
        if seg[0] == "DTP" or seg[0] == "DMG":
            check_dates(seg, pos)
        tag = seg[0]
        if tag == "BHT":
            reference, created = _e(seg, 3), date_lenient(_e(seg, 4))
        elif tag == "HL":
            close_claim()
            close_party()
            level = _e(seg, 3)
            if not level:
                raise X12Error("HL03 level code is missing", position=pos, segment_id="HL", element="HL03")
            party = {"level": level, "stc": [], "qty": [], "amt": [], "name": None}
            if level in ("22",):
                subscriber = None
            person = None
        elif tag == "NM1":
            nm = _name(seg)
            if claim is not None or line is not None:
                continue
            if level == "20":
                payer = nm
            elif level == "21":
                receiver = nm
                if party is not None:
                    party["name"] = nm
            elif level == "19":
                provider = nm
                if party is not None:
                    party["name"] = nm
            elif level == "22":
                subscriber = nm
                person = nm
            elif level in ("23", "PT"):
                person = nm
        elif tag == "TRN":
            if level in ("22", "23", "PT"):
                close_claim()
                claim = _ClaimB(_e(seg, 2), pos, person, subscriber, provider)
            elif party is not None:
                party["trace"] = _e(seg, 2)
        elif tag == "STC":
            st = _stc(seg, pos, d)
            if claim is None and line is None and level in ("22", "23", "PT"):
                issues.append(Issue("claim status without TRN: read as a claim with no trace number", pos, "STC"))
                claim = _ClaimB("", pos, person, subscriber, provider)
            if line is not None:
                line["stc"].append(st)
            elif claim is not None:
                claim.statuses.append(st)
            elif party is not None:
                party["stc"].append(st)
        elif tag == "QTY" and party is not None and claim is None:
            qty = _dec(seg, 2, pos)
            if qty is not None:
                party["qty"].append((_e(seg, 1), qty))
        elif tag == "AMT" and party is not None and claim is None:
            a = _dec(seg, 2, pos)
            if a is not None:
                party["amt"].append((_e(seg, 1), a))
        elif tag == "REF":
            if line is not None:
                if _e(seg, 1) == "FJ":
                    line["fj"] = _e(seg, 2)
            elif claim is not None:
                claim.refs[_e(seg, 1)] = _e(seg, 2)
        elif tag == "DTP":
            q, v = _e(seg, 1), _e(seg, 3)
            if line is not None and q == "472":
                line["dates"] = _dates(v)
            elif claim is not None and q in ("472", "232"):
                claim.dates = _dates(v)
            elif level == "20" and q == "050":
                received_on = date_lenient(v)
            elif level == "20" and q == "009":
                processed_on = date_lenient(v)
        elif tag == "SVC":
            if claim is None:
                issues.append(Issue("SVC outside a claim; ignored", pos, tag))
                continue
            p = _split(_e(seg, 1), d)
            line = {"proc": Procedure(p[0], p[1] if len(p) > 1 else "", tuple(m for m in p[2:6] if m)),
                    "charge": _dec(seg, 2, pos), "paid": _dec(seg, 3, pos), "rev": _e(seg, 4), "units": _dec(seg, 7, pos),
                    "stc": []}
            claim.lines.append(line)
        elif tag == "DMG":
            pass
        else:
            issues.append(Issue(f"segment {tag} not read", pos, tag))
    close_claim()
    close_party()
    return ClaimStatusReport(kind, raw.control_number, reference, created, payer, receiver, received_on, processed_on,
                             tuple(parties), tuple(claims), tuple(issues), raw.start)


def parse_277(raw: RawTransaction) -> ClaimStatusReport:
    return _parse_277(raw, "277")


def parse_277ca(raw: RawTransaction) -> ClaimStatusReport:
    return _parse_277(raw, "277CA")


def parse_276(raw: RawTransaction) -> ClaimStatusInquiry:
    base = raw.start + 1
    reference = ""
    payer = receiver = provider = subscriber = person = None
    level = ""
    claims: list[StatusInquiryClaim] = []
    cur: dict[str, Any] | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None:
            claims.append(StatusInquiryClaim(cur["trace"], cur["sub"], cur["pat"], cur.get("EJ", ""), cur.get("1K", ""),
                                             cur.get("amt"), *cur.get("dates", (None, None))))
        cur = None

    for idx, seg in enumerate(raw.segments):
        pos = base + idx
        check_known("276", seg, pos)
        if seg[0] == "DTP" or seg[0] == "DMG":
            check_dates(seg, pos)
        tag = seg[0]
        if tag == "BHT":
            reference = _e(seg, 3)
        elif tag == "HL":
            close()
            level = _e(seg, 3)
        elif tag == "NM1":
            nm = _name(seg)
            if level == "20":
                payer = nm
            elif level == "21":
                receiver = nm
            elif level == "19":
                provider = nm
            elif level == "22":
                subscriber = person = nm
            elif level == "23":
                person = nm
        elif tag == "TRN":
            close()
            cur = {"trace": _e(seg, 2), "sub": subscriber, "pat": person}
        elif tag == "REF" and cur is not None:
            cur[_e(seg, 1)] = _e(seg, 2)
        elif tag == "AMT" and cur is not None and _e(seg, 1) == "T3":
            cur["amt"] = _dec(seg, 2, pos)
        elif tag == "DTP" and cur is not None and _e(seg, 1) in ("472", "232"):
            cur["dates"] = _dates(_e(seg, 3))
    close()
    return ClaimStatusInquiry(raw.control_number, reference, payer, receiver, provider, tuple(claims), raw.start)


# ---------------------------------------------------------------------------------------------- writers


def _s(*parts: object) -> str:
    vals = ["" if p is None else (fmt_amount(p) if isinstance(p, Decimal) else (p.strftime("%Y%m%d") if isinstance(p, dt.date) else str(p))) for p in parts]
    while len(vals) > 1 and not vals[-1]:
        vals.pop()
    return "*".join(vals)


def _nm1(n: Name) -> str:
    return _s("NM1", n.entity, n.entity_type, clean(n.last_or_org, 60), clean(n.first, 35), clean(n.middle, 25), "",
              clean(n.suffix, 10), n.id_qualifier, n.id)


def _stc_out(s: StatusInfo, default_date: dt.date | None, action: str | None = None, amount: Decimal | None = None,
             *, with_amount: bool = True) -> str:
    c = ":".join(x for x in (s.category, s.code, s.entity) if x) if s.entity else ":".join(x for x in (s.category, s.code) if x)
    more = [":".join(x for x in m if x) for m in s.more]
    more += [""] * (2 - len(more))
    act = s.action or action or ""
    amt = (s.amount if s.amount is not None else amount) if with_amount else None
    return _s("STC", c, (s.date or default_date) if default_date else None, act, amt, "", "", "", "", "", more[0], more[1],
              clean(s.text, 264))


def _range(a: dt.date | None, b: dt.date | None) -> tuple[str, str]:
    if a is None:
        return "", ""
    if b is not None and b != a:
        return "RD8", f"{a:%Y%m%d}-{b:%Y%m%d}"
    return "D8", f"{a:%Y%m%d}"


def claim_ack_body(rep: ClaimStatusReport, now: dt.datetime) -> list[str]:
    """Segments of one 277CA (X214): payer → receiver → providers → patients → claims."""
    if rep.payer is None or rep.receiver is None:
        raise ValueError("a 277CA needs the payer (information source) and the receiver")
    today = now.date()
    out = [_s("BHT", "0085", "08", clean(rep.reference or "1", 50), rep.created or today, now.strftime("%H%M%S"), "TH")]
    hl = 1
    out += [_s("HL", 1, "", "20", 1), _nm1(rep.payer), _s("TRN", 1, clean(rep.reference or "1", 50)),
            _s("DTP", "050", "D8", rep.received_on or today), _s("DTP", "009", "D8", rep.processed_on or today)]
    hl += 1
    recv_hl = hl
    acc = [c for c in rep.claims if not c.rejected]
    rej = [c for c in rep.claims if c.rejected]

    def total(cs: Sequence[ClaimStatus]) -> Decimal:
        return sum((c.statuses[0].amount or Decimal(0) for c in cs if c.statuses), Decimal(0))

    recv_party = next((p for p in rep.parties if p.level == "21"), None)
    out += [_s("HL", hl, 1, "21", 1), _nm1(rep.receiver), _s("TRN", 2, clean(recv_party.trace if recv_party else rep.reference or "1", 50))]
    recv_stc = recv_party.statuses if recv_party and recv_party.statuses else (StatusInfo("A1", "19", "PR"),)
    all_total = total(rep.claims)
    out += [_stc_out(s, today, "WQ" if acc else "U", all_total) for s in recv_stc]
    out += _counts(acc, rej, total, ("90", "AA"))
    by_provider: dict[Name | None, list[ClaimStatus]] = {}
    for c in rep.claims:
        by_provider.setdefault(c.provider, []).append(c)
    for prov, cs in by_provider.items():
        if prov is None:
            raise ValueError("each claim of a 277CA needs its billing provider (ClaimStatus.provider)")
        hl += 1
        prov_hl = hl
        pacc = [c for c in cs if not c.rejected]
        prej = [c for c in cs if c.rejected]
        out += [_s("HL", hl, recv_hl, "19", 1), _nm1(prov), _s("TRN", 1, clean(prov.id or "0", 50))]
        out.append(_stc_out(StatusInfo("A1", "19", "PR"), None, "WQ" if pacc else "U", total(cs)))
        out += _counts(pacc, prej, total, ("QA", "QC"))
        for c in cs:
            if c.patient is None:
                raise ValueError(f"claim {c.patient_control_number}: a 277CA claim needs the patient name")
            hl += 1
            out += [_s("HL", hl, prov_hl, "PT"), _nm1(c.patient), _s("TRN", 2, clean(c.patient_control_number, 50))]
            if not c.statuses:
                raise ValueError(f"claim {c.patient_control_number}: no status to report")
            out += [_stc_out(s, today, "U" if c.rejected else "WQ", s.amount if s.amount is not None else Decimal(0))
                    for s in c.statuses]
            if c.payer_claim_control_number:
                out.append(_s("REF", "1K", clean(c.payer_claim_control_number, 50)))
            if c.clearinghouse_trace:
                out.append(_s("REF", "D9", clean(c.clearinghouse_trace, 50)))
            if c.bill_type:
                out.append(_s("REF", "BLT", c.bill_type))
            q, v = _range(c.service_from, c.service_to)
            if not q:
                raise ValueError(f"claim {c.patient_control_number}: the claim service date (DTP*472) is required")
            out.append(_s("DTP", "472", q, v))
            for ln in c.lines:
                p = ln.procedure
                out.append(_s("SVC", ":".join([p.qualifier, p.code, *p.modifiers]), ln.charge, "",
                              ln.revenue_code, "", "", ln.units))
                out.append(_stc_out(ln.statuses[0] if ln.statuses else StatusInfo("A1", "19"), today, "U",
                                    with_amount=False))
                if ln.line_control_number:
                    out.append(_s("REF", "FJ", clean(ln.line_control_number, 50)))
                q, v = _range(ln.service_from, ln.service_to)
                if q:
                    out.append(_s("DTP", "472", q, v))
    return out


def _counts(acc: Sequence[ClaimStatus], rej: Sequence[ClaimStatus], total: Any, quals: tuple[str, str]) -> list[str]:
    out = []
    if acc:
        out.append(_s("QTY", quals[0], len(acc)))
    if rej:
        out.append(_s("QTY", quals[1], len(rej)))
    if acc:
        out.append(_s("AMT", "YU", total(acc)))
    if rej:
        out.append(_s("AMT", "YY", total(rej)))
    return out


def write_277ca(reports: Iterable[ClaimStatusReport], opts: EnvelopeOptions,
                numbers: ControlNumberSource | None = None) -> str:
    """One interchange, GS*HN 005010X214, one ST per report."""
    now = opts.timestamp or dt.datetime.now()
    sets = [("277", claim_ack_body(r, now)) for r in reports]
    return interchange([("HN", "005010X214", sets)], opts, numbers or default_numbers())


def claim_ack_for(
    claims: Sequence[Any],
    *,
    payer: Name,
    receiver: Name,
    rejections: dict[str, Sequence[StatusInfo]] | None = None,
    payer_claim_numbers: dict[str, str] | None = None,
    reference: str = "1",
    on: dt.date | None = None,
) -> ClaimStatusReport:
    """Build a 277CA report for our ``Claim``s (the payer simulator's answer to an 837): every claim accepted
    (A1:20, action WQ) unless ``rejections`` names it with its STC codes (action U)."""
    on = on or dt.date.today()
    rejections = rejections or {}
    payer_claim_numbers = payer_claim_numbers or {}
    out = []
    for c in claims:
        bp = c.billing_provider
        prov = Name("85", "2", bp.name, id_qualifier="XX", id=bp.npi)
        pat_src = c.patient or c.subscriber
        pat = Name("QC", "1", pat_src.last_name, pat_src.first_name, id_qualifier="MI", id=c.subscriber.member_id)
        if c.claim_id in rejections:
            sts = tuple(StatusInfo(s.category, s.code, s.entity, s.date or on, "U", c.total_charge, s.more, s.text)
                        for s in rejections[c.claim_id])
        else:
            sts = (StatusInfo("A1", "20", "", on, "WQ", c.total_charge),)
        lines = tuple(
            LineStatus(Procedure("HC", ln.procedure, tuple(ln.modifiers)), ln.charge, Decimal(0), "", ln.units,
                       (StatusInfo(sts[0].category, sts[0].code, "", on),), ln.line_control_number or "",
                       ln.date_of_service, ln.date_of_service_end or ln.date_of_service)
            for ln in c.lines if ln.procedure
        ) if c.claim_id in rejections else ()
        out.append(ClaimStatus(c.claim_id, sts, payer_claim_numbers.get(c.claim_id, ""), "",
                               (c.type_of_bill or "")[-3:] if c.claim_type == "institutional" else "", "",
                               c.first_date_of_service, c.last_date_of_service, pat, None, prov, lines))
    return ClaimStatusReport("277CA", "", reference, on, payer, receiver, on, on, (), tuple(out))


def write_276(claims: Sequence[Any], opts: EnvelopeOptions, *, payer: Name, receiver: Name,
              numbers: ControlNumberSource | None = None, reference: str = "1") -> str:
    """276 claim status inquiries (005010X212) for our ``Claim``s, one ST, one 2200D/E per claim.

    TRN02 carries the claim id so the 277 answer can be matched; REF*EJ repeats it as the patient account.
    """
    now = opts.timestamp or dt.datetime.now()
    out = [_s("BHT", "0010", "13", clean(reference, 50), now.date(), now.strftime("%H%M"))]
    out += [_s("HL", 1, "", "20", 1), _nm1(payer), _s("HL", 2, 1, "21", 1), _nm1(receiver)]
    hl = 2
    by_provider: dict[str, list[Any]] = {}
    for c in claims:
        by_provider.setdefault(c.billing_provider.npi, []).append(c)
    for cs in by_provider.values():
        bp = cs[0].billing_provider
        hl += 1
        prov_hl = hl
        out += [_s("HL", hl, 2, "19", 1), _s("NM1", "1P", "2", clean(bp.name, 60), "", "", "", "", "XX", bp.npi)]
        for c in cs:
            hl += 1
            sub_hl = hl
            dependent = not c.is_subscriber_patient
            out.append(_s("HL", hl, prov_hl, "22", 1 if dependent else 0))
            s = c.subscriber
            if not dependent and s.dob:
                out.append(_s("DMG", "D8", s.dob, s.sex or "U"))
            out.append(_s("NM1", "IL", "1", clean(s.last_name, 60), clean(s.first_name, 35), "", "", "", "MI", s.member_id))
            if dependent:
                p = c.patient
                hl += 1
                out.append(_s("HL", hl, sub_hl, "23"))
                if p.dob:
                    out.append(_s("DMG", "D8", p.dob, p.sex or "U"))
                out.append(_s("NM1", "QC", "1", clean(p.last_name, 60), clean(p.first_name, 35)))
            out.append(_s("TRN", 1, clean(c.claim_id, 50)))
            out.append(_s("REF", "EJ", clean(c.claim_id, 50)))
            if c.original_claim_number:
                out.append(_s("REF", "1K", clean(c.original_claim_number, 50)))
            out.append(_s("AMT", "T3", c.total_charge))
            q, v = _range(c.first_date_of_service, c.last_date_of_service)
            out.append(_s("DTP", "472", q, v))
    return interchange([("HR", "005010X212", [("276", out)])], opts, numbers or default_numbers())
