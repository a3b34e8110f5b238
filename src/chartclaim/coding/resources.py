"""Our own data tables under chartclaim/data/coding (TSV: '#' comments, tab-separated columns)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def read_table(name: str) -> tuple[tuple[str, ...], ...]:
    text = (resources.files("chartclaim") / "data" / "coding" / name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append(tuple(c.strip() for c in line.split("\t")))
    return tuple(rows)
