"""CPT/HCPCS suggestions for common office procedures, injections, vaccines and labs documented in a note.

Patterns and labels are ours (`procedures.tsv`); only code numbers come from CPT/HCPCS. A procedure that the
note says was declined, refused or not done is not suggested."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from chartclaim.coding.context import default_rules
from chartclaim.coding.resources import read_table
from chartclaim.coding.result import CodeSuggestion, Evidence
from chartclaim.coding.text import split_sentences


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str, str, str, str], ...]:
    out = []
    for row in read_table("procedures.tsv"):
        also = row[4] if len(row) > 4 else ""
        out.append((re.compile(row[0]), row[1], row[2], row[3], also))
    return tuple(out)


@lru_cache(maxsize=1)
def _any_procedure() -> re.Pattern[str]:
    """All patterns as one alternation: if it finds nothing, no single pattern can (most notes document no
    office procedure), so one scan replaces one per pattern."""
    return re.compile("|".join(f"(?:{rx.pattern})" for rx, *_rest in _patterns()))


def detect_procedures(text: str, norm: str) -> list[CodeSuggestion]:
    if _any_procedure().search(norm) is None:
        return []
    rules = default_rules()
    found: dict[str, CodeSuggestion] = {}
    admin_first: str | None = None
    sentences = None
    starts: list[int] = []
    triggers: dict[int, list] = {}
    for rx, code, system, label, also in _patterns():
        for m in rx.finditer(norm):
            if code in found:
                break
            if sentences is None:
                sentences = split_sentences(text)
                starts = [x.start for x in sentences]
            k = max(0, bisect_right(starts, m.start()) - 1)
            sent = sentences[k]
            if k not in triggers:
                triggers[k] = rules.triggers(norm, sent.start, sent.end)
            a = rules.assert_mention(norm, triggers[k], m.start(), m.end())
            if a.categories & {"negated", "hypothetical", "family", "historical"}:
                continue
            ev = Evidence(m.start(), m.end(), text[m.start():m.end()], label, "procedure pattern")
            found[code] = CodeSuggestion(code, system, 0.8, (ev,), f"documented: {label}", label)
            if also and admin_first is None:
                admin_first = also
                found[also] = CodeSuggestion(also, "CPT", 0.8, (ev,), "immunization administration, first vaccine",
                                             "immunization administration, first component")
    return list(found.values())
