"""Readers for the CMS edit files as CMS publishes them (and the tab-separated tables derived from them).

Every reader yields plain tuples and raises `EditDataError` naming the file and line for anything it cannot
read, so an import either loads a whole release or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["ptp", "mue", "aoc", "mce"]

_CODE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
ACTIVE = 99991231  # deletion date of an edit still in force


class EditDataError(ValueError):
    """An edit file that cannot be read; names the file and line."""


@dataclass(frozen=True, slots=True)
class PtpRow:
    column1: str
    column2: str
    effective: int        # YYYYMMDD, 0 when the file does not say
    deletion: int         # YYYYMMDD last day in force, ACTIVE when '*'
    modifier: int         # 0 not allowed, 1 allowed, 9 not applicable
    rationale: str


@dataclass(frozen=True, slots=True)
class MueRow:
    code: str
    value: int
    mai: int              # 1 line edit, 2 date-of-service policy, 3 date-of-service clinical
    rationale: str


@dataclass(frozen=True, slots=True)
class AocRow:
    primary: str          # 'CCCCC' = primary codes defined by the Medicare contractor (edit type 2)
    addon: str
    edit_type: int
    effective: int
    deletion: int


@dataclass(frozen=True, slots=True)
class EditFile:
    path: Path
    kind: Kind
    effective: dt.date | None   # the quarter the file is in force from, when its name says
    label: str                  # release label, e.g. 'ptp 2024Q3'


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.decompress(path.read_bytes()) if path.suffix.lower() == ".gz" else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")   # CMS files are Windows-1252/latin-1
    return io.StringIO(text, newline="")


def _rows(path: Path) -> Iterator[list[str]]:
    """Rows of a TXT/TSV/CSV (optionally gzipped) or XLSX file, every cell as stripped text."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".xlsx", ".xlsm")):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    yield [_cell(v) for v in row]
        finally:
            wb.close()
        return
    fh = _open_text(path)
    sample = fh.read(4096)
    fh.seek(0)
    delim = "\t" if sample.count("\t") >= sample.count(",") else ","
    for row in csv.reader(fh, delimiter=delim):
        yield [c.strip() for c in row]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime | dt.date):
        return v.strftime("%Y%m%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _date(text: str, where: str, *, blank: int) -> int:
    t = text.strip()
    if t in ("", "*"):
        return blank
    t = t.replace("-", "").replace("/", "")
    if re.fullmatch(r"\d{8}", t):
        return int(t)
    raise EditDataError(f"{where}: '{text}' is not a date (YYYYMMDD)")


def _norm_header(h: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", h.lower()).strip("_")


# ---------------------------------------------------------------- classification

_QUARTER = re.compile(r"(20\d\d)[_-]?q([1-4])", re.I)
_NCCI_VERSION = re.compile(r"v(\d\d)(\d)r\d", re.I)
_EFF = re.compile(r"eff[_-]?(\d\d)[-_](\d\d)[-_](20\d\d)", re.I)


def effective_from_name(name: str) -> dt.date | None:
    """The first day a quarterly file is in force, read from its CMS name: 'v302r0' is NCCI version 30.2
    (2024 Q3: versions count years from 1994, the minor digit is the quarter - 1), '2024q3', 'Eff_04-01-2026'."""
    if m := _EFF.search(name):
        return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    if m := _QUARTER.search(name):
        return dt.date(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1)
    if m := _NCCI_VERSION.search(name):
        year, minor = 1994 + int(m.group(1)), int(m.group(2))
        if minor <= 3:
            return dt.date(year, 3 * minor + 1, 1)
    return None


def classify(path: Path) -> Kind | None:
    """What an edit file holds, from its name (CMS names are stable) or else its first rows."""
    n = path.name.lower()
    if n.endswith((".md", ".pdf", ".zip")) or n.startswith("readme"):
        return None
    if "mce" in n and "dx" in n:
        return "mce"
    if "aoc" in n or "add_on" in n or "addon" in n:
        return "aoc"
    if "mue" in n:
        return "mue"
    if "ptp" in n or n.startswith(("ccipra", "ccioph", "ccip")):
        return "ptp"
    try:
        head = " ".join(" ".join(r) for _, r in zip(range(12), _rows(path), strict=False)).lower()
    except (OSError, ValueError):
        return None
    if "add" in head and "on" in head and "primary" in head:
        return "aoc"
    if "mue" in head:
        return "mue"
    if "column" in head and "modifier" in head:
        return "ptp"
    return None


def find_edit_files(path: Path) -> list[EditFile]:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = []
    for p in files:
        kind = classify(p)
        if kind is None or kind == "mce":
            continue
        eff = effective_from_name(p.name)
        label = f"{kind} {eff.year}Q{(eff.month - 1) // 3 + 1}" if eff else f"{kind} {p.stem}"
        out.append(EditFile(p, kind, eff, label))
    return out


# ---------------------------------------------------------------- PTP

def read_ptp(path: Path) -> Iterator[PtpRow]:
    """PTP rows from the CMS TXT/XLSX layout (7 columns, wrapped 4-line header, AMA notice first) or a
    table with a named header (column1, column2, [prior_1996], [effective_date], deletion_date,
    modifier_indicator, [rationale])."""
    named: dict[str, int] | None = None
    for n, row in enumerate(_rows(path), 1):
        if not row or not any(row):
            continue
        where = f"{path.name}:{n}"
        first = row[0].upper()
        if named is None and n == 1 and "column1" in [_norm_header(c) for c in row]:
            hs = [_norm_header(c) for c in row]
            named = {h: i for i, h in enumerate(hs)}
            for need in ("column1", "column2", "deletion_date", "modifier_indicator"):
                if need not in named:
                    raise EditDataError(f"{where}: PTP header lacks '{need}'")
            continue
        if not _CODE.match(first) or len(row) < 2 or not _CODE.match(row[1].upper()):
            continue   # notice and wrapped header lines
        if named is not None:
            def col(h: str, row: list[str] = row, named: dict[str, int] = named) -> str:
                i = named.get(h)
                return row[i] if i is not None and i < len(row) else ""
            eff = _date(col("effective_date"), where, blank=0)
            dele = _date(col("deletion_date"), where, blank=ACTIVE)
            mod, rat = col("modifier_indicator"), col("rationale")
        else:
            # CMS layout: col1, col2, prior-1996 flag, effective, deletion, modifier, rationale
            if len(row) < 6:
                raise EditDataError(f"{where}: expected 6-7 tab-separated PTP columns, found {len(row)}")
            eff = _date(row[3], where, blank=0)
            dele = _date(row[4], where, blank=ACTIVE)
            mod, rat = row[5], row[6] if len(row) > 6 else ""
        if mod not in ("0", "1", "9"):
            raise EditDataError(f"{where}: modifier indicator '{mod}' is not 0, 1 or 9")
        yield PtpRow(first, row[1].upper(), eff, dele, int(mod), rat)


# ---------------------------------------------------------------- MUE

def read_mue(path: Path) -> Iterator[MueRow]:
    """MUE rows from the CMS CSV/XLSX (copyright notice, header with an embedded newline) or the
    renamed table (hcpcs, mue_value, mue_adjudication_indicator, mue_rationale)."""
    for n, row in enumerate(_rows(path), 1):
        if len(row) < 3 or not _CODE.match(row[0].upper()):
            continue
        where = f"{path.name}: row {n}"
        value, mai = row[1], row[2]
        if not any(ch.isdigit() for ch in value + mai):
            continue   # a header row ('hcpcs,mue_value,...')
        if not value.isdigit():
            raise EditDataError(f"{where}: MUE value '{value}' is not a whole number")
        if not mai[:1].isdigit() or mai[0] not in "123":
            raise EditDataError(f"{where}: MUE adjudication indicator '{mai}' is not 1, 2 or 3")
        yield MueRow(row[0].upper(), int(value), int(mai[0]), row[3] if len(row) > 3 else "")


# ---------------------------------------------------------------- add-on codes

def read_aoc(path: Path) -> Iterator[AocRow]:
    """Add-on code edits: the CMS AOC file (named columns 'Add-on Code', 'Primary Code', 'AOC Edit Type',
    'AOC Edit Effective Date', 'AOC Edit Deletion Date', ...) or the derived TSVs (dates possibly only
    as years)."""
    header: dict[str, int] | None = None
    for n, row in enumerate(_rows(path), 1):
        if not any(row):
            continue
        hs = [_norm_header(c) for c in row]
        if header is None:
            if any("add_on" in h for h in hs) and any("primary" in h for h in hs):
                header = {h: i for i, h in enumerate(hs)}
            continue
        where = f"{path.name}: row {n}"

        def pick(*names: str, row: list[str] = row, header: dict[str, int] = header) -> str:
            for name in names:
                i = header.get(name)
                if i is not None and i < len(row):
                    return row[i]
            return ""

        addon = pick("add_on_code").upper()
        if not _CODE.match(addon):
            continue
        primary = pick("primary_code").upper() or "CCCCC"
        typ = pick("aoc_edit_type", "edit_type")
        if typ not in ("1", "2", "3"):
            raise EditDataError(f"{where}: AOC edit type '{typ}' is not 1, 2 or 3")
        eff = _date(pick("aoc_edit_effective_date"), where, blank=0)
        dele = _date(pick("aoc_edit_deletion_date"), where, blank=ACTIVE)
        if y := pick("aoc_edit_effective_year"):
            eff = int(y) * 10000 + 101
        if y := pick("aoc_edit_deletion_year"):
            dele = int(y) * 10000 + 1231
        yield AocRow(primary, addon, int(typ), eff, dele)


def chunks(it: Iterable[tuple[object, ...]], size: int = 50_000) -> Iterator[list[tuple[object, ...]]]:
    buf: list[tuple[object, ...]] = []
    for x in it:
        buf.append(x)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf
