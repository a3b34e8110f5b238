"""Claim submissions keep the 837's control numbers so a 999 can be tied back to our claims."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chartclaim.billing import practice, submissions
from chartclaim.billing.lifecycle import history, transition
from chartclaim.claim import Claim, parse_claim
from chartclaim.store.models import ClaimRecord, ClaimSubmission

write837 = pytest.importorskip("chartclaim.x12.write837")


def _doc(number: str, member: str, procs: list[str]) -> Claim:
    return parse_claim({
        "claim_id": number,
        "payer": {"id": "ACME1", "name": "ACME HEALTH"},
        "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "CLINIC",
                             "address": {"line1": "1 MAIN ST", "city": "TOWN", "state": "MN", "zip": "555551234"}},
        "subscriber": {"member_id": member, "first_name": "JANE", "last_name": "DOE" + member[-1],
                       "dob": "1950-05-04", "sex": "F",
                       "address": {"line1": "9 ELM ST", "city": "TOWN", "state": "MN", "zip": "55555"}},
        "diagnoses": ["E11.9"],
        "lines": [{"procedure": p, "charge": "100.00", "date_of_service": "2025-03-01"} for p in procs],
    })


def _ready(s: Session, docs: list[Claim]) -> list[ClaimRecord]:
    out = []
    for d in docs:
        c = practice.import_claim(s, d)
        for st in ("scrubbed", "ready"):
            transition(s, c, st, "biller")
        out.append(c)
    return out


def _write(docs: list[Claim], per_claim: bool, start: int = 1) -> str:
    from chartclaim.x12 import MemoryControlNumbers
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty

    opts = EnvelopeOptions(EnvelopeParty("CLINIC"), EnvelopeParty("CLEARING"), timestamp=dt.datetime(2025, 3, 2, 9))
    return write837.write_837(docs, opts, write837.Submitter("CLINIC", "CLINIC", "BILLING", "6125551212"),
                              write837.Receiver("CLEARING", "CLEARING"), MemoryControlNumbers(start=start),
                              one_st_per_claim=per_claim)


@pytest.mark.parametrize("per_claim", [False, True])
def test_submission_records_control_numbers_and_spans(engine: Engine, per_claim: bool) -> None:
    from chartclaim.x12 import read

    docs = [_doc("C1", "M0001", ["99213", "36415"]), _doc("C2", "M0002", ["99214"]),
            _doc("C3", "M0002", ["99212", "81002", "36415"])]
    text = _write(docs, per_claim, start=41)
    with Session(engine) as s:
        claims = _ready(s, docs)
        rows = submissions.record_submission(s, text, actor="biller", file_name="837P-0001.x12")
        s.commit()
        assert [r.claim_id for r in rows] == [c.id for c in claims]
        assert all(c.status == "submitted" for c in claims)
        assert history(s, claims[0].id)[-1].reason == "sent in 837P-0001.x12"
        # what the X12 reader finds in the same file, independently
        files = read(io.StringIO(text)).models()
        isa13 = text[text.index("ISA"):].split("*")[13]
        expect = []
        for f in files:
            for n, (c, (first, last)) in enumerate(zip(f.claims, f.claim_spans, strict=True), 1):
                expect.append((c.claim_id, f.control_number, n, first, last))
        got = [(s.get(ClaimRecord, r.claim_id).claim_number, r.st02, r.position, r.clm_segment,  # type: ignore[union-attr]
                r.last_segment) for r in s.scalars(select(ClaimSubmission).order_by(ClaimSubmission.id))]
        assert got == expect
        assert {r.isa13 for r in rows} == {isa13} and {r.sender_id for r in rows} == {"CLINIC"}
        assert len({r.st02 for r in rows}) == (3 if per_claim else 1)
        # a 999 IK3 inside C3's service lines points at C3; one in the subscriber loop points at no single claim
        last = rows[2]
        hit = submissions.claim_at(s, last.gs06, last.st02, last.last_segment)
        assert hit is not None and hit.claim_id == claims[2].id
        assert submissions.claim_at(s, last.gs06, last.st02, 2) is None
        assert [r.claim_id for r in submissions.claims_in_set(s, last.gs06, last.st02)] == (
            [claims[2].id] if per_claim else [c.id for c in claims])


def test_submission_is_all_or_nothing(engine: Engine) -> None:
    docs = [_doc("C1", "M0001", ["99213"]), _doc("C9", "M0009", ["99213"])]
    text = _write(docs, False)
    with Session(engine) as s:
        [c1] = _ready(s, docs[:1])
        s.commit()
        with pytest.raises(submissions.SubmissionError, match="not on file: C9"):
            submissions.record_submission(s, text, actor="biller")
        assert c1.status == "ready" and s.scalars(select(ClaimSubmission)).all() == []
        with pytest.raises(submissions.SubmissionError, match="ISA"):
            submissions.record_submission(s, "GS*HC~", actor="biller")


def test_resubmission_keeps_both_envelopes(engine: Engine) -> None:
    docs = [_doc("C1", "M0001", ["99213"])]
    with Session(engine) as s:
        [c1] = _ready(s, docs)
        submissions.record_submission(s, _write(docs, True, start=1), actor="biller")
        transition(s, c1, "rejected", "clearinghouse")
        transition(s, c1, "draft", "biller")
        for st in ("scrubbed", "ready"):
            transition(s, c1, st, "biller")
        submissions.record_submission(s, _write(docs, True, start=7), actor="biller")
        rows = s.scalars(select(ClaimSubmission).where(ClaimSubmission.claim_id == c1.id)).all()
        assert [r.isa13 for r in rows] == ["000000001", "000000007"]


def test_a_999_segment_error_is_tied_to_the_claim_that_carried_it(engine: Engine) -> None:
    """The payer's 999 (AK1 GS06, AK2 ST02, IK3 position) for a damaged line finds our claim through the
    recorded submission, even with several claims in one transaction set."""
    from chartclaim.x12 import read
    from chartclaim.x12.acks import acknowledge_file
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty

    docs = [_doc("C1", "M0001", ["99213"]), _doc("C2", "M0002", ["99214"]), _doc("C3", "M0003", ["99212"])]
    text = _write(docs, False, start=5).replace("SV1*HC:99214*100*", "SV1*HC:99214*1X0*")
    with Session(engine) as s:
        claims = _ready(s, docs)
        submissions.record_submission(s, text, actor="biller", file_name="837P-bad.x12")
        ack_text = acknowledge_file(read(io.StringIO(text)), EnvelopeOptions(EnvelopeParty("CLEARING"),
                                                                             EnvelopeParty("CLINIC")))
        [ack] = read(io.StringIO(ack_text)).models("999")
        [tx] = ack.transactions
        assert not tx.accepted and tx.segment_errors
        hits = {submissions.claim_at(s, ack.group_control_number, tx.control_number, e.position)
                for e in tx.segment_errors}
        assert {h.claim_id for h in hits if h is not None} == {claims[1].id}


def test_apply_999_rejects_the_claims_of_a_rejected_set(engine: Engine) -> None:
    from chartclaim.x12 import read
    from chartclaim.x12.acks import acknowledge_file
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty

    docs = [_doc("C1", "M0001", ["99213"]), _doc("C2", "M0002", ["99214"])]
    good = _write(docs[:1], True, start=3)
    bad = _write(docs[1:], True, start=4).replace("SV1*HC:99214*100*", "SV1*HC:99214*1X0*")
    with Session(engine) as s:
        c1, c2 = _ready(s, docs)
        for t in (good, bad):
            submissions.record_submission(s, t, actor="biller")
        outcomes = []
        for t in (good, bad):
            ack_text = acknowledge_file(read(io.StringIO(t)), EnvelopeOptions(EnvelopeParty("CH"), EnvelopeParty("CLINIC")))
            for ack in read(io.StringIO(ack_text)).models("999"):
                outcomes += submissions.apply_999(s, ack, actor="clearinghouse")
        assert [(o.claim_number, o.accepted, o.moved) for o in outcomes] == [("C1", True, False), ("C2", False, True)]
        assert outcomes[1].errors and "SV1" in outcomes[1].errors[0]
        assert (c1.status, c2.status) == ("submitted", "rejected")
        assert "SV1" in (history(s, c2.id)[-1].reason or "")


def test_cli_record_837_and_ack_999(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from chartclaim.cli import app
    from chartclaim.store.db import make_engine, upgrade
    from chartclaim.x12 import read
    from chartclaim.x12.acks import acknowledge_file
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty

    url = f"sqlite:///{tmp_path / 'cc.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    docs = [_doc("C1", "M0001", ["99213"]), _doc("C2", "M0002", ["99214"])]
    text = _write(docs, False, start=9).replace("SV1*HC:99214*100*", "SV1*HC:99214*1X0*")
    with Session(eng) as s:
        _ready(s, docs)
        s.commit()
    (tmp_path / "out.837").write_text(text)
    ack = acknowledge_file(read(io.StringIO(text)), EnvelopeOptions(EnvelopeParty("CH"), EnvelopeParty("CLINIC")))
    (tmp_path / "ack.999").write_text(ack)
    r = CliRunner().invoke(app, ["claims", "record-837", str(tmp_path / "out.837"), "--database-url", url, "--json"])
    assert r.exit_code == 0, r.output
    assert [x["position"] for x in json.loads(r.stdout)] == [1, 2]
    r = CliRunner().invoke(app, ["claims", "ack-999", str(tmp_path / "ack.999"), "--database-url", url])
    assert r.exit_code == 0, r.output
    assert "C1: set 0009 rejected (moved to rejected)" in r.output and "IK3 SV1" in r.output
    with Session(eng) as s:
        assert {c.claim_number: c.status for c in s.scalars(select(ClaimRecord))} == {"C1": "rejected",
                                                                                       "C2": "rejected"}
    r = CliRunner().invoke(app, ["claims", "record-837", str(tmp_path / "nope.837"), "--database-url", url])
    assert r.exit_code == 1 and "no such file" in r.output
    eng.dispose()
