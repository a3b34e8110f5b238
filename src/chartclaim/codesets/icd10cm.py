"""ICD-10-CM lookups: entries with inherited notes, validity by date of service, hierarchy, Excludes1."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

from chartclaim.codesets.model import CodeRange, Icd10Entry, Note, Version, VersionDiff
from chartclaim.codesets.tabular import dotted, nodot

_INHERITED = ("includes", "excludes1", "excludes2", "code_first", "use_additional", "code_also", "notes")
_NODE_COLS = ("code, nodot, description, kind, parent, billable, seq, chapter, block, seventh_definer, stem, "
              "has_placeholder, manifestation")


def _fy_start(d: date) -> date:
    return date(d.year if d.month >= 10 else d.year - 1, 10, 1)


class Icd10cm:
    """ICD-10-CM over the compiled base (FY2026 April 1 tabular) plus imported order-file versions."""

    system = "icd10cm"

    def __init__(self, con: sqlite3.Connection, lock: threading.RLock, base_version: str):
        self._con = con
        self._lock = lock
        self.base_version = base_version
        self._cache: dict[tuple[str, str], Icd10Entry | None] = {}
        self._versions: list[Version] | None = None

    # -- versions -------------------------------------------------------------------------------------
    def versions(self) -> list[Version]:
        """All ICD-10-CM versions, oldest first."""
        if self._versions is None:
            with self._lock:
                rows = self._con.execute(
                    "SELECT system,label,effective,end_date,source,count,billable FROM main.versions "
                    "WHERE system='icd10cm' UNION ALL SELECT system,label,effective,end_date,source,count,billable "
                    "FROM imp.versions WHERE system='icd10cm'").fetchall()
            vs = {r[1]: Version(r[0], r[1], date.fromisoformat(r[2]), date.fromisoformat(r[3]), r[4], r[5], r[6])
                  for r in rows}
            self._versions = sorted(vs.values(), key=lambda v: (v.effective, v.label))
        return self._versions

    def _invalidate(self) -> None:
        self._versions = None
        self._cache.clear()

    def version_for(self, dos: date | None = None) -> Version:
        """The version in effect on the date of service. With no date: the newest. A date covered by no
        version falls to the version of the same fiscal year (an April update stands in for the October
        release when only the April one is loaded), then to the nearest version in time."""
        vs = self.versions()
        if dos is None:
            return vs[-1]
        inside = [v for v in vs if v.effective <= dos <= v.end]
        if inside:
            return inside[-1]
        same_fy = [v for v in vs if _fy_start(v.effective) <= dos <= v.end]
        if same_fy:
            return same_fy[0]
        if dos > vs[-1].end:
            return max(vs, key=lambda v: v.end)
        return vs[0]

    # -- lookups --------------------------------------------------------------------------------------
    def normalize(self, code: str) -> str:
        """'e1122' -> 'E11.22'; blocks and chapters pass through."""
        c = code.strip().upper()
        return c if "-" in c or c.isdigit() else dotted(c)

    def _node(self, key: str) -> tuple | None:
        with self._lock:
            return self._con.execute(f"SELECT {_NODE_COLS} FROM icd_nodes WHERE nodot=?", (key,)).fetchone()

    def get(self, code: str, dos: date | None = None) -> Icd10Entry | None:
        """The entry for a code (any case, with or without the dot) in the version effective on ``dos``,
        or None when the code does not exist in that version. Blocks ('E08-E13') and chapters ('4') too."""
        if not code:
            return None
        key = nodot(code) if "-" not in code else code.strip().upper()
        version = self.version_for(dos)
        ck = (key, version.label)
        if ck in self._cache:
            return self._cache[ck]
        entry = self._base_entry(key)
        if version.label != self.base_version:
            entry = self._versioned(entry, key, version)
        if entry is not None and entry.version != version.label:
            entry = replace(entry, version=version.label)
        if len(self._cache) > 50000:
            self._cache.clear()
        self._cache[ck] = entry
        return entry

    def _versioned(self, entry: Icd10Entry | None, key: str, version: Version) -> Icd10Entry | None:
        with self._lock:
            row = self._con.execute("SELECT billable, short, long FROM imp.version_codes WHERE label=? AND nodot=?",
                                    (version.label, key)).fetchone()
        if row is None:
            return None
        billable, _short, long = bool(row[0]), row[1], row[2]
        if entry is not None:
            return replace(entry, description=long, billable=billable, version=version.label,
                           kind="code" if billable and entry.kind == "subcategory" else entry.kind)
        parent = None
        with self._lock:
            for n in range(len(key) - 1, 2, -1):
                if self._con.execute("SELECT 1 FROM imp.version_codes WHERE label=? AND nodot=?",
                                     (version.label, key[:n])).fetchone():
                    parent = dotted(key[:n])
                    break
        kind = "category" if len(key) == 3 else ("code" if billable else "subcategory")
        return Icd10Entry(code=dotted(key), description=long, kind=kind, billable=billable, parent=parent,
                          version=version.label)

    def _base_entry(self, key: str) -> Icd10Entry | None:
        row = self._node(key)
        if row is None:
            return None
        code, _nd, desc, kind, parent, billable, _seq, chapter, block, definer, stem, ph, manif = row
        chain = [code]
        with self._lock:
            p = parent
            while p is not None:
                chain.append(p)
                r = self._con.execute("SELECT parent FROM icd_nodes WHERE code=?", (p,)).fetchone()
                p = r[0] if r else None
            qs = ",".join("?" * len(chain))
            note_rows = self._con.execute(
                f"SELECT code, kind, seq, text, ranges FROM icd_notes WHERE code IN ({qs})", chain).fetchall()
            seventh = dict(self._con.execute("SELECT char, text FROM icd_seventh WHERE code=? ORDER BY char",
                                             (definer,)).fetchall()) if definer else {}
        order = {c: i for i, c in enumerate(chain)}
        note_rows.sort(key=lambda r: (order[r[0]], r[2]))
        buckets: dict[str, list[Note]] = {}
        seventh_note = None
        for at, nkind, _s, text, rng in note_rows:
            if nkind == "seventh_note":
                seventh_note = seventh_note or text
                continue
            if nkind == "inclusion_terms" and at != code:
                continue
            if at != code and nkind not in _INHERITED:
                continue
            ranges = tuple(CodeRange(a, b) for a, b in json.loads(rng))
            buckets.setdefault(nkind, []).append(Note(text, ranges, at))
        requires_7th = stem is not None and not billable
        return Icd10Entry(
            code=code, description=desc, kind=kind, billable=bool(billable), parent=parent,
            version=self.base_version, chapter=chapter, block=block,
            includes=tuple(buckets.get("includes", ())), inclusion_terms=tuple(buckets.get("inclusion_terms", ())),
            excludes1=tuple(buckets.get("excludes1", ())), excludes2=tuple(buckets.get("excludes2", ())),
            code_first=tuple(buckets.get("code_first", ())), use_additional=tuple(buckets.get("use_additional", ())),
            code_also=tuple(buckets.get("code_also", ())), notes=tuple(buckets.get("notes", ())),
            seventh_characters=seventh, seventh_character_note=seventh_note if definer else None,
            seventh_character_stem=stem, requires_seventh_character=requires_7th, has_placeholder=bool(ph),
            manifestation=bool(manif))

    def light(self, codes: list[str]) -> dict[str, tuple[str, str, bool, str | None, str | None]]:
        """code -> (description, kind, billable, stem, parent) of the base version in one query: the search
        ranks hundreds of candidates and needs no notes for that."""
        if not codes:
            return {}
        qs = ",".join("?" * len(codes))
        with self._lock:
            rows = self._con.execute(
                f"SELECT code, description, kind, billable, stem, parent FROM icd_nodes WHERE code IN ({qs})",
                codes).fetchall()
        return {r[0]: (r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows}

    def family(self, code: str, limit: int = 120) -> list[tuple[str, str, bool]]:
        """(code, description, billable) of the reportable members under ``code``: billable codes and the
        stems that take a 7th character (not the 7th-character codes themselves)."""
        k = nodot(code)
        with self._lock:
            rows = self._con.execute(
                "SELECT code, description, billable FROM icd_nodes WHERE nodot > ? AND nodot < ? AND "
                "((billable=1 AND stem IS NULL) OR (billable=0 AND stem IS NOT NULL)) ORDER BY seq LIMIT ?",
                (k, k + "\x7f", limit)).fetchall()
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def default_children(self, codes: list[str]) -> dict[str, list[str]]:
        """parent -> its default billable child first (the code to bill when the documentation says no
        more than the parent does): the child whose title says 'unspecified' most often (H01.00 ->
        H01.009, unspecified eye and eyelid), else the first 'without ...' child (E05.0 -> E05.00)."""
        if not codes:
            return {}
        qs = ",".join("?" * len(codes))
        with self._lock:
            rows = self._con.execute(
                f"SELECT parent, code, description FROM icd_nodes WHERE parent IN ({qs}) AND billable=1 "
                "ORDER BY seq", codes).fetchall()
        best: dict[str, tuple[int, int, str]] = {}
        for i, (parent, code, desc) in enumerate(rows):
            d = desc.lower()
            rank = (d.count("unspecified") * 2 + (1 if "without" in d else 0), -i)
            if rank[0] and (parent not in best or rank > best[parent][:2]):
                best[parent] = (rank[0], rank[1], code)
        return {p: [b[2]] for p, b in best.items()}

    def seventh_children_many(self, stems: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
        """stem code -> [(code, 7th-character meaning)], for many stems in one query (``stems`` maps each
        stem code to its description)."""
        if not stems:
            return {}
        qs = ",".join("?" * len(stems))
        with self._lock:
            rows = self._con.execute(
                f"SELECT parent, code, description FROM icd_nodes WHERE parent IN ({qs}) AND billable=1 "
                "AND length(nodot)=7 ORDER BY seq", list(stems)).fetchall()
        out: dict[str, list[tuple[str, str]]] = {}
        for parent, code, desc in rows:
            out.setdefault(parent, []).append((code, desc[len(stems[parent]) + 2:]))
        return out

    def seventh_children(self, code: str) -> list[tuple[str, str]]:
        """(code, 7th-character meaning) of the codes made from a stem by adding the 7th character."""
        with self._lock:
            rows = self._con.execute("SELECT code, description FROM icd_nodes WHERE parent=? AND billable=1 "
                                     "AND length(nodot)=7 ORDER BY seq", (code,)).fetchall()
            parent = self._con.execute("SELECT description FROM icd_nodes WHERE code=?", (code,)).fetchone()
        cut = len(parent[0]) + 2 if parent else 0
        return [(c, d[cut:]) for c, d in rows]

    def is_valid(self, code: str, dos: date | None = None) -> bool:
        """True when the code exists and is billable (complete) in the version effective on ``dos``."""
        e = self.get(code, dos)
        return e is not None and e.billable

    def children(self, code: str) -> tuple[str, ...]:
        """Direct children (codes, in Tabular order)."""
        e = self.get(code)
        if e is None:
            return ()
        with self._lock:
            return tuple(r[0] for r in self._con.execute(
                "SELECT code FROM icd_nodes WHERE parent=? ORDER BY seq", (e.code,)))

    def billable_descendants(self, code: str, limit: int | None = None) -> tuple[str, ...]:
        """Every billable code at or below ``code`` (itself when billable), in Tabular order."""
        e = self.get(code)
        if e is None:
            return ()
        if e.billable:
            return (e.code,)
        with self._lock:
            if e.kind in ("chapter", "block"):
                col = "chapter" if e.kind == "chapter" else "block"
                rows = self._con.execute(f"SELECT code FROM icd_nodes WHERE {col}=? AND billable=1 ORDER BY seq"
                                         + (f" LIMIT {int(limit)}" if limit else ""), (e.code,))
            else:
                k = e.nodot
                rows = self._con.execute(
                    "SELECT code FROM icd_nodes WHERE nodot > ? AND nodot < ? AND billable=1 ORDER BY seq"
                    + (f" LIMIT {int(limit)}" if limit else ""), (k, k + "\x7f"))
            return tuple(r[0] for r in rows)

    def count_billable_descendants(self, code: str) -> int:
        e = self.get(code)
        if e is None:
            return 0
        if e.billable:
            return 1
        with self._lock:
            if e.kind in ("chapter", "block"):
                col = "chapter" if e.kind == "chapter" else "block"
                return int(self._con.execute(f"SELECT count(*) FROM icd_nodes WHERE {col}=? AND billable=1",
                                             (e.code,)).fetchone()[0])
            return int(self._con.execute("SELECT count(*) FROM icd_nodes WHERE nodot > ? AND nodot < ? AND billable=1",
                                         (e.nodot, e.nodot + "\x7f")).fetchone()[0])

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Parent, grandparent, ... up to the chapter."""
        out = []
        e = self.get(code)
        while e is not None and e.parent:
            out.append(e.parent)
            e = self.get(e.parent)
        return tuple(out)

    def iter_entries(self, dos: date | None = None, billable_only: bool = False) -> Iterator[Icd10Entry]:
        """Every entry of the version effective on ``dos`` (Tabular order), notes inherited, built in one
        pass over the tables (a few seconds for all 98k nodes)."""
        version = self.version_for(dos)
        with self._lock:
            nodes = self._con.execute(f"SELECT {_NODE_COLS} FROM icd_nodes ORDER BY seq").fetchall()
            notes = self._con.execute("SELECT code, kind, seq, text, ranges FROM icd_notes ORDER BY code, seq").fetchall()
            seventh_rows = self._con.execute("SELECT code, char, text FROM icd_seventh ORDER BY code, char").fetchall()
            vrows: dict[str, tuple[int, str]] | None = None
            if version.label != self.base_version:
                vrows = {r[0]: (r[1], r[2]) for r in self._con.execute(
                    "SELECT nodot, billable, long FROM imp.version_codes WHERE label=?", (version.label,))}
        by_code: dict[str, list[tuple[str, Note]]] = {}
        for at, nkind, _s, text, rng in notes:
            by_code.setdefault(at, []).append(
                (nkind, Note(text, tuple(CodeRange(a, b) for a, b in json.loads(rng)), at)))
        sev: dict[str, dict[str, str]] = {}
        for c, ch, text in seventh_rows:
            sev.setdefault(c, {})[ch] = text
        inherited: dict[str, dict[str, tuple[Note, ...]]] = {}
        base_codes: set[str] = set()
        seventh_note: dict[str, str | None] = {}
        for code, nd, desc, kind, parent, billable, _seq, chapter, block, definer, stem, ph, manif in nodes:
            own = by_code.get(code, [])
            base = inherited.get(parent, {}) if parent else {}
            mine: dict[str, tuple[Note, ...]] = {}
            for k in _INHERITED:
                mine[k] = tuple(n for nk, n in own if nk == k) + base.get(k, ())
            inherited[code] = mine
            s_note = next((n.text for nk, n in own if nk == "seventh_note"), None) or (
                seventh_note.get(parent) if parent else None)
            seventh_note[code] = s_note
            b = bool(billable)
            d = desc
            base_codes.add(nd)
            if vrows is not None:
                v = vrows.get(nd)
                if v is None:
                    continue
                b, d = bool(v[0]), v[1]
            if billable_only and not b:
                continue
            yield Icd10Entry(
                code=code, description=d, kind=kind, billable=b, parent=parent, version=version.label,
                chapter=chapter, block=block, includes=mine["includes"],
                inclusion_terms=tuple(n for nk, n in own if nk == "inclusion_terms"),
                excludes1=mine["excludes1"], excludes2=mine["excludes2"], code_first=mine["code_first"],
                use_additional=mine["use_additional"], code_also=mine["code_also"], notes=mine["notes"],
                seventh_characters=sev.get(definer, {}) if definer else {},
                seventh_character_note=s_note if definer else None, seventh_character_stem=stem,
                requires_seventh_character=stem is not None and not billable, has_placeholder=bool(ph),
                manifestation=bool(manif))
        if vrows is not None:
            # codes of an imported version that the base no longer has (deleted since)
            for nd in sorted(vrows.keys() - base_codes):
                e = self._versioned(None, nd, version)
                if e is not None and (e.billable or not billable_only):
                    yield e

    # -- conventions ----------------------------------------------------------------------------------
    def excludes1_conflict(self, a: str, b: str, dos: date | None = None) -> Note | None:
        """The Excludes1 note that forbids reporting ``a`` together with ``b`` (either direction), else None."""
        ea, eb = self.get(a, dos), self.get(b, dos)
        if ea is None or eb is None:
            return None
        for first, second in ((ea, eb), (eb, ea)):
            for note in first.excludes1:
                if note.mentions(second.code):
                    return note
        return None

    def excludes2_notes(self, a: str, b: str, dos: date | None = None) -> Note | None:
        ea, eb = self.get(a, dos), self.get(b, dos)
        if ea is None or eb is None:
            return None
        for first, second in ((ea, eb), (eb, ea)):
            for note in first.excludes2:
                if note.mentions(second.code):
                    return note
        return None

    def is_manifestation(self, code: str) -> bool:
        """A manifestation code ('in diseases classified elsewhere', printed in italics in the Tabular):
        it carries a code-first instruction and may never be first-listed."""
        e = self.get(code)
        return bool(e and e.manifestation)

    def fix_placeholder(self, code: str) -> str | None:
        """The valid code a coder most likely meant when the placeholder X was left out: 'T360X1A' is
        valid already; 'T3601A' -> 'T36.0X1A', 'S0101A' -> 'S01.01XA'. None when nothing fits."""
        c = nodot(code)
        if self.is_valid(c):
            return dotted(c)
        if len(c) < 4:
            return None
        body, seventh = c[:-1], c[-1]
        for i in range(len(body), 2, -1):
            cand = body[:i] + "X" * (6 - len(body)) + body[i:] if len(body) < 6 else None
            if cand and len(cand) == 6 and self.is_valid(cand + seventh):
                return dotted(cand + seventh)
        return None

    # -- versions compared --------------------------------------------------------------------------------
    def _codes_of(self, label: str) -> dict[str, tuple[bool, str]]:
        with self._lock:
            if label == self.base_version:
                rows = self._con.execute(
                    "SELECT nodot, billable, description FROM icd_nodes WHERE kind NOT IN ('chapter','block')")
            else:
                rows = self._con.execute("SELECT nodot, billable, long FROM imp.version_codes WHERE label=?", (label,))
            return {r[0]: (bool(r[1]), r[2]) for r in rows}

    def diff(self, old: str, new: str, billable_only: bool = True) -> VersionDiff:
        """Codes added, deleted and retitled from version ``old`` to ``new`` (labels from versions())."""
        labels = {v.label for v in self.versions()}
        for lab in (old, new):
            if lab not in labels:
                raise KeyError(f"unknown ICD-10-CM version {lab!r}; known: {', '.join(sorted(labels))}")
        a, b = self._codes_of(old), self._codes_of(new)
        if billable_only:
            a = {k: v for k, v in a.items() if v[0]}
            b = {k: v for k, v in b.items() if v[0]}
        added = tuple(dotted(c) for c in sorted(b.keys() - a.keys()))
        deleted = tuple(dotted(c) for c in sorted(a.keys() - b.keys()))
        revised = tuple(dotted(c) for c in sorted(a.keys() & b.keys())
                        if " ".join(a[c][1].lower().split()) != " ".join(b[c][1].lower().split()))
        return VersionDiff("icd10cm", old, new, added, deleted, revised)


def fiscal_year_dates(fy: int) -> tuple[date, date]:
    """FY2025 runs 2024-10-01 to 2025-09-30."""
    return date(fy - 1, 10, 1), date(fy, 10, 1) - timedelta(days=1)
