"""CMS Medicare Code Editor data: per ICD-10-CM code, the dates each set of edit flags applies.

The MCE data carries its own history (a code's flags change over fiscal years: sex edits end on
2024-09-30, when CMS dropped them), so one version answers any date of service; the newest imported
version wins.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chartclaim.edits.sources import EditDataError


@dataclass(frozen=True, slots=True)
class MceSpan:
    start: int                # YYYYMMDD
    end: int                  # YYYYMMDD, 99991231 when open
    flags: frozenset[str]


@dataclass(frozen=True, slots=True)
class AgeRange:
    group: str                # Newborn, Pediatric, Maternity, Adult
    low: int
    high: int
    start: int
    end: int


@dataclass(slots=True)
class MceTables:
    """The MCE diagnosis table. `dx` fills on demand through `loader` (one indexed read per code the first
    time it is seen), so opening the table costs nothing; `load_all` reads every code at once."""

    version: str
    dx: dict[str, tuple[MceSpan, ...]] = field(default_factory=dict)   # undotted code -> spans by start
    ages: tuple[AgeRange, ...] = ()
    loader: Callable[[str], tuple[MceSpan, ...]] | None = None
    load_all: Callable[[], dict[str, tuple[MceSpan, ...]]] | None = None

    def spans(self, code_nodot: str) -> tuple[MceSpan, ...]:
        spans = self.dx.get(code_nodot)
        if spans is None:
            spans = self.loader(code_nodot) if self.loader is not None else ()
            if len(self.dx) > 200_000:
                self.dx.clear()
            self.dx[code_nodot] = spans
        return spans

    def all_codes(self) -> dict[str, tuple[MceSpan, ...]]:
        if self.load_all is not None:
            self.dx = self.load_all()
            self.loader = None
            self.load_all = None
        return self.dx

    def span(self, code_nodot: str, dos: int) -> MceSpan | None:
        """The entry in force on the date (None: the code is not a valid ICD-10-CM code that day)."""
        spans = self.spans(code_nodot)
        if not spans:
            return None
        for s in spans:   # one to three spans per code: a scan beats bisect
            if s.start <= dos <= s.end:
                return s
        return None

    def age_range(self, group: str, dos: int) -> AgeRange | None:
        for a in self.ages:
            if a.group.lower() == group and a.start <= dos <= a.end:
                return a
        return None


def _text(path: Path) -> io.StringIO:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return io.StringIO(raw.decode("utf-8-sig"), newline="")


def _d(v: str) -> int:
    v = v.strip()
    return int(v) if v else 99991231


def read_mce_dx(path: Path) -> Iterator[tuple[str, int, int, str]]:
    rd = csv.reader(_text(path))
    header = [h.strip().lower() for h in next(rd, [])]
    if header[:4] != ["code", "start_date", "end_date", "flags"]:
        raise EditDataError(f"{path.name}: expected header code,start_date,end_date,flags; found {header}")
    for n, row in enumerate(rd, 2):
        if not row:
            continue
        if len(row) < 4 or not re.fullmatch(r"[A-Z0-9]{3,7}", row[0].strip().upper()):
            raise EditDataError(f"{path.name}:{n}: malformed MCE row {row!r}")
        try:
            yield row[0].strip().upper(), _d(row[1]) if row[1].strip() else 0, _d(row[2]), row[3].strip()
        except ValueError:
            raise EditDataError(f"{path.name}:{n}: bad date in {row!r}") from None


def read_mce_ages(path: Path) -> Iterator[tuple[str, int, int, int, int]]:
    rd = csv.DictReader(_text(path))
    for n, row in enumerate(rd, 2):
        try:
            yield (row["age_group"].strip(), int(row["start_age"]), int(row["end_age"]),
                   _d(row["start_date"]), _d(row["end_date"]))
        except (KeyError, ValueError):
            raise EditDataError(f"{path.name}:{n}: malformed age range {row!r}") from None


def mce_version_from_path(path: Path) -> str:
    m = re.search(r"v?(\d\d)[._](\d)", path.name)
    return f"{m.group(1)}.{m.group(2)}" if m else path.name


def find_mce_files(path: Path) -> tuple[Path, Path | None]:
    """The dx edits file and the age ranges file of an MCE folder (or the dx file itself)."""
    if path.is_file():
        ages = next(iter(sorted(path.parent.glob("*age_range*"))), None)
        return path, ages
    dx = sorted(path.glob("*icd10_dx*")) or sorted(path.glob("*dx_edits*"))
    if not dx:
        raise EditDataError(f"{path}: no MCE diagnosis edit file (mce_icd10_dx_edits.csv[.gz]) found")
    ages = next(iter(sorted(path.glob("*age_range*"))), None)
    return dx[0], ages


def age_on(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
