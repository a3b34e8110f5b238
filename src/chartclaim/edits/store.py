"""The compiled edit store: NCCI PTP/MUE/add-on releases and MCE tables in one SQLite file.

The PTP table (~2.5 M rows per quarter) stays on disk, keyed by (column 1, column 2), and is read one code
pair at a time; everything small (MUE, add-on codes, MCE, which release covers which column-1 code) is read
into memory on first use. Several quarters coexist: for a date of service the newest release in force that
covers the column-1 code answers, so a partial file (one CMS part, or an excerpt) never hides the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from chartclaim.edits.mce import (
    AgeRange,
    MceSpan,
    MceTables,
    find_mce_files,
    mce_version_from_path,
    read_mce_ages,
    read_mce_dx,
)
from chartclaim.edits.sources import (
    ACTIVE,
    EditDataError,
    EditFile,
    MueRow,
    chunks,
    find_edit_files,
    read_aoc,
    read_mue,
    read_ptp,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS release(
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL, effective INTEGER NOT NULL,
  source TEXT NOT NULL, imported_at TEXT NOT NULL, rows INTEGER NOT NULL, UNIQUE(kind, label));
CREATE TABLE IF NOT EXISTS rationale(id INTEGER PRIMARY KEY, text TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS ptp(
  column1 TEXT NOT NULL, column2 TEXT NOT NULL, release INTEGER NOT NULL, deletion INTEGER NOT NULL,
  effective INTEGER NOT NULL, modifier INTEGER NOT NULL, rationale INTEGER NOT NULL,
  PRIMARY KEY(column1, column2, release, deletion, effective)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ptp_cover(
  column1 TEXT NOT NULL, release INTEGER NOT NULL, PRIMARY KEY(column1, release)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ptp_col2(
  code TEXT NOT NULL, release INTEGER NOT NULL, PRIMARY KEY(code, release)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mue(
  release INTEGER NOT NULL, code TEXT NOT NULL, value INTEGER NOT NULL, mai INTEGER NOT NULL,
  rationale TEXT NOT NULL, PRIMARY KEY(release, code)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aoc(
  release INTEGER NOT NULL, addon TEXT NOT NULL, primary_code TEXT NOT NULL, edit_type INTEGER NOT NULL,
  effective INTEGER NOT NULL, deletion INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS aoc_release ON aoc(release);
CREATE TABLE IF NOT EXISTS mce_dx(
  release INTEGER NOT NULL, code TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, flags TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mce_dx_code ON mce_dx(code, release);
CREATE TABLE IF NOT EXISTS mce_age(
  release INTEGER NOT NULL, grp TEXT NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL,
  start INTEGER NOT NULL, end INTEGER NOT NULL);
"""


def ymd(d: dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def from_ymd(v: int) -> dt.date:
    return dt.date(v // 10000, v // 100 % 100, v % 100)


@dataclass(frozen=True, slots=True)
class Release:
    id: int
    kind: str
    label: str
    effective: dt.date
    source: str
    imported_at: str
    rows: int


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    modifier: int
    rationale: str
    deletion: int
    release: str


def default_store_path() -> Path:
    from chartclaim.settings import get_settings

    return get_settings().data_dir / "edits.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(SCHEMA)
    return con


# ---------------------------------------------------------------- import

Progress = Callable[[str], None]


def _replace_release(con: sqlite3.Connection, kind: str, label: str, effective: dt.date, source: str) -> int:
    old = con.execute("SELECT id FROM release WHERE kind=? AND label=?", (kind, label)).fetchone()
    if old:
        rid = old[0]
        for table in ("ptp_cover", "ptp_col2", "mue", "aoc", "mce_dx", "mce_age"):
            con.execute(f"DELETE FROM {table} WHERE release=?", (rid,))
        if kind == "ptp":
            con.execute("DELETE FROM ptp WHERE release=?", (rid,))
        con.execute("DELETE FROM release WHERE id=?", (rid,))
    cur = con.execute(
        "INSERT INTO release(kind, label, effective, source, imported_at, rows) VALUES (?,?,?,?,?,0)",
        (kind, label, ymd(effective), source, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    assert cur.lastrowid is not None
    return cur.lastrowid


def import_ncci(path: Path, store: Path | None = None, effective: dt.date | None = None,
                progress: Progress | None = None) -> list[Release]:
    """Load NCCI PTP, MUE and add-on code files (one file or a folder). Files of the same kind and quarter
    (CMS parts f1-f4) form one release; re-importing a quarter replaces it. All or nothing per release."""
    files = find_edit_files(path)
    if not files:
        raise EditDataError(f"{path}: no NCCI PTP, MUE or add-on code files found")
    groups: dict[tuple[str, str], list[EditFile]] = defaultdict(list)
    for f in files:
        eff = effective or f.effective
        if eff is None:
            raise EditDataError(f"{f.path}: cannot tell which quarter this file is for; pass --effective")
        label = f"{eff.year}Q{(eff.month - 1) // 3 + 1}" if eff.day == 1 and eff.month in (1, 4, 7, 10) else eff.isoformat()
        groups[(f.kind, label)].append(EditFile(f.path, f.kind, eff, label))
    store = store or default_store_path()
    con = connect(store)
    out: list[Release] = []
    try:
        for (kind, label), group in sorted(groups.items()):
            eff = group[0].effective
            assert eff is not None
            source = ", ".join(str(g.path) for g in group)
            if progress:
                progress(f"importing {kind} {label} from {len(group)} file(s)")
            with con:
                rid = _replace_release(con, kind, label, eff, source)
                n = {"ptp": _load_ptp, "mue": _load_mue, "aoc": _load_aoc}[kind](con, rid, group)
                if n == 0:
                    raise EditDataError(f"{source}: no {kind} rows found")
                con.execute("UPDATE release SET rows=? WHERE id=?", (n, rid))
            out.append(_release(con, rid))
        con.execute("PRAGMA optimize")
    finally:
        con.close()
    return out


def _load_ptp(con: sqlite3.Connection, rid: int, files: list[EditFile]) -> int:
    rationale: dict[str, int] = dict((t, i) for i, t in con.execute("SELECT id, text FROM rationale"))
    covered: set[str] = set()
    col2: set[str] = set()
    n = 0

    def rows() -> Iterable[tuple[object, ...]]:
        nonlocal n
        for f in files:
            for r in read_ptp(f.path):
                rat = rationale.get(r.rationale)
                if rat is None:
                    rat = con.execute("INSERT INTO rationale(text) VALUES (?)", (r.rationale,)).lastrowid
                    assert rat is not None
                    rationale[r.rationale] = rat
                covered.add(r.column1)
                col2.add(r.column2)
                n += 1
                yield (r.column1, r.column2, rid, r.deletion, r.effective, r.modifier, rat)

    for chunk in chunks(rows()):
        con.executemany("INSERT OR REPLACE INTO ptp VALUES (?,?,?,?,?,?,?)", chunk)
    con.executemany("INSERT INTO ptp_cover VALUES (?,?)", [(c, rid) for c in sorted(covered)])
    con.executemany("INSERT INTO ptp_col2 VALUES (?,?)", [(c, rid) for c in sorted(col2)])
    return n


def _load_mue(con: sqlite3.Connection, rid: int, files: list[EditFile]) -> int:
    rows = {r.code: r for f in files for r in read_mue(f.path)}
    con.executemany("INSERT INTO mue VALUES (?,?,?,?,?)",
                    [(rid, r.code, r.value, r.mai, r.rationale) for r in rows.values()])
    return len(rows)


def _load_aoc(con: sqlite3.Connection, rid: int, files: list[EditFile]) -> int:
    rows = {(r.primary, r.addon, r.effective, r.deletion): r for f in files for r in read_aoc(f.path)}
    con.executemany("INSERT INTO aoc VALUES (?,?,?,?,?,?)",
                    [(rid, r.addon, r.primary, r.edit_type, r.effective, r.deletion) for r in rows.values()])
    return len(rows)


def import_mce(path: Path, store: Path | None = None, version: str | None = None) -> Release:
    """Load a Medicare Code Editor release (diagnosis edit flags with their dates, and the age ranges)."""
    dx_file, ages_file = find_mce_files(path)
    label = version or mce_version_from_path(path if path.is_dir() else path.parent)
    con = connect(store or default_store_path())
    try:
        with con:
            rid = _replace_release(con, "mce", label, dt.date(2015, 10, 1), str(path))
            n = 0
            for chunk in chunks((rid, *r) for r in read_mce_dx(dx_file)):
                con.executemany("INSERT INTO mce_dx VALUES (?,?,?,?,?)", chunk)
                n += len(chunk)
            if n == 0:
                raise EditDataError(f"{dx_file}: no MCE rows")
            if ages_file is not None:
                con.executemany("INSERT INTO mce_age VALUES (?,?,?,?,?,?)",
                                [(rid, *r) for r in read_mce_ages(ages_file)])
            con.execute("UPDATE release SET rows=? WHERE id=?", (n, rid))
        return _release(con, rid)
    finally:
        con.close()


def _release(con: sqlite3.Connection, rid: int) -> Release:
    r = con.execute("SELECT id, kind, label, effective, source, imported_at, rows FROM release WHERE id=?",
                    (rid,)).fetchone()
    return Release(r[0], r[1], r[2], from_ymd(r[3]), r[4], r[5], r[6])


def list_releases(store: Path | None = None) -> list[Release]:
    path = store or default_store_path()
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in con.execute("SELECT id FROM release ORDER BY kind, effective")]
        return [_release(con, i) for i in ids]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


# ---------------------------------------------------------------- reading

class EditStore:
    """Read side of the store. Cheap to open; each table loads on first use. Thread-safe for reads."""

    def __init__(self, path: Path | None = None):
        self.path = path or default_store_path()
        self._lock = threading.RLock()   # one SQLite connection, shared by threads: reads take turns
        self._con: sqlite3.Connection | None = None
        self._releases: list[Release] | None = None
        self._ptp_cover: dict[str, tuple[tuple[int, int, str], ...]] | None = None
        self._rationale: dict[int, str] = {}
        self._ptp_cache: dict[tuple[str, str, int], tuple[tuple[int, int, int, int], ...]] = {}
        self._mue: list[tuple[int, str, int, dict[str, MueRow | None]]] | None = None
        self._aoc: list[tuple[int, str, dict[str, tuple[tuple[str, int, int, int], ...]]]] | None = None
        self._mce: MceTables | bool | None = False
        self._known: frozenset[str] | None = None

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def _db(self) -> sqlite3.Connection:
        if self._con is None:
            with self._lock:
                if self._con is None:
                    self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        return self._con

    @property
    def releases(self) -> list[Release]:
        if self._releases is None:
            self._releases = list_releases(self.path)
        return self._releases

    def has(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.releases)

    # PTP -------------------------------------------------------------------------------------------
    def _cover(self) -> dict[str, tuple[tuple[int, int, str], ...]]:
        if self._ptp_cover is None:
            with self._lock:
                cover: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
                if self.exists and self.has("ptp"):
                    labels = {r.id: (ymd(r.effective), r.label) for r in self.releases}
                    for c1, rid in self._db().execute("SELECT column1, release FROM ptp_cover"):
                        eff, label = labels[rid]
                        cover[c1].append((eff, rid, label))
                    self._rationale = dict(self._db().execute("SELECT id, text FROM rationale"))
                self._ptp_cover = {c: tuple(sorted(v, reverse=True)) for c, v in cover.items()}
        return self._ptp_cover

    def is_column1(self, code: str) -> bool:
        return code in self._cover()

    def ptp(self, column1: str, column2: str, dos: dt.date) -> PtpEdit | None:
        """The PTP edit in force on the date for this ordered pair (modifier indicator 9 edits, which
        never applied, are skipped)."""
        releases = self._cover().get(column1)
        if not releases:
            return None
        d = ymd(dos)
        # Newest release in force on the date; a date before every release falls back to the oldest one,
        # whose deletion dates still tell which edits had ended.
        chosen = next((r for r in releases if r[0] <= d), releases[-1])
        key = (column1, column2, chosen[1])
        rows = self._ptp_cache.get(key)
        if rows is None:
            with self._lock:
                rows = tuple(self._db().execute(
                    "SELECT effective, deletion, modifier, rationale FROM ptp "
                    "WHERE column1=? AND column2=? AND release=?", key))
            if len(self._ptp_cache) > 500_000:
                self._ptp_cache.clear()
            self._ptp_cache[key] = rows
        for eff, dele, mod, rat in rows:
            if mod != 9 and eff <= d <= dele:
                return PtpEdit(column1, column2, mod, self._rationale.get(rat, ""), dele, f"NCCI PTP {chosen[2]}")
        return None

    def ptp_retired(self, code: str, dos: dt.date) -> dt.date | None:
        """The day every column-1 PTP edit of `code` had ended, when all of them ended before the date of
        service (CMS ends a code's edits when the code is deleted); None when any edit is still in force or
        the code has none."""
        releases = self._cover().get(code)
        if not releases:
            return None
        d = ymd(dos)
        chosen = next((r for r in releases if r[0] <= d), releases[-1])
        with self._lock:
            last = self._db().execute("SELECT max(deletion) FROM ptp WHERE column1=? AND release=?",
                                      (code, chosen[1])).fetchone()[0]
        return from_ymd(last) if last is not None and last < d else None

    # MUE -------------------------------------------------------------------------------------------
    def _mue_tables(self) -> list[tuple[int, str, int, dict[str, MueRow | None]]]:
        """(effective, label, release id, cache) per MUE release, newest first; rows are read on demand."""
        if self._mue is None:
            with self._lock:
                self._mue = [(ymd(r.effective), r.label, r.id, {}) for r in sorted(
                    (r for r in self.releases if r.kind == "mue"), key=lambda r: r.effective, reverse=True)]
        return self._mue

    def mue(self, code: str, dos: dt.date) -> tuple[MueRow, str] | None:
        tables = self._mue_tables()
        if not tables:
            return None
        d = ymd(dos)
        _eff, label, rid, cache = next((t for t in tables if t[0] <= d), tables[-1])
        if code in cache:
            row = cache[code]
        else:
            with self._lock:
                r = self._db().execute("SELECT value, mai, rationale FROM mue WHERE release=? AND code=?",
                                       (rid, code)).fetchone()
            row = cache[code] = MueRow(code, r[0], r[1], r[2]) if r else None
        return (row, f"NCCI MUE {label}") if row else None

    # Add-on codes ----------------------------------------------------------------------------------
    def _aoc_tables(self) -> list[tuple[int, str, dict[str, tuple[tuple[str, int, int, int], ...]]]]:
        if self._aoc is None:
            with self._lock:
                out = []
                for r in sorted((r for r in self.releases if r.kind == "aoc"), key=lambda r: r.effective,
                                reverse=True):
                    table: dict[str, list[tuple[str, int, int, int]]] = defaultdict(list)
                    for addon, primary, typ, eff, dele in self._db().execute(
                            "SELECT addon, primary_code, edit_type, effective, deletion FROM aoc WHERE release=?",
                            (r.id,)):
                        table[addon].append((primary, typ, eff, dele))
                    out.append((ymd(r.effective), r.label, {k: tuple(v) for k, v in table.items()}))
                self._aoc = out
        return self._aoc

    def addon_primaries(self, addon: str, dos: dt.date) -> tuple[tuple[tuple[str, int], ...], str] | None:
        """(primary code, edit type) pairs in force for an add-on code, or None when it is not an add-on."""
        tables = self._aoc_tables()
        if not tables:
            return None
        d = ymd(dos)
        _, label, table = next((t for t in tables if t[0] <= d), tables[-1])
        rows = table.get(addon)
        if not rows:
            return None
        live = tuple((p, t) for p, t, eff, dele in rows if eff <= d <= dele)
        return (live, f"NCCI add-on codes {label}") if live else None

    # MCE -------------------------------------------------------------------------------------------
    def mce(self) -> MceTables | None:
        if self._mce is False:
            with self._lock:
                rels = sorted((r for r in self.releases if r.kind == "mce"),
                              key=lambda r: tuple(int(x) if x.isdigit() else 0 for x in r.label.split(".")))
                if not rels:
                    self._mce = None
                else:
                    rel = rels[-1]
                    flagsets: dict[str, frozenset[str]] = {}

                    def span_of(start: int, end: int, flags: str) -> MceSpan:
                        fs = flagsets.get(flags)
                        if fs is None:
                            fs = flagsets[flags] = frozenset(f for f in flags.split("|") if f)
                        return MceSpan(start, end, fs)

                    def load(code: str) -> tuple[MceSpan, ...]:
                        with self._lock:
                            rows = self._db().execute(
                                "SELECT start, end, flags FROM mce_dx WHERE release=? AND code=? ORDER BY start",
                                (rel.id, code)).fetchall()
                        return tuple(span_of(*r) for r in rows)

                    def load_all() -> dict[str, tuple[MceSpan, ...]]:
                        dx: dict[str, list[MceSpan]] = defaultdict(list)
                        with self._lock:
                            rows = self._db().execute(
                                "SELECT code, start, end, flags FROM mce_dx WHERE release=? ORDER BY code, start",
                                (rel.id,)).fetchall()
                        for code, start, end, flags in rows:
                            dx[code].append(span_of(start, end, flags))
                        return {k: tuple(v) for k, v in dx.items()}

                    ages = tuple(AgeRange(*r) for r in self._db().execute(
                        "SELECT grp, low, high, start, end FROM mce_age WHERE release=?", (rel.id,)))
                    indexed = self._db().execute(
                        "SELECT 1 FROM sqlite_master WHERE type='index' AND name='mce_dx_code'").fetchone()
                    if indexed:
                        self._mce = MceTables(rel.label, {}, ages, load, load_all)
                    else:   # a store written before the per-code index: read it all once
                        self._mce = MceTables(rel.label, load_all(), ages)
        return self._mce if isinstance(self._mce, MceTables) else None

    def known_procedure(self, code: str) -> bool | None:
        """Whether CMS's NCCI tables (MUE, PTP either column, add-on codes) name the code; None when the
        store lacks PTP or MUE data to say. Nearly every current CPT Category I code has an MUE or a PTP
        edit, so a 5-digit code in none of them is almost surely mistyped or deleted."""
        if self._known is None:
            with self._lock:
                if not (self.has("ptp") and self.has("mue")):
                    self._known = frozenset()
                else:
                    db = self._db()
                    codes = {r[0] for r in db.execute("SELECT DISTINCT code FROM mue")}
                    codes |= {r[0] for r in db.execute("SELECT DISTINCT column1 FROM ptp_cover")}
                    codes |= {r[0] for r in db.execute("SELECT DISTINCT addon FROM aoc")}
                    codes |= {r[0] for r in db.execute("SELECT DISTINCT primary_code FROM aoc")}
                    with contextlib.suppress(sqlite3.OperationalError):   # a store older than ptp_col2
                        codes |= {r[0] for r in db.execute("SELECT DISTINCT code FROM ptp_col2")}
                    self._known = frozenset(codes)
        return (code in self._known) if self._known else None

    def warm(self) -> None:
        """Load every in-memory table now (for servers and benchmarks that want no first-claim latency)."""
        self._cover()
        self._mue_tables()
        self._aoc_tables()
        self.mce()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


__all__ = ["ACTIVE", "EditStore", "PtpEdit", "Release", "import_mce", "import_ncci", "list_releases"]
