"""Flat code systems: HCPCS Level II, CPT, modifiers, place of service, CARC, RARC, CAS group codes, NUCC
taxonomy. Imported rows win over the built-in rows of the same code."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date

from chartclaim.codesets.model import SimpleCode


def _d(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


class SimpleSystem:
    def __init__(self, con: sqlite3.Connection, lock: threading.RLock, system: str):
        self._con = con
        self._lock = lock
        self.system = system

    def _row(self, r: tuple) -> SimpleCode:
        return SimpleCode(system=self.system, code=r[0], description=r[1], long_description=r[2],
                          effective=_d(r[3]), end=_d(r[4]), source=r[5], extra=json.loads(r[6] or "{}"))

    def normalize(self, code: str) -> str:
        return code.strip().upper()

    def get(self, code: str, dos: date | None = None) -> SimpleCode | None:
        """The code's entry (imported first, then built-in); with ``dos``, only when in effect that day."""
        c = self.normalize(code)
        with self._lock:
            rows = self._con.execute(
                "SELECT code, description, long_description, effective, end_date, source, extra FROM imp.simple_codes "
                "WHERE system=? AND code=? UNION ALL SELECT code, description, long_description, effective, "
                "end_date, source, extra FROM main.simple_codes WHERE system=? AND code=?",
                (self.system, c, self.system, c)).fetchall()
        if not rows:
            return None
        e = self._row(rows[0])
        if dos is not None and ((e.effective and dos < e.effective) or (e.end and dos > e.end)):
            return None
        return e

    def is_valid(self, code: str, dos: date | None = None) -> bool:
        return self.get(code, dos) is not None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def __iter__(self) -> Iterator[SimpleCode]:
        with self._lock:
            rows = self._con.execute(
                "SELECT code, description, long_description, effective, end_date, source, extra FROM imp.simple_codes "
                "WHERE system=? UNION ALL SELECT code, description, long_description, effective, end_date, source, "
                "extra FROM main.simple_codes WHERE system=? AND code NOT IN "
                "(SELECT code FROM imp.simple_codes WHERE system=?) ORDER BY code",
                (self.system, self.system, self.system)).fetchall()
        return iter([self._row(r) for r in rows])

    def count(self) -> tuple[int, int]:
        """(built-in rows, imported rows)."""
        with self._lock:
            b = self._con.execute("SELECT count(*) FROM main.simple_codes WHERE system=?", (self.system,)).fetchone()[0]
            i = self._con.execute("SELECT count(*) FROM imp.simple_codes WHERE system=?", (self.system,)).fetchone()[0]
        return int(b), int(i)
