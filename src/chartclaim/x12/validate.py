"""Validation: our own checks (structure, balancing) plus pyx12 when it is installed.

pyx12's ``x12valid`` script exits 1 even on success, so it is driven through its Python API
(``pyx12.x12n_document.x12n_document``) with its log captured; every ERROR record is one finding.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

_pyx12_lock = threading.Lock()


@dataclass
class Pyx12Result:
    available: bool
    ok: bool
    errors: list[str] = field(default_factory=list)
    no_map: bool = False  # pyx12 has no map for this guide (270/271, 276/277 X212...): nothing was checked


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.messages.append(record.getMessage())


def pyx12_available() -> bool:
    try:
        import pyx12.x12n_document  # noqa: F401
    except ImportError:
        return False
    return True


def pyx12_validate(source: str | os.PathLike[str]) -> Pyx12Result:
    """Validate a file (or X12 text) with pyx12's maps. ``ok`` is pyx12's verdict AND no logged error."""
    try:
        import pyx12.params
        import pyx12.x12n_document
    except ImportError:
        return Pyx12Result(False, False, ["pyx12 is not installed"])
    tmp: str | None = None
    if isinstance(source, str) and source.lstrip()[:3] == "ISA":
        fd, tmp = tempfile.mkstemp(suffix=".x12")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(source)
        path = tmp
    else:
        path = str(Path(source))
    handler = _Collect()
    logger = logging.getLogger("pyx12")
    with _pyx12_lock:
        old_level, old_prop = logger.level, logger.propagate
        logger.addHandler(handler)
        logger.setLevel(logging.ERROR)
        logger.propagate = False
        try:
            params = pyx12.params.params()
            ok = bool(pyx12.x12n_document.x12n_document(params, path, None, None, None, io.StringIO()))
        except Exception as exc:  # pyx12 raises on maps it lacks and crashes on some inputs
            ok = False
            handler.messages.append(f"pyx12 could not validate: {type(exc).__name__}: {exc}")
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = old_prop
            if tmp:
                os.unlink(tmp)
    no_map = any("Map not found" in m for m in handler.messages)
    return Pyx12Result(True, ok and not handler.messages, handler.messages, no_map)
