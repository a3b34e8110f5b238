"""`chartclaim demo`: the whole revenue cycle of the demo practice, offline, on a simulated clock.

Stages (each reports what it did; a stage whose chartclaim piece is not installed says so and is skipped —
nothing is faked):

1. fresh SQLite database and mailboxes under ``<data_dir>/demo``; the practice seeded into the store;
2. every note coded by the automated coder and measured against the generator's truth; the claims carry the
   codes as a certified coder finalised them (the generator's truth) without modifiers — adding modifiers is
   the biller's job, and the scrubber's findings drive it (``coding="auto"`` bills the raw coder output);
3. claims priced from the charge master and stored (charges posted to the ledger);
4. scrubbed; the demo biller applies the fixes a biller would (modifier 25/59 on NCCI pairs, QW on waived
   tests) and holds claims that still have errors;
5. day by day from the first visit: ready claims go out as an 837 to the simulated clearinghouse's mailbox;
   the simulated payer answers with 999, 277CA and, on its check runs, 835s; rejections are fixed and
   resubmitted (member id from eligibility, terminated coverage billed to the next payer or the patient);
   835s are posted; secondary claims go out with the primary's adjudication; bundling and authorisation
   denials are corrected (frequency 7) once;
6. a summary: counts, clean-claim rate, denials by category, A/R aging, top scrubber edits, coder accuracy.

Everything is deterministic for a seed (the simulated clock, not today's date, drives every date).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from chartclaim.claim import Adjustment as ClaimAdjustment
from chartclaim.claim import Claim, LineAdjudication, OtherPayer
from chartclaim.demo.claims import build_claim
from chartclaim.demo.model import DemoPractice, Encounter, TruthProcedure
from chartclaim.demo.practice import build_practice

ZERO = Decimal("0")
Progress = Callable[[str, int, int], None]  # (stage, done, total)

WAIVED_TESTS = frozenset({"87880", "87804", "83036"})
BILLER_MODIFIERS = frozenset({"25", "59", "QW", "95"})  # payment modifiers the biller adds, not the coder
EM_CODES = frozenset({f"992{n:02d}" for n in (2, 3, 4, 5, 11, 12, 13, 14, 15)})
AS_OF_DAYS_AFTER_PERIOD = 45  # the scrubber's "today" (timely filing is judged on each claim's own submit date)
DEMO_ROLES = ("coder", "biller", "manager", "admin")
DEMO_PASSWORD = "chartclaim-demo"  # the throw-away sandbox only; never a real deployment's


@dataclass
class Stage:
    name: str
    available: bool = True
    note: str = ""
    seconds: float = 0.0


@dataclass
class Summary:
    seed: int
    stages: list[Stage] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    money: dict[str, Decimal] = field(default_factory=dict)
    coder: dict[str, float] = field(default_factory=dict)
    top_edits: list[tuple[str, int, str]] = field(default_factory=list)
    denials: list[tuple[str, int, Decimal]] = field(default_factory=list)
    rejections: list[tuple[str, int]] = field(default_factory=list)
    held: list[tuple[str, int]] = field(default_factory=list)
    aging: list[tuple[str, dict[str, Decimal]]] = field(default_factory=list)
    posting_exceptions: list[tuple[str, int]] = field(default_factory=list)
    database: str = ""
    mailbox: str = ""
    as_of: dt.date | None = None
    ledger_balanced: bool | None = None
    logins: list[tuple[str, str]] = field(default_factory=list)

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        s = Stage(name)
        self.stages.append(s)
        return s

    def figures(self) -> dict[str, Any]:
        """The numbers that must repeat run to run (no timings, no paths)."""
        return {"counts": dict(self.counts), "money": {k: str(v) for k, v in self.money.items()},
                "coder": {k: round(v, 4) for k, v in self.coder.items()}, "top_edits": self.top_edits,
                "denials": [(c, n, str(a)) for c, n, a in self.denials], "rejections": self.rejections,
                "held": self.held,
                "aging": [(k, {b: str(v) for b, v in d.items()}) for k, d in self.aging],
                "posting_exceptions": self.posting_exceptions,
                "stages": [(s.name, s.available, s.note) for s in self.stages],
                "ledger_balanced": self.ledger_balanced}


def _strip_biller_modifiers(procs: tuple[TruthProcedure, ...]) -> tuple[TruthProcedure, ...]:
    """Coders assign codes; billers add payment modifiers (25, 59, QW). Laterality stays with the code."""
    return tuple(TruthProcedure(p.code, tuple(m for m in p.modifiers if m not in BILLER_MODIFIERS), p.units, p.dx)
                 for p in procs)


class DemoRun:
    def __init__(self, data_dir: Path, seed: int = 7, n_patients: int = 200, n_encounters: int = 1000,
                 progress: Progress | None = None, coding: str = "reviewed", days_after: int = 75,
                 measure_coder: bool = True, payer_options: dict[str, Any] | None = None) -> None:
        self.root = Path(data_dir) / "demo"
        self.seed = seed
        self.n_patients = n_patients
        self.n_encounters = n_encounters
        self.progress = progress or (lambda stage, done, total: None)
        self.coding = coding
        self.days_after = days_after
        self.measure_coder = measure_coder
        self.payer_options = dict(payer_options or {})  # SimulatedPayer keywords (reversal_rate, ...)
        self.summary = Summary(seed)
        self.counts: Counter[str] = Counter()
        self.held_reasons: Counter[str] = Counter()  # why claims wait in the biller's work queue

    # ---------------------------------------------------------------------------------------- helpers
    def _timed(self, name: str) -> Any:
        run = self

        class _T:
            def __enter__(self) -> Stage:
                self.t = time.perf_counter()
                self.s = run.summary.stage(name)
                return self.s

            def __exit__(self, *exc: object) -> None:
                self.s.seconds = time.perf_counter() - self.t

        return _T()

    # ------------------------------------------------------------------------------------------- run
    def run(self) -> Summary:
        self.practice = build_practice(self.seed, self.n_patients, self.n_encounters)
        self._fresh()
        self._seed_store()
        self._code()
        self._build_claims()
        self._scrub()
        self._cycle()
        self._statements()
        self._web_users()
        self._summarise()
        self.summary.counts.update(self.counts)
        return self.summary

    def _fresh(self) -> None:
        with self._timed("database") as st:
            if self.root.exists():
                shutil.rmtree(self.root)
            self.root.mkdir(parents=True)
            from chartclaim.store.db import make_engine, upgrade

            db = self.root / "chartclaim-demo.sqlite"
            self.engine = make_engine(f"sqlite:///{db}")
            upgrade(self.engine)
            from sqlalchemy.orm import Session

            self.session = Session(self.engine, expire_on_commit=False)
            self.summary.database = str(db)
            st.note = "fresh SQLite database, migrated to head"

    def _seed_store(self) -> None:
        from chartclaim.billing import practice as bp

        pr = self.practice
        s = self.session
        with self._timed("practice") as st:
            org = pr.organisation
            self.org = bp.add_organization(s, org.name, npi=org.npi, tax_id=org.tax_id, taxonomy=org.taxonomy,
                                           address=org.address.model_dump(), phone=org.phone)
            self.provider_ids = {p.npi: bp.add_provider(s, self.org.id, p.npi, p.last_name, first_name=p.first_name,
                                                        taxonomy=p.taxonomy).id for p in pr.providers}
            self.location = bp.add_location(s, self.org.id, pr.location.name, pr.location.place_of_service,
                                            address=pr.location.address.model_dump())
            self.payer_ids: dict[str, int] = {}
            for p in pr.payers:
                rec = bp.get_or_add_payer(s, p.id, p.name, filing_indicator=p.filing_indicator,
                                          timely_filing_days=p.timely_filing_days, clearinghouse_route="simulated",
                                          crossover=p.crossover_to is not None, address=p.address.model_dump())
                self.payer_ids[p.id] = rec.id
            self.patient_ids: dict[str, int] = {}
            self.coverage_ids: dict[tuple[str, int], int] = {}
            for i, pt in enumerate(pr.patients):
                prec = bp.add_patient(s, pt.first_name, pt.last_name, account_number=pt.id, dob=pt.dob, sex=pt.sex,
                                     address=pt.address.model_dump(), phone=pt.phone)
                self.patient_ids[pt.id] = prec.id
                for k, cov in enumerate(pt.coverages):
                    sub = None if cov.relationship == "18" else {
                        "first_name": cov.subscriber_first, "last_name": cov.subscriber_last,
                        "dob": cov.subscriber_dob.isoformat(), "sex": cov.subscriber_sex}
                    c = bp.add_coverage(s, prec.id, self.payer_ids[cov.payer_id], cov.practice_member_id,
                                        priority={"P": 1, "S": 2, "T": 3}[cov.priority],
                                        group_number=cov.group_number, relationship_code=cov.relationship,
                                        subscriber=sub, effective_from=cov.effective, copay=cov.plan.copay,
                                        coinsurance_pct=cov.plan.coinsurance * 100, deductible=cov.plan.deductible)
                    self.coverage_ids[(pt.id, k)] = c.id
                self.progress("practice", i + 1, len(pr.patients))
            self.encounter_ids: dict[str, int] = {}
            for e in pr.encounters:
                rec_e = bp.add_encounter(s, self.patient_ids[e.patient_id], e.date_of_service,
                                         provider_id=self.provider_ids[e.provider_npi], location_id=self.location.id,
                                         notes=e.note)
                self.encounter_ids[e.id] = rec_e.id
            s.commit()
            self.counts.update({"patients": len(pr.patients), "encounters": len(pr.encounters),
                                "payers": len(pr.payers), "providers": len(pr.providers),
                                "patients_with_secondary": sum(1 for p in pr.patients if len(p.coverages) > 1)})
            st.note = f"{len(pr.patients)} patients, {len(pr.encounters)} encounters, {len(pr.payers)} payers"

    # ------------------------------------------------------------------------------------------ coding
    def _code(self) -> None:
        from chartclaim.store.models import Encounter as EncounterRow

        self.final: dict[str, tuple[tuple[str, ...], tuple[TruthProcedure, ...]]] = {}
        self.auto_billed: set[str] = set()  # encounters billed with the coder's unreviewed output
        with self._timed("coding") as st:
            if not self.measure_coder:
                st.available = False
                st.note = "automated coder skipped (measure_coder=False); claims use coder-reviewed codes"
                self.final = {e.id: (e.truth.diagnoses, _strip_biller_modifiers(e.truth.procedures))
                              for e in self.practice.encounters}
                return
            try:
                from chartclaim.coding.pipeline import Coder

                coder = Coder()
            except Exception as exc:  # the coder is another team's piece; say so rather than fake it
                st.available = False
                st.note = f"automated coder not available ({type(exc).__name__}: {exc}); claims use coder-reviewed codes"
                self.final = {
                    e.id: (e.truth.diagnoses, _strip_biller_modifiers(e.truth.procedures)) for e in self.practice.encounters}
                return
            tp = fp = fn = 0
            ptp = pfp = pfn = 0
            em_hit = em_total = 0
            self.final = {}
            encs = self.practice.encounters
            for i, e in enumerate(encs):
                res = coder.code(e.note)
                pred = [c.code for c in res.codes]
                gold = set(e.truth.diagnoses)
                ok_extra = set(e.truth.acceptable_extra)
                tp += len(gold & set(pred))
                fn += len(gold - set(pred))
                fp += sum(1 for c in set(pred) if c not in gold and c not in ok_extra
                          and not any(len(x) == 1 and c.startswith(x) for x in ok_extra))
                gold_p = {p.code for p in e.truth.procedures if p.code not in EM_CODES and not p.code.startswith("993")
                          and p.code not in ("G0438", "G0439")}
                pred_p = {p.code for p in res.procedures}
                ptp += len(gold_p & pred_p)
                pfp += len(pred_p - gold_p)
                pfn += len(gold_p - pred_p)
                em_gold = next((p.code for p in e.truth.procedures if p.code in EM_CODES), None)
                em_pred = getattr(res.em, "code", None)
                if em_gold:
                    em_total += 1
                    em_hit += em_pred == em_gold
                if self.coding == "auto" and pred:
                    procs: list[TruthProcedure] = []
                    if em_pred:
                        procs.append(TruthProcedure(em_pred, (), 1, tuple(pred[:4])))
                    procs += [TruthProcedure(p.code, (), 1, tuple(pred[:4])) for p in res.procedures]
                    self.final[e.id] = (tuple(pred[:12]), tuple(procs) or _strip_biller_modifiers(e.truth.procedures))
                    self.auto_billed.add(e.id)
                else:
                    self.final[e.id] = (e.truth.diagnoses, _strip_biller_modifiers(e.truth.procedures))
                row = self.session.get(EncounterRow, self.encounter_ids[e.id])
                if row is not None:
                    row.diagnoses = {"codes": list(self.final[e.id][0]), "suggested": pred}
                    row.coding_status = "coded"
                if i % 25 == 0 or i == len(encs) - 1:
                    self.progress("coding", i + 1, len(encs))
            self.session.commit()

            def prf(t: int, f_p: int, f_n: int) -> tuple[float, float, float]:
                p = t / (t + f_p) if t + f_p else 0.0
                r = t / (t + f_n) if t + f_n else 0.0
                return p, r, (2 * p * r / (p + r) if p + r else 0.0)

            p, r, f = prf(tp, fp, fn)
            pp, pr_, pf = prf(ptp, pfp, pfn)
            self.summary.coder = {"dx_precision": p, "dx_recall": r, "dx_f1": f, "proc_precision": pp,
                                  "proc_recall": pr_, "proc_f1": pf,
                                  "em_exact": em_hit / em_total if em_total else 0.0}
            st.note = (f"{len(encs)} notes coded; claims use the {'automated' if self.coding == 'auto' else 'coder-reviewed'}"
                       " codes")

    # ------------------------------------------------------------------------------------------ claims
    def _build_claims(self) -> None:
        from chartclaim.billing import practice as bp

        pr = self.practice
        with self._timed("claims") as st:
            self.claims: dict[str, Claim] = {}
            self.claim_rows: dict[str, int] = {}
            self.encounter_of: dict[str, Encounter] = {}
            self.submit_on: dict[str, dt.date] = {}
            for i, e in enumerate(pr.encounters):
                dx, procs = self.final[e.id]
                if not dx or not procs:
                    self.counts["claims_not_built_no_codes"] += 1
                    continue
                patient = pr.patient(e.patient_id)
                cov = patient.coverages[0]
                cid = f"C{e.id[1:]}"
                claim = build_claim(pr, e, dx, procs, cov, cid, e.submit_on or e.date_of_service)
                self._store_claim(bp, claim, patient.id, 0, e)
                self._record_final_codes(e, claim)
                self.encounter_of[cid] = e
                self.submit_on[cid] = e.submit_on or e.date_of_service
                if i % 50 == 0:
                    self.progress("claims", i + 1, len(pr.encounters))
            self.progress("claims", len(pr.encounters), len(pr.encounters))
            self.session.commit()
            self.counts["claims"] = len(self.claims)
            self.counts["charges_posted_lines"] = sum(len(c.lines) for c in self.claims.values())
            st.note = f"{len(self.claims)} claims, charges from the practice's charge master"

    def _record_final_codes(self, e: Encounter, claim: Claim) -> None:
        """The encounter's codes as billed, in the shape the coding queue writes when a coder finishes
        (`encounter.diagnoses` codes in pointer order + procedures, `coding_status`): coder-reviewed codes finish
        the encounter ("reviewed", out of the queue); automated codes billed unreviewed stay "coded", waiting."""
        from chartclaim.store.models import Encounter as EncounterRow

        row = self.session.get(EncounterRow, self.encounter_ids[e.id])
        if row is None:
            return
        reviewed = e.id not in self.auto_billed
        final: dict[str, Any] = {"codes": list(claim.diagnoses),
                                 "procedures": list(dict.fromkeys(ln.procedure for ln in claim.lines)),
                                 "coded_by": "demo-coder" if reviewed else "automated-coder"}
        if row.diagnoses and "suggested" in row.diagnoses:
            final["suggested"] = row.diagnoses["suggested"]
        row.diagnoses = final
        row.coding_status = "reviewed" if reviewed else "coded"
        self.counts["encounters_coded_reviewed" if reviewed else "encounters_coded_unreviewed"] += 1

    def _store_claim(self, bp: Any, claim: Claim, patient_key: str, cov_index: int, e: Encounter | None,
                     responsibility: str = "P", primary_row: int | None = None, post_charges: bool = True) -> None:
        lines = [bp.LineInput(procedure=ln.procedure, charge=ln.charge, date_of_service=ln.date_of_service,
                              modifiers=ln.modifiers, units=ln.units, dx_pointers=ln.dx_pointers,
                              line_control_number=ln.line_control_number) for ln in claim.lines]
        row = bp.create_claim(self.session, bp.ClaimInput(
            patient_id=self.patient_ids[patient_key], payer_id=self.payer_ids[claim.payer.id], lines=lines,
            coverage_id=self.coverage_ids.get((patient_key, cov_index)),
            encounter_id=self.encounter_ids.get(e.id) if e else None, claim_number=claim.claim_id,
            responsibility=responsibility, primary_claim_id=primary_row,
            document=claim.model_dump(mode="json", exclude_none=True)), actor="demo-biller", post_charges=post_charges)
        self.claims[claim.claim_id] = claim
        self.claim_rows[claim.claim_id] = row.id

    def _row(self, cid: str) -> Any:
        from chartclaim.store.models import ClaimRecord

        return self.session.get(ClaimRecord, self.claim_rows[cid])

    def _move(self, cid: str, target: str, reason: str, on: dt.date) -> None:
        from chartclaim.billing.lifecycle import can_transition, transition

        row = self._row(cid)
        if row is None or row.status == target or not can_transition(row.status, target):
            return
        transition(self.session, row, target, "demo-biller", reason, at=dt.datetime.combine(on, dt.time(9, 0)))

    def _save_document(self, cid: str, claim: Claim) -> None:
        self.claims[cid] = claim
        row = self._row(cid)
        if row is not None:
            row.document = claim.model_dump(mode="json", exclude_none=True)
            row.frequency = claim.frequency
            by_lcn = {ln.line_control_number: ln for ln in claim.lines}
            for ln_row in row.lines:
                ln = by_lcn.get(ln_row.line_control_number)
                if ln is not None:
                    ln_row.modifiers = ":".join(ln.modifiers)

    # ------------------------------------------------------------------------------------------- scrub
    def _scrub(self) -> None:
        with self._timed("scrub") as st:
            self.held: set[str] = set()
            self.edit_counts: Counter[str] = Counter()
            self.edit_examples: dict[str, str] = {}
            try:
                from chartclaim.edits import ScrubContext, scrub_many
            except Exception as exc:
                st.available = False
                st.note = f"scrubber not available ({type(exc).__name__}); claims go out unscrubbed"
                for cid in self.claims:
                    self._move(cid, "scrubbed", "no scrubber", self.submit_on[cid])
                    self._move(cid, "ready", "no scrubber", self.submit_on[cid])
                self.session.commit()
                return
            today = self.practice.period[1] + dt.timedelta(days=AS_OF_DAYS_AFTER_PERIOD)
            ctx = ScrubContext.load(today=today)
            ids = list(self.claims)
            first = scrub_many([self.claims[c] for c in ids], ctx)
            fixed = 0
            for n, cid in enumerate(ids):
                edits = first.get(cid, [])
                for e in edits:
                    self.edit_counts[e.rule_id] += 1
                    self.edit_examples.setdefault(e.rule_id, e.message)
                claim, changed = self._biller_fixes(self.claims[cid], edits)
                if changed:
                    fixed += 1
                    self._remove_lines(cid, claim, self.submit_on[cid])
                    self._save_document(cid, claim)
                if n % 50 == 0:
                    self.progress("scrub", n + 1, len(ids))
            self.progress("scrub", len(ids), len(ids))
            second = scrub_many([self.claims[c] for c in ids], ctx) if fixed else first
            for cid in ids:
                errors = [e for e in second.get(cid, []) if e.severity == "error"]
                on = self.submit_on[cid]
                if errors:
                    self.held.add(cid)
                    for e in errors:
                        self.held_reasons[f"scrubber: {e.rule_id}"] += 1
                    self.counts["claims_held_by_scrubber"] += 1
                    self._move(cid, "scrubbed", "; ".join(e.rule_id for e in errors)[:200], on)
                    if all("TIMELY" in e.rule_id for e in errors):
                        self._write_off(cid, on, "29", "timely filing limit passed before the claim was sent")
                    continue
                self._move(cid, "scrubbed", "clean" if not first.get(cid) else "fixed by biller", on)
                self._move(cid, "ready", "scrub clean", on)
            self.session.commit()
            self.counts["claims_fixed_after_scrub"] = fixed
            self.counts["scrub_edits"] = sum(self.edit_counts.values())
            self.counts["claims_scrub_clean_first_pass"] = sum(1 for c in ids if not first.get(c))
            self.summary.top_edits = [(rid, n, self.edit_examples[rid]) for rid, n in
                                      sorted(self.edit_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
            st.note = f"{self.counts['scrub_edits']} edits; {fixed} claims fixed; {len(self.held)} held"
            has_ptp = False
            with contextlib.suppress(Exception):
                has_ptp = bool(ctx.store is not None and ctx.store.has("ptp"))
            if not has_ptp:
                st.note += ("; NCCI tables not imported (chartclaim edits import ncci PATH), so NCCI pairs were "
                            "not checked before submission")

    def _remove_lines(self, cid: str, claim: Claim, on: dt.date) -> None:
        """Services the biller took off the claim (bundled by NCCI) are written off: they are not billable."""
        from chartclaim.billing import ledger

        keep = {ln.line_control_number for ln in claim.lines}
        row = self._row(cid)
        for ln in row.lines:
            if ln.line_control_number not in keep:
                ledger.adjust(self.session, ln, ln.charge, row.payer_id, on, "NCCI", group_code="CO", kind="writeoff",
                              actor="demo-biller", memo="bundled service removed from the claim (NCCI, no modifier allowed)")
                self.counts["lines_removed_ncci"] += 1

    def _write_off(self, cid: str, on: dt.date, reason: str, why: str) -> None:
        """The practice absorbs a charge it cannot bill (the payer would deny it; the patient does not owe it)."""
        from chartclaim.billing import ledger

        row = self._row(cid)
        for ln in row.lines:
            ledger.adjust(self.session, ln, ln.charge, row.payer_id, on, reason, group_code="CO", kind="writeoff",
                          actor="demo-biller", memo=why)
        for t in ("draft", "voided", "closed"):
            self._move(cid, t, why, on)
        self.counts["claims_written_off_timely_filing"] += 1

    def _biller_fixes(self, claim: Claim, edits: list[Any]) -> tuple[Claim, bool]:
        """What a biller does with the scrubber's findings: payment modifiers. Coding problems are held."""
        lines = list(claim.lines)
        changed = False
        text = " ".join(f"{e.message} {e.fix}" for e in edits)
        drop: set[int] = set()
        for e in edits:
            if e.family != "ncci-ptp" or e.line is None or not (1 <= e.line <= len(lines)):
                continue
            ln = lines[e.line - 1]
            if e.rule_id.endswith("-0") or e.fix.startswith("Remove"):
                drop.add(e.line - 1)  # no modifier overrides the pair: the bundled service comes off the claim
                continue
            # the edit sits on the line that needs the change: the E/M gets 25, another column-2 code 59
            mod = "25" if "modifier 25" in e.message else "59"
            if mod not in ln.modifiers and len(ln.modifiers) < 4:
                lines[e.line - 1] = ln.model_copy(update={"modifiers": (*ln.modifiers, mod)})
                changed = True
        if drop and len(drop) < len(lines):
            lines = [ln for i, ln in enumerate(lines) if i not in drop]
            changed = True
        for e in edits:
            # telehealth: the payer wants modifier 95 on services billed at POS 02/10
            if e.line is not None and 1 <= e.line <= len(lines) and "modifier 95" in e.fix:
                ln = lines[e.line - 1]
                if "95" not in ln.modifiers and len(ln.modifiers) < 4:
                    lines[e.line - 1] = ln.model_copy(update={"modifiers": (*ln.modifiers, "95")})
                    changed = True
        for e in edits:
            # a statutorily excluded service the patient chose to have (signed ABN in the note): GY, bill, PR-49
            if e.line is not None and 1 <= e.line <= len(lines) and "add GY" in e.fix:
                ln = lines[e.line - 1]
                if "GY" not in ln.modifiers and len(ln.modifiers) < 4:
                    lines[e.line - 1] = ln.model_copy(update={"modifiers": (*ln.modifiers, "GY")})
                    changed = True
        for i, ln in enumerate(lines):
            if ln.procedure in WAIVED_TESTS and "QW" not in ln.modifiers and "QW" in text:
                lines[i] = ln.model_copy(update={"modifiers": (*ln.modifiers, "QW")})
                changed = True
        return (claim.model_copy(update={"lines": tuple(lines)}) if changed else claim), changed

    # ------------------------------------------------------------------------------------------- cycle
    def _cycle(self) -> None:
        with self._timed("clearinghouse") as st:
            try:
                from chartclaim.x12 import MemoryControlNumbers, read
                from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
                from chartclaim.x12.write837 import Receiver, Submitter, write_837
            except Exception as exc:
                st.available = False
                st.note = f"X12 writer/reader not available ({type(exc).__name__}); no claims submitted"
                return
            from chartclaim.payer.clearinghouse import demo_routes
            from chartclaim.payer.simulator import SimulatedPayer

            self.x12_read = read
            self.routes = demo_routes(self.root)
            from chartclaim.payer.clearinghouse import DirectoryDrop

            ch = self.routes.for_payer("06102")
            assert isinstance(ch, DirectoryDrop), "the demo's simulated clearinghouse is a directory mailbox"
            self.ch = ch
            self.summary.mailbox = str(getattr(self.ch, "root", ""))
            # The sandbox is recreated every run, so in-memory control numbers are unique within it (and repeatable).
            self.numbers = MemoryControlNumbers()
            self.sim = SimulatedPayer(self.practice, self.seed, **self.payer_options)
            self.sim_numbers = MemoryControlNumbers(start=500000)
            org = self.practice.organisation
            self.submitter = Submitter(org.name, "OAKPRAIRIE01", "Billing Office", org.phone)
            self.receiver = Receiver("SIMULATED CLEARINGHOUSE", "SIMCH")
            self.env = (EnvelopeOptions, EnvelopeParty)
            self.write_837 = write_837
            self.queue: dict[dt.date, list[str]] = defaultdict(list)
            for cid in self.claims:
                if cid not in self.held:
                    self.queue[self.submit_on[cid]].append(cid)
            self.submissions: Counter[str] = Counter()
            self.first_pass_ok: set[str] = set()
            self.rejected_once: set[str] = set()
            self.corrected: set[str] = set()
            self.worked: set[str] = set()  # denials the biller has appealed or written off
            self.secondary_of: dict[str, str] = {}
            self.post_results: list[Any] = []
            self.rejection_counts: Counter[str] = Counter()
            start = min(self.queue) if self.queue else self.practice.period[0]
            end = self.practice.period[1] + dt.timedelta(days=self.days_after)
            # The A/R snapshot, statements and ledger totals are all taken on the last simulated day.
            self.as_of = end
            days = (end - start).days + 1
            self.sim.reversals_until = end - dt.timedelta(days=21)
            for k in range(days):
                day = start + dt.timedelta(days=k)
                self._submit_due(day)
                self._payer_side(day)
                self._practice_inbox(day)
                self.session.commit()
                self.progress("clearinghouse", k + 1, days)
            st.note = (f"{sum(self.submissions.values())} claim submissions in "
                       f"{self.counts['files_837']} 837 files; {self.counts['files_999']} 999, "
                       f"{self.counts['files_277ca']} 277CA, {self.counts['files_835']} 835 files")

    def _submit_due(self, day: dt.date) -> None:
        due = sorted(set(self.queue.pop(day, [])))
        if not due:
            return
        EnvelopeOptions, EnvelopeParty = self.env
        from chartclaim.x12.write837 import X12WriteError

        claims = [self.claims[c].model_copy(update={"submitted_on": day}) for c in due]
        opts = EnvelopeOptions(EnvelopeParty("OAKPRAIRIE01"), EnvelopeParty("SIMCH"),
                               timestamp=dt.datetime.combine(day, dt.time(17, 30)))
        while True:
            try:
                text = self.write_837(claims, opts, self.submitter, self.receiver, self.numbers,
                                      one_st_per_claim=False, created=dt.datetime.combine(day, dt.time(17, 30)))
                break
            except X12WriteError as exc:
                # one bad claim must not stop the batch: hold it for the biller with the writer's reason
                claims = [c for c in claims if c.claim_id != exc.claim_id]
                self.counts["claims_held_by_837_writer"] += 1
                self.held_reasons[f"837: {exc.field}"] += 1
                if not claims:
                    return
        name = f"837P-{day.isoformat()}-{self.counts['files_837'] + 1:04d}.x12"
        from chartclaim.billing.submissions import record_submission

        self.ch.submit(name, text.encode())
        self.counts["files_837"] += 1
        # each claim moves to submitted with the envelope's ISA13/GS06/ST02 and its place in the set on file
        record_submission(self.session, text, actor="demo-biller", file_name=name,
                          at=dt.datetime.combine(day, dt.time(17, 30)))
        for c in claims:
            self.submissions[c.claim_id] += 1

    def _payer_side(self, day: dt.date) -> None:
        from chartclaim.payer.simulator import exchange

        exchange(self.sim, self.ch.peer(), day, self.sim_numbers)

    def _practice_inbox(self, day: dt.date) -> None:
        for f in self.ch.fetch():
            path = self.ch.inbox / f.name
            if f.kind == "999":
                self.counts["files_999"] += 1
                from chartclaim.billing.submissions import apply_999

                for ack in self.x12_read(io.BytesIO(f.content)).models("999"):
                    self.counts["transaction_sets_rejected_999"] += sum(1 for t in ack.transactions if not t.accepted)
                    # tied back through the recorded envelopes: a rejected set's claims go to rejected
                    self.counts["claims_rejected_999"] += sum(o.moved for o in apply_999(self.session, ack,
                                                                                        actor="demo-clearinghouse"))
            elif f.kind == "277CA":
                self.counts["files_277ca"] += 1
                for rep in self.x12_read(io.BytesIO(f.content)).models("277CA"):
                    for cs in rep.claims:
                        self._claim_ack(cs, day)
            elif f.kind == "835":
                self.counts["files_835"] += 1
                self._post(path, day)
            self.ch.acknowledge(f)

    def _claim_ack(self, cs: Any, day: dt.date) -> None:
        cid = cs.patient_control_number
        if cid not in self.claim_rows:
            return
        st = cs.statuses[0] if cs.statuses else None
        if st is None or not (st.action == "U" or st.category in ("A3", "A4", "A6", "A7", "A8")):
            if cid not in self.rejected_once:
                self.first_pass_ok.add(cid)
            self._move(cid, "accepted", "277CA accepted", day)
            return
        code = f"{st.category}:{st.code}"
        self.rejection_counts[code] += 1
        self.rejected_once.add(cid)
        self._move(cid, "rejected", f"277CA {code} {st.text}".strip(), day)
        self._fix_rejection(cid, st.code, day)

    def _fix_rejection(self, cid: str, status: str, day: dt.date) -> None:
        """The biller works the rejection: verify eligibility and rebill (a real office would run a 270/271)."""
        claim = self.claims[cid]
        e = self.encounter_of.get(cid)
        if e is None:
            return
        patient = self.practice.patient(e.patient_id)
        cov_i = next((i for i, c in enumerate(patient.coverages) if c.payer_id == claim.payer.id), 0)
        cov = patient.coverages[cov_i]
        if status == "164":  # member id: the card on file had a typo
            wrong = claim.subscriber.member_id
            fixed = claim.model_copy(update={"subscriber": claim.subscriber.model_copy(update={"member_id": cov.member_id})})
            self._save_document(cid, fixed)
            # fix the registration once: the patient's other claims waiting to go out get the right id too
            for other, doc in list(self.claims.items()):
                if (other != cid and doc.subscriber.member_id == wrong and doc.payer.id == claim.payer.id
                        and not self.submissions.get(other)):
                    self._save_document(other, doc.model_copy(update={
                        "subscriber": doc.subscriber.model_copy(update={"member_id": cov.member_id})}))
            from chartclaim.store.models import Coverage as CovRow

            row = self.session.get(CovRow, self.coverage_ids[(patient.id, cov_i)])
            if row is not None:
                row.member_id = cov.member_id
            for t in ("draft", "scrubbed", "ready"):
                self._move(cid, t, "member id corrected from eligibility", day)
            self.queue[day + dt.timedelta(days=1)].append(cid)
            self.counts["rejections_fixed_member_id"] += 1
        elif status == "109":  # coverage ended: the patient owes it (a real office would also ask for new insurance)
            from chartclaim.billing import ledger
            from chartclaim.store.models import Coverage as CovRow

            row = self.session.get(CovRow, self.coverage_ids[(patient.id, cov_i)])
            if row is not None and cov.terminated:
                row.effective_to = cov.terminated
            crow = self._row(cid)
            for ln in crow.lines:
                ledger.transfer(self.session, ln, ln.charge, crow.payer_id, None, day, actor="demo-biller",
                                memo="coverage terminated before the date of service: patient responsibility")
            self._move(cid, "voided", "coverage terminated; billed to the patient", day)
            self.counts["rejections_moved_to_self_pay"] += 1
        else:
            self.counts["rejections_held_for_coding"] += 1
            self.held_reasons[f"277CA {status}: back to the coder"] += 1

    def _post(self, path: Path, day: dt.date) -> None:
        from chartclaim.billing.posting import post_835_file

        self.session.commit()
        results = post_835_file(self.session, path, actor="demo-poster")
        self.post_results.extend(results)
        for r in results:
            self.counts["remittances_posted"] += 0 if r.duplicate else 1
            self.counts["claim_payments_posted"] += r.claims_posted
            self.counts["claim_payments_reversed"] += r.claims_reversed
            self.counts["posting_exceptions"] += len(r.exceptions)
            self.counts["plb_adjustments"] += r.provider_adjustments
        for rem in self.x12_read(path).models("835"):
            for cp in rem.claims:
                self._after_payment(cp, rem, day)

    def _after_payment(self, cp: Any, rem: Any, day: dt.date) -> None:
        cid = cp.patient_control_number
        if cid not in self.claims or cp.status == "22":
            return
        if cp.crossover_carrier is not None:
            self.counts["crossed_over_by_payer"] += 1
        claim = self.claims[cid]
        payer_id = rem.payer.reference("2U") or ""
        if payer_id != claim.payer.id:
            return  # a crossover payer paying on the primary's claim number
        carcs = {(a.group, a.reason) for s in cp.services for a in s.adjustments}
        if claim.payer_responsibility == "P" and cid not in self.corrected:
            if ("CO", "97") in carcs:
                self._correct(cid, cp, day, "modifier 25 added to the E/M (separately identifiable service)")
                return
            if ("CO", "197") in carcs and int(cid[1:]) % 2 == 0:
                # half the time the payer grants a retro-authorisation; otherwise the denial stays in the queue
                self._correct(cid, cp, day, "retro-authorisation obtained", auth=f"RA{cid[1:]}")
                return
        if claim.payer_responsibility == "P" and cid not in self.worked:
            if ("CO", "50") in carcs:
                self._appeal(cid, cp, day)
            elif ("CO", "197") in carcs:
                self._write_off_denial(cid, day, "197", "no authorisation obtained; denial written off")
        if claim.payer_responsibility == "P" and cp.crossover_carrier is None and not cp.is_forwarded:
            self._bill_secondary(cid, cp, day)

    def _write_off_denial(self, cid: str, day: dt.date, reason: str, why: str) -> None:
        try:
            from chartclaim.billing.lifecycle import close, write_off_denial
        except ImportError:
            return
        row = self._row(cid)
        self.session.refresh(row)
        if write_off_denial(self.session, row, "demo-biller", reason, why, on=day):
            self.counts["denials_written_off"] += 1
        self.worked.add(cid)
        with contextlib.suppress(Exception):
            close(self.session, row, "demo-biller", why, on=day)

    def _appeal(self, cid: str, cp: Any, day: dt.date) -> None:
        """A medical-necessity denial is appealed with the visit's documentation (PDF letter in appeals/)."""
        self.worked.add(cid)
        try:
            from chartclaim.billing.denials import explain_denial
            from chartclaim.billing.documents.appeal import appeal_for_claim, render_appeal_letter
            from chartclaim.billing.lifecycle import appeal
        except ImportError:
            return
        denials = [explain_denial(a.group, a.reason, [r.code for r in s.remarks], a.amount)
                   for s in cp.services for a in s.adjustments if (a.group, a.reason) == ("CO", "50")]
        e = self.encounter_of.get(cid)
        excerpt = ""
        if e is not None:
            text = e.note
            i = max(text.find("ASSESSMENT"), text.find("A/P:"), text.find("Assessment:"))
            excerpt = text[i:i + 700] if i >= 0 else text[:700]
        letter = appeal_for_claim(self.claims[cid].model_copy(update={"original_claim_number": cp.payer_claim_control_number}),
                                  denials, excerpt, day)
        out = self.root / "appeals"
        out.mkdir(exist_ok=True)
        (out / f"{cid}.pdf").write_bytes(render_appeal_letter(letter))
        row = self._row(cid)
        self.session.refresh(row)
        with contextlib.suppress(Exception):
            appeal(self.session, row, "demo-biller", "medical necessity: appeal with documentation")
        self.counts["appeal_letters"] += 1

    def _correct(self, cid: str, cp: Any, day: dt.date, why: str, auth: str | None = None) -> None:
        claim = self.claims[cid]
        lines = []
        procs = {ln.procedure for ln in claim.lines}
        for ln in claim.lines:
            if ln.procedure in EM_CODES and procs - EM_CODES and "25" not in ln.modifiers and auth is None:
                ln = ln.model_copy(update={"modifiers": (*ln.modifiers, "25")})
            lines.append(ln)
        update: dict[str, Any] = {"lines": tuple(lines), "frequency": "7",
                                  "original_claim_number": cp.payer_claim_control_number}
        if auth:
            update["prior_authorization"] = auth
        self._save_document(cid, claim.model_copy(update=update))
        self.corrected.add(cid)
        for t in ("corrected", "ready"):
            self._move(cid, t, why, day)
        self.queue[day + dt.timedelta(days=2)].append(cid)
        self.counts["corrected_claims_sent"] += 1

    def _bill_secondary(self, cid: str, cp: Any, day: dt.date) -> None:
        e = self.encounter_of.get(cid)
        if e is None or cid in self.secondary_of:
            return
        build_next_claim: Any = None
        with contextlib.suppress(ImportError):
            from chartclaim.billing.secondary import SecondaryClaimError, build_next_claim
        if build_next_claim is not None:
            patient = self.practice.patient(e.patient_id)
            if len(patient.coverages) < 2:
                return
            self.session.flush()
            try:
                rec = build_next_claim(self.session, self.claim_rows[cid], actor="demo-biller", on=day)
            except SecondaryClaimError as exc:
                reason = str(exc)
                key = ("crossed over" if "crossed over" in reason else "nothing owed" if "nothing is owed" in reason
                       else "already billed" if "already" in reason else "other")
                self.counts[f"secondary_not_billed_{key.replace(' ', '_')}"] += 1
                return
            doc = Claim.model_validate(rec.document)
            self.claims[rec.claim_number] = doc
            self.claim_rows[rec.claim_number] = rec.id
            self.encounter_of[rec.claim_number] = e
            self.secondary_of[cid] = rec.claim_number
            for t in ("scrubbed", "ready"):
                self._move(rec.claim_number, t, "secondary claim with the primary's adjudication", day)
            self.queue[day + dt.timedelta(days=1)].append(rec.claim_number)
            self.counts["secondary_claims"] += 1
            return
        patient = self.practice.patient(e.patient_id)
        if len(patient.coverages) < 2:
            return
        pr_total = sum((a.amount for s in cp.services for a in s.adjustments if a.group == "PR"), ZERO)
        if pr_total <= 0:
            return
        cov = patient.coverages[1]
        if cov.payer_id == self.practice.payer(self.claims[cid].payer.id).crossover_to:
            return  # the primary forwards these itself
        primary = self.claims[cid]
        sec_id = f"{cid}S"
        line_adj = []
        for i, s in enumerate(cp.services, 1):
            line_adj.append(LineAdjudication(
                line=i, payer_id=primary.payer.id, paid=s.paid, procedure=s.procedure.code,
                modifiers=tuple(s.procedure.modifiers), units=s.units or Decimal(1),
                adjustments=tuple(ClaimAdjustment(group=a.group, reason=a.reason, amount=a.amount) for a in s.adjustments),
                adjudicated_on=day))
        other = OtherPayer(payer=primary.payer, subscriber=primary.subscriber, relationship="18", responsibility="P",
                           paid=cp.paid, adjudicated_on=day,
                           claim_control_number=cp.payer_claim_control_number, line_adjudications=tuple(line_adj))
        payer = self.practice.payer(cov.payer_id)
        from chartclaim.claim import Payer

        sec_claim = primary.model_copy(update={
            "claim_id": sec_id, "payer": Payer(id=payer.id, name=payer.name, timely_filing_days=payer.timely_filing_days,
                                               filing_indicator=payer.filing_indicator, address=payer.address),
            "payer_responsibility": "S", "frequency": "1", "original_claim_number": None,
            "subscriber": primary.subscriber.model_copy(update={
                "member_id": cov.member_id, "first_name": cov.subscriber_first, "last_name": cov.subscriber_last,
                "dob": cov.subscriber_dob, "sex": cov.subscriber_sex, "group_number": cov.group_number}),
            "other_payers": (other,),
            "lines": tuple(ln.model_copy(update={"line_control_number": f"{sec_id}-{i}"})
                           for i, ln in enumerate(primary.lines, 1))})
        from chartclaim.billing import practice as bp

        self._store_claim(bp, sec_claim, patient.id, 1, e, responsibility="S",
                          primary_row=self.claim_rows[cid], post_charges=False)
        self.encounter_of[sec_id] = e
        self.secondary_of[cid] = sec_id
        for t in ("scrubbed", "ready"):
            self._move(sec_id, t, "secondary claim with the primary's adjudication", day)
        self.queue[day + dt.timedelta(days=1)].append(sec_id)
        self.counts["secondary_claims"] += 1

    # -------------------------------------------------------------------------------------- statements
    def _statements(self) -> None:
        """Statements for every patient who owes, as of the A/R date, as PDFs in <sandbox>/statements."""
        with self._timed("statements") as st:
            import contextlib
            import importlib

            from chartclaim.billing import ledger

            owing = [pid for pid in self.patient_ids.values()
                     if ledger.patient_totals(self.session, pid).patient_balance > 0]
            self.counts["patients_owing"] = len(owing)
            builder: Any = None
            with contextlib.suppress(ImportError):
                builder = getattr(importlib.import_module("chartclaim.billing.statements"), "statement_data", None)
            try:
                from chartclaim.billing.documents.statement import PracticeInfo, render_statement
            except ImportError as exc:
                st.available = False
                st.note = f"{len(owing)} patients owe; the statement PDF is not available yet ({exc})"
                return
            from chartclaim.demo.statements import statement_for

            org = self.practice.organisation
            info = PracticeInfo(org.name, org.address, org.phone, tax_id=org.tax_id,
                                office_hours="Mon-Fri 8:00-17:00", billing_email="billing@oakprairie.example")
            labels = {code: item.label for code, item in self.practice.charge_master.items()}
            as_of = getattr(self, "as_of", None) or self.practice.period[1]
            out_dir = self.root / "statements"
            out_dir.mkdir(exist_ok=True)
            made = 0
            due = ZERO
            failed = ""
            for n, pid in enumerate(owing):
                data = None
                if builder is not None:
                    try:
                        data = builder(self.session, pid, practice=info, as_of=as_of)
                    except Exception as exc:  # the billing core's builder is new: fall back, and say so
                        failed = f"{type(exc).__name__}: {exc}"
                        builder = None
                if data is None:
                    data = statement_for(self.session, pid, as_of, info, labels)
                if data is None:
                    continue
                (out_dir / f"{data.account_number}.pdf").write_bytes(render_statement(data))
                made += 1
                due += sum((ln.patient_balance for ln in data.lines), ZERO)
                self.progress("statements", n + 1, len(owing))
            self.counts["statements"] = made
            self.summary.money["statements_due"] = due
            st.note = (f"{made} patient statements (PDF) in the sandbox's statements/ folder"
                       + ("; statement data from chartclaim.billing.statements" if builder is not None
                          else "; statement data assembled by the demo from the ledger")
                       + (f" (the billing core's builder failed: {failed})" if failed else ""))

    def _web_users(self) -> None:
        """Sign-ins for browsing the sandbox in the web application (demo only: the password is printed)."""
        with self._timed("web users") as st:
            try:
                from chartclaim.web.users import create_user
            except Exception as exc:
                st.available = False
                st.note = f"web application not available ({type(exc).__name__})"
                return
            for role in DEMO_ROLES:
                create_user(self.session, role, DEMO_PASSWORD, role, f"Demo {role}")
            self.session.commit()
            self.summary.logins = [(r, DEMO_PASSWORD) for r in DEMO_ROLES]
            st.note = "demo sign-ins: " + ", ".join(DEMO_ROLES) + f" (password {DEMO_PASSWORD})"

    # ---------------------------------------------------------------------------------------- summary
    def _summarise(self) -> None:
        from sqlalchemy import func, select

        from chartclaim.billing import ledger
        from chartclaim.store.models import ClaimRecord, LedgerEntry, PostingException, RemitAdjustment

        s = self.session
        with self._timed("summary"):
            tot = ledger.overall_totals(s)
            self.summary.money |= {"charges": tot.charges, "payments": tot.payments, "adjustments": tot.adjustments,
                                  "balance": tot.balance, "insurance_balance": tot.insurance_balance,
                                  "patient_balance": tot.patient_balance}
            self.summary.ledger_balanced = tot.charges == tot.payments + tot.adjustments + tot.balance
            status = Counter(dict(s.execute(select(ClaimRecord.status, func.count()).group_by(ClaimRecord.status)).all()))
            for k, v in sorted(status.items()):
                self.counts[f"claims_status_{k}"] = int(v)
            submitted = [c for c in self.claims if self.submissions.get(c)] if hasattr(self, "submissions") else []
            primary_submitted = [c for c in submitted if self.claims[c].payer_responsibility == "P"]
            clean = [c for c in primary_submitted if c in getattr(self, "first_pass_ok", set())
                     and c not in getattr(self, "corrected", set()) and not self._denied(c)]
            self.counts["claims_submitted"] = len(primary_submitted)
            self.counts["claims_clean_first_pass"] = len(clean)
            self.summary.money["clean_claim_rate_pct"] = (
                (Decimal(len(clean)) * 100 / len(primary_submitted)).quantize(Decimal("0.1")) if primary_submitted else ZERO)
            # denials by category (the billing core's CARC map)
            try:
                from chartclaim.billing.denials import explain_denial

                cats: dict[str, list[Decimal]] = defaultdict(list)
                for g, r, amt in s.execute(select(RemitAdjustment.group_code, RemitAdjustment.reason_code,
                                                  RemitAdjustment.amount)).all():
                    ex = explain_denial(g, r)
                    if ex.is_denial and amt > 0:
                        cats[ex.category_label or ex.category].append(amt)
                self.summary.denials = sorted(((k, len(v), sum(v, ZERO)) for k, v in cats.items()),
                                              key=lambda x: (-x[1], x[0]))
            except Exception as exc:
                self.summary.stage("summary").note = f"denial categories unavailable: {exc}"
            self.summary.held = sorted(self.held_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            self.summary.rejections = sorted(getattr(self, "rejection_counts", Counter()).items(),
                                             key=lambda kv: (-kv[1], kv[0]))
            self.summary.posting_exceptions = sorted(Counter(
                r for (r,) in s.execute(select(PostingException.reason)).all()).items(), key=lambda kv: (-kv[1], kv[0]))
            self.summary.as_of = getattr(self, "as_of", None)
            self.summary.aging = self._aging(s, LedgerEntry)

    def _denied(self, cid: str) -> bool:
        row = self._row(cid)
        return row is not None and row.status in ("denied", "partially_paid")

    def _aging(self, s: Any, LedgerEntry: Any) -> list[tuple[str, dict[str, Decimal]]]:
        """Open balances by payer (and patient) in 0-30/31-60/61-90/91-120/120+ days from the date of service."""
        from sqlalchemy import func, select

        as_of = getattr(self, "as_of", None) or self.practice.period[1]
        names = {v: k for k, v in self.payer_ids.items()}
        rows = s.execute(select(LedgerEntry.payer_id, LedgerEntry.claim_line_id, func.sum(LedgerEntry.amount))
                         .group_by(LedgerEntry.payer_id, LedgerEntry.claim_line_id)).all()
        from chartclaim.store.models import ClaimLine

        dos = dict(s.execute(select(ClaimLine.id, ClaimLine.date_of_service)).all())
        buckets = ("0-30", "31-60", "61-90", "91-120", "120+")
        out: dict[str, dict[str, Decimal]] = defaultdict(lambda: {b: ZERO for b in buckets})
        for payer_id, line_id, bal in rows:
            if not bal:
                continue
            age = (as_of - dos[line_id]).days
            b = buckets[0] if age <= 30 else buckets[1] if age <= 60 else buckets[2] if age <= 90 else (
                buckets[3] if age <= 120 else buckets[4])
            key = self.practice.payer(names[payer_id]).name if payer_id is not None else "Patients"
            out[key][b] += Decimal(bal)
        return sorted(((k, v) for k, v in out.items() if any(v.values())), key=lambda kv: kv[0])


    def close(self) -> None:
        if hasattr(self, "session"):
            self.session.close()
            self.engine.dispose()


def run_demo(data_dir: Path, seed: int = 7, n_patients: int = 200, n_encounters: int = 1000,
             progress: Progress | None = None, coding: str = "reviewed") -> Summary:
    runner = DemoRun(data_dir, seed, n_patients, n_encounters, progress, coding)
    try:
        return runner.run()
    finally:
        runner.close()


__all__ = ["DemoPractice", "DemoRun", "Summary", "run_demo"]
