"""Reading 835 files for posting: each transaction's remittance, content fingerprint and any read error.

Kept apart from `chartclaim.billing.posting` (and its database imports) so a reader process starts quickly:
`read_ahead` reads the next files in another process while the caller posts the current one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from chartclaim.x12 import remit as x835
from chartclaim.x12.core import gc_paused

Transaction = tuple[x835.Remittance | None, str, str | None]  # (remittance, fingerprint, read error)
# One claim payment as plain values (see `claim_heads`): (CLP01, CLP02, CLP03, CLP04, CLP05, CLP07, body), body
# = (crossover, LX01, ((line key, SVC03, ((group, CARC, amount, quantity), ...), remark codes), ...)) or None,
# line key = (REF*6R, billed procedure, its modifiers, date of service, SVC02) (what lines are matched by).
ClaimHead = tuple[str, str, Decimal, Decimal, Decimal | None, str, Any]
# A transaction as `read_ahead` hands it over: with its claims' heads (`heads_of`; None when unreadable).
ReadTransaction = tuple[x835.Remittance | None, str, str | None, list[ClaimHead] | None]

ZERO = Decimal("0.00")
# MIA/MOA/LQ remark codes saying the payer forwarded the claim to the supplemental payer itself.
CROSSOVER_REMARKS = frozenset({"MA18", "N89", "MA07", "MA19", "N367"})

# Below this many bytes in all, a reader process costs more to start than it saves.
READ_AHEAD_MIN_BYTES = 4_000_000
_IN_FLIGHT = 2  # files read ahead of the one being posted (each is held in memory until posted)
# A reader that answers nothing for this long is taken for hung: it is killed and the files are read here
# (a 2,000-claim file takes well under a second to read).
READER_STALL_SECONDS = 120.0


def fingerprint_segments(segments: Iterable[Sequence[str]]) -> str:
    """SHA-256 of the ST..SE body, delimiter-independent (the envelope and ST02 are not content)."""
    return hashlib.sha256("\x1e".join("\x1f".join(seg) for seg in segments).encode()).hexdigest()


def fingerprint_texts(texts: Sequence[str], element_separator: str) -> str:
    """`fingerprint_segments` of unsplit segments (the same digest, so remittances posted before are still
    recognised), without splitting every segment into a list first."""
    if element_separator == "\x1e" or any("\x1e" in t for t in texts):
        return fingerprint_segments(t.split(element_separator) for t in texts)
    return hashlib.sha256("\x1e".join(texts).replace(element_separator, "\x1f").encode()).hexdigest()


def crossover_of(cp: x835.ClaimPayment) -> str | None:
    """Why this claim was crossed over to the next payer by the payer itself (NM1*TT, CLP02 19-23, a remark
    code saying so), or None."""
    tt = cp.crossover_carrier
    if tt is not None:
        return tt.last_or_org or tt.id or "crossover carrier"
    if cp.is_forwarded:
        return f"forwarded (CLP02 {cp.status})"
    remarks = set(cp.remarks)
    for s in cp.services:
        if s.remarks:  # most lines carry no LQ: skip building a set for them
            remarks.update(r.code for r in s.remarks)
    if not remarks:
        return None
    hit = sorted(remarks & CROSSOVER_REMARKS)
    return f"remark {hit[0]}" if hit else None


def unbalanced(cp: x835.ClaimPayment, flagged: frozenset[int] | None = None) -> str | None:
    """Why a CLP loop does not balance, or None. `flagged`: positions the reader's balancing check reported
    (it already summed everything); only the claims it flagged are re-checked here for the message."""
    if flagged is not None and (not flagged  # the whole remittance balanced
                                or (cp.position not in flagged and not any(s.position in flagged for s in cp.services))):
        if cp.services and sum((s.paid for s in cp.services), ZERO) != cp.paid:
            return f"Σ SVC03 {sum((s.paid for s in cp.services), ZERO)} ≠ CLP04 {cp.paid}"
        return None
    if cp.charge - cp.paid != cp.adjustment_total:
        return f"CLP03 {cp.charge} − CLP04 {cp.paid} ≠ Σ CAS {cp.adjustment_total}"
    for s in cp.services:
        if s.charge - s.paid != s.adjustment_total:
            return (f"line {s.procedure.code}: SVC02 {s.charge} − SVC03 {s.paid} ≠ Σ CAS "
                    f"{s.adjustment_total}")
    if cp.services and sum((s.paid for s in cp.services), ZERO) != cp.paid:
        return f"Σ SVC03 {sum((s.paid for s in cp.services), ZERO)} ≠ CLP04 {cp.paid}"
    return None


LineKey = tuple[str | None, str, tuple[str, ...], dt.date | None, Decimal]


def line_key(svc: x835.ServicePayment) -> LineKey:
    """What an SVC is matched to our lines by: line control number, billed procedure (SVC06 when the payer
    changed the code) and modifiers, date of service, charge."""
    billed = svc.original_procedure or svc.procedure
    return svc.line_control_number, billed.code, billed.modifiers, svc.service_date, svc.charge


def claim_heads(claims: Iterable[x835.ClaimPayment], flagged: frozenset[int] | None = None) -> list[ClaimHead]:
    """Each claim payment as the plain values posting decides from, so the posting process need not build the
    reader's objects (a sixth of its time; the reader process makes these while the poster works).

    The body is given only to a claim posting can apply from these values alone when its lines match and it
    makes no exception: service lines, no claim-level CAS, not a reversal, balanced in full (CLP and every
    SVC). Every other claim has body None and is posted from its `ClaimPayment` as before. `flagged`: as for
    `unbalanced` (`balancing_flagged` of the remittance the claims were read with). The values are the claims'
    own: the 835 reader makes repeated codes and amounts one object, so pickle sends each once."""
    out: list[ClaimHead] = []
    for cp in claims:
        body = None
        services = cp.services
        if services and not cp.adjustments and cp.status != "22" and unbalanced(cp, flagged) is None:
            claim_remarks = cp.remarks
            body = (crossover_of(cp), cp.header_number, tuple(
                (line_key(s), s.paid, tuple((a.group, a.reason, a.amount, a.quantity) for a in s.adjustments),
                 tuple(r.code for r in s.remarks) or claim_remarks)
                for s in services))
        out.append((cp.patient_control_number, cp.status, cp.charge, cp.paid, cp.patient_responsibility,
                    cp.payer_claim_control_number, body))
    return out


def balancing_flagged(rem: x835.Remittance) -> frozenset[int]:
    """The positions of the segments the 835 reader's balancing check reported (see `unbalanced`)."""
    return frozenset(i.position for i in rem.balancing if i.position is not None)


def iter_remittances_text(text: str) -> Iterable[Transaction]:
    return iter_remittances(io.StringIO(text))


def iter_remittances(source: str | os.PathLike[str] | IO[str]) -> Iterable[Transaction]:
    """(remittance, fingerprint, error) per 835 transaction in a file; unreadable ones carry the error."""
    from chartclaim.x12.core import X12Error, iter_raw_transactions
    from chartclaim.x12.reader import transaction_kind

    for raw in iter_raw_transactions(source):
        if transaction_kind(raw) != "835":
            continue
        fp = fingerprint_texts(raw.texts, raw.interchange.delimiters.element)
        if raw.error is not None:
            yield None, fp, raw.error.describe()
            continue
        try:
            yield x835.parse_835(raw), fp, None
        except X12Error as exc:
            yield None, fp, exc.describe()


def read_file(path: str) -> list[ReadTransaction]:
    """Every 835 transaction of one file with its claims' heads, as the reader process sends them: the claims
    are built for the heads and dropped (each remittance pickles as its segments' text; see `LazyClaims`)."""
    with gc_paused():
        return list(_with_heads(path, keep_built=False))


def _read_here(path: str | os.PathLike[str]) -> list[ReadTransaction]:
    """A file read in the posting process: the claims built for the heads are kept (a claim planned from its
    `ClaimPayment` uses them)."""
    with gc_paused():
        return list(_with_heads(path))


def _with_heads(path: str | os.PathLike[str], keep_built: bool = True) -> Iterator[ReadTransaction]:
    """The file's transactions (`iter_remittances`), each with its claims' heads (`heads_of`)."""
    for rem, fp, err in iter_remittances(path):
        yield rem, fp, err, heads_of(rem, keep_built)


def heads_of(rem: x835.Remittance | None, keep_built: bool = True) -> list[ClaimHead] | None:
    """The claim heads of a remittance as read (None for an unreadable transaction), from its claims as the 835
    reader builds them (the reader is the one place that knows the segments). `keep_built=False`: build them
    for this and drop them (the reader process's case: it sends the remittance as its text, and the posting
    process plans clean claims from the heads and never builds them). Only the claims the reader's balancing
    flagged get the full arithmetic (`unbalanced`)."""
    if rem is None:
        return None
    if not isinstance(rem.claims, x835.LazyClaims):
        return claim_heads(rem.claims)  # not as the reader read it: its balancing may not say it all
    return claim_heads(rem.claims if keep_built else rem.claims.build(), balancing_flagged(rem))


def want_read_ahead(paths: Sequence[str | os.PathLike[str]]) -> bool:
    """Worth a reader process: several files, enough bytes, and a second CPU."""
    if len(paths) < 2 or (os.cpu_count() or 1) < 2:
        return False
    try:
        return sum(os.path.getsize(p) for p in paths) >= READ_AHEAD_MIN_BYTES
    except OSError:
        return False  # a missing file: read in-process, where its error is raised as usual


def read_ahead(paths: Sequence[str | os.PathLike[str]], enabled: bool
               ) -> Iterator[tuple[str, Iterable[ReadTransaction]]]:
    """(path, its transactions) for each file, in order. With `enabled`, a reader process (`python -m
    chartclaim.billing.remittance_files`) reads up to two files ahead while the caller posts the current one;
    the first file is read here meanwhile (the process is still starting). Each remittance comes with its
    claims' heads (`heads_of`), made by whichever process read it. Reading only parses: what gets
    posted, in which order and in which transaction is the caller's, unchanged. A file the reader process
    could not read (or all files, if it cannot start or dies) is read again here, so an error is raised exactly
    as without read-ahead. A plain subprocess rather than multiprocessing: spawn would re-import the caller's
    main module in the child, and fork would copy its database connections and threads."""
    if not enabled:
        for p in paths:
            yield str(p), _with_heads(p)
        return
    reader = _Reader()
    try:
        todo = deque(str(p) for p in paths[1:])
        sent: deque[str] = deque()

        def refill() -> None:
            while todo and len(sent) < _IN_FLIGHT and reader.alive:
                sent.append(todo[0])
                reader.send(todo.popleft())

        refill()
        first = str(paths[0])
        yield first, _read_here(first)
        while sent or todo:
            if sent:
                path = sent.popleft()
                items = reader.receive()
                refill()
                yield path, _read_here(path) if items is None else items
            else:
                path = todo.popleft()
                yield path, _read_here(path)
    finally:
        reader.close()


class _Reader:
    """The reader process: paths in (one JSON string a line), pickled `read_file` results out (length-prefixed);
    a thread drains its output so it can read ahead while the caller posts."""

    def __init__(self) -> None:
        import queue
        import subprocess
        import sys
        import threading
        from pathlib import Path

        root = str(Path(__file__).resolve().parents[2])  # the directory chartclaim is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.results: queue.Queue[bytes | None] = queue.Queue()
        self.alive = True
        self.stalled = False
        self.stall_seconds = READER_STALL_SECONDS
        try:
            self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "chartclaim.billing.remittance_files"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, env=env)
        except OSError:
            self.proc, self.alive = None, False
            return
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        while True:
            head = out.read(8)
            blob = out.read(int.from_bytes(head, "big")) if len(head) == 8 else b""
            if not blob:
                self.results.put(None)
                return
            self.results.put(blob)

    def send(self, path: str) -> None:
        import json

        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(path) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            self.alive = False

    def receive(self) -> list[ReadTransaction] | None:
        """The next file's transactions, or None: read it here (the reader failed on it, or is gone)."""
        import pickle
        import queue

        if self.proc is None or self.stalled:
            return None
        try:
            blob = self.results.get(timeout=self.stall_seconds)
        except queue.Empty:
            # hung, not dead: stop it, and never read its queue again (a late answer would be another file's)
            self.stalled, self.alive = True, False
            self.proc.kill()
            return None
        if blob is None:
            self.alive = False
            self.results.put(None)  # every later receive sees the end too
            return None
        with gc_paused():
            ok, items = pickle.loads(blob)  # our own child process's output
        return items if ok else None

    def close(self) -> None:
        if self.proc is None:
            return
        import subprocess

        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # the reader ends at end of input
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _serve() -> None:
    """The reader process's loop (see `read_ahead`)."""
    import json
    import pickle
    import sys

    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            blob = pickle.dumps((True, read_file(json.loads(line))), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the parent reads this file itself and raises the error there
            blob = pickle.dumps((False, repr(exc)), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(blob).to_bytes(8, "big") + blob)
        out.flush()


if __name__ == "__main__":
    _serve()
