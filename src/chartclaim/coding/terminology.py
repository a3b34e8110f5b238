"""The slice of ICD-10-CM the coder needs, compiled once from `chartclaim.codesets` into plain dicts so that
coding a note never touches a database. Cached as a pickle in the data directory, keyed by version."""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Range = tuple[str, str]          # undotted (first, last) prefixes, as codesets.model.CodeRange

COMPILED_VERSION = "5"


def nodot(code: str) -> str:
    return code.replace(".", "").strip().upper()


def dotted(code: str) -> str:
    c = nodot(code)
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def in_ranges(code: str, ranges: Iterable[Range]) -> bool:
    c = nodot(code)
    return any(c[: len(a)] >= a and c[: len(b)] <= b for a, b in ranges)


@dataclass(slots=True)
class CodeInfo:
    code: str
    description: str
    billable: bool
    parent: str | None
    kind: str
    manifestation: bool = False
    requires7: bool = False
    stem7: str | None = None              # 6-character stem the 7th character is appended to
    seventh: dict[str, str] = field(default_factory=dict)
    inclusion: tuple[str, ...] = ()
    excludes1: tuple[Range, ...] = ()
    use_additional: tuple[Range, ...] = ()
    code_first: tuple[Range, ...] = ()
    generated7: bool = False              # a 7th-character code generated from its stem


@dataclass(slots=True)
class IndexTerm:
    source: str
    path: tuple[str, ...]
    code: str
    see: str | None = None      # the line a 'see' reference pointed to ('Cellulitis, lower limb')


@dataclass(slots=True)
class Terminology:
    version: str
    codes: dict[str, CodeInfo]
    children: dict[str, list[str]]
    index: list[IndexTerm]
    # Index main terms that refer to the Table of Neoplasms by site ("Adenoma - see also Neoplasm, benign, by
    # site"): the term, lower case -> the table's behaviour column (primary, secondary, in situ, benign,
    # uncertain, unspecified)
    neoplasm_heads: dict[str, str] = field(default_factory=dict)

    def get(self, code: str) -> CodeInfo | None:
        return self.codes.get(dotted(code))

    def is_billable(self, code: str) -> bool:
        info = self.get(code)
        return bool(info and info.billable)

    def billable_descendants(self, code: str) -> list[str]:
        out: list[str] = []
        stack = [dotted(code)]
        while stack:
            c = stack.pop()
            info = self.codes.get(c)
            if info is None:
                continue
            if info.billable and not info.generated7:
                out.append(c)
            elif info.billable and info.generated7 and not out:
                pass
            stack.extend(reversed(self.children.get(c, [])))
        return out

    def excludes1_conflict(self, a: str, b: str) -> bool:
        return any(in_ranges(b, info.excludes1) for info in self.lineage(a)) or any(
            in_ranges(a, info.excludes1) for info in self.lineage(b))

    def lineage(self, code: str) -> list[CodeInfo]:
        """The code and its ancestors, nearest first (the codes the tabular knows)."""
        out = []
        c: str | None = dotted(code)
        while c:
            info = self.codes.get(c)
            if info is None:
                break
            out.append(info)
            c = info.parent
        return out

    def notes(self, code: str, kind: str) -> tuple[Range, ...]:
        acc: list[Range] = []
        for info in self.lineage(code):
            acc.extend(getattr(info, kind))
        return tuple(acc)

    def is_manifestation(self, code: str) -> bool:
        return any(i.manifestation for i in self.lineage(code))

    def seventh_info(self, code: str) -> CodeInfo | None:
        """The nearest entry that says a 7th character is required (self for a stem)."""
        for info in self.lineage(code):
            if info.requires7 or info.seventh:
                return info
        return None


_RANGE = re.compile(r"\b([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:\s*-\s*([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?))?(?:\.-|-)?")


def _ranges(notes: Any) -> tuple[Range, ...]:
    out: list[Range] = []
    for n in notes or ():
        rs = getattr(n, "ranges", None)
        if rs is not None:
            out.extend((r.first, r.last) for r in rs)
        else:
            text = n if isinstance(n, str) else getattr(n, "text", "")
            for m in _RANGE.finditer(text):
                a = nodot(m.group(1))
                out.append((a, nodot(m.group(2)) if m.group(2) else a))
    return tuple(out)


def _texts(notes: Any) -> tuple[str, ...]:
    return tuple(n if isinstance(n, str) else getattr(n, "text", "") for n in notes or ())


def compile_terminology(entries: Iterable[Any], index: Iterable[Any], version: str) -> Terminology:
    """From codesets records (Icd10Entry-like and IndexEntry-like objects, duck-typed)."""
    codes: dict[str, CodeInfo] = {}
    children: dict[str, list[str]] = {}
    for e in entries:
        kind = getattr(e, "kind", "code")
        if kind in ("chapter", "block"):
            continue
        code = dotted(e.code)
        stem7 = getattr(e, "seventh_character_stem", None) or getattr(e, "stem", None)
        generated = bool(stem7) and len(nodot(code)) == 7 and bool(getattr(e, "billable", False)) \
            and nodot(code)[:6] == nodot(str(stem7))
        info = CodeInfo(
            code=code, description=e.description, billable=bool(e.billable), parent=e.parent and dotted(e.parent),
            kind=kind, manifestation=bool(getattr(e, "manifestation", False)),
            requires7=bool(getattr(e, "requires_seventh_character", False) or (stem7 and not generated)),
            stem7=dotted(stem7) if stem7 else None,
            seventh=dict(getattr(e, "seventh_characters", None) or getattr(e, "seventh", None) or {}),
            inclusion=_texts(getattr(e, "inclusion_terms", ())),
            excludes1=_ranges(getattr(e, "excludes1", ())),
            use_additional=_ranges(getattr(e, "use_additional", ())),
            code_first=_ranges(getattr(e, "code_first", ())),
            generated7=generated,
        )
        codes[code] = info
        if info.parent:
            children.setdefault(info.parent, []).append(code)
    items = [i for i in index if getattr(i, "source", "index") in ("index", "neoplasm")]
    idx: list[IndexTerm] = []
    heads: dict[str, str] = {}
    for i in items:
        source = getattr(i, "source", "index")
        if getattr(i, "code", None):
            idx.append(IndexTerm(source, tuple(i.path), i.code))
        elif source == "index" and len(i.path) == 1:
            column = neoplasm_reference(getattr(i, "see", None) or getattr(i, "see_also", None) or "")
            if column:
                heads[i.path[0].lower()] = column
    return Terminology(version, codes, children, idx + _see_references(items), heads)


_QUALIFIER = re.compile(r"\s*\([^)]*\)")


def main_term_forms(main: str) -> list[str]:
    """The word forms an Index main term lists ('Insufficiency, insufficient'; 'Ulcer, ulcerated, ulcerating,
    ulceration, ulcerative'), each on its own: a note says 'aortic insufficiency' or 'insufficient aortic valve',
    never both forms, so a term made of all of them never matches. Forms are single words sharing their first
    three letters with the first one; a main term whose parts are not ('Fracture, traumatic', 'Wound, open',
    'Findings, abnormal, inconclusive, without diagnosis') is one phrase and stays whole."""
    parts = [_QUALIFIER.sub("", p).strip() for p in main.split(",")]
    if len(parts) < 2:
        return [main]
    first = parts[0].lower()
    if not first or " " in first:
        return [main]
    for p in parts[1:]:
        q = p.lower()
        if not q or " " in q or q[:3] != first[:3]:
            return [main]
    return parts


def _see_references(items: list[Any]) -> list[IndexTerm]:
    """Index lines that only say 'see X' ('Cellulitis, leg - see Cellulitis, lower limb') take the code of the
    line they point to, so the words the note uses (leg) reach the code the Index files them under (L03.11-);
    the target's words then choose the child (lower limb, not upper). A reference to a line with no code of its
    own (a heading, 'see Condition, by site') gives nothing."""
    by_path: dict[str, str] = {}
    for i in items:
        if getattr(i, "code", None):
            by_path.setdefault(", ".join(i.path).lower(), i.code)
    # a reference names a main term by its first word form ('Regurgitation, mitral - see Insufficiency,
    # mitral' points to 'Insufficiency, insufficient, mitral')
    for i in items:
        if getattr(i, "code", None) and i.path and len(forms := main_term_forms(i.path[0])) > 1:
            by_path.setdefault(", ".join([forms[0], *i.path[1:]]).lower(), i.code)
    out = []
    for i in items:
        see = getattr(i, "see", None)
        if getattr(i, "code", None) or not see:
            continue
        code = by_path.get(see.strip().lower())
        if code:
            out.append(IndexTerm(getattr(i, "source", "index"), tuple(i.path), code, see.strip()))
    return out


def neoplasm_reference(ref: str) -> str | None:
    """The Neoplasm Table column of a cross-reference 'Neoplasm, malignant, by site' / 'Neoplasm, by site,
    benign' (None for other references, e.g. to a fixed site such as 'Neoplasm, skin, benign')."""
    parts = [p.strip().lower() for p in ref.split(",")]
    if len(parts) < 3 or parts[0] != "neoplasm" or "by site" not in parts:
        return None
    rest = " ".join(p for p in parts[1:] if p != "by site")
    for word, column in (("secondary", "secondary"), ("in situ", "in situ"), ("uncertain", "uncertain"),
                         ("unspecified", "unspecified"), ("benign", "benign"), ("malignant", "primary")):
        if word in rest:
            return column
    return None


def load_terminology(cache_dir: Path | None = None) -> Terminology:
    """Compiled terminology from chartclaim.codesets (ICD-10-CM Tabular + any imported Alphabetic Index),
    cached on disk under the data directory, keyed by code-set version and index size."""
    from chartclaim.codesets import get_codesets
    from chartclaim.settings import get_settings

    cs = get_codesets()
    icd = cs.icd10cm
    version = icd.version_for(None).label
    index = cs.index
    n_index = len(index)
    cache_dir = cache_dir or get_settings().data_dir / "coder"
    cache = cache_dir / f"terminology-{COMPILED_VERSION}-{version}-{n_index}.pkl"
    if cache.exists():
        try:
            with open(cache, "rb") as fh:
                term = pickle.load(fh)
            if isinstance(term, Terminology):
                return term
        except Exception:  # a stale or truncated cache is rebuilt, never trusted
            pass
    term = compile_terminology(icd.iter_entries(), list(index), version)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(term, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass
    return term
