"""Reviewer regressions for 835 content: bad dates and foreign segments are located errors, never silently
dropped; zero dates and misplaced 835 segments are read with an issue. Synthetic fixtures only."""

from __future__ import annotations

import io

import pytest

from chartclaim.x12 import read
from tests.x12.test_reviewer_envelope import era


def _one(text: str):  # type: ignore[no-untyped-def]
    res = read(io.StringIO(text))
    [t] = res.transactions
    return t


def _position(text: str, segment_start: str) -> int:
    """1-based ordinal of the first segment starting with ``segment_start`` (as the reader counts)."""
    segs = [s.strip() for s in text.split("~") if s.strip()]
    return next(i for i, s in enumerate(segs, 1) if s.startswith(segment_start))


@pytest.mark.parametrize(
    ("old", "new", "segment", "element"),
    [
        ("DTM*472*20250102", "DTM*472*20251302", "DTM", "DTM02"),   # month 13, service date
        ("DTM*232*20250102", "DTM*232*2025-01-02", "DTM", "DTM02"),  # claim date not CCYYMMDD
        ("DTM*405*20250109", "DTM*405*20250230", "DTM", "DTM02"),   # header production date
        ("PLB*1234567893*20251231", "PLB*1234567893*20251232", "PLB", "PLB02"),
        ("SVC*HC:99213:25*200*150", "SVC*HC:99213:25*2OO*150", "SVC", "SVC02"),
        ("CAS*CO*45*30", "CAS*CO*45*3O", "CAS", "CAS03"),
        ("CLP*C-1*1*200*150", "CLP*C-1*1*200*15,0", "CLP", "CLP04"),
    ],
)
def test_malformed_content_rejects_the_set_with_its_position(old: str, new: str, segment: str, element: str) -> None:
    text = era()
    assert old in text
    bad = text.replace(old, new)
    t = _one(bad)
    assert t.model is None and t.error is not None
    assert (t.error.segment_id, t.error.element) == (segment, element)
    assert t.error.position == _position(bad, new.split("*", 2)[0] + "*" + new.split("*", 2)[1])


def test_a_segment_that_is_no_835_segment_rejects_the_set() -> None:
    text = era().replace("REF*6R*C-1-1~", "REF*6R*C-1-1~\nZZQ*1*2~")
    t = _one(text)
    assert t.model is None and t.error is not None and t.error.segment_id == "ZZQ"
    assert t.error.position == _position(text, "ZZQ*")


def test_a_misplaced_835_segment_is_read_past_with_an_issue() -> None:
    text = era().replace("REF*6R*C-1-1~", "REF*6R*C-1-1~\nN4*TOWN*IL*62701~")
    t = _one(text)
    assert t.model is not None
    assert [i.position for i in t.model.issues if i.segment_id == "N4"] == [_position(text, "REF*6R*C-1-1") + 1]


def test_all_zero_date_is_none_with_an_issue() -> None:
    text = era().replace("DTM*232*20250102", "DTM*232*00000000")
    t = _one(text)
    assert t.model is not None
    assert t.model.claims[0].statement_from is None
    assert any(i.element == "DTM02" for i in t.model.issues)
