"""CPT/HCPCS suggestions for common office procedures, injections, vaccines and labs documented in a note.

Patterns and labels are ours (`procedures.tsv`); only code numbers come from CPT/HCPCS. A procedure that the
note says was declined, refused or not done is not suggested."""

from __future__ import annotations

import re
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


def detect_procedures(text: str, norm: str) -> list[CodeSuggestion]:
    rules = default_rules()
    found: dict[str, CodeSuggestion] = {}
    admin_first: str | None = None
    for sent in split_sentences(text):
        window = None
        for rx, code, system, label, also in _patterns():
            for m in rx.finditer(norm, sent.start, sent.end):
                if window is None:
                    window = rules.triggers(norm, sent.start, sent.end)
                a = rules.assert_mention(norm, window, m.start(), m.end())
                if a.categories & {"negated", "hypothetical", "family", "historical"}:
                    continue
                ev = Evidence(m.start(), m.end(), text[m.start():m.end()], label, "procedure pattern")
                if code in found:
                    continue
                found[code] = CodeSuggestion(code, system, 0.8, (ev,), f"documented: {label}", label)
                if also and admin_first is None:
                    admin_first = also
                    found[also] = CodeSuggestion(also, "CPT", 0.8, (ev,),
                                                 "immunization administration, first vaccine",
                                                 "immunization administration, first component")
    return list(found.values())
