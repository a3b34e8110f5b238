"""Search over a flat system (HCPCS, CPT, modifiers, ...): the same token scoring, all in memory."""

from __future__ import annotations

from datetime import date

from chartclaim.codesets.model import SearchHit
from chartclaim.codesets.simple import SimpleSystem
from chartclaim.codesets.text import required_tokens, tokens


def search_simple(system: SimpleSystem, query: str, limit: int = 10, dos: date | None = None) -> list[SearchHit]:
    q = query.strip()
    exact = system.get(q, dos) if q else None
    hits: list[SearchHit] = []
    if exact is not None:
        hits.append(SearchHit(exact.code, exact.description, 1.0, True, system=system.system))
    qt = tokens(q)
    if not qt:
        return hits
    scored = []
    for e in system:
        if exact is not None and e.code == exact.code:
            continue
        if dos is not None and ((e.effective and dos < e.effective) or (e.end and dos > e.end)):
            continue
        text = f"{e.description} {e.long_description}"
        dt = set(tokens(text)) | {e.code.lower()}
        # prefix match lets 'inj' find 'injection' in short HCPCS descriptors
        matched = sum(1 for t in qt if t in dt or any(d.startswith(t) for d in dt if len(t) >= 3))
        if not matched:
            continue
        extra = len([t for t in required_tokens(e.description) if t not in qt])
        scored.append((matched / len(qt) - 0.02 * min(extra, 10), e))
    scored.sort(key=lambda t: (-t[0], t[1].code))
    for s, e in scored[: max(0, limit - len(hits))]:
        hits.append(SearchHit(e.code, e.description, round(s, 4), True, system=system.system))
    return hits
