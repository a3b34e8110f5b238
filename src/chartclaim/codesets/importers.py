"""Importers into the imports file. Each reads one official (or documented) format, checks every row, and
writes in one transaction: a bad file raises ``CodeSetImportError`` naming file and line and writes nothing.

Formats:
* ICD-10-CM order file (CMS/CDC ``icd10cm_order_YYYY.txt``, fixed width, .gz or plain) -> a new version
* Alphabetic Index: CDC XML (``ICD10CM.index``: main index, external-cause index, neoplasm and drug tables)
  or the flattened main-index CSV (``RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code``)
* HCPCS Level II: CMS alpha-numeric workbook (.xlsx), its CSV export, or the fixed-width .txt
* CPT: a licensed CSV ``code,descriptor`` (header optional)
* modifiers / POS / CARC / RARC / group codes / NUCC taxonomy: CSV with a code and a description column
  (modifiers also from the HCPCS file, which carries them)
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from chartclaim.codesets.core import CodeSets
from chartclaim.codesets.icd10cm import fiscal_year_dates
from chartclaim.codesets.index import SEP
from chartclaim.codesets.tabular import dotted
from chartclaim.codesets.text import required_tokens, tokens


class CodeSetImportError(ValueError):
    """A file that cannot be imported; the message names the file and line (or element)."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    system: str
    path: str
    count: int
    detail: str = ""


def _open_text(path: Path) -> str:
    if not path.exists():
        raise CodeSetImportError(f"{path}: file not found")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise CodeSetImportError(f"{path}: not a text file")


def _record_source(con: sqlite3.Connection, system: str, path: Path, count: int, detail: str = "") -> None:
    con.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?)",
                (system, str(path.resolve()), datetime.now().isoformat(timespec="seconds"), count, detail))


# -- ICD-10-CM order file --------------------------------------------------------------------------------
_ORDER_LINE = re.compile(r"^(\d{5}) ([A-Z0-9]{3,7}) *([01]) (.{1,60}?) *(?: (.*))?$")
_FY_IN_NAME = re.compile(r"(?:19|20)(\d\d)")


def import_icd10cm_order(cs: CodeSets, path: Path, label: str | None = None, effective: date | None = None,
                         end: date | None = None) -> ImportResult:
    """Add an ICD-10-CM version from an order file. Label/dates default from the fiscal year in the file
    name (icd10cm_order_2025.txt -> FY2025, 2024-10-01 .. 2025-09-30)."""
    text = _open_text(path)
    m = _FY_IN_NAME.search(path.name)
    if (label is None or effective is None or end is None) and m is None:
        raise CodeSetImportError(f"{path}: cannot tell the fiscal year from the file name; give label and dates")
    fy = 2000 + int(m.group(1)) if m else 0
    start, stop = fiscal_year_dates(fy) if fy else (date.min, date.max)
    label = label or f"FY{fy}"
    effective = effective or start
    end = end or stop
    if label == cs.icd10cm.base_version:
        raise CodeSetImportError(f"{path}: version {label} is the built-in version")
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        # fixed positions: order 1-5, code 7-13, billable 15, short title 17-76, long title 78-
        code, flag = line[6:13].strip(), line[14:15]
        if not re.fullmatch(r"[A-Z][0-9][0-9A-Z]{1,5}", code) or flag not in "01" or len(line) < 17:
            raise CodeSetImportError(f"{path}:{n}: not an ICD-10-CM order-file line: {line[:40]!r}")
        short = line[16:76].strip()
        long = line[77:].strip() or short
        rows.append((label, code, int(flag), short, long))
    if not rows:
        raise CodeSetImportError(f"{path}: no codes")
    billable = sum(r[2] for r in rows)
    with cs.writer() as con:
        con.execute("DELETE FROM version_codes WHERE label=?", (label,))
        con.executemany("INSERT OR REPLACE INTO version_codes VALUES (?,?,?,?,?)", rows)
        con.execute("INSERT OR REPLACE INTO versions VALUES (?,?,?,?,?,?,?)",
                    ("icd10cm", label, effective.isoformat(), end.isoformat(), path.name, len(rows), billable))
        _record_source(con, "icd10cm", path, len(rows), label)
    cs._changed()
    return ImportResult("icd10cm", str(path), len(rows), f"{label}: {billable} billable")


# -- Alphabetic Index ------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Row:
    source: str
    path: tuple[str, ...]
    code: str | None
    manif: str | None
    see: str | None
    see_also: str | None
    col: str | None
    nemod: str


def _title(el: ET.Element | None) -> tuple[str, str]:
    """(title without nonessential modifiers, the modifiers)."""
    if el is None:
        return "", ""
    parts = [el.text or ""]
    mods = []
    for child in el:
        if child.tag == "nemod":
            mods.append("".join(child.itertext()))
        else:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split()), " ".join(" ".join(mods).split())


def _index_source(path: Path, root: ET.Element) -> str:
    name = path.name.lower()
    heads = [" ".join((h.text or "").split()) for h in root.iter("head")]
    if "neoplasm" in name or (heads and heads[0].lower().startswith("neoplasm")):
        return "neoplasm"
    if "drug" in name or (heads and heads[0].lower().startswith(("substance", "drug"))):
        return "drug"
    if "eindex" in name or "external" in name:
        return "eindex"
    return "index"


def _code_text(s: str | None) -> str | None:
    if s is None:
        return None
    s = " ".join(s.split())
    return s if s and s not in ("-", "--") else None


def _parse_index_xml(path: Path) -> Iterator[_Row]:
    try:
        root = ET.fromstring(path.read_bytes() if not path.name.endswith(".gz")
                             else gzip.decompress(path.read_bytes()))
    except ET.ParseError as e:
        raise CodeSetImportError(f"{path}: line {e.position[0]}, column {e.position[1]}: {e}") from e
    if root.tag != "ICD10CM.index":
        raise CodeSetImportError(f"{path}: root element is <{root.tag}>, expected <ICD10CM.index>")
    source = _index_source(path, root)
    heads = {h.attrib.get("col", ""): " ".join((h.text or "").split()) for h in root.iter("head")}

    def walk(el: ET.Element, trail: tuple[str, ...]) -> Iterator[_Row]:
        title, nemod = _title(el.find("title"))
        here = (*trail, title)
        see = _code_text(el.findtext("see"))
        see_also = _code_text(el.findtext("seeAlso"))
        cells = [(c.attrib.get("col", ""), _code_text("".join(c.itertext()))) for c in el.findall("cell")]
        code = _code_text(el.findtext("code"))
        manif = _code_text(el.findtext("manif"))
        if cells:
            any_code = False
            for col, val in cells:
                if val:
                    any_code = True
                    yield _Row(source, here, val, None, see, see_also, heads.get(col, col), nemod)
            if not any_code and (see or see_also):
                yield _Row(source, here, None, None, see, see_also, None, nemod)
        else:
            yield _Row(source, here, code, manif, see, see_also, None, nemod)
        for t in el.findall("term"):
            yield from walk(t, here)

    for letter in root.findall("letter"):
        for mt in letter.findall("mainTerm"):
            yield from walk(mt, ())


_FLAT_HEADER = ["RowID", "Letter", "Level", "Term", "See", "SeeAlso", "NonEssModif", "Code"]


def _parse_index_csv(path: Path) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(_open_text(path)))
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:8]] != _FLAT_HEADER:
        raise CodeSetImportError(f"{path}:1: expected header {','.join(_FLAT_HEADER)}, got {header}")
    stack: list[str] = []
    for n, row in enumerate(reader, 2):
        if not row:
            continue
        if len(row) < 8:
            raise CodeSetImportError(f"{path}:{n}: expected 8 columns, got {len(row)}")
        try:
            level = int(row[2])
        except ValueError as e:
            raise CodeSetImportError(f"{path}:{n}: Level {row[2]!r} is not a number") from e
        if level > len(stack):
            raise CodeSetImportError(f"{path}:{n}: level {level} under a level-{len(stack) - 1} term")
        del stack[level:]
        stack.append(" ".join(row[3].split()))
        yield _Row("index", tuple(stack), _code_text(row[7]), None, _code_text(row[4]), _code_text(row[5]),
                   None, " ".join(row[6].split()))


def import_icd10cm_index(cs: CodeSets, paths: Iterable[Path]) -> list[ImportResult]:
    """Import Alphabetic Index files. Re-importing a kind (index, eindex, neoplasm, drug) replaces it."""
    parsed: dict[str, list[_Row]] = {}
    files: dict[str, Path] = {}
    for path in paths:
        if not path.exists():
            raise CodeSetImportError(f"{path}: file not found")
        head = path.read_bytes()[:200]
        if head[:2] == b"\x1f\x8b":
            head = gzip.decompress(path.read_bytes())[:200]
        rows = list(_parse_index_xml(path) if head.lstrip().startswith(b"<") else _parse_index_csv(path))
        if not rows:
            raise CodeSetImportError(f"{path}: no index entries")
        src = rows[0].source
        parsed.setdefault(src, []).extend(rows)
        files[src] = path
    results = []
    with cs.writer() as con:
        for src, rows in parsed.items():
            con.execute("DELETE FROM index_entries WHERE source=?", (src,))
            con.executemany(
                "INSERT INTO index_entries(source, path, code, manif, see, see_also, col, tokens, required) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                [(r.source, SEP.join(r.path), r.code, r.manif, r.see, r.see_also, r.col,
                  " ".join(tokens(" ".join(r.path) + " " + r.nemod + " " + (r.col or ""))),
                  " ".join(required_tokens(" ".join(r.path)))) for r in rows])
            _record_source(con, "icd10cm_index", files[src], len(rows), src)
            results.append(ImportResult("icd10cm_index", str(files[src]), len(rows), src))
        con.execute("INSERT INTO index_fts(index_fts) VALUES ('rebuild')")
        con.execute("CREATE TABLE IF NOT EXISTS index_vocab(token TEXT PRIMARY KEY, df INTEGER NOT NULL)")
        con.execute("DELETE FROM index_vocab")
        df: dict[str, int] = {}
        for (toks,) in con.execute("SELECT tokens FROM index_entries"):
            for t in set(toks.split()):
                df[t] = df.get(t, 0) + 1
        con.executemany("INSERT INTO index_vocab VALUES (?,?)", df.items())
    cs._changed()
    return results


# -- flat systems ------------------------------------------------------------------------------------------
def _ymd(s: str | None) -> str | None:
    s = (s or "").strip()
    if not s:
        return None
    if re.fullmatch(r"\d{8}", s):
        return f"{s[:4]}-{s[4:6]}-{s[6:]}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return s
    return None


def _write_simple(cs: CodeSets, system: str, path: Path, rows: list[tuple[str | None, ...]], detail: str = ""
                  ) -> ImportResult:
    if not rows:
        raise CodeSetImportError(f"{path}: no {system} codes found")
    with cs.writer() as con:
        con.execute("DELETE FROM simple_codes WHERE system=?", (system,))
        con.executemany("INSERT OR REPLACE INTO simple_codes VALUES (?,?,?,?,?,?,?,?)", rows)
        _record_source(con, system, path, len(rows), detail)
    cs._changed()
    return ImportResult(system, str(path), len(rows), detail)


def _hcpcs_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, record) from the workbook, its CSV export or the fixed-width text file."""
    name = path.name.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it)]
        if "HCPC" not in header:
            raise CodeSetImportError(f"{path}: sheet 1 has no HCPC column (header {header[:6]})")
        for n, vals in enumerate(it, 2):
            yield n, {h: ("" if v is None else str(v)) for h, v in zip(header, vals, strict=False)}
        wb.close()
        return
    text = _open_text(path)
    first = text.split("\n", 1)[0]
    if first.startswith("HCPC,") or "LONG DESCRIPTION" in first:
        for n, row in enumerate(csv.DictReader(io.StringIO(text)), 2):
            yield n, {k.strip(): (v or "") for k, v in row.items() if k}
        return
    # Fixed width (CMS record layout): code 1-5, sequence 6-10, record id 11, long description 12-91,
    # short description 92-119; the line ends with ADD DT, ACT EFF DT, TERM DT (YYYYMMDD) and ACTION CD.
    tail = re.compile(r"(\d{8})(\d{8})(\d{8}| {8})([A-Z ]?)\s*$")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) < 20 or line[10:11] not in "3478":
            raise CodeSetImportError(f"{path}:{n}: not an HCPCS record (record id {line[10:11]!r})")
        rec = {"HCPC": line[0:5], "SEQNUM": line[5:10], "RECID": line[10:11],
               "LONG DESCRIPTION": line[11:91], "SHORT DESCRIPTION": line[91:119]}
        m = tail.search(line)
        if m:
            rec.update({"ADD DT": m.group(1), "ACT EFF DT": m.group(2), "TERM DT": m.group(3).strip(),
                        "ACTION CD": m.group(4).strip()})
        yield n, rec


def import_hcpcs(cs: CodeSets, path: Path) -> list[ImportResult]:
    """HCPCS Level II codes (record id 3/4) and the modifiers the same file carries (7/8)."""
    codes: dict[str, dict[str, str]] = {}
    mods: dict[str, dict[str, str]] = {}
    for n, rec in _hcpcs_records(path):
        code = rec.get("HCPC", "").strip().upper()
        recid = rec.get("RECID", "").strip()
        if not code:
            continue
        if recid in ("3", "4"):
            if not re.fullmatch(r"[A-V]\d{4}", code):
                raise CodeSetImportError(f"{path}:{n}: HCPC {code!r} is not an HCPCS Level II code")
            target = codes
        elif recid in ("7", "8"):
            target = mods
        else:
            raise CodeSetImportError(f"{path}:{n}: unknown RECID {recid!r} for {code}")
        r = target.setdefault(code, {**rec, "LONG DESCRIPTION": ""})
        # continuation records (4, 8) carry the rest of the long description
        r["LONG DESCRIPTION"] = (r["LONG DESCRIPTION"] + " " + rec.get("LONG DESCRIPTION", "").strip()).strip()

    def rows(system: str, recs: dict[str, dict[str, str]]) -> list[tuple[str | None, ...]]:
        out: list[tuple[str | None, ...]] = []
        for code, r in recs.items():
            extra = {k: v for k in ("BETOS", "COV", "ACTION CD", "PROCNOTE", "MULT_PI", "STATUTE")
                     if (v := (r.get(k) or "").strip())}
            out.append((system, code, (r.get("SHORT DESCRIPTION") or "").strip() or r["LONG DESCRIPTION"],
                        r["LONG DESCRIPTION"], _ymd(r.get("ACT EFF DT")) or _ymd(r.get("ADD DT")),
                        _ymd(r.get("TERM DT")), path.name, json.dumps(extra)))
        return out

    results = [_write_simple(cs, "hcpcs", path, rows("hcpcs", codes))]
    if mods:
        results.append(_write_simple(cs, "modifiers", path, rows("modifiers", mods), "from the HCPCS file"))
    return results


_CODE_COLS = ("code", "hcpcs", "cpt", "pos_code", "pos", "modifier", "mod")
_DESC_COLS = ("descriptor", "description", "long description", "long_description", "desc", "pos_name", "name",
              "display name")


def import_csv_system(cs: CodeSets, system: str, path: Path) -> ImportResult:
    """A code list as CSV: a code column and a description column (header names as the shared reference
    files use them: code/description, pos_code/pos_name, NUCC Code/Classification/Specialization)."""
    if system == "modifiers" and (path.name.lower().endswith(".xlsx") or _open_text(path).startswith("HCPC,")):
        return import_hcpcs_modifiers_only(cs, path)[0]
    text = _open_text(path)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    first = next(reader, None)
    if first is None:
        raise CodeSetImportError(f"{path}: empty file")
    low = [h.strip().lower() for h in first]
    has_header = any(h in _CODE_COLS for h in low)
    if has_header:
        ci = next(i for i, h in enumerate(low) if h in _CODE_COLS)
        di = next((i for i, h in enumerate(low) if h in _DESC_COLS), 1 if ci == 0 else 0)
        data = list(enumerate(reader, 2))
    else:
        ci, di = 0, 1
        data = [(1, first), *enumerate(reader, 2)]
    rows: list[tuple[str | None, ...]] = []
    for n, row in data:
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) <= max(ci, di):
            raise CodeSetImportError(f"{path}:{n}: expected at least {max(ci, di) + 1} columns")
        code = row[ci].strip().upper()
        desc = " ".join(row[di].split())
        extra: dict[str, str] = {}
        if has_header:
            extra = {first[i].strip(): row[i].strip() for i in range(len(row))
                     if i not in (ci, di) and i < len(first) and row[i].strip()}
        if system == "taxonomy" and has_header and "classification" in low:
            parts = [row[low.index(k)].strip() for k in ("grouping", "classification", "specialization")
                     if k in low and row[low.index(k)].strip()]
            desc = " / ".join(parts) or desc
        if system == "cpt" and not re.fullmatch(r"\d{4}[0-9FTU]", code):
            raise CodeSetImportError(f"{path}:{n}: {code!r} is not a CPT code")
        if not code:
            raise CodeSetImportError(f"{path}:{n}: empty code")
        # CARC/RARC 'status: deactivated' stays in extra: the stop date is not in the file
        rows.append((system, code, desc, "", None, None, path.name, json.dumps(extra)))
    return _write_simple(cs, system, path, rows)


def import_hcpcs_modifiers_only(cs: CodeSets, path: Path) -> list[ImportResult]:
    return [r for r in import_hcpcs(cs, path) if r.system == "modifiers"] or [
        ImportResult("modifiers", str(path), 0)]


IMPORT_KINDS = ("icd10cm-order", "icd10cm-index", "hcpcs", "cpt", "modifiers", "pos", "carc", "rarc",
                "group-codes", "taxonomy")


def import_files(cs: CodeSets, kind: str, paths: list[Path]) -> list[ImportResult]:
    """Dispatch for the CLI: ``kind`` is one of IMPORT_KINDS."""
    if kind == "icd10cm-order":
        return [import_icd10cm_order(cs, p) for p in paths]
    if kind == "icd10cm-index":
        return import_icd10cm_index(cs, paths)
    if kind == "hcpcs":
        return [r for p in paths for r in import_hcpcs(cs, p)]
    system = {"group-codes": "group"}.get(kind, kind)
    if system in ("cpt", "modifiers", "pos", "carc", "rarc", "group", "taxonomy"):
        return [import_csv_system(cs, system, p) for p in paths]
    raise CodeSetImportError(f"unknown import kind {kind!r}; one of {', '.join(IMPORT_KINDS)}")


__all__ = ["IMPORT_KINDS", "CodeSetImportError", "ImportResult", "dotted", "import_csv_system", "import_files",
           "import_hcpcs", "import_icd10cm_index", "import_icd10cm_order"]
