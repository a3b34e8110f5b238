"""The compiled base: built once under a lock, atomically, rebuilt when stale; imports survive rebuilds."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chartclaim.codesets import CodeSets
from chartclaim.codesets.build import build_key, stored_key
from chartclaim.codesets.importers import import_csv_system

BUILD = "from pathlib import Path; import sys; from chartclaim.codesets.build import ensure_base; " \
        "print(ensure_base(Path(sys.argv[1])))"


@pytest.mark.slow
def test_parallel_build_once_then_rebuild_keeps_imports(tmp_path: Path) -> None:
    base = tmp_path / "codesets.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", BUILD, str(base)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(outs) == ["False", "True"]          # one built, the other waited and reused it
    assert stored_key(base) == build_key()
    assert not list(tmp_path.glob("*.tmp-*"))          # no half-built leftovers

    imports = tmp_path / "imports.sqlite"
    cs = CodeSets.open(base, imports)
    csv = tmp_path / "cpt.csv"
    csv.write_text("99213,Our licensed descriptor\n")
    import_csv_system(cs, "cpt", csv)
    cs.close()

    # an upgrade: the stored key no longer matches, so the next open rebuilds the base
    con = sqlite3.connect(base)
    con.execute("UPDATE meta SET value='builder 0; old wheel' WHERE key='build_key'")
    con.commit()
    con.close()
    cs = CodeSets.open(base, imports)
    assert stored_key(base) == build_key()
    e = cs.cpt.get("99213")
    assert e is not None and e.description == "Our licensed descriptor"    # imports survived
    assert cs.icd10cm.is_valid("E11.22")
    cs.close()


def test_open_without_build_reports_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not compiled"):
        CodeSets.open(tmp_path / "none.sqlite", build=False)


def test_status_lists_systems(cs: CodeSets) -> None:
    st = cs.status()
    v = st["systems"]["icd10cm"]["versions"][-1]
    assert v["label"] == "FY2026-04" and v["billable"] >= 74_000
    assert st["systems"]["cpt"]["built_in"] >= 50
    assert st["systems"]["modifiers"]["built_in"] >= 40
    assert st["build_key"] == st["current_build_key"]


def test_builtin_sets_answer_without_shared_data(cs: CodeSets) -> None:
    assert cs.cpt.get("99214") is not None
    assert cs.hcpcs.get("G0439") is not None
    for m in ("25", "59", "XE", "XS", "XP", "XU", "76", "77", "91", "LT", "RT", "26", "TC", "95", "GT", "GA",
              "GY", "GZ"):
        assert cs.modifiers.get(m) is not None, m
    assert cs.pos.get("11") is not None and cs.pos.get("02") is not None
    assert cs.carc.get("45") is not None and cs.rarc.get("N130") is not None
    assert cs.group_codes.get("CO") is not None and cs.taxonomy.get("207Q00000X") is not None
    assert cs.modifiers.get("ZZ") is None
