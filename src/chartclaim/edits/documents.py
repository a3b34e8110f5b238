"""Scrubbing claim documents as they arrive: a document that does not even form a claim (a required field
missing, a malformed date or amount) is reported as data edits naming each field, next to the edits of the
claims that did parse — a biller fixes both the same way, and one bad claim never hides the batch.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartclaim.claim import Claim, ClaimFormatError, parse_claim
from chartclaim.edits.engine import ScrubContext, scrub_many
from chartclaim.edits.model import Edit

# Field paths in the biller's words.
_NAMES = {
    "claim_id": "Claim number (patient control number)", "payer": "Payer", "payer.id": "Payer ID",
    "payer.name": "Payer name", "billing_provider": "Billing provider", "billing_provider.npi": "Billing provider NPI",
    "billing_provider.tax_id": "Billing provider tax ID", "billing_provider.name": "Billing provider name",
    "billing_provider.address": "Billing provider address", "subscriber": "Subscriber",
    "subscriber.member_id": "Subscriber member ID", "subscriber.first_name": "Subscriber first name",
    "subscriber.last_name": "Subscriber last name", "subscriber.dob": "Subscriber date of birth",
    "subscriber.sex": "Subscriber sex", "patient.first_name": "Patient first name",
    "patient.last_name": "Patient last name", "patient.dob": "Patient date of birth", "patient.sex": "Patient sex",
    "patient.relationship": "Patient relationship", "diagnoses": "Diagnosis list", "lines": "Service lines",
    "procedure": "Procedure code", "charge": "Charge", "units": "Units", "date_of_service": "Date of service",
    "dx_pointers": "Diagnosis pointers", "modifiers": "Modifiers", "submitted_on": "Submission date",
    "place_of_service": "Place of service", "rendering_provider.npi": "Rendering provider NPI",
}
_LINE = re.compile(r"^lines\[(\d+)\]\.?(.*)$")


class DocumentError(ValueError):
    """A file that cannot be read as claim documents at all (not JSON); names the file and position."""


@dataclass(frozen=True, slots=True)
class Document:
    source: str            # 'claims.json[3]', 'batch.jsonl:12'
    data: Any


def read_documents(path: Path) -> list[Document]:
    """The claim documents of a file: one JSON object, a JSON list, or JSON lines (.jsonl)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: {exc}") from None
    if path.suffix == ".jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                out.append(Document(f"{path}:{n}", _json(line, f"{path}:{n}")))
        return out
    doc = _json(text, str(path))
    if isinstance(doc, list):
        return [Document(f"{path}[{i}]", item) for i, item in enumerate(doc)]
    return [Document(str(path), doc)]


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{where}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def _known_fields() -> set[str]:
    from pydantic import BaseModel

    import chartclaim.claim as model

    out: set[str] = set()
    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == model.__name__:
            out.update(obj.model_fields)
    return out


def format_edits(exc: ClaimFormatError, data: Any) -> list[Edit]:
    """One data edit per problem the claim model found; each names the file and the field path."""
    claim_id = str(data.get("claim_id") or exc.source) if isinstance(data, dict) else exc.source
    where = exc.source
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false",
                type(None): "null"}.get(type(data), type(data).__name__)
        return [Edit("DATA-FORMAT", "data", "error", claim_id, None,
                     f"{where} is {kind}, not a claim: each claim is a JSON object with claim_id, payer, "
                     "billing_provider, subscriber, diagnoses and lines.",
                     "Put one claim object per list item (see docs/claim-format.md).", where)]
    out = []
    for field, msg in exc.problems:
        line = None
        rest = field
        if m := _LINE.match(field):
            line, rest = int(m.group(1)) + 1, m.group(2)
        leaf = rest.rsplit(".", 1)[-1]
        name = _NAMES.get(rest) or _NAMES.get(field) or (rest or field).replace("_", " ").replace(".", " ")
        prefix = f"Line {line}: " if line else ""
        at = f"({where}: {field})"
        if msg.lower() == "field required" or "at least one service line" in msg:
            what = "a service line" if "service line" in msg else name
            out.append(Edit("DATA-REQUIRED", "data", "error", claim_id, line,
                            f"{prefix}{what} is missing {at}.",
                            f"Enter the {_lower(what)}; the claim can't be sent without it.", where))
        elif msg.startswith("Extra inputs"):
            close = difflib.get_close_matches(leaf, sorted(_known_fields()), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            out.append(Edit("DATA-FORMAT", "data", "error", claim_id, line,
                            f"{prefix}'{leaf}' is not a field of the claim format {at}.{hint}",
                            f"Rename or remove '{leaf}' (fields are listed in docs/claim-format.md); unknown "
                            "fields are refused so a misspelt one never silently disappears.", where))
        else:
            fmt = " Dates are written YYYY-MM-DD." if "date" in msg.lower() else (
                " Amounts are written as decimal strings, e.g. \"150.00\"." if "decimal" in msg.lower() else "")
            out.append(Edit("DATA-FORMAT", "data", "error", claim_id, line,
                            f"{prefix}{name} is not valid: {msg} {at}.",
                            f"Correct the {_lower(name)} in the claim document.{fmt}", where))
    if not data.get("lines") and not any("line" in f or "service line" in m for f, m in exc.problems):
        out.append(Edit("DATA-REQUIRED", "data", "error", claim_id, None,
                        f"The claim has no service lines ({where}: lines).",
                        "Add at least one service line (procedure, charge, date of service).", where))
    return out


def _lower(text: str) -> str:
    """Lower-case a field name for a sentence, keeping acronyms (ID, NPI) as they are."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in text.split())


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """The edits of one claim document: its claim id as written (or the source when it has none)."""

    source: str
    claim_id: str
    edits: list[Edit]


def scrub_document_results(docs: Sequence[Document], ctx: ScrubContext) -> list[DocumentResult]:
    """Scrub parsed claims (with batch duplicate checks) and report unparsable ones as data edits, one
    result per document in input order; a claim id used twice stays as written (the source tells them
    apart)."""
    parsed: list[tuple[int, Claim]] = []
    failed: dict[int, tuple[str, list[Edit]]] = {}
    for i, doc in enumerate(docs):
        try:
            parsed.append((i, parse_claim(doc.data, doc.source)))
        except ClaimFormatError as exc:
            edits = format_edits(exc, doc.data)
            failed[i] = (edits[0].claim_id if edits else doc.source, edits)
    results = iter(scrub_many([c for _, c in parsed], ctx).values())
    claims = dict(parsed)
    out: list[DocumentResult] = []
    for i, doc in enumerate(docs):
        if i in claims:
            out.append(DocumentResult(doc.source, claims[i].claim_id, next(results)))
        else:
            cid, edits = failed[i]
            out.append(DocumentResult(doc.source, cid, edits))
    return out


def scrub_documents(docs: Sequence[Document], ctx: ScrubContext) -> dict[str, list[Edit]]:
    """`scrub_document_results` keyed by claim id in input order (a repeated id gets '#' suffixes)."""
    out: dict[str, list[Edit]] = {}
    for r in scrub_document_results(docs, ctx):
        key = r.claim_id
        while key in out:
            key += "#"
        out[key] = r.edits
    return out


def iter_sources(paths: Sequence[Path]) -> Iterator[Document]:
    for p in paths:
        yield from read_documents(p)
