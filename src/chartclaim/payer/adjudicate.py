"""The simulated payer's rules: front-end edits (what a clearinghouse/payer intake rejects) and adjudication
(what the payer pays, and why not), as pure functions over the claim model and plain records.

Nothing here writes X12; `chartclaim.payer.simulator` turns these records into 999/277CA/835 files. The rules
are the everyday ones a family practice meets:

* front end (277CA): unknown member id (A7:164 entity's contract/member number), no coverage on the date of
  service (A3:109 entity not eligible), invalid or non-billable diagnosis (A7:255), unknown procedure (A7:454);
* adjudication (835 CAS with CARC/RARC): fee-schedule allowed amount with the contractual write-off (CO-45),
  copay (PR-3), deductible (PR-1), coinsurance (PR-2), Medicare sequestration (CO-253), timely filing (CO-29),
  exact duplicates (OA-18), diagnoses the plan excludes (PR-204 + N130), NCCI bundling of an E/M without modifier 25 or a column-2 code without a bypass
  modifier (CO-97 + M15), statutorily non-covered services (PR-49 + N130), medical necessity against the
  payer's LCD-style policy (CO-50 + N115), missing prior authorisation (CO-197 + M62), and for secondary
  payers the prior payer's adjudication (OA-23) with the remaining patient responsibility.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from chartclaim.claim import Claim, ServiceLine
from chartclaim.demo.model import ChargeItem, Coverage, PayerProfile, Plan

ZERO = Decimal("0")
CENT = Decimal("0.01")


def money(v: Decimal) -> Decimal:
    return v.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------------------------------------
# What the payer knows: members and contract terms
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    payer_id: str
    member_id: str
    first_name: str  # the patient's name (for 277CA/835 NM1*QC)
    last_name: str
    dob: dt.date
    coverage: Coverage
    # The payer this member's claims cross over to automatically, with the member id there.
    crossover: tuple[str, str] | None = None


@dataclass
class MemberBook:
    """The payer-side enrolment: member id → member, per payer."""

    members: dict[tuple[str, str], Member] = field(default_factory=dict)

    def add(self, m: Member) -> None:
        self.members[(m.payer_id, m.member_id.upper())] = m

    def find(self, payer_id: str, member_id: str) -> Member | None:
        return self.members.get((payer_id, member_id.strip().upper()))


@dataclass(frozen=True)
class BundlingPair:
    """An NCCI procedure-to-procedure pair: column 2 is not paid with column 1 on the same day unless a bypass
    modifier is present and the modifier indicator allows it (1)."""

    column1: str
    column2: str
    modifier_indicator: str = "1"


_EM = tuple(f"992{n:02d}" for n in (2, 3, 4, 5, 11, 12, 13, 14, 15))
_MINOR = ("20610", "12001", "12002", "17110", "11200", "10060", "69210", "29125", "29515", "96372", "94640")
# E/M on the day of a minor procedure (0/10-day global) is part of the procedure unless it carries 25;
# 36415 is bundled into nothing we bill; 99211 is never paid with an injection.
DEFAULT_BUNDLING: tuple[BundlingPair, ...] = tuple(
    BundlingPair(proc, em) for proc in _MINOR for em in _EM if em != "99211"
) + tuple(BundlingPair(p, "99211", "0") for p in ("96372", "90471", "G0008")) + (
    BundlingPair("94640", "94010"),  # nebuliser with spirometry the same session
    BundlingPair("12002", "12001"),
)
BYPASS_MODIFIERS = frozenset({"25", "59", "XE", "XS", "XP", "XU", "91"})

PREVENTIVE = frozenset({
    "99381", "99382", "99383", "99384", "99385", "99386", "99387", "99391", "99392", "99393", "99394", "99395",
    "99396", "99397", "G0438", "G0439", "G0444", "90656", "90662", "90715", "90677", "90750", "90696", "90710",
    "90734", "90651", "90471", "90472", "90460", "90461", "G0008", "99406",
})
OFFICE_VISITS = frozenset(_EM)


@dataclass(frozen=True)
class Contract:
    """A payer's terms for this practice."""

    payer: PayerProfile
    fees: dict[str, Decimal]  # code → allowed per unit
    bundling: tuple[BundlingPair, ...] = DEFAULT_BUNDLING
    sequestration: Decimal = ZERO  # Medicare's 2% payment reduction (CO-253)

    def allowed(self, line: ServiceLine) -> Decimal | None:
        fee = self.fees.get(line.procedure)
        if fee is None:
            return None
        return money(fee * line.units)


def reference_amounts(charge_master: dict[str, ChargeItem]) -> dict[str, Decimal]:
    """The amounts contracts are scaled from: the billing core's demo reference fee schedule (near Medicare
    national rates) where it prices a code, else the demo charge master's own reference column."""
    base = {code: item.base_allowed for code, item in charge_master.items()}
    try:
        from chartclaim.billing.pricing import builtin_fee_schedules

        ref = builtin_fee_schedules().get("reference-demo")
    except Exception:  # pricing not installed (or its demo book changed): keep our own column
        return base
    for code in base:
        amount = ref.allowed(code)
        if amount is not None:
            base[code] = amount
    return base


def contract_for(payer: PayerProfile, charge_master: dict[str, ChargeItem],
                 reference: dict[str, Decimal] | None = None) -> Contract:
    ref = reference if reference is not None else reference_amounts(charge_master)
    fees = {code: money(amount * payer.fee_factor) for code, amount in ref.items()}
    return Contract(payer, fees, sequestration=Decimal("0.02") if payer.kind == "medicare" else ZERO)


# ----------------------------------------------------------------------------------------------------------
# Front end (999 is syntax, decided by the reader; this is the 277CA business acknowledgement)
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontEndDecision:
    claim_id: str
    accepted: bool
    category: str  # STC01-1: A2 accepted into adjudication, A3 returned unprocessable, A7 rejected invalid info
    status: str  # STC01-2 health care claim status code
    entity: str = ""  # STC01-3 entity identifier (IL insured, 85 billing provider...)
    message: str = ""
    line: int | None = None  # 1-based service line when a line caused the rejection
    member: Member | None = None


def valid_diagnosis(code: str, dos: dt.date) -> bool:
    """Billable ICD-10-CM per the simple-icd-10-cm tables (FY2026: valid for 2025-10-01..2026-09-30)."""
    import simple_icd_10_cm as icd

    c = code.replace(".", "")
    norm = c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"
    return bool(icd.is_valid_item(norm) and icd.is_leaf(norm))


def front_end(claim: Claim, members: MemberBook, contract: Contract) -> FrontEndDecision:
    member = members.find(claim.payer.id, claim.subscriber.member_id)
    if member is None:
        return FrontEndDecision(claim.claim_id, False, "A7", "164", "IL",
                                f"Subscriber member id {claim.subscriber.member_id} not found")
    dos = claim.first_date_of_service
    if not member.coverage.active_on(dos):
        return FrontEndDecision(claim.claim_id, False, "A3", "109", "IL",
                                "Entity not eligible for benefits for submitted dates of service", member=member)
    for code in claim.diagnoses:
        if not valid_diagnosis(code, dos):
            return FrontEndDecision(claim.claim_id, False, "A7", "255", "",
                                    f"Diagnosis code {code} invalid or not billable on {dos}", member=member)
    for i, ln in enumerate(claim.lines, 1):
        if ln.procedure not in contract.fees:
            return FrontEndDecision(claim.claim_id, False, "A7", "454", "",
                                    f"Procedure code {ln.procedure} invalid", line=i, member=member)
    return FrontEndDecision(claim.claim_id, True, "A2", "20", "", "Accepted for processing", member=member)


# ----------------------------------------------------------------------------------------------------------
# Adjudication
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cas:
    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class LineResult:
    line: int  # 1-based
    procedure: str
    modifiers: tuple[str, ...]
    units: Decimal
    charge: Decimal
    allowed: Decimal
    paid: Decimal
    date_of_service: dt.date
    adjustments: tuple[Cas, ...]
    remarks: tuple[str, ...] = ()
    line_control_number: str | None = None
    denied: bool = False

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((a.amount for a in self.adjustments if a.group == "PR"), ZERO)


@dataclass(frozen=True)
class ClaimResult:
    """One adjudicated claim, ready to become a CLP loop."""

    claim_id: str
    payer_id: str
    payer_claim_number: str
    status: str  # CLP02: 1 primary, 2 secondary, 4 denied, 19 primary + forwarded, 22 reversal
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    filing_indicator: str
    member: Member
    lines: tuple[LineResult, ...]
    claim_remarks: tuple[str, ...] = ()  # MOA remark codes (e.g. MA18 crossed over)
    crossover_to: tuple[str, str] | None = None  # (payer id, payer name) when forwarded
    received_on: dt.date | None = None
    rendering_npi: str | None = None
    frequency: str = "1"

    def balances(self) -> bool:
        lines_ok = all(ln.charge - ln.paid == sum((a.amount for a in ln.adjustments), ZERO) for ln in self.lines)
        return lines_ok and self.charge - self.paid == sum((ln.charge - ln.paid for ln in self.lines), ZERO)


@dataclass
class Accumulators:
    """Deductible met per member and year, the payer's running state (deterministic in adjudication order)."""

    deductible_met: dict[tuple[str, str, int], Decimal] = field(default_factory=dict)

    def remaining(self, m: Member, plan: Plan, year: int) -> Decimal:
        return max(ZERO, plan.deductible - self.deductible_met.get((m.payer_id, m.member_id, year), ZERO))

    def apply(self, m: Member, year: int, amount: Decimal) -> None:
        key = (m.payer_id, m.member_id, year)
        self.deductible_met[key] = self.deductible_met.get(key, ZERO) + amount


@dataclass
class History:
    """What the payer has already paid, to catch duplicates (member, DOS, procedure, modifiers)."""

    seen: dict[tuple[str, str, dt.date, str, tuple[str, ...]], str] = field(default_factory=dict)

    def duplicate_of(self, m: Member, ln: ServiceLine, claim_id: str) -> str | None:
        prior = self.seen.get((m.payer_id, m.member_id, ln.date_of_service, ln.procedure, ln.modifiers))
        return prior if prior is not None and prior != claim_id else None

    def record(self, m: Member, ln: ServiceLine, claim_id: str) -> None:
        self.seen.setdefault((m.payer_id, m.member_id, ln.date_of_service, ln.procedure, ln.modifiers), claim_id)


def _denial(i: int, ln: ServiceLine, group: str, carc: str, rarcs: Iterable[str] = ()) -> LineResult:
    return LineResult(i, ln.procedure, ln.modifiers, ln.units, ln.charge, ZERO, ZERO, ln.date_of_service,
                      (Cas(group, carc, ln.charge),), tuple(rarcs), ln.line_control_number, denied=True)


def _bundled(claim: Claim, idx: int, contract: Contract) -> bool:
    ln = claim.lines[idx]
    for j, other in enumerate(claim.lines):
        if j == idx or other.date_of_service != ln.date_of_service:
            continue
        for pair in contract.bundling:
            if pair.column1 == other.procedure and pair.column2 == ln.procedure:
                if pair.modifier_indicator == "1" and BYPASS_MODIFIERS & set(ln.modifiers):
                    continue
                return True
    return False


def _only(claim: Claim, ln: ServiceLine, prefixes: tuple[str, ...]) -> bool:
    """Every diagnosis the line points to is one of `prefixes` (the plan excludes all of them)."""
    pointed = [claim.diagnoses[p - 1] for p in ln.dx_pointers if 1 <= p <= len(claim.diagnoses)]
    return bool(pointed) and all(any(code.startswith(x) for x in prefixes) for code in pointed)


def _supports(claim: Claim, ln: ServiceLine, prefixes: tuple[str, ...]) -> bool:
    for p in ln.dx_pointers:
        if 1 <= p <= len(claim.diagnoses):
            code = claim.diagnoses[p - 1]
            if any(code.startswith(x) for x in prefixes):
                return True
    return False


def adjudicate(
    claim: Claim,
    member: Member,
    contract: Contract,
    acc: Accumulators,
    history: History,
    payer_claim_number: str,
    received_on: dt.date,
    prior: ClaimResult | None = None,
    crossover: tuple[str, str] | None = None,
) -> ClaimResult:
    """Adjudicate an accepted claim. `prior` is the primary payer's result when this payer is secondary
    (from the 2320/2430 loops of the claim, or the crossover the primary forwarded)."""
    payer = contract.payer
    plan = member.coverage.plan
    secondary = prior is not None or claim.payer_responsibility != "P"
    late = (received_on - claim.first_date_of_service).days > payer.timely_filing_days
    necessity = dict(payer.necessity)
    results: list[LineResult] = []
    copay_left = plan.copay
    for idx, ln in enumerate(claim.lines):
        i = idx + 1
        if late:
            results.append(_denial(i, ln, "CO", "29"))
            continue
        dup = history.duplicate_of(member, ln, claim.claim_id)
        if dup is not None and claim.frequency == "1":
            results.append(_denial(i, ln, "OA", "18"))
            continue
        if ln.procedure in payer.non_covered:
            results.append(_denial(i, ln, "PR", "49", ("N130",)))
            continue
        if payer.non_covered_dx and _only(claim, ln, payer.non_covered_dx):
            results.append(_denial(i, ln, "PR", "204", ("N130",)))
            continue
        if ln.procedure in payer.auth_required and not claim.prior_authorization:
            results.append(_denial(i, ln, "CO", "197", ("M62",)))
            continue
        if ln.procedure in necessity and not _supports(claim, ln, necessity[ln.procedure]):
            results.append(_denial(i, ln, "CO", "50", ("N115",) if payer.kind == "medicare" else ("N130",)))
            continue
        if _bundled(claim, idx, contract):
            results.append(_denial(i, ln, "CO", "97", ("M15",)))
            continue
        allowed = contract.allowed(ln)
        assert allowed is not None  # the front end rejected unknown codes
        allowed = min(allowed, ln.charge)
        adjustments: list[Cas] = []
        if ln.charge > allowed:
            adjustments.append(Cas("CO", "45", ln.charge - allowed))
        if secondary and prior is not None:
            paid, more = _secondary_share(i, ln, allowed, prior, payer, plan)
            adjustments = more  # the secondary restates the line against the prior payer's result
        else:
            free = payer.preventive_free and ln.procedure in PREVENTIVE
            remaining = allowed
            if not free and ln.procedure in OFFICE_VISITS and copay_left > 0:
                c = min(copay_left, remaining)
                copay_left -= c
                remaining -= c
                if c:
                    adjustments.append(Cas("PR", "3", c))
            if not free and remaining > 0:
                ded = min(acc.remaining(member, plan, ln.date_of_service.year), remaining)
                if ded:
                    acc.apply(member, ln.date_of_service.year, ded)
                    adjustments.append(Cas("PR", "1", ded))
                    remaining -= ded
                coins = money(remaining * plan.coinsurance)
                if coins:
                    adjustments.append(Cas("PR", "2", coins))
                    remaining -= coins
            if contract.sequestration and remaining > 0:
                seq = money(remaining * contract.sequestration)
                if seq:
                    adjustments.append(Cas("CO", "253", seq))
                    remaining -= seq
            paid = remaining
        history.record(member, ln, claim.claim_id)
        results.append(LineResult(i, ln.procedure, ln.modifiers, ln.units, ln.charge, allowed, paid,
                                  ln.date_of_service, tuple(adjustments), (), ln.line_control_number))
    paid_total = sum((r.paid for r in results), ZERO)
    pr_total = sum((r.patient_responsibility for r in results), ZERO)
    all_denied = all(r.denied for r in results) and paid_total == 0
    if all_denied and not any(a.group == "PR" for r in results for a in r.adjustments):
        status = "4"
    elif secondary:
        status = "2"
    elif crossover is not None:
        status = "19"
    else:
        status = "1"
    remarks = ("MA18",) if status == "19" else ()
    rendering = claim.rendering_provider.npi if claim.rendering_provider else None
    return ClaimResult(claim.claim_id, payer.id, payer_claim_number, status, claim.total_charge, paid_total, pr_total,
                       payer.filing_indicator, member, tuple(results), remarks,
                       crossover if status == "19" else None, received_on, rendering, claim.frequency)


def _secondary_share(i: int, ln: ServiceLine, allowed: Decimal, prior: ClaimResult, payer: PayerProfile,
                     plan: Plan) -> tuple[Decimal, list[Cas]]:
    """What a secondary pays on one line: the prior payer's patient responsibility its plan covers.

    Medigap Plan G covers coinsurance and copay but not the Part B deductible; Medicaid and commercial
    secondaries cover all of it up to their own allowed amount less what the primary paid.
    """
    prior_line = next((p for p in prior.lines if p.line == i), None)
    if prior_line is None:
        return ZERO, [Cas("OA", "23", ln.charge)]
    pr = {a.reason: a.amount for a in prior_line.adjustments if a.group == "PR"}
    pr_total = sum(pr.values(), ZERO)
    if payer.kind == "medigap":
        covered = pr.get("2", ZERO) + pr.get("3", ZERO)
    elif prior_line.denied:
        covered = ZERO  # the secondary follows the primary's coverage decision
    else:
        covered = pr_total
    covered = min(covered, max(ZERO, allowed - prior_line.paid) if payer.kind not in ("medigap",) else covered)
    covered = min(covered, pr_total)
    still_patient = pr_total - covered
    adjustments = [Cas("OA", "23", ln.charge - pr_total)] if ln.charge - pr_total else []
    if still_patient and payer.kind == "medicaid":
        # Medicaid pays last and at most its own rate; the provider may not bill a dual-eligible patient
        # for the difference, so what Medicaid does not pay is a contractual write-off.
        adjustments.append(Cas("CO", "45", still_patient))
        still_patient = ZERO
    if still_patient:
        # what remains is the patient's, with the primary's reason (deductible first)
        left = still_patient
        for reason in ("1", "3", "2", "49"):
            amt = min(left, pr.get(reason, ZERO))
            if amt:
                adjustments.append(Cas("PR", reason, amt))
                left -= amt
        if left:
            adjustments.append(Cas("PR", "2", left))
    return covered, adjustments


def reverse(result: ClaimResult) -> ClaimResult:
    """A reversal (CLP02 = 22) of an earlier payment: every amount negated, as the 835 guide prescribes."""
    lines = tuple(
        LineResult(ln.line, ln.procedure, ln.modifiers, ln.units, -ln.charge, -ln.allowed, -ln.paid, ln.date_of_service,
                   tuple(Cas(a.group, a.reason, -a.amount) for a in ln.adjustments), ln.remarks,
                   ln.line_control_number, ln.denied)
        for ln in result.lines)
    return ClaimResult(result.claim_id, result.payer_id, result.payer_claim_number, "22", -result.charge,
                       -result.paid, -result.patient_responsibility, result.filing_indicator, result.member, lines,
                       (), None, result.received_on, result.rendering_npi, "8")


def readjust(result: ClaimResult, contract: Contract, factor: Decimal, new_number: str) -> ClaimResult:
    """Re-adjudicate a paid claim after a fee-schedule correction: the contractual amount moves, the
    patient's share stays as it was (the payer corrects its own side)."""
    lines = []
    for ln in result.lines:
        if ln.denied or ln.paid <= 0:
            lines.append(ln)
            continue
        extra = money(ln.paid * factor)
        extra = min(extra, sum((a.amount for a in ln.adjustments if a.group == "CO" and a.reason == "45"), ZERO))
        adjs = []
        for a in ln.adjustments:
            if a.group == "CO" and a.reason == "45":
                if a.amount - extra:
                    adjs.append(Cas("CO", "45", a.amount - extra))
            else:
                adjs.append(a)
        lines.append(LineResult(ln.line, ln.procedure, ln.modifiers, ln.units, ln.charge, ln.allowed + extra,
                                ln.paid + extra, ln.date_of_service, tuple(adjs), ln.remarks, ln.line_control_number))
    paid = sum((ln.paid for ln in lines), ZERO)
    return ClaimResult(result.claim_id, result.payer_id, new_number, result.status if result.status != "19" else "1",
                       result.charge, paid, result.patient_responsibility, result.filing_indicator, result.member,
                       tuple(lines), (), None, result.received_on, result.rendering_npi, result.frequency)
