"""Read any X12 file: one result per transaction set, each with its typed model or its located error."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

from chartclaim.x12.core import (
    Delimiters,
    Issue,
    RawTransaction,
    X12Error,
    claim_kind,
    gc_paused,
    iter_raw_transactions,
)


@dataclass(slots=True)
class TransactionResult:
    """One transaction set as read: ``model`` when it parsed, else ``error`` (never both)."""

    kind: str  # 835, 837P, 837I, 999, 277CA, 277, 271, 270, 276, TA1, or ST01 when unknown
    control_number: str
    position: int
    model: Any = None
    error: X12Error | None = None
    issues: list[Issue] = field(default_factory=list)
    implementation: str = ""  # ST03 or GS08
    group_control_number: str = ""  # GS06 (a 999 answers by it)
    interchange_control_number: str = ""  # ISA13 (a TA1 answers by it)

    @property
    def ok(self) -> bool:
        return self.error is None and self.model is not None


@dataclass(slots=True)
class ReadResult:
    """Everything read from one file. ``errors`` holds transaction errors and any envelope error met after
    some transactions were read (an envelope error before any is raised instead)."""

    source: str
    transactions: list[TransactionResult] = field(default_factory=list)
    envelope_errors: list[X12Error] = field(default_factory=list)
    # file-level findings that do not spoil a transaction set: GE/IEA counts and control numbers, no IEA at
    # the end (a truncated file), segments outside any transaction set
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[X12Error]:
        return [t.error for t in self.transactions if t.error is not None] + list(self.envelope_errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def models(self, kind: str | None = None) -> list[Any]:
        return [t.model for t in self.transactions if t.model is not None and (kind is None or t.kind == kind)]

    def raise_for_errors(self) -> None:
        errs = self.errors
        if errs:
            raise errs[0]


def transaction_kind(raw: RawTransaction) -> str:
    st = raw.transaction_type.upper()
    impl = raw.implementation.upper()
    if st == "837":
        return claim_kind(raw)
    if st == "277":
        if "X214" in impl or (raw.group is not None and raw.group.functional_id == "HN" and "X212" not in impl):
            return "277CA"
        return "277"
    return st


_PARSERS = {
    "835": ("remit", "parse_835"),
    "837P": ("claims837", "parse_837"),
    "837I": ("claims837", "parse_837"),
    "999": ("acks", "parse_999"),
    "997": ("acks", "parse_999"),  # the 4010 functional acknowledgment: same loops, AK3/AK4/AK5 read as IK3/IK4/IK5
    "277CA": ("status", "parse_277ca"),
    "TA1": ("acks", "parse_ta1"),
    "270": ("eligibility", "parse_270"),
    "271": ("eligibility", "parse_271"),
    "276": ("status", "parse_276"),
    "277": ("status", "parse_277"),
}


def parser_for(kind: str) -> Callable[[RawTransaction], Any] | None:
    """The typed parser for a transaction kind, imported on first use."""
    spec = _PARSERS.get(kind)
    if spec is None:
        return None
    import importlib

    module = importlib.import_module(f"chartclaim.x12.{spec[0]}")
    return cast(Callable[[RawTransaction], Any], getattr(module, spec[1]))


def iter_read(
    source: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    delimiters: Delimiters | None = None,
    kinds: set[str] | None = None,
    file_issues: list[Issue] | None = None,
) -> Iterator[TransactionResult]:
    """Stream transaction results. Envelope errors raise ``X12Error`` (located). File-level findings
    (GE/IEA counts, a file ending without IEA) go to ``file_issues`` when given.

    The cyclic garbage collector is paused while each transaction set is read and built (never while the
    caller holds control): the lists a read allocates die by reference counting, and walking them costs
    more than reading them.
    """
    cache: dict[str, Callable[[RawTransaction], Any] | None] = {}
    raws = iter_raw_transactions(source, delimiters, file_issues)
    while True:
        with gc_paused():
            raw = next(raws, None)
            if raw is None:
                return
            res = _result(raw, kinds, cache)
        if res is not None:
            yield res


def _result(raw: RawTransaction, kinds: set[str] | None,
            cache: dict[str, Callable[[RawTransaction], Any] | None]) -> TransactionResult | None:
    kind = transaction_kind(raw)
    if kinds is not None and kind not in kinds:
        return None
    # a TA1 has no ST: its pseudo transaction starts one before the TA1 segment, whose position is reported
    res = TransactionResult(kind, raw.control_number, raw.start + 1 if kind == "TA1" else raw.start,
                            issues=list(raw.issues),
                            implementation=raw.implementation,
                            group_control_number=raw.group.control_number if raw.group else "",
                            interchange_control_number=raw.interchange.control_number)
    if raw.error is not None:
        if raw.error.control_number is None:
            raw.error.control_number = raw.control_number
            raw.error.args = (raw.error.describe(),)
        res.error = raw.error
        return res
    if kind not in cache:
        cache[kind] = parser_for(kind)
    parser = cache[kind]
    if parser is None:
        res.error = X12Error(f"transaction set {raw.transaction_type} is not supported", position=raw.start,
                             segment_id="ST", element="ST01", control_number=raw.control_number)
        return res
    try:
        res.model = parser(raw)
    except X12Error as exc:
        if exc.control_number is None:
            exc.control_number = raw.control_number
            exc.args = (exc.describe(),)
        res.error = exc
    return res


def read(
    source: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    delimiters: Delimiters | None = None,
    kinds: set[str] | None = None,
) -> ReadResult:
    """Read a whole file. Raises ``X12Error`` when it is not readable X12 at all (e.g. no or damaged ISA);
    otherwise returns every transaction with its model or error."""
    name = str(source) if isinstance(source, str | os.PathLike) else getattr(source, "name", "<stream>")
    result = ReadResult(name)
    try:
        for t in iter_read(source, delimiters=delimiters, kinds=kinds, file_issues=result.issues):
            result.transactions.append(t)
    except X12Error as exc:
        if not result.transactions:
            exc.source = exc.source or name
            exc.args = (exc.describe(),)
            raise
        result.envelope_errors.append(exc)
    if not result.transactions and kinds is None and result.issues:
        # an ISA and then no transaction set, with a damaged envelope (e.g. a segment terminator that the
        # file never uses): nothing was read, which must not pass for an empty but good file
        first = min(result.issues, key=lambda i: i.position or 0)  # the earliest damage, e.g. a missing ST
        raise X12Error(f"no transaction set read; {first.message.removesuffix('; ignored')}", position=first.position,
                       segment_id=first.segment_id, element=first.element, source=name)
    return result


def read_835(source: str | os.PathLike[str] | IO[str] | IO[bytes], *, delimiters: Delimiters | None = None) -> ReadResult:
    """Read the 835s of a file; ``result.models("835")`` are ``Remittance``s."""
    return read(source, delimiters=delimiters, kinds={"835"})
