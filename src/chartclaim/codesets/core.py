"""CodeSets: the one object that answers every code-set question. See the package docstring."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any

from chartclaim.codesets.build import BASE_VERSION, build_key, ensure_base
from chartclaim.codesets.icd10cm import Icd10cm
from chartclaim.codesets.index import AlphabeticIndex
from chartclaim.codesets.model import SearchHit
from chartclaim.codesets.simple import SimpleSystem
from chartclaim.codesets.store import init_imports

SIMPLE_SYSTEMS = ("hcpcs", "cpt", "modifiers", "pos", "carc", "rarc", "group", "taxonomy")


def imports_path_for(base: Path) -> Path:
    return base.with_name(base.stem + "-imports" + base.suffix)


class CodeSets:
    """ICD-10-CM (versioned by date of service), HCPCS, CPT, modifiers, POS, CARC/RARC/group codes, NUCC
    taxonomy, the Alphabetic Index and the encoder search, over two SQLite files: the compiled base (rebuilt
    when the package data changes) and the imports file (kept across rebuilds)."""

    def __init__(self, base_path: Path, imports_path: Path):
        self.base_path = base_path
        self.imports_path = imports_path
        self._lock = threading.RLock()
        init_imports(imports_path)
        con = sqlite3.connect(f"file:{base_path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
        con.execute("ATTACH DATABASE ? AS imp", (str(imports_path),))
        self._con = con
        self.icd10cm = Icd10cm(con, self._lock, BASE_VERSION)
        self.hcpcs = SimpleSystem(con, self._lock, "hcpcs")
        self.cpt = SimpleSystem(con, self._lock, "cpt")
        self.modifiers = SimpleSystem(con, self._lock, "modifiers")
        self.pos = SimpleSystem(con, self._lock, "pos")
        self.carc = SimpleSystem(con, self._lock, "carc")
        self.rarc = SimpleSystem(con, self._lock, "rarc")
        self.group_codes = SimpleSystem(con, self._lock, "group")
        self.taxonomy = SimpleSystem(con, self._lock, "taxonomy")
        self.index = AlphabeticIndex(con, self._lock)
        self._encoder: Any = None

    @classmethod
    def open(cls, path: Path | str | None = None, imports_path: Path | str | None = None,
             build: bool = True) -> CodeSets:
        """Open (compiling first when missing or stale) the base file at ``path`` (default: settings
        ``codesets_db``). ``imports_path`` defaults to '<stem>-imports.sqlite' beside it: pass a temporary
        path in tests so imports never touch the user's data directory."""
        if path is None:
            from chartclaim.settings import get_settings

            path = get_settings().codesets_db
        base = Path(path)
        if build:
            ensure_base(base)
        elif not base.exists():
            raise FileNotFoundError(f"{base}: code sets not compiled (run `chartclaim codesets status`)")
        return cls(base, Path(imports_path) if imports_path else imports_path_for(base))

    def close(self) -> None:
        self._con.close()

    def system(self, name: str) -> SimpleSystem:
        if name == "group_codes":
            name = "group"
        if name not in SIMPLE_SYSTEMS:
            raise KeyError(f"unknown code system {name!r}; known: icd10cm, {', '.join(SIMPLE_SYSTEMS)}")
        return self.group_codes if name == "group" else getattr(self, name)

    # -- search -----------------------------------------------------------------------------------------
    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from chartclaim.codesets.search import Encoder

            self._encoder = Encoder(self._con, self._lock, self.icd10cm)
        return self._encoder

    def search(self, query: str, system: str = "icd10cm", limit: int = 10, dos: date | None = None
               ) -> list[SearchHit]:
        """Encoder search, best first. ``system`` is 'icd10cm' or a flat system name (hcpcs, cpt, ...)."""
        if system in ("icd10cm", "icd10", "icd"):
            return self.encoder.search(query, limit=limit, dos=dos)
        from chartclaim.codesets.search_simple import search_simple

        return search_simple(self.system(system), query, limit=limit, dos=dos)

    # -- imports ----------------------------------------------------------------------------------------
    def _changed(self) -> None:
        """After an import: drop caches that depend on imported data."""
        self.icd10cm._invalidate()
        if self._encoder is not None:
            self._encoder.reset()

    def writer(self) -> sqlite3.Connection:
        """A write connection to the imports file (importers use it inside one transaction)."""
        return sqlite3.connect(self.imports_path, timeout=60)

    # -- status -----------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Systems, versions, counts and source files, JSON-ready."""
        with self._lock:
            meta = dict(self._con.execute("SELECT key, value FROM main.meta").fetchall())
            sources = [dict(zip(("system", "path", "imported_at", "count", "detail"), r, strict=True))
                       for r in self._con.execute("SELECT system, path, imported_at, count, detail FROM imp.sources "
                                                  "ORDER BY system, imported_at")]
        systems: dict[str, Any] = {
            "icd10cm": {
                "versions": [{"label": v.label, "effective": v.effective.isoformat(), "end": v.end.isoformat(),
                              "codes": v.count, "billable": v.billable, "source": v.source}
                             for v in self.icd10cm.versions()],
            },
        }
        for name in SIMPLE_SYSTEMS:
            b, i = self.system(name).count()
            systems[name] = {"built_in": b, "imported": i}
        systems["icd10cm_index"] = {"entries": len(self.index), "by_source": self.index.sources()}
        return {"base_file": str(self.base_path), "imports_file": str(self.imports_path),
                "build_key": meta.get("build_key"), "current_build_key": build_key(),
                "tabular": meta.get("tabular"), "systems": systems, "imports": sources}


_lock = threading.Lock()
_instance: CodeSets | None = None


def get_codesets() -> CodeSets:
    """The process-wide CodeSets over settings ``codesets_db`` (compiled on first use, ~5 s once)."""
    global _instance
    with _lock:
        if _instance is None:
            _instance = CodeSets.open()
        return _instance


def reset_codesets() -> None:
    """Forget the process-wide instance (tests, or after changing settings)."""
    global _instance
    with _lock:
        if _instance is not None:
            _instance.close()
        _instance = None
