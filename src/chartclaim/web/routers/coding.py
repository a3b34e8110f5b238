"""Coder screens and API: queue, encounter (note + suggestions + decisions), physician queries, audit sample."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from chartclaim.store.models import Encounter, PatientRecord, Provider
from chartclaim.web.deps import Ctx, need
from chartclaim.web.pagination import Page, PageParams, fetch_id_page, fetch_page, page_params
from chartclaim.web.policy import Perm, allowed
from chartclaim.web.render import render
from chartclaim.web.schemas import (
    AccuracyOut,
    AnswerIn,
    CodeHitOut,
    DecisionIn,
    EmOut,
    EncounterDetail,
    EncounterOut,
    FinishIn,
    QueryIn,
    QueryOut,
    QueueItem,
    ReviewOut,
    SampleOut,
    SpanOut,
    SuggestedOut,
)
from chartclaim.web.services import coding as svc
from chartclaim.web.services.codes import CodeService
from chartclaim.web.services.suggest import Suggested, Suggestions
from chartclaim.web.tables import AuditEvent, PhysicianQuery

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["coding"])


def _encounter(ctx: Ctx, encounter_id: int) -> Encounter:
    enc = ctx.db.get(Encounter, encounter_id)
    if enc is None:
        raise HTTPException(status_code=404, detail=f"no encounter {encounter_id}")
    return enc


def _suggestions(ctx: Ctx, enc: Encounter) -> Suggestions:
    return ctx.request.app.state.suggester(enc.notes or "", enc.date_of_service)


def _codes(ctx: Ctx) -> CodeService:
    return ctx.request.app.state.codes


def _queue_items(rows: list[Any]) -> list[QueueItem]:
    today = dt.date.today()
    return [QueueItem(id=r.id, date_of_service=r.date_of_service, coding_status=r.coding_status,
                      patient_id=r.patient_id, account_number=r.account_number,
                      patient_name=f"{r.last_name}, {r.first_name}", provider=r.provider,
                      age_days=(today - r.date_of_service).days) for r in rows]


def _decorate(items: tuple[Suggested, ...], ws: dict[tuple[str, str], svc.WorkingCode]) -> list[SuggestedOut]:
    out = []
    for s in items:
        w = ws.get((s.system, svc.normalize(s.system, s.code)))
        out.append(SuggestedOut(code=s.code, system=s.system, description=s.description, score=s.score,
                                evidence=[SpanOut(**asdict(e) | {"context": list(e.context)}) for e in s.evidence],
                                rule=s.rule, decision=w.decision if w else None, final_code=w.final_code if w else None,
                                reason=w.reason if w else None))
    return out


def _detail(ctx: Ctx, enc: Encounter) -> EncounterDetail:
    sug = _suggestions(ctx, enc)
    ws = svc.working_set(ctx.db, enc.id)
    queries = list(ctx.db.scalars(svc.queries_stmt(encounter_id=enc.id)))
    em = sug.em
    return EncounterDetail(
        id=enc.id, patient_id=enc.patient_id, provider_id=enc.provider_id, location_id=enc.location_id,
        date_of_service=enc.date_of_service, coding_status=enc.coding_status, codes=enc.diagnoses,
        held=any(q.status == "open" for q in queries), note=enc.notes or "", coder_available=sug.available,
        coder_message=sug.message, diagnoses=_decorate(sug.diagnoses, ws), procedures=_decorate(sug.procedures, ws),
        rejected=[{"code": r.code, "reason": r.reason} for r in sug.rejected],
        em=EmOut(code=em.code, basis=em.basis, elements=em.elements, reasoning=list(em.reasoning)) if em else None,
        decisions=[ReviewOut.model_validate(r) for r in svc.reviews(ctx.db, enc.id)],
        queries=[QueryOut.model_validate(q) for q in queries],
    )


def _score_of(ctx: Ctx, enc: Encounter, system: str, code: str | None) -> float | None:
    if not code:
        return None
    sug = _suggestions(ctx, enc)
    for s in (*sug.diagnoses, *sug.procedures):
        if s.system == system and svc.normalize(system, s.code) == svc.normalize(system, code):
            return s.score
    return None


# ------------------------------------------------------------------------------------------------ API


@api.get("/coding/queue", response_model=Page[QueueItem], summary="Encounters awaiting coding, oldest first")
def api_queue(status: str | None = Query(None, description="not_coded | coded | held | reviewed"),
              provider_id: int | None = None, dos_from: dt.date | None = None, dos_to: dt.date | None = None,
              patient: str | None = Query(None, description="account number or last-name prefix"),
              page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.CLINICAL_READ)) -> Page[QueueItem]:
    ids, total, capped = fetch_id_page(ctx.db, svc.queue_ids(status, provider_id, dos_from, dos_to, patient), page)
    ctx.view("encounter-list", None, None, filter=status or "queue")
    return Page(items=_queue_items(svc.queue_rows(ctx.db, ids)), total=total, limit=page.limit, offset=page.offset,
                total_capped=capped)


@api.get("/encounters", response_model=Page[EncounterOut], summary="Encounters (any status)")
def api_encounters(patient_id: int | None = None, coding_status: str | None = None,
                   dos_from: dt.date | None = None, dos_to: dt.date | None = None,
                   page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.CLINICAL_READ)) -> Page[EncounterOut]:
    stmt = select(Encounter).order_by(Encounter.date_of_service.desc(), Encounter.id.desc())
    if patient_id is not None:
        stmt = stmt.where(Encounter.patient_id == patient_id)
    if coding_status:
        stmt = stmt.where(Encounter.coding_status == coding_status)
    if dos_from:
        stmt = stmt.where(Encounter.date_of_service >= dos_from)
    if dos_to:
        stmt = stmt.where(Encounter.date_of_service <= dos_to)
    rows, total = fetch_page(ctx.db, stmt, page)
    held = {q for q in ctx.db.scalars(select(PhysicianQuery.encounter_id).where(
        PhysicianQuery.status == "open", PhysicianQuery.encounter_id.in_([r[0].id for r in rows])))}
    ctx.view("encounter-list", None, patient_id)
    items = [EncounterOut(id=e.id, patient_id=e.patient_id, provider_id=e.provider_id, location_id=e.location_id,
                          date_of_service=e.date_of_service, coding_status=e.coding_status, codes=e.diagnoses,
                          held=e.id in held) for (e,) in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@api.get("/encounters/{encounter_id}", response_model=EncounterDetail,
         summary="One encounter: note, suggested codes with evidence, decisions, E/M, queries")
def api_encounter(encounter_id: int, ctx: Ctx = need(Perm.CLINICAL_READ)) -> EncounterDetail:
    enc = _encounter(ctx, encounter_id)
    ctx.view("encounter", enc.id, enc.patient_id)
    return _detail(ctx, enc)


def _decide(ctx: Ctx, enc: Encounter, body: DecisionIn) -> ReviewOut:
    try:
        rec = svc.decide(ctx.db, enc, ctx.user, system=body.system, decision=body.decision,
                         suggested_code=body.suggested_code, final_code=body.final_code, reason=body.reason,
                         score=_score_of(ctx, enc, body.system, body.suggested_code), validate=_codes(ctx).validate)
    except svc.Held as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409, detail=str(e)) from None
    except svc.CodingError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("update", "encounter-code", enc.id, enc.patient_id, decision=rec.decision, system=rec.system,
              suggested=rec.suggested_code, final=rec.final_code)
    ctx.db.commit()
    return ReviewOut.model_validate(rec)


@api.post("/encounters/{encounter_id}/codes", response_model=ReviewOut, status_code=201,
          summary="Accept, change or reject a suggested code, or add one (reason required to change/reject)")
def api_decide(encounter_id: int, body: DecisionIn, ctx: Ctx = need(Perm.CODING_WRITE)) -> ReviewOut:
    return _decide(ctx, _encounter(ctx, encounter_id), body)


def _finish(ctx: Ctx, enc: Encounter, em_code: str | None) -> dict[str, Any]:
    try:
        codes = svc.finish(ctx.db, enc, ctx.user, _suggestions(ctx, enc), em_code)
    except svc.Held as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409, detail=str(e)) from None
    except svc.CodingError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("update", "encounter", enc.id, enc.patient_id, coding_status="reviewed")
    ctx.db.commit()
    return codes


@api.post("/encounters/{encounter_id}/finish", summary="Finish coding: write the final codes on the encounter")
def api_finish(encounter_id: int, body: FinishIn, ctx: Ctx = need(Perm.CODING_WRITE)) -> dict[str, Any]:
    return _finish(ctx, _encounter(ctx, encounter_id), body.em_code)


@api.post("/encounters/{encounter_id}/reopen", summary="Reopen a finished encounter for changes")
def api_reopen(encounter_id: int, ctx: Ctx = need(Perm.CODING_WRITE)) -> dict[str, str]:
    enc = _encounter(ctx, encounter_id)
    try:
        svc.reopen(ctx.db, enc)
    except svc.CodingError as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("update", "encounter", enc.id, enc.patient_id, coding_status="coded")
    ctx.db.commit()
    return {"coding_status": enc.coding_status}


class ReturnIn(BaseModel):
    reason: str


def _return(ctx: Ctx, enc: Encounter, reason: str) -> None:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise HTTPException(status_code=422, detail="say what is wrong with the codes (the coder reads it)")
    if enc.coding_status != "reviewed":
        raise HTTPException(status_code=409, detail=f"encounter {enc.id} is not finished; it is already with the coders")
    svc.reopen(ctx.db, enc)
    # The request is the coder's work item: kept in the audit log, shown on the encounter page.
    ctx.audit("update", "coding-return", enc.id, enc.patient_id, reason=reason)
    ctx.db.commit()


@api.post("/encounters/{encounter_id}/return-to-coding", summary="A biller sends finished codes back to the coders, with why")
def api_return(encounter_id: int, body: ReturnIn, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> dict[str, str]:
    enc = _encounter(ctx, encounter_id)
    _return(ctx, enc, body.reason)
    return {"coding_status": enc.coding_status}


@router.post("/encounters/{encounter_id}/return-to-coding")
def return_form(encounter_id: int, reason: str = Form(""), ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> Response:
    try:
        _return(ctx, _encounter(ctx, encounter_id), reason)
    except HTTPException as e:
        return _back(encounter_id, error=str(e.detail))
    return _back(encounter_id, msg="sent back to the coding queue")


def returns_for(ctx: Ctx, encounter_id: int) -> list[dict[str, Any]]:
    import json

    rows = ctx.db.scalars(select(AuditEvent).where(AuditEvent.entity == "coding-return",
                                                   AuditEvent.entity_id == str(encounter_id))
                          .order_by(AuditEvent.id.desc()).limit(5))
    return [{"at": r.at, "by": r.username, "reason": json.loads(r.detail or "{}").get("reason", "")} for r in rows]


@api.get("/queries", response_model=Page[QueryOut], summary="Physician queries")
def api_queries(status: str | None = Query(None, description="open | answered | withdrawn"),
                encounter_id: int | None = None, page: PageParams = Depends(page_params),
                ctx: Ctx = need(Perm.CLINICAL_READ)) -> Page[QueryOut]:
    rows, total = fetch_page(ctx.db, svc.queries_stmt(status, encounter_id), page)
    ctx.view("physician-query-list", None, None)
    return Page(items=[QueryOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


def _ask(ctx: Ctx, enc: Encounter, question: str) -> PhysicianQuery:
    try:
        pq = svc.ask(ctx.db, enc, ctx.user, question)
    except svc.CodingError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("create", "physician-query", pq.id, enc.patient_id, encounter_id=enc.id)
    ctx.db.commit()
    return pq


@api.post("/encounters/{encounter_id}/queries", response_model=QueryOut, status_code=201,
          summary="Ask the provider a documentation question; the encounter is held until it is answered")
def api_ask(encounter_id: int, body: QueryIn, ctx: Ctx = need(Perm.CODING_WRITE)) -> QueryOut:
    return QueryOut.model_validate(_ask(ctx, _encounter(ctx, encounter_id), body.question))


def _answer(ctx: Ctx, query_id: int, text: str, withdraw: bool) -> PhysicianQuery:
    pq = ctx.db.get(PhysicianQuery, query_id)
    if pq is None:
        raise HTTPException(status_code=404, detail=f"no query {query_id}")
    try:
        svc.answer(ctx.db, pq, ctx.user, text, withdraw)
    except svc.CodingError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    enc = ctx.db.get(Encounter, pq.encounter_id)
    ctx.audit("update", "physician-query", pq.id, enc.patient_id if enc else None, status=pq.status)
    ctx.db.commit()
    return pq


@api.post("/queries/{query_id}/answer", response_model=QueryOut, summary="Record the provider's answer (releases the hold)")
def api_answer(query_id: int, body: AnswerIn, ctx: Ctx = need(Perm.CODING_WRITE)) -> QueryOut:
    return QueryOut.model_validate(_answer(ctx, query_id, body.answer, body.withdraw))


@api.get("/coding/accuracy", response_model=Page[AccuracyOut], summary="Agreement of each coder with the suggestions")
def api_accuracy(since: dt.datetime | None = None, page: PageParams = Depends(page_params),
                 ctx: Ctx = need(Perm.CODING_AUDIT)) -> Page[AccuracyOut]:
    rows = svc.accuracy(ctx.db, since)
    items = [AccuracyOut(**asdict(r), agreement=r.agreement) for r in rows]
    return Page(items=items[page.offset: page.offset + page.limit], total=len(items), limit=page.limit, offset=page.offset)


@api.get("/coding/audit-sample", response_model=Page[SampleOut], summary="Random sample of finished encounters: suggested vs final")
def api_sample(size: int = Query(20, ge=1, le=200), seed: int | None = None, coder: str | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.CODING_AUDIT)) -> Page[SampleOut]:
    rows = svc.audit_sample(ctx.db, size, seed, coder)
    ctx.view("coding-sample", None, None, size=len(rows))
    items = [SampleOut(**{k: v for k, v in r.items() if k != "decisions"}) for r in rows]
    return Page(items=items[page.offset: page.offset + page.limit], total=len(items), limit=page.limit, offset=page.offset)


@api.get("/codes/search", response_model=Page[CodeHitOut], summary="The encoder: search ICD-10-CM, CPT or HCPCS")
def api_code_search(q: str = Query(..., min_length=1), system: str = Query("icd10cm", description="icd10cm | cpt | hcpcs"),
                    dos: dt.date | None = None, page: PageParams = Depends(page_params),
                    ctx: Ctx = need(Perm.CODES_SEARCH)) -> Page[CodeHitOut]:
    hits = _codes(ctx).search(q, system, limit=min(page.offset + page.limit, 200), dos=dos)
    items = [CodeHitOut(**asdict(h)) for h in hits]
    return Page(items=items[page.offset:], total=len(items), limit=page.limit, offset=page.offset)


# ------------------------------------------------------------------------------------------------ pages


@router.get("/coding", response_class=HTMLResponse)
def queue_page(request: Request, status: str | None = None, provider_id: int | None = None,
               dos_from: dt.date | None = None, dos_to: dt.date | None = None, patient: str | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.CLINICAL_READ)) -> Response:
    ids, total, capped = fetch_id_page(ctx.db, svc.queue_ids(status, provider_id, dos_from, dos_to, patient), page)
    rows = svc.queue_rows(ctx.db, ids)
    ctx.view("encounter-list", None, None, filter=status or "queue")
    providers = ctx.db.execute(select(Provider.id, Provider.last_name).order_by(Provider.last_name)).all()
    filters = {"status": status or "", "provider_id": provider_id or "", "dos_from": dos_from or "",
               "dos_to": dos_to or "", "patient": patient or ""}
    return render(ctx, request, "coding_queue.html", items=_queue_items(rows), total=total, capped=capped, page=page,
                  providers=providers, filters=filters, query=urlencode({k: v for k, v in filters.items() if v}))


@router.get("/encounters/{encounter_id}", response_class=HTMLResponse)
def encounter_page(request: Request, encounter_id: int, error: str | None = None, msg: str | None = None,
                   ctx: Ctx = need(Perm.CLINICAL_READ)) -> Response:
    enc = _encounter(ctx, encounter_id)
    ctx.view("encounter", enc.id, enc.patient_id)
    detail = _detail(ctx, enc)
    patient = ctx.db.get(PatientRecord, enc.patient_id)
    provider = ctx.db.get(Provider, enc.provider_id) if enc.provider_id else None
    nxt = ctx.db.scalar(svc.queue_ids().where(
        (Encounter.date_of_service > enc.date_of_service)
        | ((Encounter.date_of_service == enc.date_of_service) & (Encounter.id > enc.id))).limit(1))
    added = [d for d in detail.decisions if d.decision == "add"]
    claims = []
    if allowed(ctx.user.role, Perm.BILLING_READ):
        from chartclaim.store.models import ClaimRecord

        claims = list(ctx.db.execute(select(ClaimRecord.id, ClaimRecord.claim_number, ClaimRecord.status)
                                     .where(ClaimRecord.encounter_id == enc.id).order_by(ClaimRecord.id)).all())
    return render(ctx, request, "encounter.html", enc=detail, patient=patient, provider=provider, error=error,
                  msg=msg, next_id=nxt, added=added, returns=returns_for(ctx, enc.id), claims=claims)


def _back(encounter_id: int, error: str | None = None, msg: str | None = None) -> RedirectResponse:
    q = urlencode({k: v for k, v in {"error": error, "msg": msg}.items() if v})
    return RedirectResponse(f"/encounters/{encounter_id}" + (f"?{q}" if q else ""), status_code=303)


@router.post("/encounters/{encounter_id}/codes")
def decide_form(encounter_id: int, decision: str = Form(...), system: str = Form("ICD-10-CM"),
                suggested_code: str = Form(""), final_code: str = Form(""), reason: str = Form(""),
                ctx: Ctx = need(Perm.CODING_WRITE)) -> Response:
    enc = _encounter(ctx, encounter_id)
    try:
        _decide(ctx, enc, DecisionIn(system=system, decision=decision, suggested_code=suggested_code or None,
                                     final_code=final_code or None, reason=reason))
    except HTTPException as e:
        return _back(encounter_id, error=str(e.detail))
    return _back(encounter_id)


@router.post("/encounters/{encounter_id}/accept-all")
def accept_all_form(encounter_id: int, ctx: Ctx = need(Perm.CODING_WRITE)) -> Response:
    enc = _encounter(ctx, encounter_id)
    ws = svc.working_set(ctx.db, enc.id)
    sug = _suggestions(ctx, enc)
    try:
        for s in (*sug.diagnoses, *sug.procedures):
            if (s.system, svc.normalize(s.system, s.code)) not in ws:
                _decide(ctx, enc, DecisionIn(system=s.system, decision="accept", suggested_code=s.code))
    except HTTPException as e:
        return _back(encounter_id, error=str(e.detail))
    return _back(encounter_id, msg="all remaining suggestions accepted")


@router.post("/encounters/{encounter_id}/finish")
def finish_form(encounter_id: int, em_code: str = Form(""), ctx: Ctx = need(Perm.CODING_WRITE)) -> Response:
    enc = _encounter(ctx, encounter_id)
    try:
        codes = _finish(ctx, enc, em_code or None)
    except HTTPException as e:
        return _back(encounter_id, error=str(e.detail))
    return _back(encounter_id, msg="coded: " + ", ".join(codes["codes"] + codes["procedures"]))


@router.post("/encounters/{encounter_id}/reopen")
def reopen_form(encounter_id: int, ctx: Ctx = need(Perm.CODING_WRITE)) -> Response:
    try:
        api_reopen(encounter_id, ctx)
    except HTTPException as e:
        return _back(encounter_id, error=str(e.detail))
    return _back(encounter_id, msg="reopened")


@router.post("/encounters/{encounter_id}/queries")
def ask_form(encounter_id: int, question: str = Form(...), ctx: Ctx = need(Perm.CODING_WRITE)) -> Response:
    try:
        _ask(ctx, _encounter(ctx, encounter_id), question)
    except HTTPException as e:
        return _back(encounter_id, error=str(e.detail))
    return _back(encounter_id, msg="query sent; the encounter is on hold until it is answered")


@router.post("/queries/{query_id}/answer")
def answer_form(query_id: int, answer: str = Form(...), withdraw: str = Form(""),
                ctx: Ctx = need(Perm.CODING_WRITE)) -> Response:
    pq = ctx.db.get(PhysicianQuery, query_id)
    if pq is None:
        raise HTTPException(status_code=404, detail=f"no query {query_id}")
    try:
        _answer(ctx, query_id, answer, bool(withdraw))
    except HTTPException as e:
        return _back(pq.encounter_id, error=str(e.detail))
    return _back(pq.encounter_id, msg="answer recorded; the encounter is back in the queue")


@router.get("/coding/audit", response_class=HTMLResponse)
def audit_sample_page(request: Request, size: int = Query(20, ge=1, le=200), seed: int | None = None,
                      coder: str | None = None, ctx: Ctx = need(Perm.CODING_AUDIT)) -> Response:
    rows = svc.audit_sample(ctx.db, size, seed, coder)
    ctx.view("coding-sample", None, None, size=len(rows))
    return render(ctx, request, "coding_audit.html", sample=rows, accuracy=svc.accuracy(ctx.db), size=size,
                  seed=seed if seed is not None else "", coder=coder or "")
