"""Reviewer regressions for the 837 reader: a bad amount, date or foreign segment is a located error, not a
claim read with the value silently missing. The 837s are written here from the test claims."""

from __future__ import annotations

import io
import re

import pytest

from chartclaim.x12 import MemoryControlNumbers, read
from tests.x12.factories import professional, secondary
from tests.x12.test_write837 import OPTS, REC, SUB


def _written() -> str:
    from chartclaim.x12.write837 import write_837

    return write_837([professional(), secondary()], OPTS, SUB, REC, MemoryControlNumbers(), one_st_per_claim=False)


def _position(text: str, pattern: str) -> int:
    segs = [s.strip() for s in text.split("~") if s.strip()]
    return next(i for i, s in enumerate(segs, 1) if re.match(pattern, s))


def test_written_file_reads() -> None:
    res = read(io.StringIO(_written()))
    assert res.ok and len(res.models()[0].claims) == 2


@pytest.mark.parametrize(
    ("pattern", "element", "bad"),
    [
        (r"CLM\*PCN1001\*", "CLM02", "19X.5"),     # claim total charge
        (r"DMG\*D8\*", "DMG02", "19800231"),       # subscriber birth date
        (r"DTP\*472\*D8\*", "DTP03", "20240301X"),  # line date of service
        (r"DTP\*472\*RD8\*", "DTP03", "20240301-2024"),
        (r"AMT\*D\*", "AMT02", "1O0"),             # COB payer paid amount
    ],
)
def test_bad_value_rejects_the_set_at_its_segment(pattern: str, element: str, bad: str) -> None:
    text = _written()
    pos = _position(text, pattern)
    segs = [s for s in text.split("~")]
    k = [i for i, s in enumerate(segs) if s.strip()][pos - 1]
    parts = segs[k].split("*")
    parts[int(element[-2:])] = bad
    segs[k] = "*".join(parts)
    res = read(io.StringIO("~".join(segs)))
    [t] = res.transactions
    assert t.model is None and t.error is not None
    assert (t.error.position, t.error.element) == (pos, element)


def test_foreign_segment_rejects_the_set() -> None:
    text = _written().replace("~\nLX*2~", "~\nZZQ*1~\nLX*2~", 1)
    res = read(io.StringIO(text))
    [t] = res.transactions
    assert t.error is not None and t.error.segment_id == "ZZQ" and t.error.position == _position(text, r"ZZQ\*")


def test_payer_city_state_zip_without_street_line_is_an_issue_not_a_rejection() -> None:
    text = _written()
    # drop the payer's street line (loop 2010BB): real senders send N4 alone there
    m = re.search(r"NM1\*PR\*2\*ACME HEALTH PLAN\*\*\*\*\*PI\*87726~\nN3\*[^~]*~\n", text)
    assert m is not None
    text = text.replace(m.group(0), m.group(0).split("\n")[0] + "\n", 1)
    res = read(io.StringIO(text))
    assert res.ok, [str(e) for e in res.errors]
    assert any("N4 without N3" in i.message for i in res.models()[0].issues)


def test_ta1_position_is_the_ta1_segment() -> None:
    text = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:~"
            "TA1*000000101*240101*1159*A*000~TA1*000000102*240101*1159*R*022~IEA*0*000000001~")
    res = read(io.StringIO(text))
    assert [t.position for t in res.transactions] == [2, 3]
    assert [t.model.status for t in res.transactions] == ["A", "R"]


def test_837_naming_no_guide_is_told_by_its_lines() -> None:
    from tests.x12.factories import institutional

    inst = write_837_text([institutional()])
    bare = re.sub(r"005010X22[23]A\d", "005010", inst)
    assert "X223" not in bare
    res = read(io.StringIO(bare))
    assert res.ok, [str(e) for e in res.errors]
    assert [t.kind for t in res.transactions] == ["837I"]
    assert res.models()[0].claims[0].lines[0].revenue_code
    prof = re.sub(r"005010X222A\d", "005010", _written())
    assert [t.kind for t in read(io.StringIO(prof)).transactions] == ["837P"]


def write_837_text(claims: list) -> str:  # type: ignore[type-arg]
    from chartclaim.x12.write837 import write_837

    return write_837(claims, OPTS, SUB, REC, MemoryControlNumbers())
