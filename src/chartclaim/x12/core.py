"""Tokeniser and envelope walker: delimiters from the ISA, segments read lazily, ISA/GS/ST grouping.

The hot path is deliberately plain: the file is read in chunks, each chunk is ``str.split`` on the
segment terminator, each segment ``str.split`` on the element separator. Nothing is held beyond the
transaction set being assembled, so memory stays flat in the size of the file.

A *position* is the 1-based ordinal of a segment in the file, counting non-blank segments (blank lines
between segments are ignored). Errors carry it, with the segment id and the element reference.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, cast

Segment = list[str]
"""A segment as read: ``[id, e01, e02, ...]`` (elements are plain strings, '' when empty)."""

# whitespace, NUL padding, the DOS end-of-file mark and the byte-order mark (files concatenated with `cat`
# carry each one's BOM into the middle of the result)
_TRAILING_JUNK = " \t\r\n\x00\x0b\x0c\x1a\ufeff"
_CHUNK = 1 << 18  # characters per read: bounds memory (segment lists cost ~10x their text)


class X12Error(ValueError):
    """Malformed X12, located: segment position in the file, segment id, element (e.g. ``CLP03``)."""

    def __init__(
        self,
        message: str,
        *,
        position: int | None = None,
        segment_id: str | None = None,
        element: str | None = None,
        control_number: str | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.position = position
        self.segment_id = segment_id
        self.element = element
        self.control_number = control_number
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.position is not None:
            where.append(f"segment {self.position}")
        if self.segment_id:
            where.append(f"({self.segment_id})")
        if self.element:
            where.append(f"element {self.element}")
        if self.control_number:
            where.append(f"in ST {self.control_number}")
        prefix = " ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "position": self.position,
            "segment_id": self.segment_id,
            "element": self.element,
            "control_number": self.control_number,
        }


@dataclass(frozen=True, slots=True)
class Issue:
    """A finding that does not stop the read (a warning, a balancing difference): errors as values."""

    message: str
    position: int | None = None
    segment_id: str | None = None
    element: str | None = None
    severity: str = "warning"

    def describe(self) -> str:
        loc = f"segment {self.position} ({self.segment_id})" if self.position is not None else ""
        if self.element:
            loc += f" element {self.element}"
        return f"{loc}: {self.message}" if loc else self.message


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: str | None = "^"
    segment: str = "~"


@dataclass(frozen=True, slots=True)
class Interchange:
    """ISA header values (the parts anyone routes or acknowledges by)."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    version: str
    control_number: str
    ack_requested: str
    usage: str  # P production, T test
    delimiters: Delimiters
    position: int


@dataclass(frozen=True, slots=True)
class Group:
    """GS header values."""

    functional_id: str  # HC 837, HP 835, FA 999, HN 277, HB 271, HS 270, HR 276
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    version: str  # GS08, e.g. 005010X222A1
    position: int


@dataclass(slots=True)
class RawTransaction:
    """One ST..SE with its envelope. ``texts`` holds the segments between ST and SE as unsplit strings
    (strings cost the garbage collector nothing, lists do), so ``texts[i]`` sits at file position
    ``start + 1 + i``; ``segments`` gives them split on the element separator (computed once)."""

    interchange: Interchange
    group: Group | None
    transaction_type: str  # ST01
    control_number: str  # ST02
    implementation: str  # ST03 or GS08
    start: int  # position of ST
    texts: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    error: X12Error | None = None
    _segments: list[Segment] | None = None

    @property
    def segments(self) -> list[Segment]:
        if self._segments is None:
            sep = self.interchange.delimiters.element
            self._segments = [t.split(sep) for t in self.texts]
        return self._segments


_gc_pauses = 0  # threads inside gc_paused
_gc_resume = False  # whether the last of them re-enables the collector
_gc_lock = threading.Lock()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a burst of short-lived containers is made.

    Reading or writing X12 allocates hundreds of thousands of lists and records that die by reference
    counting; letting the cyclic collector walk them (and every long-lived object) on the way costs more
    than the work itself. Re-enabled on exit only if it was enabled on entry. The collector is one per process:
    with several threads inside (the 835 posting threads), it stays paused until the last one leaves (the first
    one leaving used to re-enable it under the others, which then paid for collections of everything alive).
    """
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


# ---------------------------------------------------------------------------------------------- tokeniser


def _encoding(head: bytes) -> str:
    """UTF-8 unless the file says UTF-16 (Windows tools save "Unicode" text with a byte-order mark)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8"


def _open(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> tuple[IO[str], bool, str]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        with open(path, "rb") as probe:
            enc = _encoding(probe.read(2))
        return open(path, encoding=enc, errors="replace", newline=""), True, str(path)
    if isinstance(source, io.TextIOBase):
        return source, False, getattr(source, "name", "<stream>")
    # A binary stream: decode lazily without reading it whole.
    raw = cast(Any, source)
    enc = "utf-8"
    if hasattr(raw, "peek"):
        enc = _encoding(raw.peek(2)[:2])
    elif getattr(raw, "seekable", lambda: False)():
        pos = raw.tell()
        enc = _encoding(raw.read(2))
        raw.seek(pos)
    wrapper = io.TextIOWrapper(raw, encoding=enc, errors="replace", newline="")
    return wrapper, False, getattr(source, "name", "<stream>")


def parse_isa(head: str) -> tuple[Delimiters, Segment, int]:
    """Read the delimiters and the ISA from the start of a file; returns (delimiters, ISA, chars used).

    Tolerates the non-fixed-width ISA some payers send (unpadded ISA02/04/06/08) by splitting on the
    element separator found at offset 3 rather than trusting column 106.
    """
    if len(head) < 4 or head[:3].upper() != "ISA":
        raise X12Error("file does not start with an ISA interchange header", position=1, segment_id=head[:3] or None)
    sep = head[3]
    if sep.isalnum() or sep in " \r\n":
        raise X12Error(f"invalid element separator {sep!r} after ISA", position=1, segment_id="ISA", element="ISA00")
    parts = head.split(sep, 16)
    if len(parts) < 17 or not parts[16]:
        raise X12Error("ISA has fewer than 16 elements", position=1, segment_id="ISA")
    tail = parts[16]
    comp = tail[0]
    if len(tail) < 2:
        raise X12Error("no segment terminator after ISA16", position=1, segment_id="ISA", element="ISA16")
    term = tail[1]
    if term == "\r" and tail[2:3] == "\n":
        term = "\n"
    if term.isalnum() or term in (sep, comp):
        raise X12Error(f"invalid segment terminator {term!r} after ISA16", position=1, segment_id="ISA", element="ISA16")
    isa = list(parts[:16])
    isa.append(comp)
    for i, name in ((12, "ISA12"), (13, "ISA13")):
        v = isa[i].strip()
        if not v.isdigit():
            raise X12Error(f"{name} must be numeric, found {v!r}", position=1, segment_id="ISA", element=name)
    # ISA11 is not stripped with str.strip(): the ASCII separators \x1c-\x1f, which some systems use as
    # delimiters, count as whitespace to Python
    rep_char = isa[11].strip(" ")
    repetition: str | None = rep_char if (len(rep_char) == 1 and not rep_char.isalnum() and rep_char not in (sep, comp, term)) else None
    consumed = len(sep.join(parts[:16])) + 1 + 1 + (2 if tail[1:3] == "\r\n" else 1)
    return Delimiters(sep, comp, repetition, term), isa, consumed


_ISA_WINDOW = 220  # enough text after an ISA to read its 16 elements and terminator, padded or not


def _next_isa(text: str, term: str) -> int:
    """Offset of the next ISA that starts a segment in ``text`` (after the first character), or -1.

    Files are concatenated from several interchanges, each free to declare its own delimiters (another
    component separator or segment terminator, not only another element separator), so every ISA is
    re-read for its delimiters rather than assumed to match the one before.
    """
    i = text.find("ISA", 1)
    while i >= 0:
        nxt = text[i + 3: i + 4]
        if nxt and not nxt.isalnum() and nxt not in " \r\n":
            before = text[:i]
            body = before.rstrip(" \t\r\n\x00\x1a\ufeff")
            gap = before[len(body):]
            # at a segment start: after the terminator (blanks allowed), or after a line break when lines end
            # segments ("... BLUE CROSS ISA*..." inside an element is not one)
            if not body or body.endswith(term) or (term in "\r\n" and ("\n" in gap or "\r" in gap)):
                return i
        i = text.find("ISA", i + 3)
    return -1


def _texts(parts: list[str], newline_term: bool) -> list[str]:
    if newline_term:
        return [t for t in [raw.strip() for raw in parts] if t]
    return [t for t in parts if t]


def iter_segment_batches(
    source: str | os.PathLike[str] | IO[str] | IO[bytes],
    delimiters: Delimiters | None = None,
) -> Iterator[tuple[Delimiters, list[str]]]:
    """Yield ``(delimiters, segment texts)`` one chunk at a time (lazy; memory bounded by the chunk size).
    Each text is one segment without its terminator, not yet split into elements.

    With ``delimiters`` given, a fragment without ISA is read too. Every later ISA is read for its own
    delimiters (element, component, repetition separators and segment terminator), which then apply to
    the rest of the file until the next ISA.
    """
    fh, close, _name = _open(source)
    try:
        buf = fh.read(_CHUNK)
        while len(buf) < _ISA_WINDOW:  # a stream may hand out less than asked: get enough to see the ISA
            got = fh.read(_CHUNK)
            if not got:
                break
            buf += got
        if buf.startswith("\ufeff"):
            buf = buf[1:]
        buf = buf.lstrip(_TRAILING_JUNK + "\ufeff")
        # A file written all in lower case (seen from some hand-made test files): codes and qualifiers are
        # upper case by the standard, so the whole text is read upper-cased.
        upper = buf[:3] == "isa"
        if upper:
            buf = buf.upper()
        eof = False

        def more() -> str:
            nonlocal eof
            got = fh.read(_CHUNK)
            if not got:
                eof = True
            return got.upper() if upper else got

        if buf[:3].upper() == "ISA":
            d = None
        elif delimiters is None:
            first = "".join(ch for ch in buf[:3] if ch.isalnum())
            raise X12Error(
                "no ISA interchange header (a bare fragment needs its delimiters supplied)",
                position=1, segment_id=first or None,
            )
        else:
            d = delimiters
        while True:
            if d is None or buf[:3] == "ISA":
                # buf starts with an ISA: read its delimiters (with enough text after it to find them)
                while len(buf) < _ISA_WINDOW and not eof:
                    buf += more()
                d, isa, used = parse_isa(buf)
                isa[0] = "ISA"
                yield d, [d.element.join(isa)]
                buf = buf[used:]
            term = d.segment
            newline_term = term in "\r\n"
            cut = _next_isa(buf, term) if "ISA" in buf else -1
            if cut >= 0:
                head, buf = buf[:cut], buf[cut:]
            else:
                head = buf
            if not newline_term and ("\n" in head or "\r" in head):
                # line breaks between segments are noise: dropping them chunk-wide spares a strip per segment
                head = head.replace("\r", "").replace("\n", "")
            parts = head.split(term)
            if cut >= 0:
                yield d, _texts(parts, newline_term)
                continue  # the loop reads the next ISA
            buf = parts.pop()  # an incomplete segment: completed by the next chunk
            if parts:
                yield d, _texts(parts, newline_term)
            if eof:
                break
            nxt = more()
            if not nxt:
                break
            buf += nxt
        last = buf.strip(_TRAILING_JUNK)
        if last:
            yield d, [last]
    finally:
        if close:
            fh.close()


def iter_segments(
    source: str | os.PathLike[str] | IO[str] | IO[bytes],
    delimiters: Delimiters | None = None,
) -> Iterator[tuple[Delimiters, Segment]]:
    """Yield ``(delimiters, segment)`` lazily, one segment at a time, split into elements."""
    for d, batch in iter_segment_batches(source, delimiters):
        sep = d.element
        for t in batch:
            yield d, t.split(sep)


# ------------------------------------------------------------------------------------------ envelope walker

_ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


def _interchange(isa: Segment, d: Delimiters, pos: int) -> Interchange:
    return Interchange(
        sender_qualifier=isa[5].strip(), sender_id=isa[6].strip(), receiver_qualifier=isa[7].strip(),
        receiver_id=isa[8].strip(), date=isa[9].strip(), time=isa[10].strip(), version=isa[12].strip(),
        control_number=isa[13].strip(), ack_requested=isa[14].strip(), usage=isa[15].strip(),
        delimiters=d, position=pos,
    )


def _el(seg: Segment, i: int) -> str:
    return seg[i] if i < len(seg) else ""


class _Walker:
    """Envelope state while walking a file: the open interchange, group and transaction set."""

    def __init__(self, delimiters: Delimiters | None) -> None:
        self.ic: Interchange | None = None
        self.grp: Group | None = None
        self.cur: RawTransaction | None = None
        self.pending: list[Issue] = []
        self.fragment = delimiters is not None
        # envelope accounting: a GE/IEA count or control number that does not match means a transaction set
        # or group may be missing from the file; the finding is reported, never dropped
        self.file_issues: list[Issue] = []
        self.n_groups = 0
        self.n_sets = 0
        self.saw_isa = False
        if delimiters is not None:
            self.ic = Interchange("", "", "", "", "", "", "", "", "", "", delimiters, 0)

    def _close_open(self, pos: int, before: str, out: list[RawTransaction]) -> None:
        cur = self.cur
        if cur is not None:
            cur.error = cur.error or X12Error(f"transaction set not closed by SE before {before}", position=pos,
                                              segment_id=before, control_number=cur.control_number)
            out.append(cur)
            self.cur = None

    def outside(self, sid: str, pos: int) -> None:
        if self.fragment and self.grp is None:
            return  # fragment mode: segments before any ST are ignored
        self.pending.append(Issue("segment outside a transaction set (no ST before it); ignored", pos, sid))

    def envelope(self, seg: Segment, sid: str, pos: int, d: Delimiters) -> list[RawTransaction]:
        """Handle one ISA/GS/ST/SE/GE/IEA/TA1; returns the transaction sets it completes."""
        out: list[RawTransaction] = []
        if sid == "ISA":
            self._close_open(pos, "ISA", out)
            if len(seg) < 17:
                raise X12Error("ISA has fewer than 16 elements", position=pos, segment_id="ISA")
            if self.saw_isa and self.ic is not None and self.ic.position > 0:
                self.file_issues.append(Issue(f"interchange {self.ic.control_number} not closed by IEA before the next ISA",
                                              pos, "ISA"))
            self.ic = _interchange(seg, d, pos)
            self.saw_isa = True
            self.grp = None
            self.n_groups = 0
            width = len(d.element.join(seg)) + 1
            if width != 106:
                self.pending.append(Issue(f"ISA is {width} characters, not the fixed 106; read by its separators",
                                          pos, "ISA"))
        elif sid == "GS":
            if self.ic is None:
                raise X12Error("GS before ISA", position=pos, segment_id="GS")
            self._close_open(pos, "GS", out)
            if self.grp is not None:
                self.file_issues.append(Issue(f"functional group {self.grp.control_number} not closed by GE before the next GS",
                                              pos, "GS"))
            self.n_groups += 1
            self.n_sets = 0
            self.grp = Group(_el(seg, 1), _el(seg, 2), _el(seg, 3), _el(seg, 4), _el(seg, 5), _el(seg, 6),
                             _el(seg, 8).strip(), pos)
        elif sid == "ST":
            if self.ic is None:
                raise X12Error("ST before ISA", position=pos, segment_id="ST")
            self._close_open(pos, "ST", out)
            if len(seg) < 3 or not seg[1].strip():
                raise X12Error("ST01 transaction set identifier is missing", position=pos, segment_id="ST", element="ST01")
            grp = self.grp
            self.n_sets += 1
            impl = _el(seg, 3).strip() or (grp.version if grp else "")
            cur = self.cur = RawTransaction(self.ic, grp, seg[1].strip(), seg[2].strip(), impl, pos)
            if grp is None:
                cur.issues.append(Issue("ST without a GS functional group", pos, "ST"))
            if self.pending:
                cur.issues.extend(self.pending)
                self.pending = []
        elif sid == "SE":
            open_set = self.cur
            if open_set is None:
                self.pending.append(Issue("SE without ST", pos, "SE"))
                return out
            n_declared = _el(seg, 1).strip()
            n_actual = len(open_set.texts) + 2
            if n_declared != str(n_actual):
                open_set.issues.append(Issue(f"SE01 says {n_declared or 'nothing'} segments, counted {n_actual}",
                                             pos, "SE", "SE01"))
            if _el(seg, 2).strip() != open_set.control_number:
                open_set.issues.append(Issue(f"SE02 {_el(seg, 2)!r} does not match ST02 {open_set.control_number!r}",
                                             pos, "SE", "SE02"))
            out.append(open_set)
            self.cur = None
        elif sid == "GE":
            self._close_open(pos, sid, out)
            grp = self.grp
            if grp is None:
                self.file_issues.append(Issue("GE without GS", pos, "GE"))
            else:
                if _el(seg, 1).strip() != str(self.n_sets):
                    self.file_issues.append(Issue(
                        f"GE01 says {_el(seg, 1).strip() or 'nothing'} transaction sets, counted {self.n_sets}",
                        pos, "GE", "GE01"))
                if _el(seg, 2).strip().lstrip("0") != grp.control_number.strip().lstrip("0"):
                    self.file_issues.append(Issue(
                        f"GE02 {_el(seg, 2).strip()!r} does not match GS06 {grp.control_number.strip()!r}", pos, "GE", "GE02"))
            self.grp = None
        elif sid == "IEA":
            self._close_open(pos, sid, out)
            if self.grp is not None:
                self.file_issues.append(Issue(f"functional group {self.grp.control_number} not closed by GE before IEA",
                                              pos, "IEA"))
            ic = self.ic
            if ic is None or not self.saw_isa:
                self.file_issues.append(Issue("IEA without ISA", pos, "IEA"))
            else:
                if _el(seg, 1).strip() != str(self.n_groups):
                    self.file_issues.append(Issue(
                        f"IEA01 says {_el(seg, 1).strip() or 'nothing'} functional groups, counted {self.n_groups}",
                        pos, "IEA", "IEA01"))
                if _el(seg, 2).strip() != ic.control_number:
                    self.file_issues.append(Issue(
                        f"IEA02 {_el(seg, 2).strip()!r} does not match ISA13 {ic.control_number!r}", pos, "IEA", "IEA02"))
            self.saw_isa = False
            self.grp = None
        elif sid == "TA1":
            if self.ic is None:
                raise X12Error("TA1 before ISA", position=pos, segment_id="TA1")
            out.append(RawTransaction(self.ic, None, "TA1", _el(seg, 1), "", pos - 1, [self.ic.delimiters.element.join(seg)]))
        return out


def iter_raw_transactions(
    source: str | os.PathLike[str] | IO[str] | IO[bytes],
    delimiters: Delimiters | None = None,
    file_issues: list[Issue] | None = None,
) -> Iterator[RawTransaction]:
    """Group segments into transaction sets. Envelope problems that spoil one transaction are put on it
    (``error``) so the others still read; problems with the file itself raise ``X12Error``.

    TA1 segments (interchange acknowledgments, outside any GS) come out as a pseudo transaction ``TA1``.
    Findings about the file rather than one transaction set (GE/IEA counts and control numbers, a file that
    ends without IEA, segments outside any transaction set) are appended to ``file_issues`` when given.
    """
    w = _Walker(delimiters)
    if file_issues is not None:
        w.file_issues = file_issues
    pos = 0
    # One regular expression per batch (not per segment) proves every segment id well formed: upper-case,
    # 2-3 alphanumerics starting with a letter, followed by the separator. Then runs of body segments move in
    # one slice and only envelope segments are looked at one by one.
    known: set[str] = set()
    current = ("", "")
    bad_id: re.Pattern[str] | None = None
    envelope_starts: tuple[str, ...] = ()
    batches = iter_segment_batches(source, delimiters)
    while True:
        try:
            item = next(batches, None)
        except X12Error as exc:
            if pos and exc.segment_id == "ISA":
                # a later ISA that cannot be read: the tokeniser counts no positions, the walker does
                exc.position = pos + 1
                exc.args = (exc.describe(),)
            raise
        if item is None:
            break
        d, batch = item
        sep = d.element
        if (sep, d.segment) != current:
            current = (sep, d.segment)
            known = set()
            t_, s_ = re.escape(d.segment), re.escape(sep)
            # starts with a literal terminator so the engine can jump from one to the next
            bad_id = re.compile(rf"{t_}(?![A-Z][A-Z0-9]{{1,2}}(?:{s_}|{t_}|$))")
            envelope_starts = tuple(x + sep for x in ("ISA", "GS", "ST", "SE", "GE", "IEA", "TA1"))
        assert bad_id is not None
        if batch and bad_id.search(d.segment + d.segment.join(batch)) is None:
            base = pos
            prev = 0
            n = len(batch)
            for i in [*(i for i, t in enumerate(batch) if t.startswith(envelope_starts)), n]:
                if i > prev:
                    if w.cur is not None:
                        w.cur.texts.extend(batch[prev:i])
                    else:
                        for k in range(prev, i):
                            w.outside(batch[k].split(sep, 1)[0], base + k + 1)
                if i == n:
                    break
                seg = batch[i].split(sep)
                yield from w.envelope(seg, seg[0], base + i + 1, d)
                prev = i + 1
            pos = base + n
            continue
        for t in batch:
            pos += 1
            head = t[:4]
            if head in known:
                sid = t.split(sep, 1)[0]
            else:
                sid = t.split(sep, 1)[0]
                sid_u = sid.strip(_TRAILING_JUNK).upper()
                if not sid_u and sep not in t:
                    pos -= 1  # whitespace (or an end-of-file mark) between segments
                    continue
                if not (2 <= len(sid_u) <= 3 and sid_u.isalnum() and sid_u[0].isalpha()):
                    err = X12Error(f"invalid segment identifier {sid!r}", position=pos, segment_id=sid or None)
                    if w.cur is not None:
                        w.cur.error = w.cur.error or err
                        w.cur.texts.append(t)
                        continue
                    raise err
                if sid_u != sid:
                    t = sid_u + t[len(sid):]
                elif len(t) == len(sid) or t[len(sid)] == sep:
                    known.add(t[:4])
                sid = sid_u
            if sid not in _ENVELOPE:
                if w.cur is not None:
                    w.cur.texts.append(t)
                else:
                    w.outside(sid, pos)
                continue
            seg = t.split(sep)
            seg[0] = sid
            yield from w.envelope(seg, sid, pos, d)
    if w.cur is not None:
        w.cur.error = w.cur.error or X12Error("file ends inside a transaction set (no SE)", position=pos,
                                              segment_id=None, control_number=w.cur.control_number)
        yield w.cur
    elif not w.fragment:
        if w.grp is not None:
            w.file_issues.append(Issue(f"file ends without GE for group {w.grp.control_number} (truncated?)", pos, None))
        if w.saw_isa and w.ic is not None:
            w.file_issues.append(Issue(f"file ends without IEA for interchange {w.ic.control_number} (truncated?)",
                                       pos, None))
    w.file_issues.extend(w.pending)
    w.pending = []


# --------------------------------------------------------------------------------------------- element access


class Seg:
    """Helpers to read elements of one segment with located errors (used off the hot path)."""

    __slots__ = ("d", "pos", "seg")

    def __init__(self, seg: Segment, pos: int, d: Delimiters) -> None:
        self.seg = seg
        self.pos = pos
        self.d = d

    @property
    def id(self) -> str:
        return self.seg[0]

    def __getitem__(self, i: int) -> str:
        s = self.seg
        return s[i].strip() if i < len(s) else ""

    def err(self, i: int | None, message: str) -> X12Error:
        return X12Error(message, position=self.pos, segment_id=self.seg[0],
                        element=f"{self.seg[0]}{i:02d}" if i is not None else None)

    def req(self, i: int) -> str:
        v = self[i]
        if not v:
            raise self.err(i, "required element is missing")
        return v

    def dec(self, i: int) -> Decimal | None:
        v = self[i]
        if not v:
            return None
        return to_decimal(v, self, i)

    def dec_req(self, i: int) -> Decimal:
        v = self.dec(i)
        if v is None:
            raise self.err(i, "required amount is missing")
        return v

    def comp(self, i: int) -> list[str]:
        return [c.strip() for c in self[i].split(self.d.component)] if self[i] else []

    def reps(self, i: int) -> list[str]:
        v = self[i]
        if not v:
            return []
        if self.d.repetition:
            return [r for r in v.split(self.d.repetition) if r]
        return [v]


def to_decimal(v: str, s: Seg, i: int) -> Decimal:
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise s.err(i, f"not a number: {v!r}") from None
    if not d.is_finite():
        raise s.err(i, f"not a number: {v!r}")
    return d


def date_lenient(v: str) -> dt.date | None:
    """CCYYMMDD → date, or None when it is not one (a bad date is reported by the caller, not raised)."""
    v = v.strip()
    try:
        if len(v) == 8 and v.isdigit():
            return dt.date(int(v[:4]), int(v[4:6]), int(v[6:8]))
    except ValueError:
        return None
    return None


def check_dates(seg: Segment, pos: int) -> None:
    """Impossible dates in a DTP (D8, RD8, DT, RDT formats in DTP03) or DMG (DMG02) segment are located
    errors: read as "no date" they would silently drop a date of service, a plan date or a birth date.
    All-zero dates (some senders' "none") pass; other formats are not looked at."""
    tag = seg[0]
    if tag == "DTP":
        fmt, i = (seg[2].strip() if len(seg) > 2 else ""), 3
    elif tag == "DMG":
        fmt, i = (seg[1].strip() if len(seg) > 1 else "") or "D8", 2
    else:
        return
    v = seg[i].strip() if i < len(seg) else ""
    if not v:
        return
    if fmt in ("D8", "DT"):
        parts = [v]
    elif fmt in ("RD8", "RDT"):
        parts = v.split("-")
        if len(parts) != 2:
            raise X12Error(f"not a date range ({fmt}): {v!r}", position=pos, segment_id=tag, element=f"{tag}{i:02d}")
    else:
        return
    for part in parts:
        digits = part[:8]
        if part.strip("0") and (date_lenient(digits) is None or (fmt in ("D8", "RD8") and len(part) != 8)
                                or not part.isdigit()):
            raise X12Error(f"not a date ({fmt}): {part!r}", position=pos, segment_id=tag, element=f"{tag}{i:02d}")


# The segments each transaction set's guides define (5010, and 4010 where they differ). One of these out of its
# place is read past with an issue by the parsers; a segment that is none of them means a damaged or mislabelled
# file and rejects the set (``check_known``).
SEGMENTS = {
    "999": frozenset({"ST", "SE", "AK1", "AK2", "IK3", "CTX", "IK4", "IK5", "AK9", "AK3", "AK4", "AK5"}),
    "997": frozenset({"ST", "SE", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9"}),
    "277": frozenset({"ST", "SE", "BHT", "HL", "NM1", "TRN", "STC", "REF", "DTP", "QTY", "AMT", "SVC", "PER", "DMG",
                      "N3", "N4", "PRV"}),
    "276": frozenset({"ST", "SE", "BHT", "HL", "NM1", "TRN", "REF", "AMT", "DTP", "SVC", "DMG", "PER", "N3", "N4",
                      "PRV"}),
    "270": frozenset({"ST", "SE", "BHT", "HL", "TRN", "NM1", "REF", "N2", "N3", "N4", "PER", "PRV", "DMG", "INS",
                      "HI", "DTP", "MPI", "EQ", "AMT", "III", "AAA", "EB", "HSD", "MSG", "LS", "LE"}),
}
SEGMENTS["271"] = SEGMENTS["270"]
SEGMENTS["277CA"] = SEGMENTS["277"]


def check_known(kind: str, seg: Segment, pos: int) -> None:
    """Raise when ``seg`` is no segment of transaction set ``kind`` at all."""
    known = SEGMENTS.get(kind)
    if known is not None and seg[0] not in known:
        raise X12Error(f"segment {seg[0]} is not a {kind} segment", position=pos, segment_id=seg[0])


def claim_kind(raw: RawTransaction) -> str:
    """837P, 837I or 837D for an 837: from the guide named in ST03/GS08, else (a bare "005010") from what its
    service lines and claim segments are (SV2/CL1 institutional, SV3/TOO dental, SV1 professional)."""
    impl = raw.implementation.upper()
    if "X223" in impl:
        return "837I"
    if "X224" in impl:
        return "837D"
    if "X222" in impl:
        return "837P"
    sep = raw.interchange.delimiters.element
    inst, dental, prof = ("SV2" + sep, "CL1" + sep), ("SV3" + sep, "TOO" + sep), "SV1" + sep
    for t in raw.texts:
        if t.startswith(inst):
            return "837I"
        if t.startswith(dental):
            return "837D"
        if t.startswith(prof):
            return "837P"
    return "837P"


def element(seg: list[str], i: int) -> str:
    """Element i of a split segment, trimmed; an absent trailing element is empty (X12 drops them)."""
    return seg[i].strip() if i < len(seg) else ""


def parse_decimal(v: str, seg: list[str], i: int, pos: int) -> Decimal:
    """The text v of element i as a finite Decimal; anything else is an error naming the element."""
    try:
        d = Decimal(v)
    except Exception:
        raise X12Error(f"not a number: {v!r}", position=pos, segment_id=seg[0], element=f"{seg[0]}{i:02d}") from None
    if not d.is_finite():
        raise X12Error(f"not a number: {v!r}", position=pos, segment_id=seg[0], element=f"{seg[0]}{i:02d}")
    return d


def decimal_element(seg: list[str], i: int, pos: int) -> Decimal | None:
    """Element i as a Decimal (None when empty); anything else is an error naming the element."""
    v = element(seg, i)
    return parse_decimal(v, seg, i, pos) if v else None

