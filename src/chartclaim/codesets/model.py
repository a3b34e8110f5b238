"""Plain, immutable records returned by the code-set API. No database handles leak out of this package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["chapter", "block", "category", "subcategory", "code"]
NoteKind = Literal[
    "includes", "inclusion_terms", "excludes1", "excludes2", "code_first", "use_additional", "code_also", "notes"
]


@dataclass(frozen=True, slots=True, order=True)
class CodeRange:
    """A span of ICD-10-CM codes named in a note: ``E08.-`` is (E08, E08); ``N18.1-N18.6`` is (N181, N186).

    Bounds are undotted prefixes; a code is inside when its prefix of the same length lies between them,
    so ``N18.30`` is inside N18.1-N18.6 and every E08 code is inside E08.-."""

    first: str
    last: str

    def contains(self, code: str) -> bool:
        c = code.replace(".", "").upper()
        return c[: len(self.first)] >= self.first and c[: len(self.last)] <= self.last

    def __str__(self) -> str:
        def dotted(c: str) -> str:
            return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"

        return dotted(self.first) if self.first == self.last else f"{dotted(self.first)}-{dotted(self.last)}"


@dataclass(frozen=True, slots=True)
class Note:
    """One instructional note. ``at`` is the code (or block/chapter) where the note is printed: notes written
    at a category govern every code below it, so an entry carries its ancestors' notes too."""

    text: str
    ranges: tuple[CodeRange, ...] = ()
    at: str = ""

    def mentions(self, code: str) -> bool:
        return any(r.contains(code) for r in self.ranges)


@dataclass(frozen=True, slots=True)
class Icd10Entry:
    """One node of the ICD-10-CM Tabular List (chapter, block, category, subcategory or code)."""

    code: str                       # dotted, e.g. 'E11.22'; blocks 'E08-E13'; chapters '4'
    description: str
    kind: str                       # chapter | block | category | subcategory | code
    billable: bool                  # a complete code that may be reported
    parent: str | None
    version: str                    # code-set version label the entry was answered from
    chapter: str | None = None
    block: str | None = None
    includes: tuple[Note, ...] = ()
    inclusion_terms: tuple[Note, ...] = ()
    excludes1: tuple[Note, ...] = ()
    excludes2: tuple[Note, ...] = ()
    code_first: tuple[Note, ...] = ()
    use_additional: tuple[Note, ...] = ()
    code_also: tuple[Note, ...] = ()
    notes: tuple[Note, ...] = ()
    seventh_characters: dict[str, str] = field(default_factory=dict)   # inherited from the nearest definer
    seventh_character_note: str | None = None
    # When the code needs a 7th character: the 6-character stem (placeholder X filled in) it is appended to,
    # e.g. 'S01.01X' for S01.01 and 'T36.0X1' for T36.0X1; None when no 7th character applies.
    seventh_character_stem: str | None = None
    requires_seventh_character: bool = False
    has_placeholder: bool = False   # the code itself contains a placeholder X (T36.0X1A, S01.01XA)
    manifestation: bool = False     # "in diseases classified elsewhere": never first-listed

    @property
    def nodot(self) -> str:
        return self.code.replace(".", "")


@dataclass(frozen=True, slots=True)
class SimpleCode:
    """A code of a flat system (HCPCS, CPT, modifiers, POS, CARC, RARC, group codes, NUCC taxonomy)."""

    system: str
    code: str
    description: str
    long_description: str = ""
    effective: date | None = None
    end: date | None = None
    source: str = "built-in"
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """An Alphabetic Index line: the path of terms from the main term down, and the code it points to.

    ``code`` may end with '-' (more characters needed from the Tabular). ``manifestation`` is the bracketed
    second code (sequenced after ``code``). Tables (neoplasm, drug) give the column in ``column``."""

    source: str                     # 'index', 'neoplasm', 'drug', 'eindex'
    path: tuple[str, ...]
    code: str | None
    manifestation: str | None = None
    see: str | None = None
    see_also: str | None = None
    column: str | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    description: str
    score: float
    billable: bool
    billable_children: tuple[str, ...] = ()   # for a non-billable hit: its billable descendants (first 30)
    billable_children_total: int = 0
    kind: str = "code"
    matched: str = ""                         # the text that matched (description, inclusion term, index, lexicon)
    system: str = "icd10cm"

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "description": self.description, "score": round(self.score, 4),
                "billable": self.billable}


@dataclass(frozen=True, slots=True)
class Version:
    system: str
    label: str
    effective: date
    end: date
    source: str
    count: int
    billable: int


@dataclass(frozen=True, slots=True)
class VersionDiff:
    system: str
    old: str
    new: str
    added: tuple[str, ...]
    deleted: tuple[str, ...]
    revised: tuple[str, ...]   # same code, changed description
