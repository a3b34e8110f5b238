"""The real CMS files in ../shared/data/reference: layouts read as published, and edits they imply."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chartclaim.edits import ScrubContext
from chartclaim.edits.payer_rules import builtin_rules_dir, load_rules
from chartclaim.edits.store import EditStore, import_mce, import_ncci

from ..conftest import shared_file
from .conftest import SAMPLE, TODAY, make_claim
from .helpers import errors, rule_ids


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MCE, MUE (both CMS and renamed forms), add-on codes and the v32.2 CMS TXT excerpt (small files)."""
    path = tmp_path_factory.mktemp("real") / "edits.sqlite"
    import_mce(shared_file(shared_data, "reference/cms_mce_v43_1"), path)
    import_ncci(shared_file(shared_data, "reference/ncci_mue_practitioner"), path)
    ptp = shared_file(shared_data, "reference/ncci_ptp_practitioner")
    import_ncci(ptp / "aoc_active_v2024q3.tsv", path)
    import_ncci(ptp / "ccipra-v322r0-f1.excerpt.txt", path)
    return path


@pytest.fixture()
def real_ctx(real_store: Path) -> ScrubContext:
    return ScrubContext(today=TODAY, store=EditStore(real_store), rules=tuple(load_rules([builtin_rules_dir()])))


def test_official_layouts_load(real_store: Path) -> None:
    store = EditStore(real_store)
    kinds = {(r.kind, r.label): r.rows for r in store.releases}
    assert kinds[("mue", "2026Q2")] == 15095
    assert kinds[("ptp", "2026Q3")] == 154          # the CMS TXT excerpt with its wrapped header
    assert kinds[("aoc", "2024Q3")] == 7465
    mce = store.mce()
    assert mce is not None and mce.version == "43.1"
    assert sum(1 for spans in mce.all_codes().values() for s in spans if s.start <= 20260401 <= s.end) == 74719
    # the excerpt carries effective dates: 0001A/0591T ran 2022-01-01 .. 2023-12-31
    assert store.ptp("0001A", "0591T", dt.date(2023, 6, 1)) is not None
    assert store.ptp("0001A", "0591T", dt.date(2026, 8, 1)) is None


def test_real_mue_and_addon(real_ctx: ScrubContext) -> None:
    assert errors(make_claim(), real_ctx) == []
    assert rule_ids(make_claim(line2={"units": 3}), real_ctx, "ncci-mue") == {"NCCI-MUE-DOS"}
    assert rule_ids(make_claim(line2={"procedure": "99417"}), real_ctx, "ncci-addon") == {"NCCI-ADDON"}
    assert rule_ids(make_claim(line1={"procedure": "99215"}, line2={"procedure": "99417"}), real_ctx) == set()


def test_real_mce_flags(real_ctx: ScrubContext) -> None:
    one = [{**SAMPLE["lines"][0], "modifiers": [], "dx_pointers": [1]}]
    assert rule_ids(make_claim(diagnoses=["Z38.00"], lines=one), real_ctx, "mce") == {"MCE-AGE-NEWBORN"}
    # P07.30 lost its newborn flag in FY2017
    assert rule_ids(make_claim(diagnoses=["P07.30"], lines=one), real_ctx, "mce") == set()
    kid = {"dob": "2020-01-01"}
    well = [{**SAMPLE["lines"][0], "procedure": "99392", "modifiers": [], "dx_pointers": [1]}]
    assert errors(make_claim(diagnoses=["Z00.129"], lines=well, subscriber=kid), real_ctx) == []


@pytest.mark.slow
def test_full_practitioner_ptp_table(shared_data: Path, tmp_path: Path) -> None:
    """The complete 2024 Q3 table (2.5 M rows): import, then the README's spot checks."""
    path = tmp_path / "edits.sqlite"
    src = shared_file(shared_data, "reference/ncci_ptp_practitioner/ptp_practitioner_v302r0_2024q3.tsv.gz")
    (rel,) = import_ncci(src, path)
    assert rel.rows == 2546017 and rel.label == "2024Q3"
    store = EditStore(path)
    d = dt.date(2024, 8, 1)
    e = store.ptp("80053", "80048", d)
    assert e is not None and e.modifier == 0
    e = store.ptp("93000", "93005", d)
    assert e is not None and e.modifier == 1
    assert store.ptp("99214", "36415", d) is None and store.ptp("36415", "99214", d) is None
    assert store.ptp("99396", "99214", d) is None
    assert store.ptp("81003", "81002", d) is not None
    ctx = ScrubContext(today=TODAY, store=store)
    assert rule_ids(make_claim(line1={"modifiers": []}), ctx, "ncci-ptp") == {"NCCI-PTP-1"}
    assert rule_ids(make_claim(), ctx, "ncci-ptp") == set()
