"""Biller screens and API: claims workbench (scrub, batch submit, transitions), remittances (835 import and
posting), the posting exception queue, and the denial queue with suggested actions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from chartclaim.billing import lifecycle
from chartclaim.store.models import (
    ClaimPayment,
    ClaimRecord,
    PayerRecord,
    PostingException,
    ProviderAdjustment,
    Remittance,
)
from chartclaim.web.deps import Ctx, need
from chartclaim.web.pagination import Page, PageParams, fetch_id_page, fetch_page, page_params
from chartclaim.web.policy import Perm
from chartclaim.web.render import render
from chartclaim.web.services import claims as csvc
from chartclaim.web.services import money

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["billing"])


# ------------------------------------------------------------------------------------------------ schemas


class ClaimRow(BaseModel):
    id: int
    claim_number: str
    status: str
    patient_id: int
    patient_name: str
    account_number: str
    payer_id: int
    payer_name: str
    encounter_id: int | None
    responsibility: str
    frequency: str
    created_at: dt.datetime
    first_submitted_on: dt.date | None
    date_of_service: dt.date | None
    age_days: int  # days since the claim was created
    charge: Decimal
    balance: Decimal


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    line_number: int
    procedure: str
    modifiers: str
    units: Decimal
    charge: Decimal
    dx_pointers: str
    date_of_service: dt.date


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: str | None
    to_status: str
    at: dt.datetime
    actor: str
    reason: str | None


class ClaimDetail(ClaimRow):
    lines: list[LineOut]
    history: list[TransitionOut]
    totals: dict[str, str]
    document: dict[str, Any] | None
    next_states: list[str]
    payments: list[dict[str, Any]]


class ClaimIds(BaseModel):
    claim_ids: list[int]


class ScrubOut(BaseModel):
    claim_id: int
    claim_number: str
    status: str
    edits: list[dict[str, Any]]
    error: str | None


class SubmitOut(BaseModel):
    submitted: list[str]
    refused: list[tuple[str, str]]
    files: list[str]


class TransitionIn(BaseModel):
    target: str
    reason: str


class RemittanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    trace_number: str | None
    payer_id: int | None
    payer_name: str | None
    payment_amount: Decimal
    payment_method: str | None
    payment_date: dt.date | None
    posted_at: dt.datetime
    actor: str
    claim_count: int


class ExceptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    remittance_id: int | None
    claim_payment_id: int | None
    claim_id: int | None
    reason: str
    detail: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution: str | None


class ResolveIn(BaseModel):
    resolution: str


class DenialRow(BaseModel):
    adjustment_id: int
    claim_id: int
    claim_number: str
    claim_status: str
    patient_id: int
    patient_name: str
    payer_id: int
    payer_name: str
    received_on: dt.date
    remittance_id: int
    group_code: str
    reason_code: str
    remark_codes: str | None
    amount: Decimal
    category: str
    category_label: str
    suggested_action: str
    reasons: list[str]
    appealable: bool
    correctable: bool


class PostingOut(BaseModel):
    remittance_id: int | None
    duplicate: bool
    claims_posted: int
    claims_reversed: int
    exceptions: list[tuple[str, str]]
    ledger_rows: int
    trace_number: str | None
    message: str


# ------------------------------------------------------------------------------------------------ helpers


def _claim(ctx: Ctx, claim_id: int) -> ClaimRecord:
    c = ctx.db.get(ClaimRecord, claim_id)
    if c is None:
        raise HTTPException(status_code=404, detail=f"no claim {claim_id}")
    return c


def _rows(ctx: Ctx, rows: list[Any]) -> list[ClaimRow]:
    m = csvc.money_for(ctx.db, [r.id for r in rows])
    dos = csvc.first_dos(ctx.db, [r.id for r in rows])
    today = dt.date.today()
    out = []
    for r in rows:
        created = r.created_at.date() if isinstance(r.created_at, dt.datetime) else r.created_at
        charge, balance = m.get(r.id, (Decimal("0.00"), Decimal("0.00")))
        out.append(ClaimRow(id=r.id, claim_number=r.claim_number, status=r.status, patient_id=r.patient_id,
                            patient_name=f"{r.last_name}, {r.first_name}", account_number=r.account_number,
                            payer_id=r.payer_id, payer_name=r.payer_name, encounter_id=r.encounter_id,
                            responsibility=r.responsibility, frequency=r.frequency, created_at=r.created_at,
                            first_submitted_on=r.first_submitted_on, date_of_service=dos.get(r.id),
                            age_days=(today - created).days,
                            charge=charge, balance=balance))
    return out


def _detail(ctx: Ctx, c: ClaimRecord) -> ClaimDetail:
    from chartclaim.billing import ledger

    base = _rows(ctx, csvc.claim_rows(ctx.db, [c.id]))[0]
    payments = [{"id": p.id, "remittance_id": p.remittance_id, "status_code": p.status_code, "charge": str(p.charge),
                 "paid": str(p.paid), "patient_responsibility": str(p.patient_responsibility or "0.00"),
                 "received_on": p.received_on.isoformat(), "outcome": p.outcome}
                for p in ctx.db.scalars(select(ClaimPayment).where(ClaimPayment.claim_id == c.id)
                                        .order_by(ClaimPayment.id))]
    return ClaimDetail(**base.model_dump(), lines=[LineOut.model_validate(ln) for ln in c.lines],
                       history=[TransitionOut.model_validate(t) for t in lifecycle.history(ctx.db, c.id)],
                       totals=ledger.claim_totals(ctx.db, c.id).as_dict(), document=c.document,
                       next_states=sorted(lifecycle.TRANSITIONS.get(c.status, ())), payments=payments)


def _ids(raw: str) -> list[int]:
    return [int(x) for x in re.split(r"[,\s]+", raw.strip()) if x.isdigit()]


def _scrubber(ctx: Ctx) -> csvc.Scrubber:
    return ctx.request.app.state.scrubber


def _scrub(ctx: Ctx, ids: list[int]) -> list[csvc.ScrubOutcome]:
    res = csvc.scrub_claims(ctx.db, _scrubber(ctx), ids, ctx.user.username)
    for r in res:
        ctx.audit("update", "claim", r.claim_id, None, step="scrub", status=r.status,
                  errors=sum(1 for e in r.edits if e["severity"] == "error"))
    ctx.db.commit()
    return res


def _submit(ctx: Ctx, ids: list[int]) -> csvc.SubmitResult:
    try:
        res = csvc.submit_claims(ctx.db, ctx.request.app.state.submitter, ids, ctx.user.username)
    except Exception:
        ctx.db.rollback()
        raise
    for number in res.submitted:
        ctx.audit("update", "claim", number, None, step="submit")
    ctx.db.commit()
    return res


def _transition(ctx: Ctx, c: ClaimRecord, target: str, reason: str) -> None:
    if not reason.strip():
        raise HTTPException(status_code=422, detail="say why (it goes into the claim's history)")
    try:
        lifecycle.transition(ctx.db, c, target, ctx.user.username, reason.strip())
    except (lifecycle.IllegalTransition, ValueError) as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409, detail=str(e)) from None
    ctx.audit("update", "claim", c.id, c.patient_id, status=target)
    ctx.db.commit()


def _post_upload(ctx: Ctx, name: str, content: bytes) -> list[PostingOut]:
    from chartclaim.billing.posting import post_835_file

    if not content.strip():
        raise HTTPException(status_code=422, detail="the file is empty")
    if not content.lstrip().startswith(b"ISA"):
        raise HTTPException(status_code=422, detail=f"{name}: not an X12 file (it must start with ISA)")
    settings = ctx.request.app.state.settings
    folder = settings.data_dir / "remittances"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-80:] or "upload.835"
    path = folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}_{safe}"
    path.write_bytes(content)  # kept: the file as received is the source of every posting it made
    try:
        results = post_835_file(ctx.db, path, actor=ctx.user.username)
    except Exception as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=f"{name}: {e}") from None
    if not results:
        raise HTTPException(status_code=422, detail=f"{name}: no 835 transaction in the file")
    out = []
    for r in results:
        ctx.audit("create", "remittance", r.remittance_id, None, duplicate=r.duplicate, claims=r.claims_posted,
                  exceptions=len(r.exceptions))
        out.append(PostingOut(remittance_id=r.remittance_id, duplicate=r.duplicate, claims_posted=r.claims_posted,
                              claims_reversed=r.claims_reversed, exceptions=r.exceptions, ledger_rows=r.ledger_rows,
                              trace_number=r.trace_number, message=r.message))
    ctx.db.commit()
    return out


def _denial_rows(rows: list[Any]) -> list[DenialRow]:
    out = []
    for r in rows:
        adv = money.advise(r.group_code, r.reason_code, r.remark_codes, r.amount)
        out.append(DenialRow(adjustment_id=r.id, claim_id=r.claim_id, claim_number=r.claim_number,
                             claim_status=r.claim_status, patient_id=r.patient_id,
                             patient_name=f"{r.last_name}, {r.first_name}", payer_id=r.payer_id,
                             payer_name=r.payer_name, received_on=r.received_on, remittance_id=r.remittance_id,
                             group_code=r.group_code, reason_code=r.reason_code, remark_codes=r.remark_codes,
                             amount=r.amount, category=r.denial_category or adv.category,
                             category_label=adv.label, suggested_action=adv.action, reasons=list(adv.reasons),
                             appealable=adv.appealable, correctable=adv.correctable))
    return out


# ------------------------------------------------------------------------------------------------ claims API


@api.get("/claims", response_model=Page[ClaimRow], summary="Claims by state, payer, patient and age (oldest first)")
def api_claims(status: str | None = Query(None, description="one state or several, comma-separated"),
               payer_id: int | None = None, patient_id: int | None = None, encounter_id: int | None = None,
               min_age: int | None = Query(None, ge=0, description="days since created, at least"),
               max_age: int | None = Query(None, ge=0), number: str | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[ClaimRow]:
    stmt = csvc.claims_ids(status, payer_id, patient_id, min_age, max_age, number, encounter_id)
    ids, total, capped = fetch_id_page(ctx.db, stmt, page)
    ctx.view("claim-list", None, patient_id)
    return Page(items=_rows(ctx, csvc.claim_rows(ctx.db, ids)), total=total, limit=page.limit, offset=page.offset,
                total_capped=capped)


@api.get("/claims/{claim_id}", response_model=ClaimDetail, summary="One claim: lines, history, money, payments")
def api_claim(claim_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> ClaimDetail:
    c = _claim(ctx, claim_id)
    ctx.view("claim", c.id, c.patient_id)
    return _detail(ctx, c)


@api.get("/claims/{claim_id}/edits", response_model=ScrubOut, summary="Scrub results (edits with fixes), without changing state")
def api_claim_edits(claim_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> ScrubOut:
    c = _claim(ctx, claim_id)
    try:
        edits = _scrubber(ctx).edits(c)
        err = None
    except Exception as e:
        edits, err = [], str(e)
    ctx.view("claim", c.id, c.patient_id, what="edits")
    return ScrubOut(claim_id=c.id, claim_number=c.claim_number, status=c.status, edits=edits, error=err)


@api.post("/claims/scrub", response_model=list[ScrubOut], summary="Scrub claims; clean ones become ready")
def api_scrub(body: ClaimIds, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> list[ScrubOut]:
    return [ScrubOut(**asdict(r)) for r in _scrub(ctx, body.claim_ids)]


@api.post("/claims/submit", response_model=SubmitOut, summary="Submit ready claims (837 to the clearinghouse)")
def api_submit(body: ClaimIds, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> SubmitOut:
    r = _submit(ctx, body.claim_ids)
    return SubmitOut(submitted=r.submitted, refused=r.refused, files=r.files)


@api.post("/claims/{claim_id}/transition", response_model=ClaimDetail,
          summary="Move a claim (appeal, correct, void, close, back to draft...) with the reason")
def api_transition(claim_id: int, body: TransitionIn, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> ClaimDetail:
    c = _claim(ctx, claim_id)
    _transition(ctx, c, body.target, body.reason)
    return _detail(ctx, c)


@api.get("/claims-needing-next-payer", response_model=Page[ClaimRow],
         summary="Adjudicated claims whose secondary/tertiary payer owes and has no claim yet")
def api_needing_next(page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[ClaimRow]:
    from chartclaim.billing.secondary import claims_needing_next_payer

    ids = claims_needing_next_payer(ctx.db)
    rows = csvc.claim_rows(ctx.db, ids[page.offset: page.offset + page.limit])
    ctx.view("claim-list", None, None)
    return Page(items=_rows(ctx, rows), total=len(ids), limit=page.limit, offset=page.offset)


def _next_claim(ctx: Ctx, c: ClaimRecord) -> ClaimRecord:
    from chartclaim.billing.secondary import SecondaryClaimError, build_next_claim

    try:
        new = build_next_claim(ctx.db, c.id, actor=ctx.user.username)
    except SecondaryClaimError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409, detail=str(e)) from None
    ctx.audit("create", "claim", new.id, new.patient_id, follows=c.claim_number, responsibility=new.responsibility)
    ctx.db.commit()
    return new


@api.post("/claims/{claim_id}/next-payer", response_model=ClaimDetail, status_code=201,
          summary="Build the claim to the next payer with the prior payer's adjudication (2320/2430)")
def api_next_payer(claim_id: int, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> ClaimDetail:
    return _detail(ctx, _next_claim(ctx, _claim(ctx, claim_id)))


@router.post("/claims/{claim_id}/next-payer")
def next_payer_form(claim_id: int, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> Response:
    try:
        new = _next_claim(ctx, _claim(ctx, claim_id))
    except HTTPException as e:
        return _to_claims(error=str(e.detail), back=f"/claims/{claim_id}")
    return _to_claims(msg=f"claim {new.claim_number} created for the next payer", back=f"/claims/{new.id}")


class SubmissionOut(BaseModel):
    claim_id: int
    claim_number: str
    at: dt.datetime
    actor: str
    detail: str | None


class PostingRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    remittance_id: int
    claim_id: int | None
    patient_control_number: str
    status_code: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None
    payer_claim_number: str | None
    received_on: dt.date
    outcome: str


@api.get("/submissions", response_model=Page[SubmissionOut], summary="Claim submissions (each move to submitted), newest first")
def api_submissions(claim_id: int | None = None, since: dt.datetime | None = None,
                    page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[SubmissionOut]:
    from chartclaim.store.models import ClaimTransition

    stmt = (select(ClaimTransition.claim_id, ClaimRecord.claim_number, ClaimTransition.at, ClaimTransition.actor,
                   ClaimTransition.reason)
            .join(ClaimRecord, ClaimRecord.id == ClaimTransition.claim_id)
            .where(ClaimTransition.to_status == "submitted").order_by(ClaimTransition.id.desc()))
    if claim_id is not None:
        stmt = stmt.where(ClaimTransition.claim_id == claim_id)
    if since is not None:
        stmt = stmt.where(ClaimTransition.at >= since)
    rows, total = fetch_page(ctx.db, stmt, page)
    ctx.view("submission-list", None, None)
    return Page(items=[SubmissionOut(claim_id=r[0], claim_number=r[1], at=r[2], actor=r[3], detail=r[4]) for r in rows],
                total=total, limit=page.limit, offset=page.offset)


@api.get("/postings", response_model=Page[PostingRow], summary="Claim payments as posted from 835s (CLP loops)")
def api_postings(claim_id: int | None = None, remittance_id: int | None = None,
                 outcome: str | None = Query(None, description="posted | exception | reversal"),
                 page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[PostingRow]:
    stmt = select(ClaimPayment).order_by(ClaimPayment.id.desc())
    if claim_id is not None:
        stmt = stmt.where(ClaimPayment.claim_id == claim_id)
    if remittance_id is not None:
        stmt = stmt.where(ClaimPayment.remittance_id == remittance_id)
    if outcome:
        stmt = stmt.where(ClaimPayment.outcome == outcome)
    rows, total = fetch_page(ctx.db, stmt, page)
    ctx.view("posting-list", None, None)
    return Page(items=[PostingRow.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.get("/appeals", response_model=Page[ClaimRow], summary="Claims under appeal, oldest first")
def api_appeals(payer_id: int | None = None, page: PageParams = Depends(page_params),
                ctx: Ctx = need(Perm.BILLING_READ)) -> Page[ClaimRow]:
    ids, total, capped = fetch_id_page(ctx.db, csvc.claims_ids("appealed", payer_id), page)
    ctx.view("claim-list", None, None)
    return Page(items=_rows(ctx, csvc.claim_rows(ctx.db, ids)), total=total, limit=page.limit, offset=page.offset,
                total_capped=capped)


# ------------------------------------------------------------------------------------------------ remittances API


@api.get("/remittances", response_model=Page[RemittanceOut], summary="Posted remittances (835), newest first")
def api_remittances(payer_id: int | None = None, trace: str | None = None, paid_from: dt.date | None = None,
                    paid_to: dt.date | None = None, page: PageParams = Depends(page_params),
                    ctx: Ctx = need(Perm.BILLING_READ)) -> Page[RemittanceOut]:
    rows, total = fetch_page(ctx.db, money.remittances_stmt(payer_id, trace, paid_from, paid_to), page)
    return Page(items=[RemittanceOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit,
                offset=page.offset)


@api.post("/remittances", response_model=list[PostingOut], status_code=201,
          summary="Import an 835 file and post it (idempotent: the same 835 twice changes nothing)")
async def api_import_835(file: UploadFile = File(...), ctx: Ctx = need(Perm.MONEY_WRITE)) -> list[PostingOut]:
    content = await file.read()
    return _post_upload(ctx, file.filename or "upload.835", content)


@api.get("/remittances/{remittance_id}", summary="One remittance: claim payments, adjustments, PLB, exceptions")
def api_remittance(remittance_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> dict[str, Any]:
    rem = ctx.db.get(Remittance, remittance_id)
    if rem is None:
        raise HTTPException(status_code=404, detail=f"no remittance {remittance_id}")
    ctx.view("remittance", rem.id)
    return _remittance_detail(ctx, rem)


def _remittance_detail(ctx: Ctx, rem: Remittance) -> dict[str, Any]:
    cps = list(ctx.db.scalars(select(ClaimPayment).where(ClaimPayment.remittance_id == rem.id).order_by(ClaimPayment.id)))
    from chartclaim.billing.posting import claim_payment_adjustments

    adjs = claim_payment_adjustments(ctx.db, [c.id for c in cps])
    numbers = dict(ctx.db.execute(select(ClaimRecord.id, ClaimRecord.claim_number)
                                  .where(ClaimRecord.id.in_([c.claim_id for c in cps if c.claim_id]))).all())
    return {
        "remittance": RemittanceOut.model_validate(rem).model_dump(mode="json"),
        "claims": [{"id": c.id, "claim_id": c.claim_id, "claim_number": numbers.get(c.claim_id or -1),
                    "patient_control_number": c.patient_control_number, "status_code": c.status_code,
                    "charge": str(c.charge), "paid": str(c.paid), "outcome": c.outcome,
                    "patient_responsibility": str(c.patient_responsibility or "0.00"),
                    "adjustments": [{"group": a["group"], "reason": a["reason"], "amount": str(a["amount"]),
                                     "treatment": a["treatment"], "category": a["category"],
                                     "remarks": a["remarks"]} for a in adjs[c.id]]}
                   for c in cps],
        "provider_adjustments": [{"reason": p.reason_code, "reference": p.reference, "amount": str(p.amount)}
                                 for p in ctx.db.scalars(select(ProviderAdjustment)
                                                         .where(ProviderAdjustment.remittance_id == rem.id))],
        "exceptions": [ExceptionOut.model_validate(e).model_dump(mode="json")
                       for e in ctx.db.scalars(money.exceptions_stmt(state=None, remittance_id=rem.id))],
    }


@api.get("/exceptions", response_model=Page[ExceptionOut], summary="Posting exception queue")
def api_exceptions(reason: str | None = None, state: str | None = Query("open", description="open | resolved | all"),
                   remittance_id: int | None = None, page: PageParams = Depends(page_params),
                   ctx: Ctx = need(Perm.BILLING_READ)) -> Page[ExceptionOut]:
    rows, total = fetch_page(ctx.db, money.exceptions_stmt(reason, state, remittance_id), page)
    ctx.view("posting-exception-list", None, None)
    return Page(items=[ExceptionOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit,
                offset=page.offset)


def _resolve(ctx: Ctx, exception_id: int, resolution: str) -> PostingException:
    from chartclaim.billing.posting import resolve_exception

    if not resolution.strip():
        raise HTTPException(status_code=422, detail="say what was done")
    try:
        exc = resolve_exception(ctx.db, exception_id, ctx.user.username, resolution.strip())
    except ValueError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409 if "already" in str(e) else 404, detail=str(e)) from None
    ctx.audit("update", "posting-exception", exc.id, None, resolved=True)
    ctx.db.commit()
    return exc


class PostToIn(BaseModel):
    claim_number: str


def _post_to(ctx: Ctx, exception_id: int, claim_number: str) -> PostingOut:
    from chartclaim.billing.posting import post_exception

    try:
        r = post_exception(ctx.db, exception_id, claim_number.strip(), ctx.user.username)
    except ValueError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409, detail=str(e)) from None
    ctx.audit("update", "posting-exception", exception_id, None, posted_to=claim_number.strip())
    ctx.db.commit()
    return PostingOut(remittance_id=r.remittance_id, duplicate=False, claims_posted=r.claims_posted,
                      claims_reversed=r.claims_reversed, exceptions=r.exceptions, ledger_rows=r.ledger_rows,
                      trace_number=r.trace_number, message=f"exception {exception_id} posted to {claim_number.strip()}")


@api.post("/exceptions/{exception_id}/post", response_model=PostingOut,
          summary="Post an unmatched claim payment to the claim the biller identified (then it is resolved)")
def api_post_exception(exception_id: int, body: PostToIn, ctx: Ctx = need(Perm.MONEY_WRITE)) -> PostingOut:
    return _post_to(ctx, exception_id, body.claim_number)


@router.post("/exceptions/{exception_id}/post")
def post_exception_form(exception_id: int, claim_number: str = Form(""), ctx: Ctx = need(Perm.MONEY_WRITE)) -> Response:
    try:
        out = _post_to(ctx, exception_id, claim_number)
    except HTTPException as e:
        return RedirectResponse("/remittances?" + urlencode({"error": str(e.detail)}), status_code=303)
    return RedirectResponse("/remittances?" + urlencode({"msg": out.message}), status_code=303)


@api.post("/exceptions/{exception_id}/resolve", response_model=ExceptionOut, summary="Mark an exception worked")
def api_resolve(exception_id: int, body: ResolveIn, ctx: Ctx = need(Perm.MONEY_WRITE)) -> ExceptionOut:
    return ExceptionOut.model_validate(_resolve(ctx, exception_id, body.resolution))


class DenialQueueItem(BaseModel):
    claim_id: int
    claim_number: str
    status: str
    patient: str
    payer: str
    date_of_service: str
    procedure: str
    code: str
    amount: Decimal
    open_with_payer: Decimal
    category: str | None
    action: str | None
    appealable: bool | None
    correctable: bool | None


def _open_denials(ctx: Ctx, category: str | None, payer_id: int | None, claim_id: int | None) -> list[DenialQueueItem]:
    """The billing core's denial work queue (denied amounts the payer still owes), filtered for the screen."""
    from chartclaim.billing.workqueues import denial_queue

    payer = ctx.db.get(PayerRecord, payer_id) if payer_id is not None else None
    payer_name = payer.name if payer is not None else None
    items = [DenialQueueItem(**d.__dict__) for d in denial_queue(ctx.db, category)]
    if payer_id is not None:
        items = [d for d in items if d.payer == payer_name]
    if claim_id is not None:
        items = [d for d in items if d.claim_id == claim_id]
    return items


def _counts(items: list[DenialQueueItem]) -> list[tuple[str, int, Decimal]]:
    per: dict[str, list[Any]] = {}
    for d in items:
        v = per.setdefault(d.category or "other", [0, Decimal("0.00")])
        v[0] += 1
        v[1] += d.open_with_payer
    return sorted(((c, n, a) for c, (n, a) in per.items()), key=lambda t: -t[1])


@api.get("/denials", response_model=Page[DenialQueueItem],
         summary="Denial work queue: denied amounts the payer still owes, with category and next step")
def api_denials(category: str | None = None, payer_id: int | None = None, claim_id: int | None = None,
                page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[DenialQueueItem]:
    items = _open_denials(ctx, category, payer_id, claim_id)
    ctx.view("denial-list", None, None)
    return Page(items=items[page.offset: page.offset + page.limit], total=len(items), limit=page.limit,
                offset=page.offset)


@api.get("/denials/history", response_model=Page[DenialRow],
         summary="Every denied adjustment as posted, with its claim's state (open | worked | all)")
def api_denial_history(category: str | None = None, payer_id: int | None = None,
                       state: str | None = Query("all", description="open | worked | all (by the claim's state)"),
                       claim_id: int | None = None, page: PageParams = Depends(page_params),
                       ctx: Ctx = need(Perm.BILLING_READ)) -> Page[DenialRow]:
    rows, total = fetch_page(ctx.db, money.denials_stmt(category, payer_id, state, claim_id), page)
    ctx.view("denial-list", None, None)
    return Page(items=_denial_rows(rows), total=total, limit=page.limit, offset=page.offset)


@api.get("/denials/categories", summary="The open denial work queue counted by category")
def api_denial_categories(ctx: Ctx = need(Perm.BILLING_READ)) -> list[dict[str, Any]]:
    return [{"category": c, "count": n, "amount": str(a)} for c, n, a in _counts(_open_denials(ctx, None, None, None))]


# ------------------------------------------------------------------------------------------------ pages


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, status: str | None = None, payer_id: int | None = None, patient_id: int | None = None,
                min_age: int | None = None, max_age: int | None = None, number: str | None = None,
                msg: str | None = None, error: str | None = None,
                page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    ids, total, capped = fetch_id_page(ctx.db, csvc.claims_ids(status, payer_id, patient_id, min_age, max_age, number),
                                       page)
    rows = csvc.claim_rows(ctx.db, ids)
    ctx.view("claim-list", None, patient_id)
    filters = {"status": status or "", "payer_id": payer_id or "", "patient_id": patient_id or "",
               "min_age": min_age if min_age is not None else "",
               "max_age": max_age if max_age is not None else "", "number": number or ""}
    return render(ctx, request, "claims.html", claims=_rows(ctx, rows), total=total, capped=capped, page=page,
                  filters=filters,
                  payers=money.payers(ctx.db), states=sorted(lifecycle.STATES), msg=msg, error=error,
                  query=urlencode({k: v for k, v in filters.items() if v != ""}))


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(request: Request, claim_id: int, msg: str | None = None, error: str | None = None,
               ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    c = _claim(ctx, claim_id)
    ctx.view("claim", c.id, c.patient_id)
    try:
        edits, scrub_error = _scrubber(ctx).edits(c), None
    except Exception as e:
        edits, scrub_error = [], str(e)
    denials = _denial_rows(list(ctx.db.execute(money.denials_stmt(state=None, claim_id=c.id)).all()))
    return render(ctx, request, "claim.html", claim=_detail(ctx, c), edits=edits, scrub_error=scrub_error,
                  denials=denials, msg=msg, error=error)


def _to_claims(msg: str | None = None, error: str | None = None, back: str = "/claims") -> RedirectResponse:
    q = urlencode({k: v for k, v in {"msg": msg, "error": error}.items() if v})
    sep = "&" if "?" in back else "?"
    return RedirectResponse(back + (f"{sep}{q}" if q else ""), status_code=303)


@router.post("/claims/batch")
async def claims_batch(request: Request, ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> Response:
    form = await request.form()
    ids = [int(v) for v in form.getlist("claim_id") if isinstance(v, str) and v.isdigit()]
    action = str(form.get("action") or "")
    if not ids:
        return _to_claims(error="select at least one claim")
    if action == "scrub":
        res = _scrub(ctx, ids)
        ready = sum(1 for r in res if r.status == "ready")
        bad = [f"{r.claim_number}: {r.error}" for r in res if r.error]
        return _to_claims(msg=f"scrubbed {len(res)}: {ready} ready, {len(res) - ready} need work",
                          error="; ".join(bad)[:500] or None)
    if action == "submit":
        sub = _submit(ctx, ids)
        refused = "; ".join(f"{n} {why}" for n, why in sub.refused)[:500]
        return _to_claims(msg=f"submitted {len(sub.submitted)} claims" + (f" in {len(sub.files)} file(s)" if sub.files else ""),
                          error=refused or None)
    return _to_claims(error=f"unknown action {action!r}")


@router.post("/claims/{claim_id}/transition")
def claim_transition_form(claim_id: int, target: str = Form(...), reason: str = Form(""),
                          ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> Response:
    c = _claim(ctx, claim_id)
    try:
        _transition(ctx, c, target, reason)
    except HTTPException as e:
        return _to_claims(error=str(e.detail), back=f"/claims/{claim_id}")
    return _to_claims(msg=f"claim is now {target}", back=f"/claims/{claim_id}")


@router.get("/remittances", response_class=HTMLResponse)
def remittances_page(request: Request, payer_id: int | None = None, trace: str | None = None,
                     msg: str | None = None, error: str | None = None, page: PageParams = Depends(page_params),
                     ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    rows, total = fetch_page(ctx.db, money.remittances_stmt(payer_id, trace), page)
    exc_rows, exc_total = fetch_page(ctx.db, money.exceptions_stmt(), PageParams(50, 0))
    ctx.view("posting-exception-list", None, None)
    return render(ctx, request, "remittances.html", remittances=[r[0] for r in rows], total=total, page=page,
                  exceptions=[r[0] for r in exc_rows], exceptions_total=exc_total, payers=money.payers(ctx.db),
                  filters={"payer_id": payer_id or "", "trace": trace or ""}, msg=msg, error=error,
                  results=None)


@router.post("/remittances", response_class=HTMLResponse)
async def remittances_upload(request: Request, file: UploadFile = File(...), ctx: Ctx = need(Perm.MONEY_WRITE)) -> Response:
    content = await file.read()
    try:
        results = _post_upload(ctx, file.filename or "upload.835", content)
    except HTTPException as e:
        return RedirectResponse("/remittances?" + urlencode({"error": str(e.detail)}), status_code=303)
    msg = " · ".join(r.message for r in results)
    return RedirectResponse("/remittances?" + urlencode({"msg": msg[:800]}), status_code=303)


@router.get("/remittances/{remittance_id}", response_class=HTMLResponse)
def remittance_page(request: Request, remittance_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    rem = ctx.db.get(Remittance, remittance_id)
    if rem is None:
        raise HTTPException(status_code=404, detail=f"no remittance {remittance_id}")
    ctx.view("remittance", rem.id)
    return render(ctx, request, "remittance.html", rem=rem, detail=_remittance_detail(ctx, rem))


@router.post("/exceptions/{exception_id}/resolve")
def resolve_form(exception_id: int, resolution: str = Form(""), ctx: Ctx = need(Perm.MONEY_WRITE)) -> Response:
    try:
        _resolve(ctx, exception_id, resolution)
    except HTTPException as e:
        return RedirectResponse("/remittances?" + urlencode({"error": str(e.detail)}), status_code=303)
    return RedirectResponse("/remittances?" + urlencode({"msg": f"exception {exception_id} resolved"}), status_code=303)


@router.get("/denials", response_class=HTMLResponse)
def denials_page(request: Request, category: str | None = None, payer_id: int | None = None,
                 state: str | None = "open", page: PageParams = Depends(page_params),
                 ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    ctx.view("denial-list", None, None)
    filters = {"category": category or "", "payer_id": payer_id or "", "state": state or ""}
    common: dict[str, Any] = {"payers": money.payers(ctx.db), "filters": filters, "page": page,
              "query": urlencode({k: v for k, v in filters.items() if v})}
    if state in (None, "", "open"):
        items = _open_denials(ctx, category, payer_id, None)
        return render(ctx, request, "denials.html", queue=items[page.offset: page.offset + page.limit],
                      denials=None, total=len(items), counts=_counts(_open_denials(ctx, None, payer_id, None)),
                      **common)
    rows, total = fetch_page(ctx.db, money.denials_stmt(category, payer_id, state), page)
    return render(ctx, request, "denials.html", queue=None, denials=_denial_rows(rows), total=total,
                  counts=money.denial_counts(ctx.db, state), **common)


class ResponseOut(BaseModel):
    name: str
    kind: str
    accepted: list[str]
    rejected: list[tuple[str, str]]
    unmatched: list[str]
    notes: list[str]
    message: str


def _response_out(r: Any) -> ResponseOut:
    return ResponseOut(name=r.name, kind=r.kind, accepted=r.accepted, rejected=r.rejected, unmatched=r.unmatched,
                       notes=r.notes, message=r.message)


def _apply_response(ctx: Ctx, name: str, content: bytes) -> Any:
    from chartclaim.payer.clearinghouse import sniff_kind
    from chartclaim.web.policy import allowed
    from chartclaim.web.services.responses import process_file

    if sniff_kind(content) == "835" and not allowed(ctx.user.role, Perm.MONEY_WRITE):
        raise HTTPException(status_code=403, detail="posting an 835 needs the money:write permission")
    try:
        res = process_file(ctx.db, name, content, ctx.user.username, ctx.request.app.state.settings.data_dir)
    except ValueError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    for number in res.accepted:
        ctx.audit("update", "claim", number, None, status="accepted", source=res.kind)
    for number, _why in res.rejected:
        ctx.audit("update", "claim", number, None, status="rejected", source=res.kind)
    ctx.db.commit()
    return res


@api.post("/responses", response_model=ResponseOut, status_code=201,
          summary="Apply a clearinghouse response file (277CA accept/reject, 999 result, 835 posting)")
async def api_response_file(file: UploadFile = File(...), ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> ResponseOut:
    return _response_out(_apply_response(ctx, file.filename or "response.x12", await file.read()))


@api.post("/clearinghouse/fetch", response_model=list[ResponseOut],
          summary="Fetch and apply every file waiting in the clearinghouse inboxes")
def api_fetch_inbox(ctx: Ctx = need(Perm.MONEY_WRITE)) -> list[ResponseOut]:
    from chartclaim.web.services.responses import fetch_inbox

    res = fetch_inbox(ctx.db, ctx.request.app.state.settings.data_dir, ctx.user.username)
    ctx.audit("update", "clearinghouse-inbox", None, None, files=len(res))
    ctx.db.commit()
    return [_response_out(r) for r in res]


@router.post("/responses")
async def responses_upload(file: UploadFile = File(...), ctx: Ctx = need(Perm.CLAIMS_WRITE)) -> Response:
    try:
        res = _apply_response(ctx, file.filename or "response.x12", await file.read())
    except HTTPException as e:
        return RedirectResponse("/responses?" + urlencode({"error": str(e.detail)}), status_code=303)
    return RedirectResponse("/responses?" + urlencode({"msg": res.message[:800]}), status_code=303)


@router.post("/clearinghouse/fetch")
def fetch_form(ctx: Ctx = need(Perm.MONEY_WRITE)) -> Response:
    res = api_fetch_inbox(ctx)
    msg = " · ".join(r.message for r in res) or "no files waiting"
    return RedirectResponse("/responses?" + urlencode({"msg": msg[:800]}), status_code=303)


@router.get("/responses", response_class=HTMLResponse)
def responses_page(request: Request, msg: str | None = None, error: str | None = None,
                   page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    """Clearinghouse responses: claims rejected at the front end (999/277CA) waiting to be fixed."""
    ids, total, _capped = fetch_id_page(ctx.db, csvc.claims_ids("rejected"), page)
    rows = csvc.claim_rows(ctx.db, ids)
    reasons: dict[int, str] = {}
    for cid in ids:
        hist = lifecycle.history(ctx.db, cid)
        last = next((t for t in reversed(hist) if t.to_status == "rejected"), None)
        reasons[cid] = (last.reason or "") if last else ""
    ctx.view("claim-list", None, None, filter="rejected")
    return render(ctx, request, "responses.html", claims=_rows(ctx, rows), reasons=reasons, total=total, page=page,
                  msg=msg, error=error)
