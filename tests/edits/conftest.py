"""Fixtures for scrubber tests: a small edit store built from files in the official CMS layouts, the
sample claim of the issue, and a context over them."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from chartclaim.claim import Claim, parse_claim
from chartclaim.edits import ScrubContext
from chartclaim.edits.payer_rules import builtin_rules_dir, load_rules
from chartclaim.edits.store import EditStore, import_mce, import_ncci

TODAY = dt.date(2026, 11, 27)

SAMPLE: dict[str, Any] = {
    "claim_id": "C1001", "frequency": "1", "submitted_on": "2026-03-05", "place_of_service": "11",
    "payer": {"id": "87726", "name": "UnitedHealthcare", "timely_filing_days": 90},
    "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "Oak Family Medicine",
                         "taxonomy": "207Q00000X",
                         "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}},
    "rendering_provider": {"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"},
    "subscriber": {"member_id": "W123456789", "first_name": "Lee", "last_name": "Park", "dob": "1980-01-31",
                   "sex": "F", "address": {"line1": "2 Elm St", "city": "Springfield", "state": "IL", "zip": "62701"}},
    "diagnoses": ["E11.22", "N18.31"],
    "lines": [{"procedure": "99214", "modifiers": ["25"], "units": 1, "charge": "150.00",
               "dx_pointers": [1, 2], "date_of_service": "2026-03-02"},
              {"procedure": "20610", "units": 1, "charge": "120.00", "dx_pointers": [1],
               "date_of_service": "2026-03-02"}],
}

# CMS practitioner PTP TXT layout: AMA notice, title, 4-line wrapped header, CRLF, tab-separated.
PTP_TXT = "\r\n".join([
    "CPT only copyright 2025 American Medical Association.  All rights reserved.\t\t\t\t\t\t",
    "Column1/Column2 Edits\t\t\t\t\t\t",
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t",
    "\t\t\t\t*=no data\t1=allowed\t",
    "\t\t\t\t\t9=not applicable\t",
    "20610\t99214\t\t20200101\t*\t1\tCPT Manual or CMS manual coding instruction",
    "20610\t76942\t\t20200101\t*\t1\tMisuse of column two code with column one code",
    "80053\t80048\t*\t19960101\t*\t0\tCPT Manual or CMS manual coding instruction",
    "93000\t93005\t*\t19960101\t*\t1\tHCPCS/CPT procedure code definition",
    "93000\t93010\t*\t19960101\t20201231\t1\tHCPCS/CPT procedure code definition",
    "11102\t11104\t\t20190101\t20190101\t9\tMutually exclusive procedures",
    "",
])

MUE_CSV = (
    '"Current Procedural Terminology (CPT) codes, descriptions and other data only are copyright 2025 American '
    'Medical Association. All rights reserved. ",,,\n'
    '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n'
    "20610,2,3 Date of Service Edit: Clinical,Anatomic Consideration\n"
    "99392,0,2 Date of Service Edit: Policy,CMS Policy\n"
    "11102,1,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction\n"
    "J1100,4,1 Line Edit,Clinical: Data\n"
    "99214,1,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction\n"
    "82306,1,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction\n"
    "36415,2,3 Date of Service Edit: Clinical,Clinical: Data\n"
)

AOC_TSV = ("primary_code\tadd_on_code\taoc_edit_type\n"
           "99205\t99417\t1\n99215\t99417\t1\n"
           "CCCCC\t0054T\t2\n"
           "11102\t11103\t3\n")

MCE_DX = ("code,start_date,end_date,flags\n"
          "E1122,20161001,,\nN1831,20201001,,\n"
          "Z3800,20151001,,newborn\n"
          "O80,20151001,20240930,maternity|female\nO80,20241001,,maternity\n"
          "N400,20151001,20240930,male|adult\nN400,20241001,,adult\n"
          "G63,20151001,,manifestation\n"
          "W19XXXA,20151001,,ecodepdx\n"
          "Z3A20,20151001,20240930,maternity|female|unacceptable\nZ3A20,20241001,,maternity|unacceptable\n"
          "R6250,20151001,20160930,pediatric\nR6250,20161001,,\n"
          "Z00129,20151001,,pediatric\nZ0000,20151001,,adult\n"
          "I10,20151001,,\nJ069,20151001,,\nE559,20151001,,\n")
MCE_AGES = ("age_group,start_age,end_age,start_date,end_date\nAdult,15,124,19840301,\n"
            "Maternity,12,55,19840301,20190930\nMaternity,9,64,20191001,\nNewborn,0,0,19840301,\n"
            "Pediatric,0,17,19840301,\n")


@pytest.fixture(scope="session")
def edit_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cms")
    (d / "ccipra-v320r0-f1.TXT").write_bytes(PTP_TXT.encode("latin-1"))
    (d / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv").write_bytes(MUE_CSV.encode("latin-1"))
    (d / "aoc_v2026q1.tsv").write_text(AOC_TSV)
    mce = d / "mce_v43_1"
    mce.mkdir()
    (mce / "mce_icd10_dx_edits.csv").write_text(MCE_DX)
    (mce / "mce_age_ranges.csv").write_text(MCE_AGES)
    return d


@pytest.fixture(scope="session")
def store_path(edit_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "edits.sqlite"
    import_ncci(edit_files, path)
    import_mce(edit_files / "mce_v43_1", path)
    return path


@pytest.fixture(scope="session")
def codesets() -> Any:
    """The real code sets (compiled ICD-10-CM index; built once per machine, slow the first time)."""
    try:
        from chartclaim.codesets.core import get_codesets
    except ImportError:
        pytest.skip("chartclaim.codesets is not available")
    try:
        return get_codesets()
    except Exception as exc:  # pragma: no cover - environment without the index
        pytest.skip(f"code sets could not be opened: {exc}")


@pytest.fixture()
def ctx(store_path: Path) -> ScrubContext:
    """NCCI/MCE from the small store, built-in payer rules, no code sets (data/NCCI/MCE/payer families)."""
    return ScrubContext(today=TODAY, store=EditStore(store_path), rules=tuple(load_rules([builtin_rules_dir()])))


@pytest.fixture(scope="session")
def ncci_store_path(edit_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NCCI only: diagnosis validity then comes from the code sets (the small MCE table lists few codes)."""
    path = tmp_path_factory.mktemp("ncci") / "edits.sqlite"
    import_ncci(edit_files, path)
    return path


@pytest.fixture()
def full_ctx(ncci_store_path: Path, codesets: Any) -> ScrubContext:
    return ScrubContext(today=TODAY, store=EditStore(ncci_store_path), codesets=codesets,
                        rules=tuple(load_rules([builtin_rules_dir()])))


def make_claim(**changes: Any) -> Claim:
    """The sample claim with top-level keys replaced; `line1`/`line2` update fields of those lines and
    `subscriber`/`payer`/`billing_provider` update fields of those blocks."""
    d = copy.deepcopy(SAMPLE)
    for key, value in changes.items():
        if key.startswith("line") and key[4:].isdigit():
            d["lines"][int(key[4:]) - 1].update(value)
        elif key in ("subscriber", "payer", "billing_provider", "rendering_provider") and isinstance(value, dict):
            d[key].update(value)
        else:
            d[key] = value
    return parse_claim(d)
