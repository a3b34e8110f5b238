"""Alphabetic Index entries (imported): main index, neoplasm table, drug table, external-cause index."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

from chartclaim.codesets.model import IndexEntry

SEP = " | "


class AlphabeticIndex:
    def __init__(self, con: sqlite3.Connection, lock: threading.RLock):
        self._con = con
        self._lock = lock

    @staticmethod
    def _row(r: tuple) -> IndexEntry:
        return IndexEntry(source=r[0], path=tuple(r[1].split(SEP)), code=r[2], manifestation=r[3], see=r[4],
                          see_also=r[5], column=r[6])

    _COLS = "source, path, code, manif, see, see_also, col"

    def __iter__(self) -> Iterator[IndexEntry]:
        with self._lock:
            rows = self._con.execute(f"SELECT {self._COLS} FROM imp.index_entries ORDER BY id").fetchall()
        return (self._row(r) for r in rows)

    def __len__(self) -> int:
        with self._lock:
            return int(self._con.execute("SELECT count(*) FROM imp.index_entries").fetchone()[0])

    def for_code(self, code: str) -> list[IndexEntry]:
        """Index lines that lead to a code (dotted form, as the index prints it)."""
        from chartclaim.codesets.tabular import dotted

        with self._lock:
            rows = self._con.execute(f"SELECT {self._COLS} FROM imp.index_entries WHERE code=? ORDER BY id",
                                     (dotted(code),)).fetchall()
        return [self._row(r) for r in rows]

    def lookup(self, main_term: str) -> list[IndexEntry]:
        """Every line under a main term (case-insensitive; 'Hypertension' also finds 'Hypertension,
        hypertensive'), in index order."""
        t = main_term.strip()
        with self._lock:
            rows = self._con.execute(
                f"SELECT {self._COLS} FROM imp.index_entries WHERE path = ? COLLATE NOCASE OR path LIKE ? "
                "OR path LIKE ? ORDER BY id", (t, t + SEP + "%", t + ",%")).fetchall()
        return [self._row(r) for r in rows]

    def sources(self) -> dict[str, int]:
        with self._lock:
            return dict(self._con.execute("SELECT source, count(*) FROM imp.index_entries GROUP BY source"))
