"""API schemas shared by the routers (pydantic; money as Decimal strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SpanOut(BaseModel):
    start: int
    end: int
    text: str
    source: str = ""
    context: list[str] = []


class SuggestedOut(BaseModel):
    code: str
    system: str
    description: str
    score: float
    evidence: list[SpanOut]
    rule: str
    decision: str | None = None
    final_code: str | None = None
    reason: str | None = None


class EmOut(BaseModel):
    code: str
    basis: str
    elements: dict[str, str]
    reasoning: list[str]


class QueueItem(BaseModel):
    id: int
    date_of_service: dt.date
    coding_status: str
    patient_id: int
    account_number: str
    patient_name: str
    provider: str | None
    age_days: int


class QueryOut(ORM):
    id: int
    encounter_id: int
    status: str
    question: str
    asked_by: int
    asked_at: dt.datetime
    answer: str | None
    answered_at: dt.datetime | None
    recorded_by: int | None


class ReviewOut(ORM):
    id: int
    encounter_id: int
    system: str
    suggested_code: str | None
    decision: str
    final_code: str | None
    reason: str
    score: Decimal | None
    user_id: int
    at: dt.datetime


class EncounterOut(BaseModel):
    id: int
    patient_id: int
    provider_id: int | None
    location_id: int | None
    date_of_service: dt.date
    coding_status: str
    codes: dict[str, Any] | None
    held: bool


class EncounterDetail(EncounterOut):
    note: str
    coder_available: bool
    coder_message: str
    diagnoses: list[SuggestedOut]
    procedures: list[SuggestedOut]
    rejected: list[dict[str, Any]]
    em: EmOut | None
    decisions: list[ReviewOut]
    queries: list[QueryOut]


class DecisionIn(BaseModel):
    system: str = "ICD-10-CM"
    decision: str
    suggested_code: str | None = None
    final_code: str | None = None
    reason: str = ""


class FinishIn(BaseModel):
    em_code: str | None = None


class QueryIn(BaseModel):
    question: str


class AnswerIn(BaseModel):
    answer: str
    withdraw: bool = False


class CodeHitOut(BaseModel):
    code: str
    description: str
    billable: bool
    score: float
    system: str


class AccuracyOut(BaseModel):
    username: str
    decisions: int
    accepted: int
    changed: int
    rejected: int
    added: int
    agreement: float | None


class SampleOut(BaseModel):
    encounter_id: int
    date_of_service: dt.date | None
    suggested: list[str]
    final: list[str]
    agree: int
    judged: int
