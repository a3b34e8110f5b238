"""Code references inside note text: '(E08.-)', '(N18.1-N18.6)', '(E08.22, E09.22)', '(A00-B99)'."""

from __future__ import annotations

import re

from chartclaim.codesets.model import CodeRange

_CODE = r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_REF = re.compile(rf"(?P<a>{_CODE})(?P<adash>\.?-(?!\s*[A-Z]\d))?(?:\s*-\s*(?P<b>{_CODE})(?:\.?-)?)?")
_PARENS = re.compile(r"\(([^()]*)\)")


_WITH_SUFFIX = re.compile(r"with (?:\.(?P<dot>[0-9A-Z]{1,3})|(?:fifth|sixth) character (?P<ch>[0-9A-Z]))")


def _categories(a: str, b: str) -> list[str]:
    """Three-character categories from a to b (same letter), as the Tabular's 'E08-E13 with .42' means."""
    if a[0] != b[0] or not (a[1:3].isdigit() and b[1:3].isdigit()):
        return [a, b]
    return [f"{a[0]}{n:02d}" for n in range(int(a[1:3]), int(b[1:3]) + 1)]


def parse_ranges(text: str) -> tuple[CodeRange, ...]:
    """The code ranges a note names. Only parenthesised references count: that is how the Tabular prints
    them, and it keeps words such as 'A1C' in running text from being read as codes. 'E08-E13 with .42'
    means E08.42, E09.42, ... and 'B27.0-B27.9 with fifth character 1' means B27.01 ... B27.91."""
    out: list[CodeRange] = []
    for group in _PARENS.findall(text):
        suffix = _WITH_SUFFIX.search(group)
        for m in _REF.finditer(group):
            a = m.group("a").replace(".", "")
            b = (m.group("b") or m.group("a")).replace(".", "")
            if suffix and suffix.start() > m.end() - 1:
                tail = suffix.group("dot") or suffix.group("ch")
                if suffix.group("dot"):
                    out.extend(CodeRange(c + tail, c + tail) for c in _categories(a[:3], b[:3]))
                elif len(a) == len(b) and a[:-1] == b[:-1]:
                    out.extend(CodeRange(a[:-1] + ch + tail, a[:-1] + ch + tail)
                               for ch in "0123456789" if a[-1] <= ch <= b[-1])
                else:
                    out.append(CodeRange(a, b))
            else:
                out.append(CodeRange(a, b))
    return tuple(out)
