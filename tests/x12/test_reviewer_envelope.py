"""Reviewer regressions: delimiters, concatenated interchanges, envelope accounting, truncation.

Fixtures are written here (synthetic, no third-party text). Each builds one small 835 from a template whose
delimiters are placeholders, so the same content can be written with any separators and terminator.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from chartclaim.x12 import X12Error, read
from chartclaim.x12.remit import Remittance

# E element, C component, R repetition, T terminator (placeholders replaced per variant)
_BODY = [
    "GS{E}HP{E}PAYERX{E}PROVX{E}20250110{E}1200{E}{GS}{E}X{E}005010X221A1",
    "ST{E}835{E}{ST}",
    "BPR{E}I{E}170{E}C{E}ACH{E}CCP{E}01{E}011000015{E}DA{E}123456{E}1512345678{E}{E}01{E}021000021{E}DA{E}654321{E}20250110",
    "TRN{E}1{E}EFT{ST}{E}1512345678",
    "DTM{E}405{E}20250109",
    "N1{E}PR{E}ACME HEALTH",
    "N3{E}1 MAIN ST",
    "N4{E}TOWN{E}IL{E}62701",
    "PER{E}BL{E}EDI{E}TE{E}2175550000",
    "N1{E}PE{E}SUNRISE CLINIC{E}XX{E}1234567893",
    "LX{E}1",
    "CLP{E}C-1{E}1{E}200{E}150{E}20{E}12{E}PCN-1",
    "NM1{E}QC{E}1{E}DOE{E}JANE",
    "DTM{E}232{E}20250102",
    "SVC{E}HC{C}99213{C}25{E}200{E}150{E}{E}1",
    "DTM{E}472{E}20250102",
    "CAS{E}CO{E}45{E}30",
    "CAS{E}PR{E}1{E}20",
    "REF{E}6R{E}C-1-1",
    "LQ{E}HE{E}N130",
    "CLP{E}C-2{E}22{E}-50{E}-50{E}{E}12{E}PCN-0",
    "NM1{E}QC{E}1{E}ROE{E}RICK",
    "SVC{E}HC{C}99212{E}-50{E}-50",
    "PLB{E}1234567893{E}20251231{E}WO{C}PCN-9{E}-80{E}L6{E}-10",
    "SE{E}{N}{E}{ST}",
    "GE{E}1{E}{GS}",
]


def isa(e: str, c: str, r: str, control: int = 1, fixed: bool = True) -> str:
    pad = (lambda v, n: v.ljust(n)) if fixed else (lambda v, n: v)
    return e.join(["ISA", "00", pad("", 10), "00", pad("", 10), "ZZ", pad("PAYERX", 15), "ZZ", pad("PROVX", 15),
                   "250110", "1200", r, "00501", f"{control:09d}", "0", "P", c])


def era(e: str = "*", c: str = ":", r: str = "^", t: str = "~", after: str = "\n", control: int = 1,
        fixed: bool = True, iea: bool = True) -> str:
    st = f"{control:04d}"
    n = _BODY.index("SE{E}{N}{E}{ST}") - _BODY.index("ST{E}835{E}{ST}") + 1
    segs = [isa(e, c, r, control, fixed)]
    segs += [s.format(E=e, C=c, R=r, ST=st, GS=control, N=n) for s in _BODY]
    if iea:
        segs.append(f"IEA{e}1{e}{control:09d}")
    return "".join(s + t + after for s in segs)


def one_835(text: str) -> Remittance:
    res = read(io.StringIO(text))
    assert res.ok, [str(x) for x in res.errors]
    [m] = res.models("835")
    return m


def summary(m: Remittance) -> tuple:  # type: ignore[type-arg]
    return (
        m.payment.amount, m.trace.number if m.trace else None,
        [(c.patient_control_number, c.status, c.charge, c.paid, c.payer_claim_control_number,
          [(a.group, a.reason, a.amount) for a in c.adjustments],
          [(s.procedure.code, s.procedure.modifiers, s.charge, s.paid, s.line_control_number,
            [(a.group, a.reason, a.amount) for a in s.adjustments], [r.code for r in s.remarks], s.service_date)
           for s in c.services]) for c in m.claims],
        [(a.reason, a.reference, a.amount) for p in m.provider_adjustments for a in p.adjustments],
        len(m.balancing),
    )


BASE = summary(one_835(era()))


def test_base_fixture_balances_and_carries_values() -> None:
    m = one_835(era())
    # independent arithmetic: BPR02 = Σ CLP04 − Σ PLB = 150 + (−50) − (−80 − 10) = 190? no: 100 + 90 = 190
    paid = sum(c.paid for c in m.claims)
    plb = sum(a.amount for p in m.provider_adjustments for a in p.adjustments)
    assert paid == Decimal("100") and plb == Decimal("-90")
    # the fixture's BPR02 is 170, so exactly one difference (the transaction rule) must be reported
    assert [b.element for b in m.balancing] == ["BPR02"]
    rev = m.claims[1]
    assert rev.is_reversal and rev.charge == Decimal("-50") and rev.payer_claim_control_number == "PCN-0"
    line = m.claims[0].services[0]
    assert line.procedure.modifiers == ("25",) and line.line_control_number == "C-1-1"
    assert [r.code for r in line.remarks] == ["N130"]


@pytest.mark.parametrize(
    ("e", "c", "r", "t", "after"),
    [
        ("|", "^", "~", "\n", ""),          # pipe elements, caret components, newline terminator
        ("!", ">", "^", "~", "\r\n"),
        ("*", ":", "^", "\r", "\n"),        # CRLF as the terminator
        ("^", ">", "!", "~", "  \t\n"),     # whitespace after terminators
        ("\x1d", "\x1f", "\x1e", "\x1c", ""),  # ASCII separators (Python calls them whitespace)
        ("*", ":", "U", "'", ""),           # no repetition separator (ISA11 U), apostrophe terminator
    ],
)
@pytest.mark.parametrize("fixed", [True, False])
def test_any_delimiters_give_the_same_model(e: str, c: str, r: str, t: str, after: str, fixed: bool) -> None:
    assert summary(one_835(era(e, c, r, t, after, fixed=fixed))) == BASE


def test_control_character_repetition_separator_is_recognised() -> None:
    res = read(io.StringIO(era("\x1d", "\x1f", "\x1e", "\x1c", "")))
    [t] = res.transactions
    assert t.model.interchange.delimiters.repetition == "\x1e"


def test_lower_case_file_reads() -> None:
    assert summary(one_835(era().lower())) == BASE


@pytest.mark.parametrize(
    "second",
    [
        ("*", ">", "^", "~", "\n"),      # same element separator, another component separator
        ("*", ":", "^", "\n", ""),       # same element separator, newline terminator after a '~' interchange
        ("*", "\x1f", "\x1e", "\x1c", ""),
        ("|", "^", "~", "\r", "\n"),
    ],
)
def test_concatenated_interchanges_each_use_their_own_delimiters(second: tuple[str, str, str, str, str]) -> None:
    text = era(control=1) + era(*second, control=2) + era(control=3)
    res = read(io.StringIO(text))
    assert res.ok and not res.issues, [str(x) for x in res.errors] + [i.describe() for i in res.issues]
    models = res.models("835")
    assert [m.control_number for m in models] == ["0001", "0002", "0003"]
    for m in models:
        s = summary(m)
        assert s[2:] == BASE[2:]


def test_many_interchanges_with_alternating_delimiters_do_not_recurse() -> None:
    text = "".join(era(control=i) if i % 2 else era("|", "^", "~", "\n", "", control=i) for i in range(1, 1501))
    res = read(io.StringIO(text))
    assert res.ok and len(res.models("835")) == 1500


def test_file_cut_after_a_transaction_set_is_reported() -> None:
    text = era(iea=False)
    text = text[: text.index("GE*")]
    res = read(io.StringIO(text))
    assert len(res.models("835")) == 1
    msgs = [i.message for i in res.issues]
    assert any("without GE" in m for m in msgs) and any("without IEA" in m for m in msgs)


def test_file_cut_inside_a_transaction_set_is_an_error_with_position() -> None:
    text = era()
    cut = text[: text.index("PLB*")]
    res = read(io.StringIO(cut))
    [t] = res.transactions
    assert t.model is None and t.error is not None and "no SE" in t.error.message
    assert t.error.position == cut.count("~")


def test_group_and_interchange_trailers_are_checked() -> None:
    text = era().replace("GE*1*1~", "GE*2*7~").replace("IEA*1*000000001", "IEA*3*000000009")
    res = read(io.StringIO(text))
    assert res.models("835")
    found = {(i.segment_id, i.element) for i in res.issues}
    assert found == {("GE", "GE01"), ("GE", "GE02"), ("IEA", "IEA01"), ("IEA", "IEA02")}
    assert all(i.position for i in res.issues)


def test_missing_se_before_next_st_rejects_only_that_set() -> None:
    one = era(control=1)
    broken = one[: one.index("SE*")] + one[one.index("GE*"):]
    res = read(io.StringIO(broken + era(control=2)))
    assert [t.ok for t in res.transactions] == [False, True]
    err = res.transactions[0].error
    assert err is not None and err.segment_id == "GE" and err.position is not None


def test_wrong_se_count_is_a_located_issue() -> None:
    text = re.sub(r"SE\*\d+\*", "SE*99*", era())
    res = read(io.StringIO(text))
    [t] = res.transactions
    assert any(i.element == "SE01" for i in t.issues)


def test_every_chunk_boundary_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tokeniser reads in chunks; a chunk may end inside an ISA, a CR/LF pair or a segment terminator."""
    import chartclaim.x12.core as core

    text = (era(control=1) + era("|", "^", "~", "\n", "", control=2) + era("*", ":", "^", "\r", "\n", control=3)
            + era("!", ">", "^", "~", " \r\n", control=4))
    expected = [summary(m)[2:] for m in read(io.StringIO(text)).models("835")]
    assert len(expected) == 4
    for chunk in [*range(1, 64), 101, 106, 107, 211, 1000]:
        monkeypatch.setattr(core, "_CHUNK", chunk)
        res = read(io.BytesIO(text.encode()))
        assert res.ok and not res.issues, chunk
        assert [summary(m)[2:] for m in res.models("835")] == expected, chunk


def test_utf16_file_with_byte_order_mark_reads(tmp_path: Path) -> None:
    f = tmp_path / "era.835"
    f.write_text(era(), encoding="utf-16")
    assert summary(read(f).models("835")[0]) == BASE
    assert summary(read(io.BytesIO(era().encode("utf-16"))).models("835")[0]) == BASE


def test_terminator_the_file_never_uses_is_an_error_not_an_empty_read() -> None:
    text = era()
    first = text.index("~")
    damaged = text[: first + 1] + text[first + 1:].replace("~", "")
    with pytest.raises(X12Error) as exc:
        read(io.StringIO(damaged))
    assert exc.value.position == 2 and "no transaction set" in exc.value.message


def test_missing_first_st_points_at_the_first_orphan_segment() -> None:
    text = era()
    damaged = re.sub(r"ST\*835\*0001~\n", "", text)
    with pytest.raises(X12Error) as exc:
        read(io.StringIO(damaged))
    assert (exc.value.position, exc.value.segment_id) == (3, "BPR")


def test_isa_inside_an_element_is_not_an_interchange_with_newline_terminators() -> None:
    text = era("*", ":", "^", "\n", "").replace("N1*PR*ACME HEALTH", "N1*PR*ACME ISA*XV*PLAN9")
    m = one_835(text)
    assert m.payer.name == "ACME ISA" and m.payer.id == "PLAN9"


def test_damaged_later_isa_is_an_envelope_error_at_its_position() -> None:
    first = era(control=1)
    res = read(io.StringIO(first + "ISA*00*BROKEN~" + era(control=2)))
    assert [t.ok for t in res.transactions] == [True] and not res.ok
    [err] = res.envelope_errors
    assert (err.position, err.segment_id) == (first.count("~") + 1, "ISA")


def test_no_cut_of_a_file_reads_as_complete_without_a_word() -> None:
    """Cut a two-interchange file after every segment and inside every segment: each cut is either an error,
    or reported (truncated envelope, missing SE), or the whole content."""
    text = era(control=1) + era("|", "^", "~", "\n", "", control=2)
    ends = [i + 1 for i, ch in enumerate(text) if ch == "~"]
    cuts = sorted(set(ends[:-1] + [e - 3 for e in ends[2:]]))
    for cut in cuts:
        if text[:cut].rstrip().rsplit("\n", 1)[-1].startswith("IEA"):
            continue  # a whole interchange: a complete file in its own right
        try:
            res = read(io.StringIO(text[:cut]))
        except X12Error:
            continue
        assert not res.ok or res.issues, (cut, text[max(0, cut - 30):cut])


def test_files_concatenated_with_their_byte_order_marks_and_eof_marks() -> None:
    for second in (era(control=2), era("|", "^", "~", "\n", "", control=2)):
        res = read(io.StringIO("\ufeff" + era(control=1) + "\x1a\ufeff" + second))
        assert res.ok and not res.issues and len(res.models("835")) == 2
