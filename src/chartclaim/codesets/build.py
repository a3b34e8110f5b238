"""Compile the built-in code sets into one SQLite file, once, atomically.

The base file holds what ships with the product (ICD-10-CM FY2026 from the simple-icd-10-cm wheel, our
lexicon and small CPT/HCPCS/modifier/POS/CARC/RARC/taxonomy sets). It is keyed to the wheel version, the
builder version and a digest of our data files, so an upgrade rebuilds it. Imports live in a separate file
(see store.py) and survive a rebuild."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path

from chartclaim.codesets.lexicon import data_files, load_lexicon, rewrite_words
from chartclaim.codesets.ranges import parse_ranges
from chartclaim.codesets.tabular import nodot, parse_tabular, read_code_list, wheel_paths
from chartclaim.codesets.text import required_tokens, tokens, words

BUILDER_VERSION = "3"
BASE_VERSION = "FY2026-04"          # the April 1 2026 update of FY2026 (what the wheel carries)
BASE_EFFECTIVE = date(2026, 4, 1)
BASE_END = date(2026, 9, 30)

# Built-in flat systems: file -> system name. Written by us (plain-language labels; no AMA/X12 text).
BUILTIN_SIMPLE = {
    "cpt.tsv": "cpt",
    "hcpcs.tsv": "hcpcs",
    "modifiers.tsv": "modifiers",
    "pos.tsv": "pos",
    "carc.tsv": "carc",
    "rarc.tsv": "rarc",
    "group_codes.tsv": "group",
    "taxonomy.tsv": "taxonomy",
}

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE icd_nodes(
  code TEXT PRIMARY KEY, nodot TEXT NOT NULL, description TEXT NOT NULL, kind TEXT NOT NULL, parent TEXT,
  billable INTEGER NOT NULL, seq INTEGER NOT NULL, chapter TEXT, block TEXT, seventh_definer TEXT, stem TEXT,
  has_placeholder INTEGER NOT NULL, manifestation INTEGER NOT NULL);
CREATE UNIQUE INDEX icd_nodes_nodot ON icd_nodes(nodot);
CREATE INDEX icd_nodes_parent ON icd_nodes(parent, seq);
CREATE TABLE icd_notes(code TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL,
  ranges TEXT NOT NULL);
CREATE INDEX icd_notes_code ON icd_notes(code);
CREATE TABLE icd_seventh(code TEXT NOT NULL, char TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY(code, char));
CREATE TABLE versions(system TEXT NOT NULL, label TEXT NOT NULL, effective TEXT NOT NULL, end_date TEXT NOT NULL,
  source TEXT NOT NULL, count INTEGER NOT NULL, billable INTEGER NOT NULL, PRIMARY KEY(system, label));
CREATE TABLE simple_codes(system TEXT NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL,
  long_description TEXT NOT NULL DEFAULT '', effective TEXT, end_date TEXT, source TEXT NOT NULL,
  extra TEXT NOT NULL DEFAULT '{}', PRIMARY KEY(system, code));
CREATE TABLE search_docs(id INTEGER PRIMARY KEY, code TEXT NOT NULL, field TEXT NOT NULL, text TEXT NOT NULL,
  tokens TEXT NOT NULL, required TEXT NOT NULL);
CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_docs', content_rowid='id',
  tokenize='unicode61', detail='none');
CREATE TABLE vocab(token TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
"""


def _data_digest() -> str:
    """Our data files and the modules whose output is compiled in (tokenising, parsing, building): any
    change to either makes the stored base stale."""
    h = hashlib.sha1()
    here = Path(__file__).parent
    for mod in ("build.py", "tabular.py", "text.py", "ranges.py", "lexicon.py"):
        h.update((here / mod).read_bytes())
    base = resources.files("chartclaim") / "data" / "codesets"
    for name in data_files():
        h.update(name.encode())
        h.update((base / name).read_bytes())
    return h.hexdigest()[:16]


def build_key() -> str:
    _, _, wheel = wheel_paths()
    return f"builder {BUILDER_VERSION}; simple-icd-10-cm {wheel}; data {_data_digest()}"


def stored_key(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key='build_key'").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock beside ``path`` so two processes (or xdist workers) never build at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_base(path: Path) -> bool:
    """Build the base file when missing or stale. Returns True when this call built it."""
    key = build_key()
    if stored_key(path) == key:
        return False
    with file_lock(path):
        if stored_key(path) == key:        # another process built it while we waited
            return False
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        try:
            compile_base(tmp, key)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return True


def read_simple_tsv(text: str, system: str, source: str) -> list[tuple[str | None, ...]]:
    rows: list[tuple[str | None, ...]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        code, desc = cells[0], cells[1] if len(cells) > 1 else ""
        long_desc = cells[2] if len(cells) > 2 else ""
        rows.append((system, code.upper(), desc, long_desc, None, None, source, "{}"))
    return rows


def compile_base(path: Path, key: str) -> None:
    xml, code_list, wheel = wheel_paths()
    cl = read_code_list(code_list.read_text(encoding="utf-8"))
    con = sqlite3.connect(path)
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        nodes, notes, seventh, docs = [], [], [], []
        billable = 0
        node_desc: dict[str, str] = {}
        for n in parse_tabular(xml.read_bytes(), cl):
            nodes.append((n.code, nodot(n.code), n.description, n.kind, n.parent, int(n.billable), n.seq,
                          n.chapter, n.block, n.seventh_definer, n.stem, int(n.has_placeholder),
                          int(n.manifestation)))
            billable += n.billable
            node_desc[n.code] = n.description
            for i, (kind, text) in enumerate(n.notes):
                rng = [[r.first, r.last] for r in parse_ranges(text)]
                notes.append((n.code, kind, i, text, json.dumps(rng)))
            for ch, text in n.seventh:
                seventh.append((n.code, ch, text))
            # 7th-character codes are reached through their stem at search time, not indexed one by one.
            if n.kind in ("chapter", "block") or (n.stem is not None and n.billable):
                continue
            docs.append((n.code, "desc", n.description))
            for kind, text in n.notes:
                if kind in ("inclusion_terms", "includes") and not text.endswith(":"):
                    docs.append((n.code, "incl", text))
        lex = load_lexicon()
        for phrase, code in lex.terms:
            if code in node_desc:
                docs.append((code, "lex", phrase))
                # the words a query has after its abbreviations are expanded: 'history of dvt' is reached
                # from 'hx dvt' (-> 'history deep vein thrombosis')
                expanded = " ".join(rewrite_words(lex, phrase))
                if expanded != " ".join(words(phrase)):
                    docs.append((code, "lex", expanded))
        con.executemany("INSERT INTO icd_nodes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", nodes)
        con.executemany("INSERT INTO icd_notes VALUES (?,?,?,?,?)", notes)
        con.executemany("INSERT INTO icd_seventh VALUES (?,?,?)", seventh)
        df: dict[str, int] = {}
        rows = []
        for i, (code, fld, text) in enumerate(docs, 1):
            toks = tokens(text)
            for t in toks:
                df[t] = df.get(t, 0) + 1
            rows.append((i, code, fld, text, " ".join(toks), " ".join(required_tokens(text))))
        con.executemany("INSERT INTO search_docs VALUES (?,?,?,?,?,?)", rows)
        con.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        con.executemany("INSERT INTO vocab VALUES (?,?)", df.items())
        con.execute("INSERT INTO versions VALUES (?,?,?,?,?,?,?)",
                    ("icd10cm", BASE_VERSION, BASE_EFFECTIVE.isoformat(), BASE_END.isoformat(),
                     f"simple-icd-10-cm {wheel}: {xml.name}", sum(1 for n in nodes if n[3] not in
                                                                  ("chapter", "block")), billable))
        base = resources.files("chartclaim") / "data" / "codesets"
        for fname, system in BUILTIN_SIMPLE.items():
            f = base / fname
            if f.is_file():
                con.executemany("INSERT OR REPLACE INTO simple_codes VALUES (?,?,?,?,?,?,?,?)",
                                read_simple_tsv(f.read_text(encoding="utf-8"), system, "built-in"))
        con.executemany("INSERT INTO meta VALUES (?,?)", [("build_key", key), ("wheel", wheel),
                                                           ("tabular", xml.name), ("code_list", code_list.name)])
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
