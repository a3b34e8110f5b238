"""The simulated payer and clearinghouse: answers 837s with 999, 277CA and 835 files, deterministically.

It works the far end of a clearinghouse mailbox (`DirectoryDrop.peer()`): picks up the practice's 837 files,
checks their syntax (999), runs the front-end edits (277CA), adjudicates accepted claims by each payer's
contract (`chartclaim.payer.adjudicate`) and, on each payer's weekly check run, writes an 835 per payer —
EFT or check, CAS with CARC/RARC, an occasional PLB (interest or an overpayment recovery), an occasional
reversal with re-adjudication, and Medicare crossovers to the supplemental payer, which then sends its own 835.

All randomness comes from one `random.Random(seed)` consumed in a fixed order (files by name, claims by id),
so a run is reproducible. The X12 text is produced by `chartclaim.x12`'s writers; where a writer or reader
has not landed yet the matching stage reports itself unavailable (`Unavailable`) instead of faking output.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chartclaim.claim import Claim
from chartclaim.demo.model import DemoPractice, PayerProfile
from chartclaim.payer.adjudicate import (
    ZERO,
    Accumulators,
    Cas,
    ClaimResult,
    Contract,
    FrontEndDecision,
    History,
    LineResult,
    Member,
    MemberBook,
    adjudicate,
    contract_for,
    front_end,
    money,
    readjust,
    reference_amounts,
    reverse,
)


class Unavailable(RuntimeError):
    """A stage needs a piece of chartclaim that is not installed yet (named in the message)."""


def members_of(practice: DemoPractice) -> MemberBook:
    """The payers' enrolment files for the demo practice's patients (with the true member ids)."""
    book = MemberBook()
    payers = {p.id: p for p in practice.payers}
    for pt in practice.patients:
        covs = pt.coverages
        for i, cov in enumerate(covs):
            crossover = None
            payer = payers[cov.payer_id]
            if cov.priority == "P" and payer.crossover_to:
                nxt = next((c for c in covs[i + 1:] if c.payer_id == payer.crossover_to), None)
                if nxt is not None:
                    crossover = (nxt.payer_id, nxt.member_id)
            book.add(Member(cov.payer_id, cov.member_id, pt.first_name, pt.last_name, pt.dob, cov, crossover))
    return book


@dataclass(frozen=True)
class Acknowledgement:
    """What the front end said about one received file: syntax (999) and each claim (277CA)."""

    file_name: str
    received_on: dt.date
    accepted_sets: int
    rejected_sets: int
    decisions: tuple[FrontEndDecision, ...]
    ack_999: str | None = None  # X12 text when the 999 writer is available
    ack_277ca: str | None = None
    syntax_errors: tuple[str, ...] = ()


@dataclass
class _Pending:
    pay_on: dt.date
    result: ClaimResult


@dataclass
class PayerRun:
    """One check run: the claims one payer pays (or denies) on one date, with any provider adjustments."""

    payer: PayerProfile
    pay_date: dt.date
    claims: list[ClaimResult]
    plb: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (reason, reference, amount)
    trace_number: str = ""

    @property
    def total(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO) - sum((a for _, _, a in self.plb), ZERO)


_ROUTING = {"ACH": "071000013"}
# The 835's CLP06 code list differs from the 837's SBR09: commercial CI/BL are reported as PPO (12).
CLP06 = {"CI": "12", "BL": "12", "HM": "HM", "MB": "MB", "MA": "MA", "MC": "MC", "16": "16", "CH": "CH",
         "WC": "WC", "VA": "VA"}


class SimulatedPayer:
    """All the demo's payers behind one simulated clearinghouse."""

    def __init__(self, practice: DemoPractice, seed: int = 7, *, reversal_rate: float = 0.02,
                 interest_rate: float = 0.15, recovery_rate: float = 0.08, correction_same_run: bool = True) -> None:
        self.practice = practice
        self.rng = random.Random(seed)
        self.payers = {p.id: p for p in practice.payers}
        ref = reference_amounts(practice.charge_master)
        self.contracts: dict[str, Contract] = {p.id: contract_for(p, practice.charge_master, ref)
                                               for p in practice.payers}
        self.members = members_of(practice)
        self.acc = Accumulators()
        self.history = History()
        self.pending: list[_Pending] = []
        self.paid: dict[str, ClaimResult] = {}  # last primary result per claim id, for reversals
        self.adjudicated: dict[tuple[str, str], ClaimResult] = {}  # (claim id, payer id) → standing result
        self.reversal_rate = reversal_rate
        # X12's recommended practice (RFIs 791, 2616) is the reversal and its correction in the same 835, reversal
        # first; some payers still send the correction on a later check run (`correction_same_run=False`).
        self.correction_same_run = correction_same_run
        # no new take-backs after this date (a simulation that stops should not stop between a reversal and
        # its corrected payment)
        self.reversals_until: dt.date | None = None
        self.interest_rate = interest_rate
        self.recovery_rate = recovery_rate
        self._seq = 0
        self._check = 100000
        self.runs: list[PayerRun] = []

    # ------------------------------------------------------------------------------------------ numbers
    def _claim_number(self, payer_id: str, on: dt.date) -> str:
        self._seq += 1
        return f"{payer_id[:2]}{on.strftime('%y%j')}{self._seq:07d}"

    def _trace(self, payer: PayerProfile) -> str:
        self._check += 1
        return f"{'EFT' if payer.payment_method == 'ACH' else ''}{self._check:08d}"

    # ------------------------------------------------------------------------------------ intake (pure)
    def receive_claims(self, claims: Iterable[Claim], received_on: dt.date) -> list[FrontEndDecision]:
        """Front end and adjudication for claims already parsed (from an 837, or handed over in-process)."""
        decisions = []
        for claim in sorted(claims, key=lambda c: c.claim_id):
            contract = self.contracts.get(claim.payer.id)
            if contract is None:
                decisions.append(FrontEndDecision(claim.claim_id, False, "A3", "116", "PR",
                                                  f"Payer {claim.payer.id} not known to this clearinghouse"))
                continue
            d = front_end(claim, self.members, contract)
            decisions.append(d)
            if d.accepted and d.member is not None:
                self._adjudicate(claim, d.member, contract, received_on)
        return decisions

    def _adjudicate(self, claim: Claim, member: Member, contract: Contract, received_on: dt.date) -> None:
        prior = prior_from_claim(claim, member) if claim.payer_responsibility != "P" else None
        crossover = None
        if member.crossover is not None and claim.payer_responsibility == "P":
            cp = self.payers[member.crossover[0]]
            crossover = (cp.id, cp.name)
        pay_on = self._pay_date(contract.payer, received_on)
        earlier = self.adjudicated.get((claim.claim_id, contract.payer.id))
        if claim.frequency in ("7", "8") and earlier is not None:
            # A replacement (7) or void (8): the payer takes back what it did with the original claim first,
            # on this check run, and pays the replacement on the next one. What it has not paid out yet it
            # simply withdraws.
            if not self._withdraw(earlier):
                self.pending.append(_Pending(pay_on, reverse(earlier)))
            self.paid.pop(claim.claim_id, None)
            del self.adjudicated[(claim.claim_id, contract.payer.id)]
            if earlier.crossover_to is not None:
                # the supplemental payer takes back its crossover adjudication too
                sec_key = (claim.claim_id, earlier.crossover_to[0])
                sec_earlier = self.adjudicated.pop(sec_key, None)
                if sec_earlier is not None and not self._withdraw(sec_earlier):
                    self.pending.append(_Pending(self._pay_date(self.payers[sec_key[1]], received_on),
                                                 reverse(sec_earlier)))
            if claim.frequency == "8":
                return
            pay_on += dt.timedelta(days=7)
        result = adjudicate(claim, member, contract, self.acc, self.history,
                            self._claim_number(contract.payer.id, received_on), received_on, prior, crossover)
        self.pending.append(_Pending(pay_on, result))
        self.adjudicated[(claim.claim_id, contract.payer.id)] = result
        if result.status in ("1", "19") and result.paid > 0:
            self.paid[claim.claim_id] = result
        if result.status == "19" and member.crossover is not None:
            # The primary forwards the claim; the supplemental payer adjudicates it against the primary's result.
            sec_payer_id, sec_member_id = member.crossover
            sec_member = self.members.find(sec_payer_id, sec_member_id)
            if sec_member is not None:
                sec_claim = claim.model_copy(update={
                    "payer": claim.payer.model_copy(update={"id": sec_payer_id, "name": self.payers[sec_payer_id].name}),
                    "payer_responsibility": "S"})
                sec_received = pay_on + dt.timedelta(days=1)
                sec = adjudicate(sec_claim, sec_member, self.contracts[sec_payer_id], self.acc, self.history,
                                 self._claim_number(sec_payer_id, sec_received), sec_received, result, None)
                sec_pay = self._pay_date(self.payers[sec_payer_id], sec_received)
                if claim.frequency == "7":
                    sec_pay += dt.timedelta(days=7)  # after the supplemental payer's own reversal
                self.pending.append(_Pending(sec_pay, sec))
                self.adjudicated[(claim.claim_id, sec_payer_id)] = sec

    def _withdraw(self, result: ClaimResult) -> bool:
        """Drop a result that is still waiting for its check run (nothing to reverse: it was never sent)."""
        for i, p in enumerate(self.pending):
            if p.result is result:
                del self.pending[i]
                return True
        return False

    def _pay_date(self, payer: PayerProfile, received_on: dt.date) -> dt.date:
        # Medicare may not pay a clean electronic claim before day 14 (the payment floor); others take a week+.
        floor = {"medicare": 14, "medicare_advantage": 10, "medicaid": 12, "medigap": 7}.get(payer.kind, 8)
        d = received_on + dt.timedelta(days=floor)
        run_day = sum(map(ord, payer.id)) % 5  # each payer has its weekly check-run weekday
        while d.weekday() != run_day:
            d += dt.timedelta(days=1)
        return d

    # ---------------------------------------------------------------------------------------- payment
    def run_payments(self, through: dt.date) -> list[PayerRun]:
        """Check runs due on or before `through`, one per payer and pay date, in date then payer order."""
        due = [p for p in self.pending if p.pay_on <= through]
        self.pending = [p for p in self.pending if p.pay_on > through]
        groups: dict[tuple[dt.date, str], list[ClaimResult]] = {}
        for p in due:
            groups.setdefault((p.pay_on, p.result.payer_id), []).append(p.result)
        runs = []
        for (day, payer_id), results in sorted(groups.items()):
            payer = self.payers[payer_id]
            results.sort(key=lambda r: r.claim_id)
            run = PayerRun(payer, day, list(results))
            self._reversals(run)
            self._provider_adjustments(run)
            run.trace_number = self._trace(payer)
            runs.append(run)
        self.runs.extend(runs)
        return runs

    def _reversals(self, run: PayerRun) -> None:
        """Now and then the payer takes back an earlier payment and pays it again corrected (fee update)."""
        if self.reversals_until is not None and run.pay_date > self.reversals_until:
            return
        candidates = sorted((r for r in self.paid.values() if r.payer_id == run.payer.id and r.crossover_to is None
                             and r.received_on is not None and r.received_on < run.pay_date - dt.timedelta(days=14)
                             and r.claim_id not in {c.claim_id for c in run.claims}),
                            key=lambda r: r.claim_id)
        for r in candidates:
            if self.rng.random() < self.reversal_rate:
                run.claims.append(reverse(r))
                new = readjust(r, self.contracts[r.payer_id], Decimal("0.04"), self._claim_number(r.payer_id, run.pay_date))
                self.adjudicated[(r.claim_id, r.payer_id)] = new
                if self.correction_same_run:
                    run.claims.append(new)
                else:
                    # the corrected payment follows on the payer's next check run
                    self.pending.append(_Pending(run.pay_date + dt.timedelta(days=7), new))
                self.paid[r.claim_id] = new

    def _provider_adjustments(self, run: PayerRun) -> None:
        paid = [c for c in run.claims if c.paid > 0 and c.status in ("1", "2", "19")]
        if not paid:
            return
        if self.rng.random() < self.interest_rate:
            c = paid[self.rng.randrange(len(paid))]
            interest = money(c.paid * Decimal("0.012"))
            if interest > 0:
                run.plb.append(("L6", c.payer_claim_number, -interest))  # negative: interest adds to the payment
        if self.rng.random() < self.recovery_rate:
            total = sum((c.paid for c in run.claims), ZERO) - sum((a for _, _, a in run.plb), ZERO)
            amount = min(money(Decimal(self.rng.randint(500, 4000)) / 100), money(total / 2))
            if amount > 0:
                run.plb.append(("WO", f"{run.payer.id}{run.pay_date.strftime('%y%m')}OVP", amount))

    # ------------------------------------------------------------------------------------------- X12
    def remittance(self, run: PayerRun) -> Any:
        """The run as an `chartclaim.x12.remit.Remittance` (needs chartclaim.x12)."""
        return build_remittance(run, self.practice)


def prior_from_claim(claim: Claim, member: Member) -> ClaimResult | None:
    """The primary's adjudication as the practice reported it on a secondary claim (2320/2430 loops)."""
    if not claim.other_payers:
        return None
    op = claim.other_payers[0]
    lines = []
    for i, ln in enumerate(claim.lines, 1):
        la = next((x for x in op.line_adjudications if x.line == i), None)
        if la is None:
            continue
        adjs = tuple(Cas(a.group, a.reason, a.amount) for a in la.adjustments)
        denied = la.paid == 0 and not any(a.group == "PR" for a in adjs)
        allowed = ln.charge - sum((a.amount for a in adjs if a.group in ("CO", "OA", "PI")), ZERO)
        lines.append(LineResult(i, ln.procedure, ln.modifiers, ln.units, ln.charge, allowed, la.paid,
                                ln.date_of_service, adjs, (), ln.line_control_number, denied))
    paid = op.paid if op.paid is not None else sum((x.paid for x in lines), ZERO)
    return ClaimResult(claim.claim_id, op.payer.id, op.claim_control_number or "", "1", claim.total_charge, paid,
                       sum((x.patient_responsibility for x in lines), ZERO), op.payer.filing_indicator, member,
                       tuple(lines))


# ----------------------------------------------------------------------------------------------------------
# 835 assembly
# ----------------------------------------------------------------------------------------------------------


def build_remittance(run: PayerRun, practice: DemoPractice) -> Any:
    try:
        from chartclaim.x12 import remit as r
    except ImportError as exc:  # pragma: no cover - x12 is part of the package once it lands
        raise Unavailable(f"835 model not available: {exc}") from None
    payer = run.payer
    org = practice.organisation
    total = run.total
    payer_tin = f"1{sum(map(ord, payer.id)) * 7919 % 900000000 + 100000000}"
    if total == 0:
        payment = r.Payment("H", ZERO, "C", "NON", date=run.pay_date)
    elif payer.payment_method == "ACH":
        payment = r.Payment("I", total, "C", "ACH", "CCP", _ROUTING["ACH"], "4400" + payer.id[-4:].rjust(4, "0"),
                            payer_tin, "081000032", "55501234", run.pay_date)
    else:
        payment = r.Payment("C", total, "C", "CHK", date=run.pay_date)
    trace = r.Trace("1", run.trace_number, payer_tin)
    addr = payer.address
    payer_party = r.Party("PR", payer.name, "", "",
                          r.Address((addr.line1,), addr.city, addr.state, addr.zip) if addr else None,
                          (("2U", payer.id),), (("PER", "BL", "PROVIDER EDI SUPPORT", "TE", "8005550199"),))
    payee = r.Party("PE", org.name, "XX", org.npi,
                    r.Address((org.address.line1,), org.address.city, org.address.state, org.address.zip),
                    (("TJ", org.tax_id),))
    claims = []
    for c in run.claims:
        names = [r.Name("QC", "1", c.member.last_name, c.member.first_name, "", "", "MI", c.member.member_id)]
        if c.crossover_to is not None:
            names.append(r.Name("TT", "2", c.crossover_to[1], "", "", "", "PI", c.crossover_to[0]))
        services = []
        for ln in c.lines:
            services.append(r.ServicePayment(
                r.Procedure("HC", ln.procedure, ln.modifiers), ln.charge, ln.paid, "", ln.units,
                adjustments=tuple(r.CasAdjustment(a.group, a.reason, a.amount) for a in ln.adjustments),
                dates=(("472", ln.date_of_service),),
                references=(("6R", ln.line_control_number),) if ln.line_control_number else (),
                amounts=(("B6", ln.allowed),) if not ln.denied else (),
                remarks=tuple(r.Remark("HE", x) for x in ln.remarks)))
        claims.append(r.ClaimPayment(
            c.claim_id, c.status, c.charge, c.paid, c.patient_responsibility,
            CLP06.get(c.filing_indicator, c.filing_indicator),
            c.payer_claim_number, "11", c.frequency if c.status != "22" else "1", names=tuple(names),
            outpatient=r.OutpatientAdjudication(None, None, c.claim_remarks) if c.claim_remarks else None,
            dates=(("050", c.received_on),) if c.received_on else (), services=tuple(services),
            header_number="1"))
    plb: tuple[Any, ...] = ()
    if run.plb:
        fiscal = dt.date(run.pay_date.year, 12, 31)
        plb = (r.ProviderAdjustment(org.npi, fiscal, tuple(r.PlbAdjustment(reason, ref, amt)
                                                            for reason, ref, amt in run.plb)),)
    return r.Remittance(run.trace_number, payment, trace, payer_party, payee, tuple(claims), plb,
                        production_date=run.pay_date)


def write_835s(runs: Sequence[PayerRun], practice: DemoPractice, numbers: Any,
               when: dt.datetime | None = None) -> list[tuple[PayerRun, str]]:
    """One 835 file per check run (payers send one ERA per payment)."""
    try:
        from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
        from chartclaim.x12.write835 import write_835
    except ImportError as exc:  # pragma: no cover
        raise Unavailable(f"835 writer not available: {exc}") from None
    out = []
    for run in runs:
        rem = build_remittance(run, practice)
        opts = EnvelopeOptions(EnvelopeParty(run.payer.id.ljust(5, "0")), EnvelopeParty(practice.organisation.tax_id),
                               timestamp=when or dt.datetime.combine(run.pay_date, dt.time(6, 0)))
        out.append((run, write_835([rem], opts, numbers)))
    return out


# ----------------------------------------------------------------------------------------------------------
# The mailbox exchange: what the clearinghouse and payers do with the files of one day
# ----------------------------------------------------------------------------------------------------------


@dataclass
class ExchangeReport:
    received: list[str] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)


def exchange(sim: SimulatedPayer, mailbox: Any, day: dt.date, numbers: Any) -> ExchangeReport:
    """Pick up the practice's 837s from `mailbox` (the clearinghouse side of a `DirectoryDrop`), answer each with
    a 999 and a 277CA, adjudicate, and drop the 835s of every check run due on `day`."""
    try:
        from chartclaim.x12 import read
        from chartclaim.x12.acks import acknowledge_file
        from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
        from chartclaim.x12.remit import Name
        from chartclaim.x12.status import StatusInfo, claim_ack_for, write_277ca
    except ImportError as exc:  # pragma: no cover
        raise Unavailable(f"X12 reader/acknowledgement writers not available: {exc}") from None
    import io

    report = ExchangeReport()
    org = sim.practice.organisation
    stamp = dt.datetime.combine(day, dt.time(21, 0))
    opts = EnvelopeOptions(EnvelopeParty("SIMCH"), EnvelopeParty("OAKPRAIRIE01"), timestamp=stamp)
    for f in mailbox.fetch():
        if f.kind not in ("837", "unknown"):
            mailbox.acknowledge(f)
            continue
        stem = f.name.rsplit(".", 1)[0]
        result = read(io.BytesIO(f.content))
        ack_999 = acknowledge_file(result, opts, numbers)
        mailbox.submit(f"999-{stem}.x12", ack_999.encode())
        claims = [c for kind in ("837P", "837I") for cf in result.models(kind) for c in cf.claims]
        decisions = sim.receive_claims(claims, day)
        ack_277: str | None = None
        if claims:
            rejections: dict[str, Sequence[StatusInfo]] = {d.claim_id: [StatusInfo(d.category, d.status, d.entity, day, "U", text=d.message)]
                          for d in decisions if not d.accepted}
            numbers_by_claim = {r.result.claim_id: r.result.payer_claim_number for r in sim.pending
                                if r.result.received_on == day}
            ack = claim_ack_for(claims, payer=Name("PR", "2", "SIMULATED CLEARINGHOUSE", id_qualifier="46", id="SIMCH"),
                                receiver=Name("41", "2", org.name, id_qualifier="46", id="OAKPRAIRIE01"),
                                rejections=rejections, payer_claim_numbers=numbers_by_claim, reference=stem[-20:],
                                on=day)
            ack_277 = write_277ca([ack], opts, numbers)
            mailbox.submit(f"277CA-{stem}.x12", ack_277.encode())
        report.acknowledgements.append(Acknowledgement(
            f.name, day, sum(1 for t in result.transactions if t.ok), sum(1 for t in result.transactions if not t.ok),
            tuple(decisions), ack_999, ack_277,
            tuple(t.error.describe() for t in result.transactions if t.error is not None)))
        report.received.append(f.name)
        mailbox.acknowledge(f)
    for run, text in write_835s(sim.run_payments(day), sim.practice, numbers):
        name = f"835-{run.payer.id}-{run.pay_date.isoformat()}-{run.trace_number}.x12"
        mailbox.submit(name, text.encode())
        report.sent.append(name)
    return report
