"""Patient accounts: demographics and coverages, ledger, payments, payment plans, statements, CMS-1500."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from chartclaim.billing import ledger
from chartclaim.billing.patient import (
    METHODS,
    PatientBillingError,
    cancel_payment_plan,
    create_payment_plan,
    plan_state,
    record_patient_payment,
)
from chartclaim.store.models import (
    ClaimRecord,
    Coverage,
    PatientPayment,
    PatientRecord,
    PayerRecord,
    PaymentPlan,
)
from chartclaim.web.deps import Ctx, need
from chartclaim.web.pagination import Page, PageParams, fetch_page, page_params
from chartclaim.web.policy import Perm, allowed
from chartclaim.web.render import render
from chartclaim.web.services import money

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["patients"])


class PatientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    account_number: str
    first_name: str
    last_name: str
    dob: dt.date | None
    sex: str | None


class CoverageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    patient_id: int
    payer_id: int
    priority: int
    member_id: str
    group_number: str | None
    relationship_code: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    copay: Decimal | None
    coinsurance_pct: Decimal | None
    deductible: Decimal | None


class PatientDetail(PatientOut):
    address: dict[str, Any] | None
    phone: str | None
    email: str | None
    coverages: list[CoverageOut]
    totals: dict[str, str] | None


class LedgerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    amount: Decimal
    claim_id: int
    claim_line_id: int
    payer_id: int | None
    posted_on: dt.date
    actor: str
    group_code: str | None
    reason_code: str | None
    memo: str | None
    reverses_id: int | None
    remittance_id: int | None


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    patient_id: int
    received_on: dt.date
    amount: Decimal
    method: str
    reference: str | None
    payment_plan_id: int | None
    actor: str


class PaymentIn(BaseModel):
    amount: Decimal
    received_on: dt.date | None = None
    method: str = "cash"
    reference: str | None = None
    payment_plan_id: int | None = None


class PlanIn(BaseModel):
    installments: int
    start_date: dt.date
    total: Decimal | None = None
    interval: str = "monthly"


class PlanOut(BaseModel):
    id: int
    patient_id: int
    status: str
    total: Decimal
    paid: Decimal
    remaining: Decimal
    missed: int
    next_due: dt.date | None
    next_amount: Decimal
    start_date: dt.date
    installments: list[dict[str, Any]]


def _fname(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", s)[:60]


def _patient(ctx: Ctx, patient_id: int) -> PatientRecord:
    p = ctx.db.get(PatientRecord, patient_id)
    if p is None:
        raise HTTPException(status_code=404, detail=f"no patient {patient_id}")
    return p


def _detail(ctx: Ctx, p: PatientRecord) -> PatientDetail:
    covs = list(ctx.db.scalars(select(Coverage).where(Coverage.patient_id == p.id).order_by(Coverage.priority)))
    totals = ledger.patient_totals(ctx.db, p.id).as_dict() if allowed(ctx.user.role, Perm.BILLING_READ) else None
    return PatientDetail(id=p.id, account_number=p.account_number, first_name=p.first_name, last_name=p.last_name,
                         dob=p.dob, sex=p.sex, address=p.address, phone=p.phone, email=p.email,
                         coverages=[CoverageOut.model_validate(c) for c in covs], totals=totals)


def _plan_out(ctx: Ctx, plan: PaymentPlan) -> PlanOut:
    st = plan_state(ctx.db, plan.id, dt.date.today())
    return PlanOut(id=plan.id, patient_id=plan.patient_id, status=st.status, total=st.total, paid=st.paid,
                   remaining=st.remaining, missed=st.missed, next_due=st.next_due, next_amount=st.next_amount,
                   start_date=plan.start_date,
                   installments=[{"sequence": i.sequence, "due_date": i.due_date.isoformat(), "amount": str(i.amount),
                                  "covered": str(i.covered), "state": i.state} for i in st.installments])


def _pay(ctx: Ctx, p: PatientRecord, body: PaymentIn) -> PatientPayment:
    try:
        pay = record_patient_payment(ctx.db, p.id, body.amount, body.received_on or dt.date.today(), body.method,
                                     body.reference, body.payment_plan_id, actor=ctx.user.username)
    except PatientBillingError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("create", "patient-payment", pay.id, p.id, amount=str(pay.amount), method=pay.method)
    ctx.db.commit()
    return pay


def _plan(ctx: Ctx, p: PatientRecord, body: PlanIn) -> PaymentPlan:
    try:
        plan = create_payment_plan(ctx.db, p.id, body.installments, body.start_date, body.total, body.interval,
                                   actor=ctx.user.username)
    except PatientBillingError as e:
        ctx.db.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("create", "payment-plan", plan.id, p.id, installments=body.installments)
    ctx.db.commit()
    return plan


# ------------------------------------------------------------------------------------------------ API


@api.get("/patients", response_model=Page[PatientOut], summary="Patients by last-name prefix or account number")
def api_patients(q: str | None = None, page: PageParams = Depends(page_params),
                 ctx: Ctx = need(Perm.PATIENTS_READ)) -> Page[PatientOut]:
    rows, total = fetch_page(ctx.db, money.patients_stmt(q), page)
    ctx.view("patient-list", None, None, q=bool(q))
    return Page(items=[PatientOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.get("/patients/{patient_id}", response_model=PatientDetail, summary="One patient with coverages and balances")
def api_patient(patient_id: int, ctx: Ctx = need(Perm.PATIENTS_READ)) -> PatientDetail:
    p = _patient(ctx, patient_id)
    ctx.view("patient", p.id, p.id)
    return _detail(ctx, p)


@api.get("/coverages", response_model=Page[CoverageOut], summary="Coverages (insurance policies)")
def api_coverages(patient_id: int | None = None, payer_id: int | None = None, page: PageParams = Depends(page_params),
                  ctx: Ctx = need(Perm.PATIENTS_READ)) -> Page[CoverageOut]:
    stmt = select(Coverage).order_by(Coverage.patient_id, Coverage.priority)
    if patient_id is not None:
        stmt = stmt.where(Coverage.patient_id == patient_id)
    if payer_id is not None:
        stmt = stmt.where(Coverage.payer_id == payer_id)
    rows, total = fetch_page(ctx.db, stmt, page)
    ctx.view("coverage-list", None, patient_id)
    return Page(items=[CoverageOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.get("/ledger", response_model=Page[LedgerOut], summary="Ledger entries (immutable money movements), newest first")
def api_ledger(patient_id: int | None = None, claim_id: int | None = None, kind: str | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[LedgerOut]:
    rows, total = fetch_page(ctx.db, money.ledger_stmt(patient_id, claim_id, kind), page)
    ctx.view("ledger", None, patient_id, claim_id=claim_id)
    return Page(items=[LedgerOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.get("/payments", response_model=Page[PaymentOut], summary="Patient payments")
def api_payments(patient_id: int | None = None, received_from: dt.date | None = None, received_to: dt.date | None = None,
                 page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.BILLING_READ)) -> Page[PaymentOut]:
    stmt = select(PatientPayment).order_by(PatientPayment.received_on.desc(), PatientPayment.id.desc())
    if patient_id is not None:
        stmt = stmt.where(PatientPayment.patient_id == patient_id)
    if received_from:
        stmt = stmt.where(PatientPayment.received_on >= received_from)
    if received_to:
        stmt = stmt.where(PatientPayment.received_on <= received_to)
    rows, total = fetch_page(ctx.db, stmt, page)
    ctx.view("payment-list", None, patient_id)
    return Page(items=[PaymentOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.post("/patients/{patient_id}/payments", response_model=PaymentOut, status_code=201,
          summary="Record a patient payment (applied oldest line first; overpayment becomes a credit)")
def api_pay(patient_id: int, body: PaymentIn, ctx: Ctx = need(Perm.MONEY_WRITE)) -> PaymentOut:
    return PaymentOut.model_validate(_pay(ctx, _patient(ctx, patient_id), body))


@api.get("/payment-plans", response_model=Page[PlanOut], summary="Payment plans with installment states")
def api_plans(patient_id: int | None = None, status: str | None = None, page: PageParams = Depends(page_params),
              ctx: Ctx = need(Perm.BILLING_READ)) -> Page[PlanOut]:
    stmt = select(PaymentPlan).order_by(PaymentPlan.id.desc())
    if patient_id is not None:
        stmt = stmt.where(PaymentPlan.patient_id == patient_id)
    if status:
        stmt = stmt.where(PaymentPlan.status == status)
    rows, total = fetch_page(ctx.db, stmt, page)
    ctx.view("payment-plan-list", None, patient_id)
    return Page(items=[_plan_out(ctx, r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.post("/patients/{patient_id}/payment-plans", response_model=PlanOut, status_code=201,
          summary="Put the patient's balance (or a given total) on a payment plan")
def api_create_plan(patient_id: int, body: PlanIn, ctx: Ctx = need(Perm.MONEY_WRITE)) -> PlanOut:
    return _plan_out(ctx, _plan(ctx, _patient(ctx, patient_id), body))


@api.post("/payment-plans/{plan_id}/cancel", response_model=PlanOut, summary="Cancel a payment plan")
def api_cancel_plan(plan_id: int, ctx: Ctx = need(Perm.MONEY_WRITE)) -> PlanOut:
    try:
        plan = cancel_payment_plan(ctx.db, plan_id, actor=ctx.user.username)
    except (PatientBillingError, ValueError) as e:
        ctx.db.rollback()
        raise HTTPException(status_code=409, detail=str(e)) from None
    ctx.audit("update", "payment-plan", plan.id, plan.patient_id, status="cancelled")
    ctx.db.commit()
    return _plan_out(ctx, plan)


@api.get("/patients/{patient_id}/statement.pdf", summary="The patient's statement (PDF)")
def api_statement(patient_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    from chartclaim.billing.documents import render_statement
    from chartclaim.billing.patient import PatientBillingError
    from chartclaim.billing.statements import statement_data

    p = _patient(ctx, patient_id)
    try:
        data = statement_data(ctx.db, p.id, as_of=dt.date.today())
    except PatientBillingError as exc:
        # Missing registration data (no mailing address, no practice remit-to): the biller must fix the record.
        raise HTTPException(status_code=409, detail=str(exc)) from None
    if data is None:
        raise HTTPException(status_code=409, detail=f"patient {p.account_number} owes nothing: no statement")
    ctx.view("patient", p.id, p.id, what="statement")
    return Response(render_statement(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="statement-{_fname(p.account_number)}.pdf"'})


@api.get("/claims/{claim_id}/cms1500.pdf", summary="The claim on a CMS-1500 form (PDF)")
def api_cms1500(claim_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    from chartclaim.billing.documents.cms1500 import render_cms1500
    from chartclaim.claim import ClaimFormatError, parse_claim

    c = ctx.db.get(ClaimRecord, claim_id)
    if c is None:
        raise HTTPException(status_code=404, detail=f"no claim {claim_id}")
    if not c.document:
        raise HTTPException(status_code=409, detail=f"claim {c.claim_number} has no claim document yet")
    try:
        pdf = render_cms1500(parse_claim(c.document, f"claim {c.claim_number}"))
    except (ClaimFormatError, ValueError) as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.view("claim", c.id, c.patient_id, what="cms1500")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="cms1500-{_fname(c.claim_number)}.pdf"'})


# ------------------------------------------------------------------------------------------------ pages


@router.get("/patients", response_class=HTMLResponse)
def patients_page(request: Request, q: str | None = None, page: PageParams = Depends(page_params),
                  ctx: Ctx = need(Perm.PATIENTS_READ)) -> Response:
    rows, total = fetch_page(ctx.db, money.patients_stmt(q), page)
    ctx.view("patient-list", None, None, q=bool(q))
    return render(ctx, request, "patients.html", patients=[r[0] for r in rows], total=total, page=page, q=q or "")


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: int, msg: str | None = None, error: str | None = None,
                 ledger_offset: int = Query(0, ge=0), ctx: Ctx = need(Perm.PATIENTS_READ)) -> Response:
    p = _patient(ctx, patient_id)
    ctx.view("patient", p.id, p.id)
    detail = _detail(ctx, p)
    payer_names = dict(ctx.db.execute(select(PayerRecord.id, PayerRecord.name)).all())
    billing = allowed(ctx.user.role, Perm.BILLING_READ)
    entries: list[Any] = []
    entries_total = 0
    payments: list[Any] = []
    plans: list[PlanOut] = []
    if billing:
        rows, entries_total = fetch_page(ctx.db, money.ledger_stmt(p.id), PageParams(100, ledger_offset))
        entries = [r[0] for r in rows]
        payments = list(ctx.db.scalars(select(PatientPayment).where(PatientPayment.patient_id == p.id)
                                       .order_by(PatientPayment.received_on.desc())))
        plans = [_plan_out(ctx, pl) for pl in ctx.db.scalars(select(PaymentPlan).where(PaymentPlan.patient_id == p.id)
                                                             .order_by(PaymentPlan.id.desc()))]
    encounters: list[Any] = []
    if allowed(ctx.user.role, Perm.CLINICAL_READ):
        from chartclaim.store.models import Encounter

        encounters = list(ctx.db.execute(select(Encounter.id, Encounter.date_of_service, Encounter.coding_status)
                                         .where(Encounter.patient_id == p.id)
                                         .order_by(Encounter.date_of_service.desc()).limit(50)).all())
    return render(ctx, request, "patient.html", p=detail, payer_names=payer_names, entries=entries, encounters=encounters,
                  entries_total=entries_total, ledger_offset=ledger_offset, payments=payments, plans=plans,
                  methods=sorted(METHODS), msg=msg, error=error, today=dt.date.today())


def _back(patient_id: int, msg: str | None = None, error: str | None = None) -> RedirectResponse:
    q = urlencode({k: v for k, v in {"msg": msg, "error": error}.items() if v})
    return RedirectResponse(f"/patients/{patient_id}" + (f"?{q}" if q else ""), status_code=303)


@router.post("/patients/{patient_id}/payments")
def pay_form(patient_id: int, amount: str = Form(...), method: str = Form("cash"), reference: str = Form(""),
             received_on: str = Form(""), ctx: Ctx = need(Perm.MONEY_WRITE)) -> Response:
    p = _patient(ctx, patient_id)
    try:
        body = PaymentIn(amount=Decimal(amount.replace("$", "").replace(",", "").strip()), method=method,
                         reference=reference or None,
                         received_on=dt.date.fromisoformat(received_on) if received_on else None)
        pay = _pay(ctx, p, body)
    except (InvalidOperation, ValueError):
        return _back(patient_id, error=f"not an amount or date: {amount!r} {received_on!r}")
    except HTTPException as e:
        return _back(patient_id, error=str(e.detail))
    return _back(patient_id, msg=f"payment of ${pay.amount} recorded")


@router.post("/patients/{patient_id}/payment-plans")
def plan_form(patient_id: int, installments: int = Form(...), start_date: str = Form(...),
              interval: str = Form("monthly"), ctx: Ctx = need(Perm.MONEY_WRITE)) -> Response:
    p = _patient(ctx, patient_id)
    try:
        plan = _plan(ctx, p, PlanIn(installments=installments, start_date=dt.date.fromisoformat(start_date),
                                    interval=interval))
    except ValueError:
        return _back(patient_id, error=f"not a date: {start_date!r}")
    except HTTPException as e:
        return _back(patient_id, error=str(e.detail))
    return _back(patient_id, msg=f"payment plan #{plan.id} created")


@api.get("/claims/{claim_id}/appeal-letter.pdf", summary="Appeal letter (PDF) for a denied claim, with the note excerpt")
def api_appeal_letter(claim_id: int, ctx: Ctx = need(Perm.BILLING_READ)) -> Response:
    from chartclaim.billing.denials import explain_denial
    from chartclaim.billing.documents import appeal_for_claim, render_appeal_letter
    from chartclaim.claim import ClaimFormatError, parse_claim
    from chartclaim.store.models import ClaimPayment, Encounter, RemitAdjustment

    c = ctx.db.get(ClaimRecord, claim_id)
    if c is None:
        raise HTTPException(status_code=404, detail=f"no claim {claim_id}")
    if not c.document:
        raise HTTPException(status_code=409, detail=f"claim {c.claim_number} has no claim document")
    rows = ctx.db.execute(select(RemitAdjustment, ClaimPayment)
                          .join(ClaimPayment, ClaimPayment.id == RemitAdjustment.claim_payment_id)
                          .where(ClaimPayment.claim_id == c.id, RemitAdjustment.treatment == "denial")
                          .order_by(RemitAdjustment.id)).all()
    if not rows:
        raise HTTPException(status_code=409, detail=f"claim {c.claim_number} has no denial to appeal")
    denials = [explain_denial(a.group_code, a.reason_code, (a.remark_codes or "").split(), a.amount) for a, _ in rows]
    enc = ctx.db.get(Encounter, c.encounter_id) if c.encounter_id else None
    excerpt = (enc.notes or "")[:2000] if enc else ""
    last_payment = rows[-1][1]
    try:
        letter = appeal_for_claim(parse_claim(c.document, f"claim {c.claim_number}"), denials, excerpt,
                                  dt.date.today(), payer_claim_number=last_payment.payer_claim_number,
                                  denial_date=last_payment.received_on,
                                  amount_in_dispute=sum((a.amount for a, _ in rows), Decimal("0.00")))
        pdf = render_appeal_letter(letter)
    except (ClaimFormatError, ValueError) as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.view("claim", c.id, c.patient_id, what="appeal-letter")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="appeal-{_fname(c.claim_number)}.pdf"'})
