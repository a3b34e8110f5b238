"""Reading 835 files for posting: each transaction's remittance, content fingerprint and any read error.

Kept apart from `chartclaim.billing.posting` (and its database imports) so a reader process starts quickly:
`read_ahead` reads the next files in another process while the caller posts the current one.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from typing import IO

from chartclaim.x12 import remit as x835
from chartclaim.x12.core import gc_paused

Transaction = tuple[x835.Remittance | None, str, str | None]  # (remittance, fingerprint, read error)

# Below this many bytes in all, a reader process costs more to start than it saves.
READ_AHEAD_MIN_BYTES = 4_000_000
_IN_FLIGHT = 2  # files read ahead of the one being posted (each is held in memory until posted)


def fingerprint_segments(segments: Iterable[Sequence[str]]) -> str:
    """SHA-256 of the ST..SE body, delimiter-independent (the envelope and ST02 are not content)."""
    return hashlib.sha256("\x1e".join("\x1f".join(seg) for seg in segments).encode()).hexdigest()


def fingerprint_texts(texts: Sequence[str], element_separator: str) -> str:
    """`fingerprint_segments` of unsplit segments (the same digest, so remittances posted before are still
    recognised), without splitting every segment into a list first."""
    if element_separator == "\x1e" or any("\x1e" in t for t in texts):
        return fingerprint_segments(t.split(element_separator) for t in texts)
    return hashlib.sha256("\x1e".join(texts).replace(element_separator, "\x1f").encode()).hexdigest()


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


def read_file(path: str) -> list[Transaction]:
    """Every 835 transaction of one file (what the reader process runs). The claims stay unbuilt
    (`LazyClaims`: the segments as text), which is also what makes them cheap to hand to another process."""
    with gc_paused():
        return list(iter_remittances(path))


def want_read_ahead(paths: Sequence[str | os.PathLike[str]]) -> bool:
    """Worth a reader process: several files, enough bytes, and a second CPU."""
    if len(paths) < 2 or (os.cpu_count() or 1) < 2:
        return False
    try:
        return sum(os.path.getsize(p) for p in paths) >= READ_AHEAD_MIN_BYTES
    except OSError:
        return False  # a missing file: read in-process, where its error is raised as usual


def read_ahead(paths: Sequence[str | os.PathLike[str]], enabled: bool) -> Iterator[tuple[str, Iterable[Transaction]]]:
    """(path, its transactions) for each file, in order. With `enabled`, one reader process reads up to two
    files ahead while the caller posts the current one; the first file is read here meanwhile (the process is
    still starting). Reading only parses: what gets posted, in which order and in which transaction is the
    caller's, unchanged. A file the reader process could not read is read again here, so its error is raised
    exactly as without read-ahead."""
    if not enabled:
        for p in paths:
            yield str(p), iter_remittances(p)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the caller holds database connections and maybe threads, which a fork would copy
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        pending: deque[tuple[str, Future[list[Transaction]]]] = deque()
        todo = iter(str(p) for p in paths[1:])

        def refill() -> None:
            while len(pending) < _IN_FLIGHT:
                nxt = next(todo, None)
                if nxt is None:
                    return
                pending.append((nxt, pool.submit(read_file, nxt)))

        refill()
        first = str(paths[0])
        yield first, read_file(first)
        while pending:
            path, fut = pending.popleft()
            try:
                items = fut.result()
            except Exception:  # read again in-process: raises the real error, with its location
                items = read_file(path)
            refill()
            yield path, items
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
