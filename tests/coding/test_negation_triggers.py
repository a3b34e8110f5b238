from __future__ import annotations

import pytest

from chartclaim.coding.pipeline import Coder

from .conftest import codes_of, rejected_of


@pytest.mark.parametrize(("text", "code", "trigger"), [
    ("ROS: (-) fever.", "R50.9", "(-)"),
    ("Neg for chest pain.", "R07.9", "neg for"),
    ("Never smoker.", "F17.210", "never"),
    ("Urinary tract infection negative.", "N39.0", "negative"),
    ("Pneumonia ruled out.", "J18.9", "ruled out"),
])
def test_negation_triggers(coder: Coder, text: str, code: str, trigger: str) -> None:
    res = coder.code(text, profile="abstraction")
    assert code not in codes_of(res)
    assert f"'{trigger}'" in rejected_of(res)[code]


def test_affirmed_finding_after_a_plus_is_outside_the_minus_scope(coder: Coder) -> None:
    res = coder.code("(-) fever, (+) cough.", profile="abstraction")
    assert "R05.9" in codes_of(res)
    assert "R50.9" not in codes_of(res)


def test_negative_inside_a_name_is_not_negation(coder: Coder) -> None:
    assert "A41.50" in codes_of(coder.code("Gram-negative sepsis.", profile="abstraction"))
