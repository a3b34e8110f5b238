"""The imports file: code-set data a user imports (another ICD-10-CM year, the Alphabetic Index, HCPCS,
a licensed CPT file, full modifier/POS/CARC/RARC/taxonomy lists). Kept apart from the compiled base so a
rebuild of the base never loses it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

IMPORTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions(system TEXT NOT NULL, label TEXT NOT NULL, effective TEXT NOT NULL,
  end_date TEXT NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL, billable INTEGER NOT NULL,
  PRIMARY KEY(system, label));
CREATE TABLE IF NOT EXISTS version_codes(label TEXT NOT NULL, nodot TEXT NOT NULL, billable INTEGER NOT NULL,
  short TEXT NOT NULL, long TEXT NOT NULL, PRIMARY KEY(label, nodot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS simple_codes(system TEXT NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL,
  long_description TEXT NOT NULL DEFAULT '', effective TEXT, end_date TEXT, source TEXT NOT NULL,
  extra TEXT NOT NULL DEFAULT '{}', PRIMARY KEY(system, code));
CREATE TABLE IF NOT EXISTS index_entries(id INTEGER PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL,
  code TEXT, manif TEXT, see TEXT, see_also TEXT, col TEXT, tokens TEXT NOT NULL, required TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS index_entries_code ON index_entries(code);
CREATE VIRTUAL TABLE IF NOT EXISTS index_fts USING fts5(tokens, content='index_entries', content_rowid='id',
  tokenize='unicode61', detail='none');
CREATE TABLE IF NOT EXISTS sources(system TEXT NOT NULL, path TEXT NOT NULL, imported_at TEXT NOT NULL,
  count INTEGER NOT NULL, detail TEXT NOT NULL DEFAULT '', PRIMARY KEY(system, path));
"""


def init_imports(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    try:
        con.executescript(IMPORTS_SCHEMA)
    finally:
        con.close()
