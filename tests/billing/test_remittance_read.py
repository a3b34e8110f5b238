"""The reader process's read (`remittance_files.read_file`) against the straightforward computation, on varied
835s: claim heads from the 835 reader's balancing flags equal heads from the full arithmetic; claims built
together (sharing converted values) equal claims built one by one; the records the reader makes are the
dataclasses' own; and what crosses the process boundary (pickled) comes back equal."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import pickle
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chartclaim.billing import remittance_files as rf
from chartclaim.billing import synthetic as syn
from chartclaim.x12 import remit as x835
from chartclaim.x12.core import X12Error
from tests.conftest import shared_file

D = Decimal
PROCS = ["99213", "99214", "36415", "93000", "81002", "J1100", "G0008"]


def _claim(rng: random.Random, i: int) -> syn.ClaimPay:
    lines = []
    for k in range(rng.choice([1, 1, 2, 3, 5])):
        charge = D(rng.choice(["100", "150.5", "20", "0", "1234.56", "75.00"]))
        paid = (charge * D(rng.choice(["0.64", "0", "1", "0.5"]))).quantize(D("0.01"))
        rest = charge - paid
        adjs = []
        if rest:
            co = (rest * D(rng.choice(["1", "0.5", "0.25"]))).quantize(D("0.01"))
            adjs.append((rng.choice(["CO", "PI", "OA"]), rng.choice(["45", "253", "97", "50"]), co))
            if rest - co:
                adjs.append(("PR", rng.choice(["1", "2", "3"]), rest - co))
        if rng.random() < 0.1:
            adjs.append(("CO", "253", D("0")))
        if rng.random() < 0.08:  # the line does not balance
            paid += D("1.5")
        lines.append(syn.LinePay(rng.choice(PROCS), charge, paid, adjs,
                                 modifiers=rng.choice([[], [], ["25"], ["25", "59"], ["GT"]]),
                                 date_of_service=rng.choice([dt.date(2025, 3, 3), dt.date(2025, 2, 1), None]),
                                 line_control_number=rng.choice([None, f"L{i}-{k}", "1"]),
                                 remarks=rng.choice([[], [], ["N115"], ["M15", "MA18"], ["N89"]]),
                                 units=D(rng.choice(["1", "2", "1.5"]))))
    status = rng.choice(["1", "1", "1", "2", "4", "19", "22", "23"])
    if status == "22":
        lines = [dataclasses.replace(ln, charge=-ln.charge, paid=-ln.paid,
                                     adjustments=[(g, r, -a) for g, r, a in ln.adjustments]) for ln in lines]
    return syn.ClaimPay(f"C{i:05d}", lines, status=status, payer_claim_number=rng.choice(["", f"ICN{i}"]),
                        member_id=f"M{i}", claim_adjustments=[("PR", "2", D("10"))] if rng.random() < 0.1 else [],
                        crossover_to=rng.choice([None] * 8 + ["SUPP MUTUAL"]),
                        remarks=rng.choice([[], [], [], ["MA01"], ["MA18"], ["N89", "MA07"]]))


def _varied_835(seed: int) -> str:
    """Three remittances of random claims (reversals, denials, crossovers, claim-level CAS, several lines,
    modifiers, remarks, unbalanced lines), then edited as payers write them: a CLP04 off (alone: the claim does
    not balance; with CLP03: only Σ SVC03 ≠ CLP04), amounts written another way, CAS quantities, SVC06, a
    second LQ; every other file with '>' as the component separator."""
    rng = random.Random(seed)
    eras = [syn.Era(f"T{seed}{e}", [_claim(rng, seed * 1000 + e * 100 + j) for j in range(rng.choice([1, 40, 90]))],
                    control_number=f"{e + 1:04d}", plb=rng.choice([[], [("L6", "X", D("-1.25"))]]))
            for e in range(3)]
    segs = syn.interchange(eras, seed + 1).split("~\n")
    out = []
    for s in segs:
        e = s.split("*")
        r = rng.random()
        if e[0] == "CLP" and r < 0.08:
            e[4] = str(D(e[4]) + D("3.00"))
            if r < 0.04:
                e[3] = str(D(e[3]) + D("3.00"))
        elif e[0] == "SVC" and r < 0.15:
            if r < 0.05:
                e[2] = e[2] + ".00" if "." not in e[2] else e[2]
            elif r < 0.1:
                e[6:] = ["HC:99212:25"]
            else:
                e[1] += ":52"
        elif e[0] == "CAS" and r < 0.05:
            e.append("1")
        elif e[0] == "LQ" and r < 0.2:
            out.append("LQ*HE*N1")
        out.append("*".join(e))
    text = "~\n".join(out)
    if seed % 2:
        text = text.replace(":", ">")  # ISA16 and every composite (no time or date here has a colon)
    return text


def _varied_files(tmp_path: Path) -> list[Path]:
    files = []
    for seed in range(4):
        p = tmp_path / f"varied{seed}.835"
        p.write_text(_varied_835(seed))
        files.append(p)
    return files


def _shared_835s(shared_data: Path) -> list[Path]:
    return sorted(p for p in shared_file(shared_data, "x12/835").iterdir() if p.name != "README.md")


def _remittances(files: list[Path]) -> list[x835.Remittance]:
    out: list[x835.Remittance] = []
    for f in files:
        with contextlib.suppress(X12Error):  # two samples are bare ST..SE fragments (no ISA), not payers' files
            out += [rem for rem, _fp, _err in rf.iter_remittances(f) if rem is not None]
    return out


def test_heads_from_the_readers_balancing_equal_heads_from_the_arithmetic(tmp_path: Path,
                                                                           shared_data: Path) -> None:
    """`heads_of` re-checks only the claims the reader's balancing flagged (and Σ SVC03, which it does not
    check): the heads equal those of the full check, which `claim_heads` does without the flags."""
    rems = _remittances(_varied_files(tmp_path) + _shared_835s(shared_data))
    unbalanced = svc03_only = with_body = 0
    for rem in rems:
        claims = tuple(rem.claims)
        full = rf.claim_heads(claims)
        assert rf.heads_of(rem, keep_built=False) == full
        assert rf.heads_of(rem) == full
        for cp, head in zip(claims, full, strict=True):
            problem = rf.unbalanced(cp)
            assert rf.unbalanced(cp, rf.balancing_flagged(rem)) == problem
            unbalanced += problem is not None
            svc03_only += problem is not None and problem.startswith("Σ SVC03")
            with_body += head[6] is not None
    # the input really has what the flags decide: claims that balance, claims that do not, and claims whose
    # only fault is one the reader's balancing does not flag
    assert with_body > 200 and unbalanced > 20 and svc03_only > 3


def _exactly(cp: x835.ClaimPayment) -> str:
    """A claim as text, every field (an amount's exponent too), without the positions (counted from the file's
    start or from the claim's)."""
    lines = tuple(dataclasses.replace(s, position=0) for s in cp.services)
    return repr(dataclasses.replace(cp, position=0, services=lines))


def test_claims_built_together_equal_claims_built_alone(tmp_path: Path, shared_data: Path) -> None:
    """A remittance's claims share what they are built from (each amount, CAS and procedure text converted
    once): each equals the claim built by itself from its loops (`claim_from_x12`, nothing shared)."""
    rems = _remittances(_varied_files(tmp_path) + _shared_835s(shared_data))
    n = 0
    for rem in rems:
        lazy = rem.claims
        assert isinstance(lazy, x835.LazyClaims)
        d = lazy.delimiters
        alone = [x835.claim_from_x12(text, d.element, d.component, d.segment, cp.header_number)
                 for text, cp in zip(lazy.loops_x12(), lazy, strict=True)]
        assert [_exactly(c) for c in alone] == [_exactly(c) for c in lazy.build()]
        n += len(alone)
    assert n > 500


@pytest.mark.parametrize("cls", [x835.CasAdjustment, x835.Remark, x835.Name, x835.Procedure, x835.ServicePayment,
                                 x835.ClaimPayment])
def test_the_readers_records_are_the_dataclasses_own(cls: type[Any]) -> None:
    """The reader's constructors (`_maker`) make instances equal to the dataclass's `__init__`'s: of the class
    itself, frozen, hashing and pickling alike."""
    values = [f"v{i}" for i, _f in enumerate(dataclasses.fields(cls))]
    made = x835._maker(cls)(*values)
    plain = cls(*values)
    assert type(made) is cls and made == plain and repr(made) == repr(plain)
    assert hash(made) == hash(plain)
    assert pickle.loads(pickle.dumps(made)) == plain
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, first, "x")
    assert dataclasses.replace(made) == plain


def test_heads_share_equal_codes_and_amounts(tmp_path: Path) -> None:
    """What pickle sends once: in one remittance's heads, equal codes and amounts (same type and text) are one
    object, after the trip to the posting process too."""
    rems = _remittances(_varied_files(tmp_path))
    shared = 0
    for rem in rems:
        sent = rf.heads_of(rem, keep_built=False)
        for heads in (sent, pickle.loads(pickle.dumps(sent))):
            assert heads is not None
            values: list[Any] = []
            for _pcn, status, charge, paid, resp, _icn, body in heads:
                values += [status, charge, paid, resp]
                for (_lcn, code, mods, dos, line_charge), line_paid, cas, remarks in (body[2] if body else ()):
                    values += [code, *mods, dos, line_charge, line_paid, *remarks]
                    for adjustment in cas:
                        values += adjustment
            ids: dict[tuple[type, str], set[int]] = {}
            for v in values:
                if v is not None:
                    ids.setdefault((type(v), str(v)), set()).add(id(v))
            assert all(len(s) == 1 for s in ids.values())
            shared += len(values) - len(ids)
    assert shared > 5000


def test_read_file_comes_back_equal_from_the_reader_process(tmp_path: Path, shared_data: Path) -> None:
    """`read_file` pickled as the reader process sends it (remittances unbuilt, as their segments' text) and
    unpickled: the same remittances, segments, claims and heads as reading here."""
    for f in _varied_files(tmp_path) + _shared_835s(shared_data):
        try:
            sent = rf.read_file(str(f))
        except X12Error:
            continue  # no interchange (see `_remittances`)
        back = pickle.loads(pickle.dumps((True, sent), protocol=pickle.HIGHEST_PROTOCOL))[1]
        here = list(rf.iter_remittances(f))
        assert len(back) == len(here) == len(sent)
        for (rem, fp, err, heads), (rem_here, fp_here, err_here) in zip(back, here, strict=True):
            assert (fp, err) == (fp_here, err_here)
            assert rem == rem_here and heads == rf.heads_of(rem_here)
            if rem is not None:
                assert isinstance(rem.claims, x835.LazyClaims) and isinstance(rem_here.claims, x835.LazyClaims)
                assert rem.claims.loops_x12() == rem_here.claims.loops_x12()
                assert rem.claims._segs == rem_here.claims._segs
                assert tuple(rem.claims) == tuple(rem_here.claims)
