"""Acknowledgments: 999 implementation acknowledgment (reader, builder, writer), TA1 interchange
acknowledgment (reader), and mapping a 999 back to the claims of the 837 it answers.

A 999 answers a functional group (AK1 = our GS06) transaction by transaction (AK2 = our ST02); IK3 names a
segment by its position counted from ST = 1, which ``ClaimFile.claim_spans`` turns back into our claim.
The 277CA (claim-level acknowledgment) lives in ``chartclaim.x12.status``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chartclaim.x12.claims837 import ClaimFile
from chartclaim.x12.core import Delimiters, Issue, RawTransaction, X12Error, check_known
from chartclaim.x12.core import element as _e
from chartclaim.x12.envelope import ControlNumberSource, EnvelopeOptions, clean, default_numbers, interchange
from chartclaim.x12.status import ClaimAck, parse_277ca  # noqa: F401  (re-exported: 277CA is an acknowledgment)

TRANSACTION_STATUS = {"A": "accepted", "E": "accepted with errors", "M": "rejected, message authentication failed",
                      "R": "rejected", "W": "rejected, assurance failed", "X": "rejected, content could not be analysed"}
GROUP_STATUS = {"A": "accepted", "E": "accepted with errors", "P": "partially accepted", "R": "rejected",
                "M": "rejected, message authentication failed", "W": "rejected, assurance failed",
                "X": "rejected, content could not be analysed"}
SEGMENT_ERRORS = {"1": "unrecognized segment ID", "2": "unexpected segment", "3": "required segment missing",
                  "4": "loop occurs over maximum times", "5": "segment exceeds maximum use",
                  "6": "segment not in defined transaction set", "7": "segment not in proper sequence",
                  "8": "segment has data element errors", "I4": "implementation 'not used' segment present",
                  "I6": "implementation dependent segment missing", "I7": "implementation loop occurs under minimum times",
                  "I8": "implementation segment below minimum use", "I9": "implementation dependent 'not used' segment present"}
ELEMENT_ERRORS = {"1": "required data element missing", "2": "conditional required data element missing",
                  "3": "too many data elements", "4": "data element too short", "5": "data element too long",
                  "6": "invalid character in data element", "7": "invalid code value", "8": "invalid date",
                  "9": "invalid time", "10": "exclusion condition violated", "12": "too many repetitions",
                  "13": "too many components", "I10": "implementation 'not used' data element present",
                  "I11": "implementation too few repetitions", "I12": "implementation pattern match failure",
                  "I13": "implementation dependent 'not used' data element present",
                  "I6": "code value not used in implementation", "I9": "implementation dependent data element missing"}
TA1_CODES = {"000": "no error", "001": "control numbers in ISA and IEA do not match", "002": "this standard is not supported",
             "003": "this version of the controls is not supported", "004": "segment terminator is invalid",
             "005": "invalid interchange id qualifier for sender", "006": "invalid interchange sender id",
             "007": "invalid interchange id qualifier for receiver", "008": "invalid interchange receiver id",
             "009": "unknown interchange receiver id", "010": "invalid authorization information qualifier value",
             "011": "invalid authorization information value", "012": "invalid security information qualifier value",
             "013": "invalid security information value", "014": "invalid interchange date value",
             "015": "invalid interchange time value", "016": "invalid interchange standards identifier value",
             "017": "invalid interchange version id value", "018": "invalid interchange control number value",
             "019": "invalid acknowledgment requested value", "020": "invalid test indicator value",
             "021": "invalid number of included groups value", "022": "invalid control structure",
             "023": "improper (premature) end-of-file (transmission)", "024": "invalid interchange content",
             "025": "duplicate interchange control number", "026": "invalid data element separator",
             "027": "invalid component element separator", "028": "invalid delivery date in deferred delivery request",
             "029": "invalid delivery time in deferred delivery request",
             "030": "invalid delivery time code in deferred delivery request", "031": "invalid grade of service code"}


@dataclass(frozen=True, slots=True)
class ElementError:
    """IK4: element position (IK401-1), component (IK401-2), repetition (IK401-3), element reference, code, bad value."""

    position: int
    component: int | None
    repetition: int | None
    reference: str
    code: str
    bad_value: str = ""

    @property
    def description(self) -> str:
        return ELEMENT_ERRORS.get(self.code, f"element error {self.code}")


@dataclass(frozen=True, slots=True)
class SegmentError:
    """IK3 with its CTX contexts and IK4 element errors."""

    segment_id: str
    position: int  # counted from ST = 1
    loop_id: str
    code: str
    elements: tuple[ElementError, ...] = ()
    contexts: tuple[tuple[str, ...], ...] = ()

    @property
    def description(self) -> str:
        return SEGMENT_ERRORS.get(self.code, f"segment error {self.code}")

    @property
    def claim_ids(self) -> tuple[str, ...]:
        """CLM01 values named by CTX*CLM01:... (a business-unit context some senders add)."""
        out = []
        for ctx in self.contexts:
            head = ctx[0] if ctx else ""
            if head.startswith("CLM01") and len(ctx) > 1:
                out.append(ctx[1])
        return tuple(out)


@dataclass(frozen=True, slots=True)
class TransactionAck:
    """AK2..IK5: one of our transaction sets."""

    set_id: str  # AK201 (837)
    control_number: str  # AK202 = our ST02
    implementation: str  # AK203
    status: str  # IK501: A, E, M, R, W, X
    codes: tuple[str, ...] = ()  # IK502-506
    segment_errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    @property
    def status_label(self) -> str:
        return TRANSACTION_STATUS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class ImplementationAck:
    """One 999 transaction: the acknowledgment of one functional group of ours."""

    control_number: str
    functional_id: str  # AK101 (HC for 837)
    group_control_number: str  # AK102 = our GS06
    version: str  # AK103
    transactions: tuple[TransactionAck, ...]
    status: str  # AK901: A, E, P, R...
    included: int = 0  # AK902
    received: int = 0  # AK903
    accepted_count: int = 0  # AK904
    group_codes: tuple[str, ...] = ()  # AK905-909
    issues: tuple[Issue, ...] = ()
    position: int = field(default=0, compare=False)

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    @property
    def rejected(self) -> bool:
        return self.status not in ("A", "E", "P")

    @property
    def partially_accepted(self) -> bool:
        return self.status == "P"

    @property
    def status_label(self) -> str:
        return GROUP_STATUS.get(self.status, self.status)

    def for_transaction(self, control_number: str) -> TransactionAck | None:
        for t in self.transactions:
            if t.control_number == control_number:
                return t
        return None


@dataclass(frozen=True, slots=True)
class InterchangeAck:
    """TA1: acknowledgment of one interchange (ISA13) — A accepted, E accepted with errors, R rejected."""

    control_number: str  # TA101 = our ISA13
    date: str
    time: str
    status: str  # TA104
    note_code: str  # TA105
    position: int = field(default=0, compare=False)

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    @property
    def note(self) -> str:
        return TA1_CODES.get(self.note_code, self.note_code)


@dataclass(frozen=True, slots=True)
class ClaimAckResult:
    """What a 999 says about one of our claims."""

    claim_id: str
    transaction_control_number: str
    accepted: bool
    status: str
    errors: tuple[str, ...] = ()


def _int(seg: list[str], i: int, pos: int, required: bool = False) -> int | None:
    v = _e(seg, i)
    if not v:
        if required:
            raise X12Error("required element is missing", position=pos, segment_id=seg[0], element=f"{seg[0]}{i:02d}")
        return None
    if not v.isdigit():
        raise X12Error(f"not a whole number: {v!r}", position=pos, segment_id=seg[0], element=f"{seg[0]}{i:02d}")
    return int(v)


def parse_999(raw: RawTransaction) -> ImplementationAck:
    d: Delimiters = raw.interchange.delimiters
    base = raw.start + 1
    issues = list(raw.issues)
    ak1: list[str] | None = None
    ak9: list[str] | None = None
    txs: list[TransactionAck] = []
    cur: dict[str, Any] | None = None
    seg_errs: list[dict[str, Any]] = []

    def close() -> None:
        nonlocal cur, seg_errs
        if cur is None:
            return
        errs = tuple(SegmentError(str(s["id"]), int(s["pos"]), str(s["loop"]), str(s["code"]),
                                  tuple(s["ik4"]), tuple(s["ctx"])) for s in seg_errs)
        ik5 = cur.get("ik5")
        if ik5 is None:
            raise X12Error("AK2 without IK5 transaction set response trailer", position=int(cur["pos"]),
                           segment_id="AK2")
        assert isinstance(ik5, list)
        txs.append(TransactionAck(str(cur["set"]), str(cur["ctl"]), str(cur["impl"]), _e(ik5, 1),
                                  tuple(x for x in (_e(ik5, i) for i in range(2, 7)) if x), errs))
        cur = None
        seg_errs = []

    for idx, seg in enumerate(raw.segments):
        pos = base + idx
        tag = seg[0]
        check_known("999", seg, pos)
        if tag in ("AK3", "AK4", "AK5"):
            # 997-style segments inside a 999 (some senders mix them): same layout, read as IK3/IK4/IK5
            issues.append(Issue(f"{tag} read as I{tag[1:]} (997 segment in a 999)", pos, tag))
            tag = "I" + tag[1:]
        if tag == "AK1":
            ak1 = seg
        elif tag == "AK2":
            close()
            cur = {"set": _e(seg, 1), "ctl": _e(seg, 2), "impl": _e(seg, 3), "pos": pos}
            if not _e(seg, 2):
                raise X12Error("required element is missing", position=pos, segment_id="AK2", element="AK202")
        elif tag == "IK3":
            if cur is None:
                raise X12Error("IK3 outside an AK2 loop", position=pos, segment_id="IK3")
            seg_errs.append({"id": _e(seg, 1), "pos": _int(seg, 2, pos, True), "loop": _e(seg, 3), "code": _e(seg, 4),
                             "ik4": [], "ctx": []})
        elif tag == "IK4":
            if not seg_errs:
                raise X12Error("IK4 outside an IK3 loop", position=pos, segment_id="IK4")
            p = _e(seg, 1).split(d.component)
            if not p[0].isdigit():
                raise X12Error(f"element position not a number: {p[0]!r}", position=pos, segment_id="IK4", element="IK401")
            seg_errs[-1]["ik4"].append(ElementError(
                int(p[0]), int(p[1]) if len(p) > 1 and p[1].isdigit() else None,
                int(p[2]) if len(p) > 2 and p[2].isdigit() else None, _e(seg, 2), _e(seg, 3), _e(seg, 4)))
        elif tag == "CTX":
            if seg_errs:
                # CTX05/06 are composites: kept with ':' between components whatever the file's separator, as
                # write_999 writes them, so the model does not depend on the sender's delimiters
                seg_errs[-1]["ctx"].append(tuple(x.strip() for x in _e(seg, 1).split(d.component)) + tuple(
                    x.strip().replace(d.component, ":") if k >= 5 else x.strip() for k, x in enumerate(seg[2:], 2)))
        elif tag == "IK5":
            if cur is None:
                raise X12Error("IK5 outside an AK2 loop", position=pos, segment_id="IK5")
            if not _e(seg, 1):
                raise X12Error("required element is missing", position=pos, segment_id="IK5", element="IK501")
            cur["ik5"] = seg
        elif tag == "AK9":
            close()
            ak9 = seg
            if not _e(seg, 1):
                raise X12Error("required element is missing", position=pos, segment_id="AK9", element="AK901")
        else:
            issues.append(Issue(f"segment {tag} not expected in a 999; ignored", pos, tag))
    close()
    if ak1 is None:
        raise X12Error("999 without AK1", position=raw.start, segment_id="ST")
    if ak9 is None:
        raise X12Error("999 without AK9", position=raw.start, segment_id="ST")
    end = raw.start + len(raw.segments)
    return ImplementationAck(
        raw.control_number, _e(ak1, 1), _e(ak1, 2), _e(ak1, 3), tuple(txs), _e(ak9, 1),
        _int(ak9, 2, end) or 0, _int(ak9, 3, end) or 0, _int(ak9, 4, end) or 0,
        tuple(x for x in (_e(ak9, i) for i in range(5, 10)) if x), tuple(issues), raw.start,
    )


def parse_ta1(raw: RawTransaction) -> InterchangeAck:
    seg = raw.segments[0]
    pos = raw.start + 1
    ctl = _e(seg, 1)
    if not ctl:
        raise X12Error("required element is missing", position=pos, segment_id="TA1", element="TA101")
    status = _e(seg, 4)
    if status not in ("A", "E", "R"):
        raise X12Error(f"TA104 {status!r} is not A, E or R", position=pos, segment_id="TA1", element="TA104")
    return InterchangeAck(ctl, _e(seg, 2), _e(seg, 3), status, _e(seg, 5), pos)


# ------------------------------------------------------------------------------------ mapping to our claims


def match_999(ack: ImplementationAck, claim_files: Iterable[ClaimFile]) -> list[ClaimAckResult]:
    """Each claim of the 837 transactions this 999 answers, with accepted/rejected and the error texts that
    point into it (by IK3 position inside its 2300/2400 loops, or by CTX*CLM01)."""
    files = {cf.control_number: cf for cf in claim_files}
    out: list[ClaimAckResult] = []
    for t in ack.transactions:
        cf = files.get(t.control_number)
        if cf is None:
            continue
        per_claim: dict[str, list[str]] = {c.claim_id: [] for c in cf.claims}
        general: list[str] = []
        for se in t.segment_errors:
            text = f"{se.segment_id} at segment {se.position}: {se.description}"
            if se.elements:
                text += "; " + "; ".join(f"element {e.position}{'-' + str(e.component) if e.component else ''}"
                                         f" ({e.reference}): {e.description}" + (f" {e.bad_value!r}" if e.bad_value else "")
                                         for e in se.elements)
            named = [cid for cid in se.claim_ids if cid in per_claim]
            hit = cf.claim_at(se.position)
            if named:
                for cid in named:
                    per_claim[cid].append(text)
            elif hit is not None:
                per_claim[hit.claim_id].append(text)
            else:
                general.append(text)
        for c in cf.claims:
            errs = tuple(per_claim[c.claim_id]) + tuple(general)
            out.append(ClaimAckResult(c.claim_id, t.control_number, t.accepted, t.status, errs))
    return out


# ---------------------------------------------------------------------------------------- 999 builder/writer


def acknowledge(transactions: Sequence[object], *, functional_id: str = "HC", group_control_number: str = "",
                version: str = "005010X222A1") -> ImplementationAck:
    """Build a 999 for transactions read with ``chartclaim.x12.iter_read``/``read`` (``TransactionResult``s):
    each one accepted when it parsed, rejected with an IK3 (and IK4 when the element is known) otherwise."""
    txs: list[TransactionAck] = []
    for t in transactions:
        err: X12Error | None = getattr(t, "error", None)
        ctl = str(getattr(t, "control_number", ""))
        start = int(getattr(t, "position", 0))
        kind = str(getattr(t, "kind", "837"))
        set_id = kind[:3]
        if err is None:
            txs.append(TransactionAck(set_id, ctl, version, "A"))
            continue
        seg_pos = (err.position - start + 1) if err.position and start else 1
        elements: tuple[ElementError, ...] = ()
        code = "8"
        if err.element and err.segment_id and err.element[len(err.segment_id):].isdigit():
            n = int(err.element[len(err.segment_id):])
            ecode = "1" if "missing" in err.message else ("7" if "code" in err.message else "6")
            elements = (ElementError(n, None, None, "", ecode),)
        elif "missing" in err.message:
            code = "3"
        elif "outside" in err.message or "not valid" in err.message:
            code = "2"
        elif "repeated" in err.message:
            code = "4"
        elif "identifier" in err.message:
            code = "1"
        se = SegmentError((err.segment_id or "ST")[:3], max(seg_pos, 1), "", code, elements)
        txs.append(TransactionAck(set_id, ctl, version, "R", ("5",), (se,)))
    n_ok = sum(1 for t in txs if t.accepted)
    status = "A" if n_ok == len(txs) else ("R" if n_ok == 0 else "P")
    return ImplementationAck("", functional_id, group_control_number, version, tuple(txs), status, len(txs), len(txs),
                             n_ok, () if status == "A" else ("5",))


def ack_body(ack: ImplementationAck) -> list[str]:
    def s(*parts: object) -> str:
        vals = ["" if p is None else str(p) for p in parts]
        while len(vals) > 1 and not vals[-1]:
            vals.pop()
        return "*".join(vals)

    out = [s("AK1", ack.functional_id, ack.group_control_number, ack.version)]
    for t in ack.transactions:
        out.append(s("AK2", t.set_id, t.control_number, t.implementation))
        for se in t.segment_errors:
            out.append(s("IK3", se.segment_id, se.position, se.loop_id, se.code))
            for ctx in se.contexts:
                out.append(s("CTX", ":".join(ctx[:2]), *ctx[2:]))
            for e in se.elements:
                pos = str(e.position) + (f":{e.component}" if e.component else "") + (
                    f"{':' if e.component else '::'}{e.repetition}" if e.repetition else "")
                out.append(s("IK4", pos, e.reference, e.code, clean(e.bad_value, 99)))
        out.append(s("IK5", t.status, *t.codes[:5]))
    out.append(s("AK9", ack.status, ack.included or len(ack.transactions), ack.received or len(ack.transactions),
                 ack.accepted_count if ack.included else sum(1 for t in ack.transactions if t.accepted), *ack.group_codes[:5]))
    return out


def write_999(acks: Iterable[ImplementationAck], opts: EnvelopeOptions, numbers: ControlNumberSource | None = None) -> str:
    """One interchange, GS*FA 005010X231A1, one ST per acknowledged functional group."""
    sets = [("999", ack_body(a)) for a in acks]
    return interchange([("FA", "005010X231A1", sets)], opts, numbers or default_numbers())


def acknowledge_file(result: object, opts: EnvelopeOptions, numbers: ControlNumberSource | None = None) -> str:
    """A 999 for every functional group of a ``ReadResult`` of 837s (what a payer or clearinghouse returns)."""
    transactions = list(getattr(result, "transactions", []))
    by_group: dict[tuple[str, str], list[object]] = {}
    for t in transactions:
        gcn = str(getattr(t, "group_control_number", "") or "")
        version = str(getattr(t, "implementation", "") or "005010X222A1")
        by_group.setdefault((gcn, version), []).append(t)
    acks = [acknowledge(ts, group_control_number=g, version=v) for (g, v), ts in by_group.items()]
    return write_999(acks, opts, numbers)


def write_ta1(ack: InterchangeAck, opts: EnvelopeOptions, numbers: ControlNumberSource | None = None) -> str:
    """A TA1 in its own interchange (no GS), answering the ISA13 in ``ack.control_number``."""
    import datetime as dt

    from chartclaim.x12.envelope import ELEMENT, TERMINATOR, isa_segment

    numbers = numbers or default_numbers()
    now = opts.timestamp or dt.datetime.now()
    n = numbers.next("ISA")
    nl = "\n" if opts.line_breaks else ""
    ta1 = ELEMENT.join(["TA1", ack.control_number.zfill(9), ack.date or now.strftime("%y%m%d"),
                        ack.time or now.strftime("%H%M"), ack.status, ack.note_code or "000"])
    return (TERMINATOR + nl).join([isa_segment(opts, n, now), ta1, ELEMENT.join(["IEA", "0", f"{n:09d}"])]) + TERMINATOR + nl
