from __future__ import annotations

from .conftest import SAMPLE, make_claim
from .helpers import errors, rule_ids


def _one_dx(dx: str, **kw):
    lines = [{**SAMPLE["lines"][0], "modifiers": [], "dx_pointers": [1]}]
    return make_claim(diagnoses=[dx], lines=lines, **kw)


def test_newborn_code_on_adult(ctx) -> None:
    bad = errors(_one_dx("Z38.00"), ctx)
    assert [(e.rule_id, e.family) for e in bad] == [("MCE-AGE-NEWBORN", "mce")]
    assert errors(_one_dx("Z38.00", subscriber={"dob": "2026-02-28"}), ctx) == []


def test_maternity_age(ctx) -> None:
    assert rule_ids(_one_dx("O80", subscriber={"dob": "1950-01-01"}), ctx, "mce") == {"MCE-AGE-MATERNITY"}
    assert rule_ids(_one_dx("O80"), ctx, "mce") == set()


def test_pediatric_and_adult_codes(ctx) -> None:
    assert rule_ids(_one_dx("Z00.129"), ctx, "mce") == {"MCE-AGE-PEDIATRIC"}
    assert rule_ids(_one_dx("Z00.129", subscriber={"dob": "2020-01-01"}), ctx, "mce") == set()
    assert rule_ids(_one_dx("Z00.00", subscriber={"dob": "2020-01-01"}), ctx, "mce") == {"MCE-AGE-ADULT"}


def test_flag_dropped_in_a_later_version_does_not_fire(ctx) -> None:
    # R62.50 lost its pediatric flag in FY2017: an adult may carry it in 2026
    assert rule_ids(_one_dx("R62.50"), ctx, "mce") == set()


def test_sex_edits_only_while_the_data_carries_them(ctx) -> None:
    in_2024 = {"date_of_service": "2024-03-02"}
    male_dx_2024 = _one_dx("N40.0", submitted_on="2024-03-05", line1=in_2024)
    assert rule_ids(male_dx_2024, ctx, "mce") == {"MCE-SEX"}
    assert rule_ids(_one_dx("N40.0", submitted_on="2024-03-05", line1=in_2024, subscriber={"sex": "M"}),
                    ctx, "mce") == set()
    assert rule_ids(_one_dx("N40.0"), ctx, "mce") == set()          # FY2025 on: CMS dropped sex edits


def test_manifestation_and_external_cause_as_principal(ctx) -> None:
    assert "MCE-MANIFESTATION-PDX" in rule_ids(make_claim(diagnoses=["G63", "E11.22"]), ctx, "mce")
    assert "MCE-MANIFESTATION-PDX" not in rule_ids(make_claim(diagnoses=["E11.22", "G63"]), ctx, "mce")
    assert "MCE-ECODE-PDX" in rule_ids(make_claim(diagnoses=["W19.XXXA", "E11.22"]), ctx, "mce")


def test_unacceptable_principal_only_on_inpatient_claims(ctx) -> None:
    prof = make_claim(diagnoses=["Z3A.20", "O80"], line1={"modifiers": []}, line2={"dx_pointers": [2]})
    assert "MCE-UNACCEPTABLE-PDX" not in rule_ids(prof, ctx)
    inst = make_claim(diagnoses=["Z3A.20", "O80"], claim_type="institutional", type_of_bill="0111",
                      lines=[{**SAMPLE["lines"][0], "modifiers": [], "revenue_code": "0450"}])
    assert "MCE-UNACCEPTABLE-PDX" in rule_ids(inst, ctx, "mce")
    outpatient = make_claim(diagnoses=["Z3A.20", "O80"], claim_type="institutional", type_of_bill="0131",
                            lines=[{**SAMPLE["lines"][0], "modifiers": [], "revenue_code": "0450"}])
    assert "MCE-UNACCEPTABLE-PDX" not in rule_ids(outpatient, ctx)
