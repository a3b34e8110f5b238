"""Writing side of the envelope: control numbers, ISA/GS/ST framing, segment assembly.

Control numbers must never repeat for a sender/receiver pair (clearinghouses reject duplicate ISA13 within
a window), so they come from a ``ControlNumberSource``. The default keeps them in a small JSON file in
``get_settings().data_dir`` under an exclusive lock; the billing database can supply its own source later
(anything with ``next(kind) -> int``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
TERMINATOR = "~"


@runtime_checkable
class ControlNumberSource(Protocol):
    """Hands out increasing control numbers per kind: ``ISA`` (interchange), ``GS`` (group), ``ST``."""

    def next(self, kind: str) -> int: ...


class MemoryControlNumbers:
    """In-memory source (tests, previews). Not persisted: do not use for files that leave the building."""

    def __init__(self, start: int = 1) -> None:
        self._n: dict[str, int] = {}
        self._start = start
        self._lock = threading.Lock()

    def next(self, kind: str) -> int:
        return self.next_block(kind, 1)

    def next_block(self, kind: str, count: int) -> int:
        """Reserve ``count`` consecutive numbers; returns the first."""
        with self._lock:
            first = self._n.get(kind, self._start - 1) + 1
            self._n[kind] = first + count - 1
            return first


class FileControlNumbers:
    """Persisted control numbers in a JSON file, safe across processes (``fcntl`` lock on POSIX).

    ISA13 is 9 digits: numbers wrap from 999,999,999 to 1.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            from chartclaim.settings import get_settings

            settings = get_settings()
            settings.ensure_dirs()
            path = settings.data_dir / "x12-control-numbers.json"
        self.path = Path(path)
        self._lock = threading.Lock()

    def next(self, kind: str) -> int:
        return self.next_block(kind, 1)

    def next_block(self, kind: str, count: int) -> int:
        """Reserve ``count`` consecutive numbers in one locked write (a batch of STs costs one fsync);
        returns the first. A block never wraps past 999,999,999: it restarts at 1."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "a+", encoding="utf-8") as fh:
            try:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - non-POSIX
                pass
            fh.seek(0)
            text = fh.read()
            data: dict[str, int] = json.loads(text) if text.strip() else {}
            v = int(data.get(kind, 0)) + 1
            if v + count - 1 > 999_999_999:
                v = 1
            data[kind] = v + count - 1
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps(data, sort_keys=True))
            fh.flush()
            os.fsync(fh.fileno())
        return v


@dataclass(frozen=True, slots=True)
class EnvelopeParty:
    """Who sends or receives an interchange: ISA qualifier (ZZ mutually defined, 30 TIN, XX NPI...) and id,
    and the GS application code (defaults to the id)."""

    id: str
    qualifier: str = "ZZ"
    application_code: str | None = None

    @property
    def gs_code(self) -> str:
        return self.application_code or self.id


@dataclass(frozen=True, slots=True)
class EnvelopeOptions:
    sender: EnvelopeParty
    receiver: EnvelopeParty
    usage: str = "P"  # ISA15: P production, T test
    ack_requested: bool = False  # ISA14: TA1 wanted
    authorization: str = ""  # ISA02
    security: str = ""  # ISA04
    timestamp: dt.datetime | None = None
    line_breaks: bool = True  # a newline after each terminator (readable; every reader tolerates it)


def el(v: object) -> str:
    """Render one element value; ``None`` is empty. Decimals without exponent or trailing '.0'."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    from decimal import Decimal

    if isinstance(v, Decimal):
        return fmt_amount(v)
    if isinstance(v, dt.date):
        return v.strftime("%Y%m%d")
    return str(v)


def fmt_amount(v: object) -> str:
    """X12 R type: no exponent, no trailing zeros after the point, no leading '+'."""
    from decimal import Decimal

    d = v if isinstance(v, Decimal) else Decimal(str(v))
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return s


def seg(*elements: object) -> str:
    """One segment without terminator; trailing empty elements dropped (X12 forbids them)."""
    parts = [el(e) for e in elements]
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts)


def comp(*components: object) -> str:
    parts = [el(c) for c in components]
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return COMPONENT.join(parts)


_UNSAFE = frozenset(ELEMENT + COMPONENT + REPETITION + TERMINATOR + "\r\n\t")


_clean_cache: dict[tuple[str, int | None], str] = {}


def clean(text: str | None, max_len: int | None = None) -> str:
    """Remove characters that would break the file (delimiters, line breaks) from free text."""
    if not text:
        return ""
    key = (text, max_len)
    hit = _clean_cache.get(key)
    if hit is not None:
        return hit  # names and addresses repeat across a practice's claims
    if _UNSAFE.isdisjoint(text) and "  " not in text and text[0] != " " and text[-1] != " ":
        out = text  # the common case: nothing to do
    else:
        out = text
        for ch in _UNSAFE:
            out = out.replace(ch, " ")
        out = " ".join(out.split())
    out = out[:max_len] if max_len and len(out) > max_len else out
    if len(_clean_cache) < 100_000:
        _clean_cache[key] = out
    return out


def isa_segment(opts: EnvelopeOptions, control: int, now: dt.datetime) -> str:
    """The fixed-width ISA (106 characters with its terminator), as strict readers such as pyx12 want."""
    return ELEMENT.join([
        "ISA",
        "03" if opts.authorization else "00", opts.authorization[:10].ljust(10),
        "01" if opts.security else "00", opts.security[:10].ljust(10),
        opts.sender.qualifier.ljust(2)[:2], opts.sender.id[:15].ljust(15),
        opts.receiver.qualifier.ljust(2)[:2], opts.receiver.id[:15].ljust(15),
        now.strftime("%y%m%d"), now.strftime("%H%M"), REPETITION, "00501", f"{control:09d}",
        "1" if opts.ack_requested else "0", opts.usage, COMPONENT,
    ])


def interchange(
    groups: Iterable[tuple[str, str, list[tuple[str, list[str]]]]],
    opts: EnvelopeOptions,
    numbers: ControlNumberSource,
) -> str:
    """Frame transaction bodies into one interchange.

    ``groups``: (functional id e.g. HC, GS08 version e.g. 005010X222A1, [(ST01, body segments), ...]).
    ST02 comes from ``numbers`` ('ST'), GS06 ('GS'), ISA13 ('ISA'). SE01 is counted here.
    """
    now = opts.timestamp or dt.datetime.now()
    groups = list(groups)
    isa_n = numbers.next("ISA")
    block = getattr(numbers, "next_block", None)
    n_sets = sum(len(sets) for _, _, sets in groups)
    st_next = block("ST", n_sets) if block is not None and n_sets else None
    nl = "\n" if opts.line_breaks else ""
    term = TERMINATOR + nl
    out: list[str] = [isa_segment(opts, isa_n, now)]
    n_groups = 0
    for fid, version, sets in groups:
        gs_n = numbers.next("GS")
        n_groups += 1
        out.append(seg("GS", fid, opts.sender.gs_code, opts.receiver.gs_code, now.strftime("%Y%m%d"),
                       now.strftime("%H%M"), gs_n, "X", version))
        for st01, body in sets:
            if st_next is not None:
                st_n = f"{st_next % 1_000_000_000:04d}"
                st_next += 1
            else:
                st_n = f"{numbers.next('ST') % 1_000_000_000:04d}"
            st = seg("ST", st01, st_n) if st01 == "835" else seg("ST", st01, st_n, version)
            out.append(st)
            out.extend(body)
            out.append(seg("SE", len(body) + 2, st_n))
        out.append(seg("GE", len(sets), gs_n))
    out.append(seg("IEA", n_groups, f"{isa_n:09d}"))
    return term.join(out) + term


def default_numbers() -> ControlNumberSource:
    return FileControlNumbers()
