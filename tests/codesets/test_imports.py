from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from chartclaim.codesets import CodeSets
from chartclaim.codesets.importers import (
    CodeSetImportError,
    import_csv_system,
    import_hcpcs,
    import_icd10cm_index,
    import_icd10cm_order,
)
from tests.conftest import shared_file


@pytest.mark.slow
def test_order_file_adds_a_version_and_dates_pick_it(fresh_cs: CodeSets, shared_data: Path) -> None:
    p = shared_file(shared_data, "reference/icd10cm_fy2025/icd10cm_order_2025.txt.gz")
    r = import_icd10cm_order(fresh_cs, p)
    assert r.count > 97_000
    labels = [v.label for v in fresh_cs.icd10cm.versions()]
    assert labels == ["FY2025", "FY2026-04"]
    d = fresh_cs.icd10cm.diff("FY2025", "FY2026-04")
    assert d.added and d.deleted
    new, gone = d.added[0], d.deleted[0]
    assert not fresh_cs.icd10cm.is_valid(new, date(2025, 3, 1))
    assert fresh_cs.icd10cm.is_valid(new, date(2026, 5, 1))
    assert fresh_cs.icd10cm.is_valid(gone, date(2025, 3, 1))
    assert not fresh_cs.icd10cm.is_valid(gone, date(2026, 5, 1))
    old = fresh_cs.icd10cm.get(gone, date(2025, 3, 1))
    assert old is not None and old.version == "FY2025" and old.description
    # FY2025 has its own count of billable codes
    assert fresh_cs.icd10cm.versions()[0].billable == sum(
        1 for _ in fresh_cs.icd10cm.iter_entries(date(2025, 1, 1), billable_only=True))


def test_order_file_plain_text_and_bad_line(fresh_cs: CodeSets, shared_data: Path, tmp_path: Path) -> None:
    p = shared_file(shared_data, "reference/icd10cm_fy2025/icd10cm_order_2025.txt.gz")
    lines = gzip.decompress(p.read_bytes()).decode().splitlines()[:200]
    plain = tmp_path / "icd10cm_order_2025.txt"
    plain.write_text("\n".join(lines) + "\n")
    assert import_icd10cm_order(fresh_cs, plain).count == 200
    bad = tmp_path / "icd10cm_order_2024.txt"
    bad.write_text("\n".join([*lines[:3], "garbage line here"]) + "\n")
    with pytest.raises(CodeSetImportError, match=r"icd10cm_order_2024.txt:4"):
        import_icd10cm_order(fresh_cs, bad)
    assert "FY2024" not in [v.label for v in fresh_cs.icd10cm.versions()]


@pytest.mark.slow
def test_index_xml_and_flattened_csv(fresh_cs: CodeSets, shared_data: Path) -> None:
    files = [shared_file(shared_data, f"icd10cm_index/{n}") for n in (
        "icd10cm-neoplasm-April-1-2026.xml", "icd10cm-drug-April-1-2026.xml",
        "icd10cm-eindex-April-1-2026.xml", "icd10cm_index_2025_flattened.csv")]
    res = {r.detail: r.count for r in import_icd10cm_index(fresh_cs, files)}
    assert set(res) == {"neoplasm", "drug", "eindex", "index"}
    assert res["index"] == 81_024
    # tree rebuilt from Level + row order: 'Aberrant > artery > basilar NEC'
    paths = {e.path: e for e in fresh_cs.index.lookup("Aberrant")}
    assert paths[("Aberrant", "artery", "basilar NEC")].code == "Q28.1"
    # neoplasm table: one entry per column
    lung = [e for e in fresh_cs.index.lookup("Neoplasm, neoplastic") if e.path[-1].startswith("lung")]
    assert any(e.column == "Malignant Primary" for e in lung)
    # codes ending in '-' are kept as printed (more characters needed)
    assert any(e.code and e.code.endswith("-") for e in fresh_cs.index.lookup("Fracture, traumatic"))
    # the index feeds search
    hits = fresh_cs.search("accident barefoot water skier", limit=5)
    assert "V94.4" in [h.code for h in hits] or any(h.code.startswith("V94.4") for h in hits)


@pytest.mark.slow
def test_hcpcs_xlsx_and_fixed_width(fresh_cs: CodeSets, shared_data: Path, tmp_path: Path) -> None:
    p = shared_file(shared_data, "reference/hcpcs_level2/HCPC2025_OCT_ANWEB.xlsx")
    res = {r.system: r.count for r in import_hcpcs(fresh_cs, p)}
    assert res["hcpcs"] == 8463 and res["modifiers"] == 383
    j = fresh_cs.hcpcs.get("J1100")
    assert j is not None and "dexamethasone" in j.long_description.lower()
    assert j.source.endswith(".xlsx")
    # fixed-width: same layout CMS uses (code, seq, recid, long 80, short 28, ..., dates at the end)
    def rec(code: str, recid: str, long: str, short: str, add: str, eff: str, term: str) -> str:
        body = f"{code:<5}00010{recid}{long:<80}{short:<28}"
        return body + " " * 142 + add + eff + (term or " " * 8) + "N"
    txt = tmp_path / "HCPC2026_JAN_ANWEB.txt"
    txt.write_text("\n".join([
        rec("A9999", "3", "Miscellaneous supply, our test record", "Misc supply", "20200101", "20200101", ""),
        rec("G9998", "3", "A retired test code", "Retired", "20100101", "20100101", "20201231"),
    ]) + "\n")
    assert {r.system: r.count for r in import_hcpcs(fresh_cs, txt)} == {"hcpcs": 2}
    g = fresh_cs.hcpcs.get("G9998")
    assert g is not None and g.end == date(2020, 12, 31)
    assert fresh_cs.hcpcs.get("G9998", date(2021, 6, 1)) is None
    assert fresh_cs.hcpcs.is_valid("A9999", date(2021, 6, 1))


def test_cpt_csv_and_errors(fresh_cs: CodeSets, tmp_path: Path) -> None:
    f = tmp_path / "cpt.csv"
    f.write_text("code,descriptor\n99213,Licensed descriptor text\n0001U,Lab test\n")
    assert import_csv_system(fresh_cs, "cpt", f).count == 2
    c = fresh_cs.cpt.get("99213")
    assert c is not None and c.description == "Licensed descriptor text"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,descriptor\n99213,x\nABCDE,y\n")
    with pytest.raises(CodeSetImportError, match=r"bad.csv:3"):
        import_csv_system(fresh_cs, "cpt", bad)
    assert fresh_cs.cpt.get("99213").description == "Licensed descriptor text"  # type: ignore[union-attr]


def test_reference_lists(fresh_cs: CodeSets, shared_data: Path) -> None:
    R = "reference/"
    for system, rel, code in [("pos", "cms_place_of_service/place_of_service.csv", "11"),
                              ("carc", "x12_claim_adjustment_codes/carc.csv", "45"),
                              ("rarc", "x12_claim_adjustment_codes/rarc.csv", "N130"),
                              ("group", "x12_claim_adjustment_codes/claim_adjustment_group_codes.csv", "CO"),
                              ("taxonomy", "nucc_taxonomy/nucc_taxonomy_251.csv", "207Q00000X")]:
        import_csv_system(fresh_cs, system, shared_file(shared_data, R + rel))
        e = fresh_cs.system(system).get(code)
        assert e is not None and e.source != "built-in", system
