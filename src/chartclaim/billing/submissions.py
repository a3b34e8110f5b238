"""Claim submissions: which 837 envelope carried each claim, so acknowledgements can be tied back to it.

A 999 answers a functional group (AK1 = our GS06) set by set (AK2 = our ST02) and points at an erroneous
segment by its position counted from ST = 1 (IK3, with IK4 for the element). `record_submission` reads the
837 exactly as it was sent, records per claim the interchange (ISA06/ISA08/ISA13), group (GS06), set (ST02),
the claim's ordinal in the set and the span of its 2300/2400 loops (CLM to the segment before the next HL, CLM
or SE), and moves each claim to `submitted` —
all in the caller's transaction, all or nothing. `claims_in_set` and `claim_at` answer the 999's questions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.billing.lifecycle import can_transition, transition
from chartclaim.store.models import ClaimRecord, ClaimSubmission


class SubmissionError(ValueError):
    """An 837 that cannot be recorded; the message names the segment (position in the file) and why."""


@dataclass(frozen=True)
class SentClaim:
    claim_number: str  # CLM01
    sender_id: str  # ISA06
    receiver_id: str  # ISA08
    isa13: str
    gs06: str
    st02: str
    position: int  # the claim's ordinal among the set's CLMs, 1-based
    clm_segment: int  # the CLM's position counted from ST = 1 (as IK301 counts)
    last_segment: int  # the last segment of its 2300/2400 loops (before the next HL, CLM or SE)


def sent_claims(text: str) -> list[SentClaim]:
    """Every claim of an 837 interchange with its envelope control numbers, in file order."""
    t = text.lstrip()
    if not t.startswith("ISA") or len(t) < 106:
        raise SubmissionError("not an X12 interchange: it must start with a 106-character ISA segment")
    sep, term = t[3], t[105]
    out: list[SentClaim] = []
    isa = ["", "", ""]
    gs06 = st02 = ""
    in_set = False
    seg_no = ordinal = 0
    # the claim being read (SentClaim's fields but the last), until the next HL, CLM or SE closes it
    open_claim: tuple[str, str, str, str, str, str, int, int] | None = None
    for n, raw in enumerate(t.split(term), 1):
        seg = raw.strip("\r\n")
        if not seg:
            continue
        el = seg.split(sep)
        tag = el[0]
        if tag == "ISA":
            if len(el) < 17:
                raise SubmissionError(f"segment {n} (ISA): {len(el) - 1} elements, 16 expected")
            isa = [el[6].strip(), el[8].strip(), el[13].strip()]
        elif tag == "GS":
            if len(el) < 7:
                raise SubmissionError(f"segment {n} (GS): no GS06 group control number")
            gs06 = el[6].strip()
        elif tag == "ST":
            if len(el) < 3 or not el[2].strip():
                raise SubmissionError(f"segment {n} (ST): no ST02 transaction set control number")
            st02, in_set, seg_no, ordinal = el[2].strip(), True, 0, 0
        if in_set:
            seg_no += 1
            if tag in ("HL", "CLM", "SE") and open_claim is not None:
                out.append(SentClaim(*open_claim, seg_no - 1))
                open_claim = None
            if tag == "CLM":
                if len(el) < 2 or not el[1].strip():
                    raise SubmissionError(f"segment {n} (CLM, set {st02}): no CLM01 patient control number")
                ordinal += 1
                open_claim = (el[1].strip(), isa[0], isa[1], isa[2], gs06, st02, ordinal, seg_no)
            elif tag == "SE":
                in_set = False
    if open_claim is not None:
        raise SubmissionError(f"set {st02}: claim {open_claim[0]} is not closed by an SE segment")
    if not isa[2]:
        raise SubmissionError("no ISA13 interchange control number")
    return out


def record_submission(session: Session, text: str, *, actor: str, file_name: str | None = None,
                      at: dt.datetime | None = None) -> list[ClaimSubmission]:
    """Record an 837 as sent: one ClaimSubmission per claim, and each claim moved to `submitted` (a claim that
    is already submitted stays). Every CLM01 must be one of our claims in a state that may be submitted;
    otherwise nothing is written and SubmissionError names the claims."""
    sent = sent_claims(text)
    if not sent:
        raise SubmissionError(f"{file_name or 'the 837'}: no claims (CLM) in it")
    numbers = {s.claim_number for s in sent}
    claims = {c.claim_number: c for c in session.scalars(select(ClaimRecord)
                                                        .where(ClaimRecord.claim_number.in_(numbers)))}
    unknown = sorted(numbers - set(claims))
    if unknown:
        raise SubmissionError(f"{file_name or 'the 837'}: CLM01 not on file: {', '.join(unknown[:10])}")
    stuck = sorted(n for n, c in claims.items() if c.status != "submitted" and not can_transition(c.status, "submitted"))
    if stuck:
        raise SubmissionError(f"{file_name or 'the 837'}: cannot be submitted from their status: "
                              + ", ".join(f"{n} ({claims[n].status})" for n in stuck[:10]))
    when = at or dt.datetime.now(dt.UTC)
    reason = f"sent in {file_name}" if file_name else "sent in 837"
    rows = []
    for s in sent:
        claim = claims[s.claim_number]
        if claim.status != "submitted":
            transition(session, claim, "submitted", actor, reason, at=when)
        rows.append(ClaimSubmission(claim_id=claim.id, submitted_at=when, actor=actor,
                                    file_name=file_name[:200] if file_name else None, sender_id=s.sender_id[:15],
                                    receiver_id=s.receiver_id[:15], isa13=s.isa13[:9], gs06=s.gs06[:9],
                                    st02=s.st02[:9], position=s.position, clm_segment=s.clm_segment,
                                    last_segment=s.last_segment))
    session.add_all(rows)
    session.flush()
    return rows


def claims_in_set(session: Session, gs06: str, st02: str, sender_id: str | None = None) -> list[ClaimSubmission]:
    """The claims of the transaction set a 999 AK2 answers (AK102 = GS06, AK202 = ST02), from the latest
    interchange that used those numbers (control numbers may wrap after years)."""
    q = select(ClaimSubmission).where(ClaimSubmission.gs06 == gs06.strip(), ClaimSubmission.st02 == st02.strip())
    if sender_id:
        q = q.where(ClaimSubmission.sender_id == sender_id.strip())
    rows = list(session.scalars(q.order_by(ClaimSubmission.id)))
    if not rows:
        return []
    last = rows[-1].isa13
    return sorted((r for r in rows if r.isa13 == last), key=lambda r: r.position)


def claim_at(session: Session, gs06: str, st02: str, segment_position: int,
             sender_id: str | None = None) -> ClaimSubmission | None:
    """The claim an IK3 points into: the one whose 2300/2400 loops span that segment position (counted from
    ST = 1). A segment outside every claim (submitter, billing provider, subscriber or patient loops) belongs to
    no one claim: None — `claims_in_set` then gives every claim the error affects."""
    return next((r for r in claims_in_set(session, gs06, st02, sender_id)
                 if r.clm_segment <= segment_position <= r.last_segment), None)


@dataclass(frozen=True)
class AckOutcome:
    """What a 999 said about one of our claims."""

    claim_number: str
    gs06: str
    st02: str
    accepted: bool
    errors: tuple[str, ...]  # "IK3 SV1 at 24 (loop 2400): ...; IK4 element 2: ..." in the trade's words
    moved: bool  # the claim went submitted → rejected


def apply_999(session: Session, ack: object, *, actor: str) -> list[AckOutcome]:
    """Tie a 999 (a parsed `chartclaim.x12.acks.ImplementationAck`) to our claims and act on it: every claim of
    a rejected transaction set goes from submitted to rejected, with the IK3/IK4 errors that fall inside its own
    loops (or those of its set, when an error sits in a shared loop) as the reason. Sets we never recorded are
    skipped (not ours, or sent before submissions were recorded)."""
    gs06 = str(getattr(ack, "group_control_number", "")).strip()
    out: list[AckOutcome] = []
    for tx in getattr(ack, "transactions", ()):
        rows = claims_in_set(session, gs06, tx.control_number)
        if not rows:
            continue
        own: dict[int, list[str]] = {r.id: [] for r in rows}
        shared: list[str] = []
        for e in tx.segment_errors:
            text = f"IK3 {e.segment_id} at {e.position} (loop {e.loop_id or '?'}): {e.description}"
            text += "".join(f"; IK4 element {el.position}: {el.description}"
                            + (f" ({el.bad_value})" if el.bad_value else "") for el in e.elements)
            hit = next((r for r in rows if r.clm_segment <= e.position <= r.last_segment), None)
            (own[hit.id] if hit is not None else shared).append(text)
        for r in rows:
            claim = session.get(ClaimRecord, r.claim_id)
            if claim is None:
                continue
            errors = tuple(own[r.id] + shared)
            moved = False
            if not tx.accepted and claim.status == "submitted":
                reason = f"999 rejected set {tx.control_number} ({tx.status_label})"
                if errors:
                    reason += ": " + " | ".join(errors)
                transition(session, claim, "rejected", actor, reason[:2000])
                moved = True
            out.append(AckOutcome(claim.claim_number, gs06, tx.control_number, tx.accepted, errors, moved))
    session.flush()
    return out
