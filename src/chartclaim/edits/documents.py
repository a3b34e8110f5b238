"""Scrubbing claim documents as they arrive: a document that does not even form a claim (a required field
missing, a malformed date or amount) is reported as data edits naming each field, next to the edits of the
claims that did parse — a biller fixes both the same way, and one bad claim never hides the batch.
"""

from __future__ import annotations

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
    "patient.relationship": "Patient relationship", "diagnoses": "Diagnoses", "lines": "Service lines",
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


def format_edits(exc: ClaimFormatError, data: Any) -> list[Edit]:
    """One data edit per problem the claim model found."""
    claim_id = str(data.get("claim_id") or exc.source) if isinstance(data, dict) else exc.source
    out = []
    for field, msg in exc.problems:
        line = None
        rest = field
        if m := _LINE.match(field):
            line, rest = int(m.group(1)) + 1, m.group(2)
        name = _NAMES.get(rest) or _NAMES.get(field) or (rest or field).replace("_", " ").replace(".", " ")
        prefix = f"Line {line}: " if line else ""
        if msg.lower() == "field required" or "at least one service line" in msg:
            what = "a service line" if "service line" in msg else name
            out.append(Edit("DATA-REQUIRED", "data", "error", claim_id, line,
                            f"{prefix}{what} is missing ({field}).",
                            f"Enter the {what.lower()}; the claim can't be sent without it.", exc.source))
        else:
            out.append(Edit("DATA-FORMAT", "data", "error", claim_id, line,
                            f"{prefix}{name} is not valid: {msg} ({field}).",
                            f"Correct the {name.lower()} in the claim document.", exc.source))
    return out


def scrub_documents(docs: Sequence[Document], ctx: ScrubContext) -> dict[str, list[Edit]]:
    """Scrub parsed claims (with batch duplicate checks) and report unparsable ones as data edits; keys
    are claim ids (or sources) in input order."""
    parsed: list[tuple[int, Claim]] = []
    failed: dict[int, tuple[str, list[Edit]]] = {}
    for i, doc in enumerate(docs):
        try:
            parsed.append((i, parse_claim(doc.data, doc.source)))
        except ClaimFormatError as exc:
            edits = format_edits(exc, doc.data)
            failed[i] = (edits[0].claim_id if edits else doc.source, edits)
    results = iter(scrub_many([c for _, c in parsed], ctx).items())
    out: dict[str, list[Edit]] = {}
    ok = {i for i, _ in parsed}
    for i in range(len(docs)):
        if i in ok:
            key, edits = next(results)
        else:
            key, edits = failed[i]
        while key in out:
            key += "#"
        out[key] = edits
    return out


def iter_sources(paths: Sequence[Path]) -> Iterator[Document]:
    for p in paths:
        yield from read_documents(p)
