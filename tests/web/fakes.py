"""Test doubles for the libraries the web stands on: a pinned coder and a tiny encoder."""

from __future__ import annotations

import datetime as dt

from chartclaim.web.services.codes import CodeHit, CodeService
from chartclaim.web.services.suggest import EmLevel, Span, Suggested, Suggestions

TERMS = [
    ("type 2 diabetes with diabetic chronic kidney disease", "E11.22", "Type 2 diabetes mellitus with diabetic CKD"),
    ("chronic kidney disease stage 3a", "N18.31", "Chronic kidney disease, stage 3a"),
    ("osteoarthritis of left knee", "M17.12", "Unilateral primary osteoarthritis, left knee"),
    ("acute bronchitis", "J20.9", "Acute bronchitis, unspecified"),
    ("essential hypertension", "I10", "Essential (primary) hypertension"),
]

CODES = {
    "E11.22": ("Type 2 diabetes mellitus with diabetic chronic kidney disease", True),
    "E11.9": ("Type 2 diabetes mellitus without complications", True),
    "E11": ("Type 2 diabetes mellitus", False),
    "N18.31": ("Chronic kidney disease, stage 3a", True),
    "M17.12": ("Unilateral primary osteoarthritis, left knee", True),
    "J20.9": ("Acute bronchitis, unspecified", True),
    "I10": ("Essential (primary) hypertension", True),
    "R05.9": ("Cough, unspecified", True),
}


def fake_suggester(text: str, dos: dt.date | None) -> Suggestions:
    low = text.lower()
    out = []
    for term, code, desc in TERMS:
        spans = []
        i = low.find(term)
        while i >= 0:
            spans.append(Span(i, i + len(term), text[i:i + len(term)], "tabular"))
            i = low.find(term, i + 1)
        if spans:
            out.append(Suggested(code, "ICD-10-CM", desc, 0.9 - 0.1 * len(out), tuple(spans), "tabular match"))
    em = EmLevel("99213", "mdm", {"problems": "low", "data": "minimal", "risk": "low"},
                 ("one stable chronic illness", "prescription drug management absent"))
    return Suggestions(True, tuple(out), (), (), em, "")


class FakeCodes(CodeService):
    def __init__(self) -> None:
        super().__init__(codesets=object())

    def search(self, q: str, system: str = "icd10cm", limit: int = 20, dos: dt.date | None = None) -> list[CodeHit]:
        ql = q.lower()
        hits = [CodeHit(c, d, b, 1.0, "icd10cm") for c, (d, b) in CODES.items() if ql in d.lower() or ql in c.lower()]
        return hits[:limit]

    def validate(self, system: str, code: str, dos: dt.date | None) -> str | None:
        if system != "ICD-10-CM":
            return None
        if code not in CODES:
            return f"{code} is not an ICD-10-CM code"
        if not CODES[code][1]:
            return f"{code} is a header, not billable"
        return None
