"""Code edits against the real ICD-10-CM tabular (compiled code sets)."""

from __future__ import annotations

from .conftest import SAMPLE, make_claim
from .helpers import errors, rule_ids


def test_sample_claim_clean_with_code_sets(full_ctx) -> None:
    assert errors(make_claim(), full_ctx) == []


def test_non_billable_code_suggests_children(full_ctx) -> None:
    bad = errors(make_claim(diagnoses=["E11", "N18.31"]), full_ctx, "code")
    assert [e.rule_id for e in bad] == ["CODE-ICD-NOT-BILLABLE"]
    assert "E11.22" in bad[0].fix


def test_invalid_code(full_ctx) -> None:
    assert rule_ids(make_claim(diagnoses=["E11.99", "N18.31"]), full_ctx, "code") == {"CODE-ICD-INVALID"}


def test_missing_seventh_character(full_ctx) -> None:
    bad = errors(make_claim(diagnoses=["S72.001", "N18.31"]), full_ctx, "code")
    assert [e.rule_id for e in bad] == ["CODE-ICD-7TH-CHARACTER"]
    assert "S72.001A" in bad[0].fix
    assert rule_ids(make_claim(diagnoses=["S72.001A", "N18.31"]), full_ctx, "code") == set()


def test_excludes1_pair(full_ctx) -> None:
    bad = errors(make_claim(diagnoses=["E11.9", "E10.9"]), full_ctx, "code")
    assert [e.rule_id for e in bad] == ["CODE-EXCLUDES1"]
    # Excludes2 / unrelated pairs are fine
    assert errors(make_claim(diagnoses=["E11.9", "I10"]), full_ctx, "code") == []


def test_manifestation_first(full_ctx) -> None:
    assert "CODE-MANIFESTATION-FIRST" in rule_ids(make_claim(diagnoses=["F02.80", "G30.9"]), full_ctx, "code")
    assert errors(make_claim(diagnoses=["G30.9", "F02.80"]), full_ctx, "code") == []


def test_code_first_sequence_is_a_warning(full_ctx) -> None:
    edits = [e for e in full_ctx_scrub(full_ctx, ["N18.31", "E11.22"]) if e.rule_id == "CODE-SEQUENCE-CODE-FIRST"]
    assert [e.severity for e in edits] == ["warning"]
    assert not [e for e in full_ctx_scrub(full_ctx, ["E11.22", "N18.31"]) if e.rule_id == "CODE-SEQUENCE-CODE-FIRST"]


def full_ctx_scrub(ctx, dx):
    from chartclaim.edits import scrub

    return scrub(make_claim(diagnoses=dx), ctx)


def test_use_additional_code_warning(full_ctx) -> None:
    lines = [{**SAMPLE["lines"][0], "dx_pointers": [1]}, SAMPLE["lines"][1]]
    warn = [e for e in full_ctx_scrub_lines(full_ctx, ["E11.22"], lines) if e.rule_id == "CODE-USE-ADDITIONAL"]
    assert [e.severity for e in warn] == ["warning"]
    assert "N18" in warn[0].fix
    assert not [e for e in full_ctx_scrub(full_ctx, ["E11.22", "N18.31"]) if e.rule_id == "CODE-USE-ADDITIONAL"]
    # conditional lists ('code to identify control using: insulin ...') never warn
    assert not [e for e in full_ctx_scrub_lines(full_ctx, ["E11.9"], lines) if e.rule_id == "CODE-USE-ADDITIONAL"]


def full_ctx_scrub_lines(ctx, dx, lines):
    from chartclaim.edits import scrub

    return scrub(make_claim(diagnoses=dx, lines=lines), ctx)


def test_external_cause_first(full_ctx) -> None:
    assert "CODE-EXTERNAL-CAUSE-FIRST" in rule_ids(make_claim(diagnoses=["W19.XXXA", "S72.001A"]), full_ctx)
    assert "CODE-EXTERNAL-CAUSE-FIRST" not in rule_ids(make_claim(diagnoses=["S72.001A", "W19.XXXA"]), full_ctx)


def test_first_listed_only_z_codes(full_ctx) -> None:
    lines = [{**SAMPLE["lines"][0], "modifiers": [], "procedure": "99392", "dx_pointers": [1]}]
    child = {"dob": "2020-01-01"}
    # a professional claim may list Z00.129 first
    assert errors(make_claim(diagnoses=["Z00.129", "J06.9"], lines=lines, subscriber=child), full_ctx) == []
    bad = errors(make_claim(diagnoses=["J06.9", "Z00.129"], lines=lines, subscriber=child), full_ctx, "code")
    assert [e.rule_id for e in bad] == ["CODE-Z-FIRST-LISTED-ONLY"]


def test_deleted_cpt(full_ctx) -> None:
    assert "CODE-PROC-INACTIVE" in rule_ids(make_claim(line1={"procedure": "99201"}), full_ctx)
    assert "CODE-PROC-INACTIVE" not in rule_ids(make_claim(line1={"procedure": "99201", "date_of_service": "2020-06-01"},
                                                           submitted_on="2020-06-05"), full_ctx)


def test_malformed_procedure_and_modifier(full_ctx) -> None:
    assert "CODE-PROC-INVALID" in rule_ids(make_claim(line2={"procedure": "2061"}), full_ctx)
    assert "CODE-MODIFIER" in rule_ids(make_claim(line2={"modifiers": ["98"]}), full_ctx)
    assert "CODE-MODIFIER" not in rule_ids(make_claim(line2={"modifiers": ["RT"]}), full_ctx)


def test_mce_dates_decide_validity_on_the_date_of_service(store_path, codesets) -> None:
    """The small MCE table knows E11.22/N18.31 (valid) but not E11.9: with both sources, the MCE's dated
    list wins over the newest code set."""
    from chartclaim.edits import ScrubContext
    from chartclaim.edits.store import EditStore

    from .conftest import TODAY

    ctx = ScrubContext(today=TODAY, store=EditStore(store_path), codesets=codesets)
    assert errors(make_claim(), ctx) == []
    bad = errors(make_claim(diagnoses=["E11.9", "N18.31"]), ctx, "code")
    assert [e.rule_id for e in bad] == ["CODE-ICD-INVALID"]


def test_unknown_cpt_number(ctx) -> None:
    """Without a licensed CPT file, a 5-digit code that no NCCI table names is reported; known ones are not."""
    assert rule_ids(make_claim(line2={"procedure": "20619"}), ctx, "code") == {"CODE-PROC-INVALID"}
    assert rule_ids(make_claim(line2={"procedure": "36415"}), ctx, "code") == set()
    assert rule_ids(make_claim(line2={"procedure": "76942"}), ctx, "code") == set()   # a column-2 code


def test_line_primary_pointer_not_external_cause(ctx) -> None:
    c = make_claim(diagnoses=["E11.22", "W19.XXXA"], line2={"dx_pointers": [2, 1]})
    assert rule_ids(c, ctx, "code") == {"CODE-LINE-PRIMARY-DX"}
    assert rule_ids(make_claim(diagnoses=["E11.22", "W19.XXXA"], line2={"dx_pointers": [1, 2]}), ctx, "code") == set()
