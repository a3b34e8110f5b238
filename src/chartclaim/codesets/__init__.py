"""Code sets and the encoder: ICD-10-CM (versioned by date of service), HCPCS Level II, CPT, modifiers,
place of service, CARC/RARC/group codes, NUCC taxonomy, the Alphabetic Index, and search.

Public API (plain immutable records out; no database objects leak)::

    from chartclaim.codesets import get_codesets
    cs = get_codesets()            # process-wide; compiles settings.codesets_db on first use (~5 s, once)
    cs = CodeSets.open(path, imports_path=tmp)   # explicit files (tests)

    e = cs.icd10cm.get("e1122", dos=None)        # Icd10Entry | None ('E11.22', 'e1122' both work)
    e.code, e.description, e.kind, e.billable, e.parent, e.chapter, e.block, e.version
    e.includes, e.inclusion_terms, e.excludes1, e.excludes2, e.code_first, e.use_additional, e.code_also,
    e.notes                                       # tuple[Note(text, ranges, at)], ancestors' notes included
    e.seventh_characters, e.seventh_character_stem, e.requires_seventh_character, e.has_placeholder,
    e.manifestation
    cs.icd10cm.is_valid(code, dos)                # exists AND billable in the version effective on dos
    cs.icd10cm.children(code); cs.icd10cm.billable_descendants(code); cs.icd10cm.ancestors(code)
    cs.icd10cm.iter_entries(dos=None, billable_only=False)
    cs.icd10cm.excludes1_conflict(a, b) -> Note | None
    cs.icd10cm.is_manifestation(code); cs.icd10cm.fix_placeholder('T3601A') -> 'T36.0X1A'
    cs.icd10cm.versions(); cs.icd10cm.version_for(dos); cs.icd10cm.diff(old_label, new_label)
    cs.hcpcs / cs.cpt / cs.modifiers / cs.pos / cs.carc / cs.rarc / cs.group_codes / cs.taxonomy
        .get(code, dos=None) -> SimpleCode | None; .is_valid(code, dos); iteration
    cs.index                                      # AlphabeticIndex: iterate IndexEntry; .for_code(); .lookup()
    cs.search(query, system="icd10cm", limit=10, dos=None) -> list[SearchHit]
    cs.status() -> dict (systems, versions, counts, source files)

Importers (write the imports file; survive rebuilds) are in ``chartclaim.codesets.importers``.
"""

from chartclaim.codesets.core import CodeSets, get_codesets, reset_codesets
from chartclaim.codesets.model import (
    CodeRange,
    Icd10Entry,
    IndexEntry,
    Note,
    SearchHit,
    SimpleCode,
    Version,
    VersionDiff,
)

__all__ = [
    "CodeRange",
    "CodeSets",
    "Icd10Entry",
    "IndexEntry",
    "Note",
    "SearchHit",
    "SimpleCode",
    "Version",
    "VersionDiff",
    "get_codesets",
    "reset_codesets",
]
