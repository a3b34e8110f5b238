"""Adapter between the automated coder (chartclaim.coding) and the encounter screen.

The screen needs, per suggested code: code, system, description, score, evidence spans (offsets into the note)
and the rule applied; plus the candidates the coder rejected and the E/M level with its MDM elements. The coder
runs when a note is opened; results are cached per note text, so paging through codes costs nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    source: str = ""
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggested:
    code: str
    system: str
    description: str
    score: float
    evidence: tuple[Span, ...]
    rule: str = ""
    context: tuple[str, ...] = ()

    @property
    def spans_attr(self) -> str:
        return ",".join(f"{s.start}-{s.end}" for s in self.evidence)


@dataclass(frozen=True)
class RejectedCandidate:
    code: str
    reason: str
    evidence: tuple[Span, ...] = ()


@dataclass(frozen=True)
class EmLevel:
    code: str
    basis: str  # mdm | time
    elements: dict[str, str] = field(default_factory=dict)  # problems / data / risk → level, or minutes
    reasoning: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestions:
    available: bool
    diagnoses: tuple[Suggested, ...] = ()
    procedures: tuple[Suggested, ...] = ()
    rejected: tuple[RejectedCandidate, ...] = ()
    em: EmLevel | None = None
    message: str = ""


Suggester = Callable[[str, dt.date | None], Suggestions]


def _spans(evs: Any) -> tuple[Span, ...]:
    return tuple(Span(int(e.start), int(e.end), str(e.text), str(getattr(e, "source", "")),
                      tuple(getattr(e, "context", ()) or ())) for e in evs or ())


def _suggested(c: Any) -> Suggested:
    return Suggested(code=c.code, system=c.system, description=getattr(c, "description", "") or "",
                     score=float(c.score), evidence=_spans(c.evidence), rule=getattr(c, "rule", "") or "",
                     context=tuple(getattr(c, "context", ()) or ()))


def _em(em: Any) -> EmLevel | None:
    if em is None:
        return None
    data = em.as_json() if hasattr(em, "as_json") else dict(em)
    code = str(data.get("code") or data.get("level") or "")
    basis = str(data.get("basis") or ("time" if data.get("minutes") else "mdm"))
    elements = {k: str(v) for k, v in data.items()
                if k not in ("code", "level", "basis", "reasoning", "reasons", "evidence") and v is not None
                and not isinstance(v, list | dict)}
    for k in ("elements", "mdm"):
        if isinstance(data.get(k), dict):
            elements.update({kk: str(vv) for kk, vv in data[k].items()})
    reasons = data.get("reasoning") or data.get("reasons") or ()
    return EmLevel(code=code, basis=basis, elements=elements, reasoning=tuple(str(r) for r in reasons))


def from_coding_result(result: Any) -> Suggestions:
    """chartclaim.coding.CodingResult → what the screen shows."""
    return Suggestions(
        available=True,
        diagnoses=tuple(_suggested(c) for c in result.codes),
        procedures=tuple(_suggested(c) for c in getattr(result, "procedures", ())),
        rejected=tuple(RejectedCandidate(r.code, r.reason, _spans(getattr(r, "evidence", ())))
                       for r in getattr(result, "rejected", ())),
        em=_em(getattr(result, "em", None)),
        message="; ".join(getattr(result, "warnings", ()) or ()),
    )


class CoderSuggester:
    """The real coder, loaded on first use, with a small LRU cache keyed by the note's hash."""

    def __init__(self, profile: str = "us-outpatient", cache_size: int = 256):
        self.profile = profile
        self._coder: Any = None
        self._failed: str | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Suggestions] = OrderedDict()
        self._size = cache_size

    def _load(self) -> Any:
        with self._lock:
            if self._coder is None and self._failed is None:
                try:
                    from chartclaim.coding import Coder

                    self._coder = Coder()
                except Exception as e:  # the coder is optional for the screen: coders can still code by hand
                    self._failed = f"automated coder unavailable ({type(e).__name__}: {e}); code from the note"
            return self._coder

    def warm(self) -> None:
        """Load the coder now (seconds), e.g. in a background thread at server start."""
        self._load()

    def __call__(self, text: str, dos: dt.date | None) -> Suggestions:
        key = hashlib.sha256(f"{dos}|{text}".encode()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        coder = self._load()
        if coder is None:
            return Suggestions(available=False, message=self._failed or "automated coder unavailable")
        try:
            result = coder.code(text, profile=self.profile)
            out = from_coding_result(result)
        except Exception as e:
            return Suggestions(available=False, message=f"the coder failed on this note ({type(e).__name__}: {e})")
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return out
