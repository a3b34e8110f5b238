"""Read the CDC ICD-10-CM Tabular List XML (as shipped in the simple-icd-10-cm wheel) into flat rows.

The XML lists categories and subcategories; codes that take a 7th character are not written out, so they are
generated here from the nearest ``sevenChrDef`` (placeholder X filling the code to six characters) and kept
only when the official code list of the same release contains them (a few extensions are excluded for
particular codes)."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version as dist_version
from pathlib import Path

NOTE_TAGS = {
    "includes": "includes",
    "inclusionTerm": "inclusion_terms",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "notes": "notes",
    "sevenChrNote": "seventh_note",
}
_MANIFESTATION = re.compile(r"\b(?:in|due to)\b[^()]*\b(?:diseases|conditions|disorders) classified elsewhere", re.I)


@dataclass(slots=True)
class TabularNode:
    code: str
    description: str
    kind: str
    parent: str | None
    billable: bool
    seq: int
    chapter: str | None
    block: str | None
    seventh_definer: str | None = None      # code whose sevenChrDef applies
    stem: str | None = None
    has_placeholder: bool = False
    manifestation: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)        # (kind, text)
    seventh: list[tuple[str, str]] = field(default_factory=list)      # (char, text) defined here


def wheel_paths() -> tuple[Path, Path, str]:
    """(tabular XML, code list, simple-icd-10-cm version) inside the installed wheel. Located without
    importing the package: importing it parses the whole XML (~2.5 s), which is what we compile away."""
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the simple-icd-10-cm package (source of the ICD-10-CM tabular) is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    xml = next(p for p in sorted(data.iterdir()) if p.name.endswith(".xml") and "tabular" in p.name)
    codes = next(p for p in sorted(data.iterdir()) if p.name.startswith("code-list") and p.name.endswith(".txt"))
    return xml, codes, dist_version("simple-icd-10-cm")


def nodot(code: str) -> str:
    return code.replace(".", "").strip().upper()


def dotted(code: str) -> str:
    c = nodot(code)
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def _stem(code: str) -> str:
    c = nodot(code)
    c = c + "X" * (6 - len(c))
    return dotted(c)


def parse_tabular(xml_bytes: bytes, code_list: set[str]) -> Iterator[TabularNode]:
    """Every node in document order, 7th-character codes included right after their stem."""
    root = ET.fromstring(xml_bytes)
    seq = 0
    seventh_defs: dict[str, dict[str, str]] = {}

    def notes_of(el: ET.Element) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for child in el:
            kind = NOTE_TAGS.get(child.tag)
            if kind is None:
                continue
            for n in child.iter("note"):
                if n.text and n.text.strip():
                    out.append((kind, " ".join(n.text.split())))
        return out

    def seventh_of(el: ET.Element) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        d = el.find("sevenChrDef")
        if d is None:
            return out
        for ext in d:
            if ext.tag == "extension":
                out.append((ext.attrib["char"], " ".join((ext.text or "").split())))
            elif ext.tag == "note" and out and ext.text:
                # an alternative wording of the previous extension ("initial encounter for open fracture NOS")
                ch, txt = out[-1]
                out[-1] = (ch, f"{txt} / {' '.join(ext.text.split())}")
        return out

    def walk(el: ET.Element, parent: str | None, chapter: str | None, block: str | None,
             definer: str | None, manif: bool) -> Iterator[TabularNode]:
        nonlocal seq
        tag = el.tag
        if tag == "chapter":
            code = (el.findtext("name") or "").strip()
            kind = "chapter"
            chapter = code
        elif tag == "section":
            sid = el.attrib["id"]
            code = sid if "-" in sid else f"{sid}-{sid}"
            kind = "block"
            block = code
        else:
            code = (el.findtext("name") or "").strip()
            kind = "category" if len(nodot(code)) == 3 else "subcategory"
        desc = " ".join((el.findtext("desc") or "").split())
        sev = seventh_of(el)
        if sev:
            seventh_defs[code] = dict(sev)
            definer = code
        children = [c for c in el if c.tag in ("section", "diag")]
        if tag == "diag":
            manif = manif or bool(_MANIFESTATION.search(desc))
        node = TabularNode(code=code, description=desc, kind=kind, parent=parent, billable=False, seq=seq,
                           chapter=chapter, block=block if kind != "chapter" else None,
                           seventh_definer=definer if tag == "diag" else None,
                           has_placeholder=el.attrib.get("placeholder") == "true" or "X" in nodot(code)[3:],
                           manifestation=manif and tag == "diag", notes=notes_of(el), seventh=sev)
        seq += 1
        if tag == "diag" and not children:
            if definer is None:
                node.billable = True
                if node.kind == "subcategory":
                    node.kind = "code"
                yield node
            else:
                stem = _stem(code)
                node.stem = stem
                yield node
                for ch, text in seventh_defs[definer].items():
                    full = stem + ch
                    if nodot(full) not in code_list:
                        continue
                    yield TabularNode(code=full, description=f"{desc}, {text}", kind="code", parent=code,
                                      billable=True, seq=seq, chapter=chapter, block=block,
                                      seventh_definer=definer, stem=stem, has_placeholder="X" in nodot(full)[3:],
                                      manifestation=node.manifestation)
                    seq += 1
            return
        yield node
        for c in children:
            yield from walk(c, code, chapter, block, definer, manif)

    for chap in root.iter("chapter"):
        yield from walk(chap, None, None, None, None, False)


def read_code_list(text: str) -> set[str]:
    return {line.split(" ")[0].strip().replace(".", "") for line in text.splitlines() if line.strip()}
