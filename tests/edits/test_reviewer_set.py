"""The reviewer evaluation set: realistic claims from six practices (family practice, orthopaedics,
pediatrics, OB-GYN, lab, urgent care; professional and a few institutional), in the issue's JSON form.

`reviewer/clean.json` holds claims a careful biller would send: no errors, and no warnings a biller would
dispute. `reviewer/planted.json` holds claims with ONE planted error each, and `reviewer/expected.json` names
the family and rule that must catch it (`reviewer/duplicates.json`: the same visit sent twice). The set is
built by `reviewer/make_set.py`; its code facts come from the CMS tables in ../shared/data/reference.

The edit store is built from the real CMS files: MCE v43.1, the 2026 Q2 MUEs, the 2024 Q3 add-on codes, and
the 2024 Q3 practitioner PTP rows of every column-1 code the set bills (the whole table takes minutes).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from chartclaim.edits import Edit, ScrubContext, read_documents, scrub_documents
from chartclaim.edits.documents import Document
from chartclaim.edits.payer_rules import builtin_rules_dir, load_rules
from chartclaim.edits.store import EditStore, import_mce, import_ncci

from ..conftest import shared_file

HERE = Path(__file__).parent / "reviewer"
TODAY = dt.date(2026, 11, 27)
EXPECTED: dict[str, dict[str, str]] = json.loads((HERE / "expected.json").read_text())
# Warnings a biller agrees with on a clean claim: none today. Add a rule id here only with the reason.
CLEAN_WARNINGS_OK: dict[str, str] = {}
# A planted error may rightly be caught by a second family too (the MCE repeats the Tabular's sequencing
# conventions, a first-listed-only Z code on the wrong patient is both a sequencing and an age problem).
ALSO_OK = {("code", "mce"), ("mce", "code")}


def _procedures() -> set[str]:
    codes: set[str] = set()
    for name in ("clean.json", "planted.json", "duplicates.json"):
        for claim in json.loads((HERE / name).read_text()):
            codes.update(str(ln.get("procedure") or "").upper() for ln in claim.get("lines", []))
    return codes - {""}


@pytest.fixture(scope="module")
def reviewer_ctx(shared_data: Path, tmp_path_factory: pytest.TempPathFactory, codesets: Any) -> ScrubContext:
    tmp = tmp_path_factory.mktemp("reviewer")
    path = tmp / "edits.sqlite"
    ref = shared_file(shared_data, "reference")
    import_mce(ref / "cms_mce_v43_1", path)
    import_ncci(ref / "ncci_mue_practitioner", path)
    import_ncci(ref / "ncci_ptp_practitioner" / "aoc_active_v2024q3.tsv", path)
    wanted = _procedures()
    subset = tmp / "ptp_practitioner_subset_2024q3.tsv"
    with gzip.open(ref / "ncci_ptp_practitioner" / "ptp_practitioner_v302r0_2024q3.tsv.gz", "rt") as src, \
            subset.open("w") as out:
        out.write(next(src))
        out.writelines(row for row in src if row.split("\t", 1)[0] in wanted)
    import_ncci(subset, path)
    return ScrubContext(today=TODAY, store=EditStore(path), codesets=codesets,
                        rules=tuple(load_rules([builtin_rules_dir()])))


@pytest.fixture(scope="module")
def planted_results(reviewer_ctx: ScrubContext) -> dict[str, list[Edit]]:
    out = scrub_documents(read_documents(HERE / "planted.json"), reviewer_ctx)
    out.update(scrub_documents(read_documents(HERE / "duplicates.json"), reviewer_ctx))
    return out


def test_set_shape() -> None:
    clean = json.loads((HERE / "clean.json").read_text())
    planted = json.loads((HERE / "planted.json").read_text())
    assert len(clean) >= 60 and len(planted) >= 80
    assert {c["claim_id"] for c in planted} | {"DUP-2"} == set(EXPECTED)
    families = {x["family"] for x in EXPECTED.values()}
    assert families == {"code", "mce", "ncci-ptp", "ncci-mue", "ncci-addon", "data", "payer", "medical-necessity"}


def test_clean_claims_have_no_errors(reviewer_ctx: ScrubContext) -> None:
    results = scrub_documents(read_documents(HERE / "clean.json"), reviewer_ctx)
    assert len(results) == len(json.loads((HERE / "clean.json").read_text()))
    problems = [f"{cid}: {e.severity} {e.rule_id}: {e.message}" for cid, edits in results.items() for e in edits
                if e.severity == "error" or e.rule_id not in CLEAN_WARNINGS_OK]
    assert problems == []


@pytest.mark.parametrize("claim_id", sorted(EXPECTED))
def test_planted_error_found_with_its_family(claim_id: str, planted_results: dict[str, list[Edit]]) -> None:
    want = EXPECTED[claim_id]
    edits = planted_results[claim_id]
    assert want["family"] in {e.family for e in edits}, (want, edits)
    assert want["rule_id"] in {e.rule_id for e in edits}, (want, edits)
    # ONE error was planted: any other family's error must be the same problem seen by a sister family.
    stray = [e for e in edits if e.severity == "error" and e.family != want["family"]
             and (want["family"], e.family) not in ALSO_OK]
    assert stray == []
    for e in edits:   # every edit reads as a sentence with a concrete next step
        assert e.message.endswith((".", ")")) and len(e.fix) > 15 and e.fix[0].isupper(), e


def test_sex_edits_end_with_fy2024(reviewer_ctx: ScrubContext) -> None:
    """The planted 2024 sex conflict is caught, the same claim dated in 2026 is not (CMS dropped them)."""
    planted = {c["claim_id"]: c for c in json.loads((HERE / "planted.json").read_text())}
    claim = json.loads(json.dumps(planted["X-MCE-08"]))
    for ln in claim["lines"]:
        ln["date_of_service"] = "2026-05-06"
    claim["submitted_on"] = "2026-05-08"
    edits = scrub_documents([Document("in-memory", claim)], reviewer_ctx)[claim["claim_id"]]
    assert "MCE-SEX" not in {e.rule_id for e in edits}
