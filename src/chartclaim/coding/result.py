"""What the coder returns: plain, immutable records that serialise to the batch JSONL format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    start: int
    end: int
    text: str
    term: str = ""              # the matched term as written in its source
    source: str = ""            # tabular | inclusion | index | lexicon | learned | rule
    context: tuple[str, ...] = ()
    section: str = ""

    def as_json(self, full: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if full:
            d.update(term=self.term, source=self.source, context=list(self.context), section=self.section)
        return d


@dataclass(frozen=True, slots=True)
class CodeSuggestion:
    code: str
    system: str                 # ICD-10-CM | CPT | HCPCS
    score: float                # calibrated confidence in [0, 1]
    evidence: tuple[Evidence, ...]
    rule: str
    description: str = ""
    context: tuple[str, ...] = ()

    def as_json(self, full: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "system": self.system, "score": round(self.score, 4),
                             "evidence": [e.as_json(full) for e in self.evidence], "rule": self.rule}
        if full:
            d["description"] = self.description
            d["context"] = list(self.context)
        return d


@dataclass(frozen=True, slots=True)
class Rejected:
    code: str
    reason: str
    evidence: tuple[Evidence, ...] = ()
    score: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "score": round(self.score, 4),
                "evidence": [e.as_json() for e in self.evidence]}


@dataclass(frozen=True, slots=True)
class CodingResult:
    codes: tuple[CodeSuggestion, ...]
    rejected: tuple[Rejected, ...] = ()
    procedures: tuple[CodeSuggestion, ...] = ()
    em: Any = None              # chartclaim.coding.em.EMLevel | None
    profile: str = "us-outpatient"
    warnings: tuple[str, ...] = field(default=())

    @property
    def diagnoses(self) -> tuple[CodeSuggestion, ...]:
        return self.codes

    def as_json(self, doc_id: Any = None, full: bool = False) -> dict[str, Any]:
        codes = [c.as_json(full) for c in self.codes] + [p.as_json(full) for p in self.procedures]
        d: dict[str, Any] = {"id": doc_id, "codes": codes}
        if full:
            d["rejected"] = [r.as_json() for r in self.rejected]
            d["em"] = self.em.as_json() if self.em is not None else None
            d["profile"] = self.profile
        return d
