"""The coder's work: the queue, one encounter's codes and decisions, physician queries, the audit sample.

Decisions are kept as CodingReview rows (never edited); the encounter's working code set is the latest decision
per code. Finishing an encounter writes its codes (`encounter.diagnoses`) and sets `coding_status=reviewed`, the
state the claim builder picks up. An open physician query holds the encounter: it leaves the queue and cannot
be finished until the answer is recorded.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session

from chartclaim.store.models import Encounter, PatientRecord, Provider
from chartclaim.web.services.suggest import Suggestions
from chartclaim.web.tables import CodingReview, PhysicianQuery, User

QUEUE_STATUSES = ("not_coded", "coded")
DECISIONS = ("accept", "change", "reject", "add")
SYSTEMS = ("ICD-10-CM", "CPT", "HCPCS")


class CodingError(ValueError):
    """A decision that cannot be recorded; the message says why in the coder's words."""


class Held(CodingError):
    pass


def _held() -> Any:
    return exists().where(PhysicianQuery.encounter_id == Encounter.id, PhysicianQuery.status == "open")


def queue_ids(status: str | None = None, provider_id: int | None = None, dos_from: dt.date | None = None,
              dos_to: dt.date | None = None, patient: str | None = None) -> Select:
    """Ids of encounters awaiting a coder, oldest date of service first. status: not_coded | coded | held |
    reviewed (default: not_coded and coded, not held). Index-only on ix_encounter_queue."""
    stmt = select(Encounter.id)
    if status == "held":  # few: drive the query from the open queries
        stmt = stmt.where(Encounter.coding_status.in_(QUEUE_STATUSES), Encounter.id.in_(
            select(PhysicianQuery.encounter_id).where(PhysicianQuery.status == "open")))
    elif status in ("not_coded", "coded", "reviewed"):
        stmt = stmt.where(Encounter.coding_status == status)
        if status != "reviewed":
            stmt = stmt.where(~_held())
    else:
        # Literal values (not bound parameters) so both databases can prove the partial index
        # ix_encounter_awaiting applies and scan it in order.
        awaiting: BindParameter[str] = bindparam("awaiting", QUEUE_STATUSES, expanding=True, literal_execute=True)
        stmt = stmt.where(Encounter.coding_status.in_(awaiting), ~_held())
    if provider_id is not None:
        stmt = stmt.where(Encounter.provider_id == provider_id)
    if dos_from is not None:
        stmt = stmt.where(Encounter.date_of_service >= dos_from)
    if dos_to is not None:
        stmt = stmt.where(Encounter.date_of_service <= dos_to)
    if patient:
        p = patient.strip()
        stmt = stmt.where(Encounter.patient_id.in_(
            select(PatientRecord.id).where((PatientRecord.account_number == p) | PatientRecord.last_name.ilike(p + "%"))))
    return stmt.order_by(Encounter.date_of_service, Encounter.id)


def queue_rows(db: Session, ids: list[int]) -> list[Any]:
    """The queue's columns for one page of encounter ids, in the ids' order."""
    if not ids:
        return []
    rows = db.execute(select(Encounter.id, Encounter.date_of_service, Encounter.coding_status, Encounter.patient_id,
                             PatientRecord.account_number, PatientRecord.first_name, PatientRecord.last_name,
                             Provider.last_name.label("provider"))
                      .join(PatientRecord, PatientRecord.id == Encounter.patient_id)
                      .outerjoin(Provider, Provider.id == Encounter.provider_id)
                      .where(Encounter.id.in_(ids))).all()
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


@dataclass(frozen=True)
class WorkingCode:
    system: str
    suggested_code: str | None
    final_code: str | None
    decision: str
    reason: str
    by: str
    at: dt.datetime


def reviews(db: Session, encounter_id: int) -> list[CodingReview]:
    return list(db.scalars(select(CodingReview).where(CodingReview.encounter_id == encounter_id)
                           .order_by(CodingReview.id)))


def working_set(db: Session, encounter_id: int) -> dict[tuple[str, str], WorkingCode]:
    """Latest decision per (system, code) — the suggestion's code, or the added code."""
    names = dict(db.execute(select(User.id, User.username)).all())
    out: dict[tuple[str, str], WorkingCode] = {}
    for r in reviews(db, encounter_id):
        key = (r.system, r.suggested_code or r.final_code or "")
        out[key] = WorkingCode(r.system, r.suggested_code, r.final_code, r.decision, r.reason,
                               names.get(r.user_id, "?"), r.at)
    return out


def open_query(db: Session, encounter_id: int) -> PhysicianQuery | None:
    return db.scalar(select(PhysicianQuery).where(PhysicianQuery.encounter_id == encounter_id,
                                                  PhysicianQuery.status == "open"))


CodeValidator = Callable[[str, str, dt.date | None], str | None]  # (system, code, dos) -> error or None


def normalize(system: str, code: str) -> str:
    c = code.strip().upper()
    if system == "ICD-10-CM":
        c = c.replace(".", "")
        return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"
    return c


def decide(db: Session, enc: Encounter, user: User, *, system: str, decision: str, suggested_code: str | None,
           final_code: str | None, reason: str, score: float | None, validate: CodeValidator) -> CodingReview:
    if enc.coding_status == "reviewed":
        raise CodingError(f"encounter {enc.id} is already finished; reopen it to change codes")
    if open_query(db, enc.id) is not None:
        raise Held(f"encounter {enc.id} waits for the provider's answer to a query")
    if decision not in DECISIONS:
        raise CodingError(f"decision must be one of {', '.join(DECISIONS)}")
    if system not in SYSTEMS:
        raise CodingError(f"system must be one of {', '.join(SYSTEMS)}")
    reason = (reason or "").strip()
    suggested = normalize(system, suggested_code) if suggested_code else None
    final = normalize(system, final_code) if final_code else None
    if decision in ("accept", "change", "reject") and not suggested:
        raise CodingError(f"{decision} needs the suggested code")
    if decision in ("change", "reject") and not reason:
        raise CodingError(f"a {decision} needs a reason (it feeds the coder's audit and training)")
    if decision == "accept":
        final = suggested
    elif decision == "reject":
        final = None
    elif not final:
        raise CodingError(f"{decision} needs the code to use")
    if decision == "change" and final == suggested:
        raise CodingError("the new code is the suggested one: accept it instead")
    if final and decision in ("change", "add"):
        err = validate(system, final, enc.date_of_service)
        if err:
            raise CodingError(err)
    rec = CodingReview(encounter_id=enc.id, system=system, suggested_code=suggested, decision=decision,
                       final_code=final, reason=reason,
                       score=None if score is None else Decimal(str(round(score, 4))), user_id=user.id)
    db.add(rec)
    if enc.coding_status == "not_coded":
        enc.coding_status = "coded"
    db.flush()
    return rec


def finish(db: Session, enc: Encounter, user: User, suggestions: Suggestions, em_code: str | None = None) -> dict[str, Any]:
    """Write the final codes on the encounter. Every suggestion must have a decision (accept/change/reject)."""
    if open_query(db, enc.id) is not None:
        raise Held(f"encounter {enc.id} waits for the provider's answer to a query")
    if enc.coding_status == "reviewed":
        raise CodingError(f"encounter {enc.id} is already finished")
    ws = working_set(db, enc.id)
    undecided = [s.code for s in (*suggestions.diagnoses, *suggestions.procedures)
                 if (s.system, normalize(s.system, s.code)) not in ws]
    if undecided:
        raise CodingError(f"decide every suggested code first: {', '.join(undecided)}")
    order = {(s.system, normalize(s.system, s.code)): i for i, s in enumerate((*suggestions.diagnoses,
                                                                              *suggestions.procedures))}
    kept = sorted((w for w in ws.values() if w.final_code),
                  key=lambda w: (order.get((w.system, w.suggested_code or ""), 10_000), w.at))
    dx = [w.final_code for w in kept if w.system == "ICD-10-CM"]
    px = [w.final_code for w in kept if w.system != "ICD-10-CM"]
    if not dx:
        raise CodingError("an encounter needs at least one diagnosis code")
    em = em_code or (suggestions.em.code if suggestions.em else None)
    if em and em not in px:
        px.insert(0, em)
    enc.diagnoses = {"codes": dx, "procedures": px, "coded_by": user.username}
    enc.coding_status = "reviewed"
    db.flush()
    return enc.diagnoses


def reopen(db: Session, enc: Encounter) -> None:
    if enc.coding_status != "reviewed":
        raise CodingError(f"encounter {enc.id} is not finished")
    enc.coding_status = "coded"
    db.flush()


def ask(db: Session, enc: Encounter, user: User, question: str) -> PhysicianQuery:
    q = (question or "").strip()
    if len(q) < 10:
        raise CodingError("write the question the provider should answer (at least 10 characters)")
    if enc.coding_status == "reviewed":
        raise CodingError(f"encounter {enc.id} is already finished")
    if open_query(db, enc.id) is not None:
        raise CodingError(f"encounter {enc.id} already has an open query")
    pq = PhysicianQuery(encounter_id=enc.id, question=q, asked_by=user.id, status="open")
    db.add(pq)
    db.flush()
    return pq


def answer(db: Session, pq: PhysicianQuery, user: User, text: str, withdraw: bool = False) -> PhysicianQuery:
    if pq.status != "open":
        raise CodingError(f"query {pq.id} is already {pq.status}")
    t = (text or "").strip()
    if not t:
        raise CodingError("record the provider's answer (or the reason for withdrawing)")
    pq.answer = t
    pq.status = "withdrawn" if withdraw else "answered"
    pq.answered_at = dt.datetime.now(dt.UTC)
    pq.recorded_by = user.id
    db.flush()
    return pq


def queries_stmt(status: str | None = None, encounter_id: int | None = None) -> Select:
    stmt = select(PhysicianQuery).order_by(PhysicianQuery.asked_at, PhysicianQuery.id)
    if status:
        stmt = stmt.where(PhysicianQuery.status == status)
    if encounter_id is not None:
        stmt = stmt.where(PhysicianQuery.encounter_id == encounter_id)
    return stmt


@dataclass(frozen=True)
class CoderAccuracy:
    username: str
    decisions: int
    accepted: int
    changed: int
    rejected: int
    added: int

    @property
    def agreement(self) -> float | None:
        judged = self.accepted + self.changed + self.rejected
        return None if judged == 0 else self.accepted / judged


def accuracy(db: Session, since: dt.datetime | None = None) -> list[CoderAccuracy]:
    """Per coder: how often the suggestion was kept as is (agreement between the coder and the automation)."""
    stmt = (select(User.username, CodingReview.decision, func.count())
            .join(User, User.id == CodingReview.user_id).group_by(User.username, CodingReview.decision))
    if since is not None:
        stmt = stmt.where(CodingReview.at >= since)
    per: dict[str, dict[str, int]] = {}
    for name, decision, n in db.execute(stmt):
        per.setdefault(name, {})[decision] = int(n)
    return [CoderAccuracy(name, sum(d.values()), d.get("accept", 0), d.get("change", 0), d.get("reject", 0),
                          d.get("add", 0)) for name, d in sorted(per.items())]


def audit_sample(db: Session, size: int = 20, seed: int | None = None, coder: str | None = None) -> list[dict[str, Any]]:
    """A reproducible random sample of finished encounters: suggested vs final codes, per code decision."""
    stmt = (select(Encounter.id).where(Encounter.coding_status == "reviewed",
                                       exists().where(CodingReview.encounter_id == Encounter.id))
            .order_by(Encounter.id))
    if coder:
        stmt = stmt.where(exists().where(and_(CodingReview.encounter_id == Encounter.id,
                                              CodingReview.user_id == User.id, User.username == coder)))
    ids = list(db.scalars(stmt))
    rng = random.Random(seed if seed is not None else dt.date.today().toordinal())
    picked = sorted(rng.sample(ids, min(size, len(ids))))
    out = []
    for eid in picked:
        ws = working_set(db, eid)
        enc = db.get(Encounter, eid)
        suggested = sorted({w.suggested_code for w in ws.values() if w.suggested_code})
        final = sorted({w.final_code for w in ws.values() if w.final_code})
        out.append({"encounter_id": eid, "date_of_service": enc.date_of_service if enc else None,
                    "suggested": suggested, "final": final,
                    "agree": sum(1 for w in ws.values() if w.decision == "accept"),
                    "judged": sum(1 for w in ws.values() if w.decision != "add"),
                    "decisions": [w.__dict__ for w in ws.values()]})
    return out
