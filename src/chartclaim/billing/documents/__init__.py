"""Billing documents as PDF: the CMS-1500 claim form, patient statements and appeal letters.

Pure functions: plain records in, PDF bytes out (fpdf2, core fonts, no form images)."""

from __future__ import annotations

from chartclaim.billing.documents.appeal import (
    AppealLetter,
    appeal_for_claim,
    default_argument,
    render_appeal_letter,
)
from chartclaim.billing.documents.cms1500 import Cms1500Error, render_cms1500
from chartclaim.billing.documents.statement import (
    AgingBuckets,
    PaymentPlanInfo,
    PracticeInfo,
    StatementData,
    StatementLine,
    render_statement,
)

__all__ = [
    "AgingBuckets", "AppealLetter", "Cms1500Error", "PaymentPlanInfo", "PracticeInfo", "StatementData",
    "StatementLine", "appeal_for_claim", "default_argument", "render_appeal_letter", "render_cms1500",
    "render_statement",
]
