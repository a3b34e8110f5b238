"""The encoder behind the inline search and the code check on change/add (over chartclaim.codesets)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

SEARCH_SYSTEMS = {"icd10cm": "icd10cm", "ICD-10-CM": "icd10cm", "cpt": "cpt", "CPT": "cpt", "hcpcs": "hcpcs",
                  "HCPCS": "hcpcs"}


@dataclass(frozen=True)
class CodeHit:
    code: str
    description: str
    billable: bool
    score: float
    system: str


class CodeService:
    """Lazily opens the process-wide code sets (compiled once into the data directory)."""

    def __init__(self, codesets: Any = None):
        self._cs = codesets

    @property
    def cs(self) -> Any:
        if self._cs is None:
            from chartclaim.codesets import get_codesets

            self._cs = get_codesets()
        return self._cs

    def search(self, q: str, system: str = "icd10cm", limit: int = 20, dos: dt.date | None = None) -> list[CodeHit]:
        sysname = SEARCH_SYSTEMS.get(system, system)
        hits = self.cs.search(q, system=sysname, limit=limit, dos=dos)
        return [CodeHit(h.code, h.description, bool(h.billable), float(h.score), getattr(h, "system", sysname))
                for h in hits]

    def validate(self, system: str, code: str, dos: dt.date | None) -> str | None:
        """None when `code` may be billed on `dos`; otherwise what is wrong and what to use instead."""
        if system == "ICD-10-CM":
            entry = self.cs.icd10cm.get(code, dos=dos)
            if entry is None:
                return f"{code} is not an ICD-10-CM code{f' on {dos}' if dos else ''}"
            if not entry.billable:
                kids = list(self.cs.icd10cm.billable_descendants(code))[:8]
                more = f"; use one of {', '.join(kids)}" if kids else ""
                return f"{code} is a header, not billable{more}"
            return None
        table = self.cs.cpt if system == "CPT" else self.cs.hcpcs
        try:
            ok = table.is_valid(code, dos)
        except Exception:  # the CPT table may be empty in a fresh install: numbers are not ours to ship
            ok = table.get(code) is not None
        if not ok and system == "CPT" and code.isdigit() and len(code) == 5:
            return None  # CPT descriptors are licensed; an unknown five-digit number is accepted as typed
        return None if ok else f"{code} is not a valid {system} code{f' on {dos}' if dos else ''}"
