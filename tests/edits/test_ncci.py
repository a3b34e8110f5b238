from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chartclaim.edits.sources import EditDataError, effective_from_name, read_mue, read_ptp
from chartclaim.edits.store import EditStore, import_ncci, list_releases

from .conftest import SAMPLE, make_claim
from .helpers import errors, rule_ids


def test_cms_ptp_txt_layout_is_read(edit_files: Path) -> None:
    rows = list(read_ptp(edit_files / "ccipra-v320r0-f1.TXT"))
    assert len(rows) == 6
    first = rows[0]
    assert (first.column1, first.column2, first.modifier, first.effective) == ("20610", "99214", 1, 20200101)
    assert rows[4].deletion == 20201231


def test_cms_mue_csv_with_notice_and_wrapped_header(edit_files: Path) -> None:
    rows = {r.code: r for r in read_mue(edit_files / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv")}
    assert rows["20610"].value == 2 and rows["20610"].mai == 3
    assert rows["J1100"].mai == 1


def test_quarter_from_cms_names() -> None:
    assert effective_from_name("ccipra-v302r0-f1.TXT") == dt.date(2024, 7, 1)
    assert effective_from_name("ccipra-v322r0-f1.excerpt.txt") == dt.date(2026, 7, 1)
    assert effective_from_name("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv") == dt.date(2026, 4, 1)
    assert effective_from_name("ptp_practitioner_v301r0_2024q2.tsv.gz") == dt.date(2024, 4, 1)
    assert effective_from_name("AOC_V2024Q2-MCR.xlsx") == dt.date(2024, 4, 1)


def test_bad_modifier_indicator_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "ccipra-v320r0-f9.TXT"
    f.write_text("column1\tcolumn2\tdeletion_date\tmodifier_indicator\n20610\t99214\t*\t7\n")
    with pytest.raises(EditDataError, match=r"ccipra-v320r0-f9.TXT:2"):
        import_ncci(f, tmp_path / "s.sqlite")
    assert list_releases(tmp_path / "s.sqlite") == []   # nothing half-written


def test_em_with_procedure_needs_modifier_25(ctx) -> None:
    bad = errors(make_claim(line1={"modifiers": []}), ctx)
    assert [(e.rule_id, e.family, e.line) for e in bad] == [("NCCI-PTP-1", "ncci-ptp", 1)]
    assert "modifier 25" in bad[0].message and "99214" in bad[0].message
    assert errors(make_claim(), ctx) == []
    # 59 does not unbundle an E/M
    assert rule_ids(make_claim(line1={"modifiers": ["59"]}), ctx, "ncci-ptp") == {"NCCI-PTP-1"}


def test_modifier_indicator_0_cannot_be_bypassed(ctx) -> None:
    pair = [{**SAMPLE["lines"][0], "procedure": "80053", "modifiers": [], "dx_pointers": [1]},
            {**SAMPLE["lines"][1], "procedure": "80048", "modifiers": ["59"]}]
    bad = errors(make_claim(lines=pair), ctx)
    assert [(e.rule_id, e.line) for e in bad] == [("NCCI-PTP-0", 2)]


def test_modifier_indicator_1_bypassed_by_distinct_modifier(ctx) -> None:
    pair = [{**SAMPLE["lines"][0], "procedure": "93000", "modifiers": []},
            {**SAMPLE["lines"][1], "procedure": "93005"}]
    assert rule_ids(make_claim(lines=pair), ctx) == {"NCCI-PTP-1"}
    pair[1] = {**pair[1], "modifiers": ["XU"]}
    assert rule_ids(make_claim(lines=pair), ctx) == set()


def test_deleted_and_indicator_9_edits_do_not_fire(ctx) -> None:
    pair = [{**SAMPLE["lines"][0], "procedure": "93000", "modifiers": []},
            {**SAMPLE["lines"][1], "procedure": "93010"}]
    assert rule_ids(make_claim(lines=pair), ctx, "ncci-ptp") == set()          # deleted 2020-12-31
    pair = [{**SAMPLE["lines"][0], "procedure": "11102", "modifiers": []},
            {**SAMPLE["lines"][1], "procedure": "11104"}]
    assert rule_ids(make_claim(lines=pair), ctx, "ncci-ptp") == set()          # indicator 9


def test_ptp_only_same_day(ctx) -> None:
    other_day = make_claim(line1={"modifiers": []}, line2={"date_of_service": "2026-03-03"})
    assert rule_ids(other_day, ctx, "ncci-ptp") == set()


def test_mue_per_day(ctx) -> None:
    bad = errors(make_claim(line2={"units": 3}), ctx)
    assert [(e.rule_id, e.family, e.line) for e in bad] == [("NCCI-MUE-DOS", "ncci-mue", 2)]
    assert errors(make_claim(line2={"units": 2}), ctx) == []
    split = make_claim(lines=[*SAMPLE["lines"], {**SAMPLE["lines"][1], "units": 2, "modifiers": ["76"]}])
    assert "NCCI-MUE-DOS" in rule_ids(split, ctx)   # 1 + 2 > 2 on the same day


def test_mue_per_line(ctx) -> None:
    line = {**SAMPLE["lines"][1], "procedure": "J1100", "units": 5}
    assert rule_ids(make_claim(lines=[SAMPLE["lines"][0], line]), ctx, "ncci-mue") == {"NCCI-MUE-LINE"}
    two = [SAMPLE["lines"][0], {**line, "units": 4}, {**line, "units": 4, "modifiers": ["59"]}]
    assert rule_ids(make_claim(lines=two), ctx, "ncci-mue") == set()


def test_mue_zero_is_not_a_units_error(ctx) -> None:
    well_child = make_claim(diagnoses=["Z00.129"], subscriber={"dob": "2020-01-01"},
                            lines=[{**SAMPLE["lines"][0], "procedure": "99392", "modifiers": [], "dx_pointers": [1]}])
    assert errors(well_child, ctx) == []


def test_addon_needs_primary(ctx) -> None:
    bad = errors(make_claim(line2={"procedure": "99417"}), ctx)
    assert [(e.rule_id, e.family, e.line) for e in bad] == [("NCCI-ADDON", "ncci-addon", 2)]
    ok = make_claim(line1={"procedure": "99215", "modifiers": []}, line2={"procedure": "99417"})
    assert rule_ids(ok, ctx, "ncci-addon") == set()
    # type 2 (contractor-defined primaries) can't be checked: no edit
    assert rule_ids(make_claim(line2={"procedure": "0054T"}), ctx, "ncci-addon") == set()


def test_quarter_is_picked_by_date_of_service(tmp_path: Path) -> None:
    old = tmp_path / "ccipra-v300r0-f1.txt"
    old.write_text("column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n20610\t99214\t*\t0\tx\n")
    new = tmp_path / "ccipra-v301r0-f1.txt"
    new.write_text("column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n20610\t99214\t*\t1\tx\n")
    store_path = tmp_path / "s.sqlite"
    import_ncci(tmp_path, store_path)
    store = EditStore(store_path)
    assert store.ptp("20610", "99214", dt.date(2024, 2, 1)).modifier == 0     # v30.0 = 2024 Q1
    assert store.ptp("20610", "99214", dt.date(2024, 5, 1)).modifier == 1     # v30.1 = 2024 Q2
    assert store.ptp("99214", "20610", dt.date(2024, 5, 1)) is None


def test_pfs_addon_g2211_needs_office_em(ctx) -> None:
    assert rule_ids(make_claim(line2={"procedure": "G2211"}), ctx, "ncci-addon") == set()
    lab_only = make_claim(line1={"procedure": "36415", "modifiers": []}, line2={"procedure": "G2211"})
    assert rule_ids(lab_only, ctx, "ncci-addon") == {"NCCI-ADDON"}


def test_ncci_does_not_apply_to_inpatient_stays(ctx) -> None:
    lines = [{**SAMPLE["lines"][0], "modifiers": [], "revenue_code": "0450"}, {**SAMPLE["lines"][1], "revenue_code": "0360"}]
    inpatient = make_claim(claim_type="institutional", type_of_bill="0111", lines=lines)
    assert rule_ids(inpatient, ctx, "ncci-ptp") == set()


def test_cms_ptp_xlsx_layout(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CPT only copyright 2025 American Medical Association.  All rights reserved."])
    ws.append(["Column 1", "Column 2", "*=in existence\nprior to 1996", "Effective\nDate",
               "Deletion\nDate\n*=no data", "Modifier\n0=not allowed\n1=allowed\n9=not applicable",
               "PTP Edit Rationale"])
    ws.append(["20610", "99214", None, 20200101, "*", 1, "CPT Manual or CMS manual coding instruction"])
    ws.append([80053, 80048, "*", dt.datetime(1996, 1, 1), "*", 0, "CPT Manual or CMS manual coding instruction"])
    path = tmp_path / "ccipra-v320r0-f1.xlsx"
    wb.save(path)
    rows = list(read_ptp(path))
    assert [(r.column1, r.column2, r.modifier, r.effective) for r in rows] == [
        ("20610", "99214", 1, 20200101), ("80053", "80048", 0, 19960101)]
    (rel,) = import_ncci(path, tmp_path / "s.sqlite")
    assert (rel.kind, rel.label, rel.rows) == ("ptp", "2026Q1", 2)


def test_anatomic_modifiers_bypass_only_for_a_different_site(ctx) -> None:
    def pair(m1: list[str], m2: list[str]):
        return make_claim(lines=[{**SAMPLE["lines"][0], "procedure": "93000", "modifiers": m1},
                                 {**SAMPLE["lines"][1], "procedure": "93005", "modifiers": m2}])
    assert rule_ids(pair(["RT"], ["LT"]), ctx, "ncci-ptp") == set()
    assert rule_ids(pair([], ["LT"]), ctx, "ncci-ptp") == set()
    assert rule_ids(pair(["RT"], []), ctx, "ncci-ptp") == {"NCCI-PTP-1"}
    assert rule_ids(pair(["RT"], ["RT"]), ctx, "ncci-ptp") == {"NCCI-PTP-1"}


def test_one_context_serves_threads(ctx) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from chartclaim.edits import scrub

    claims = [make_claim(line1={"modifiers": []}), make_claim(line2={"units": 3}), make_claim(),
              make_claim(line2={"procedure": "99417"})] * 25
    expected = [[e.rule_id for e in scrub(c, ctx)] for c in claims]
    fresh = type(ctx)(today=ctx.today, store=EditStore(ctx.store.path), rules=ctx.rules)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda c: [e.rule_id for e in scrub(c, fresh)], claims))
    assert got == expected
