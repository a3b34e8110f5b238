"""CLI commands for X12: read (summary or JSON), validate (ours + pyx12), write-837."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from chartclaim.cli import apps


def to_jsonable(obj: Any) -> Any:
    """Plain JSON for the X12 models: dataclasses, pydantic models, Decimals (as strings), dates."""
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        from chartclaim.x12.core import Group, Interchange

        # the envelope records repeat on every transaction: left out by type, not by field name (a CAS
        # adjustment's ``group`` is its group code and must stay)
        return {f.name: to_jsonable(v) for f in dataclasses.fields(obj)
                if not isinstance(v := getattr(obj, f.name), Interchange | Group)}
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, Sequence):
        return [to_jsonable(x) for x in obj]
    if hasattr(obj, "describe"):
        return obj.describe()
    return str(obj)


def _summary(kind: str, m: Any) -> list[str]:
    out: list[str] = []
    if kind == "835":
        p = m.payment
        out.append(f"  payer {m.payer.name} → payee {m.payee.name} ({m.payee.id_qualifier} {m.payee.id})")
        out.append(f"  payment {p.amount} {p.credit_debit} by {p.method} on {p.date or '?'}; trace {m.check_or_eft_number}")
        statuses: dict[str, int] = {}
        for c in m.claims:
            statuses[c.status_label] = statuses.get(c.status_label, 0) + 1
        out.append(f"  {len(m.claims)} claims ({', '.join(f'{n} {s}' for s, n in statuses.items())}), "
                   f"paid {m.claims_paid_total}, provider adjustments {m.provider_adjustment_total}")
        out.append("  balancing: OK" if m.balanced else f"  balancing: {len(m.balancing)} difference(s)")
        out += [f"    {i.describe()}" for i in m.balancing[:20]]
    elif kind in ("837P", "837I"):
        out.append(f"  {len(m.claims)} claim(s) from {m.submitter_name or '?'} ({m.submitter_id})")
        for c in m.claims[:20]:
            out.append(f"    {c.claim_id}: {c.payer.name} ({c.payer.id}), {len(c.lines)} line(s), charge {c.total_charge}")
        if len(m.claims) > 20:
            out.append(f"    ... {len(m.claims) - 20} more")
    elif kind in ("999", "997"):
        out.append(f"  group {m.functional_id} {m.group_control_number}: {m.status_label}"
                   f" ({m.accepted_count} of {m.received} accepted)")
        for t in m.transactions:
            out.append(f"    ST {t.control_number}: {t.status_label}")
            for se in t.segment_errors:
                out.append(f"      {se.segment_id} at {se.position}: {se.description}")
    elif kind in ("277CA", "277"):
        out.append(f"  {len(m.claims)} claim(s): {len(m.accepted)} accepted/pending, {len(m.rejected)} rejected")
        for c in m.claims[:20]:
            st = c.status
            out.append(f"    {c.claim_id or '?'}: {st.category + ':' + st.code if st else '-'}"
                       f"{' REJECTED' if c.rejected else ''}")
    elif kind == "271":
        for p in m.persons:
            rej = "; ".join(r.reason_label for r in p.rejections)
            out.append(f"  {p.level} {p.name.display}: {'active' if p.active else 'not active'}"
                       f"{', rejected: ' + rej if rej else ''}, {len(p.benefits)} benefit(s)")
        for r in m.rejections:
            out.append(f"  rejected ({r.level}): {r.reason_label}")
    elif kind == "TA1":
        out.append(f"  interchange {m.control_number}: {m.status} ({m.note})")
    elif kind in ("270", "276"):
        items: Sequence[Any] = getattr(m, "persons", None) or getattr(m, "claims", None) or ()
        out.append(f"  {len(items)} inquiry item(s)")
    return out


@apps.x12.command("read")
def read_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="X12 file (any delimiters, several ISA/GS/ST)."),
    as_json: bool = typer.Option(False, "--json", help="Print the typed models as JSON."),
) -> None:
    """Read an X12 file: one summary per transaction set, balancing for 835s, errors with positions."""
    from chartclaim.x12 import X12Error, read

    try:
        res = read(file)
    except X12Error as exc:
        if as_json:
            typer.echo(json.dumps({"source": str(file), "error": exc.to_dict()}, indent=2))
        else:
            typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        doc = {
            "source": str(file),
            "transactions": [
                {"kind": t.kind, "control_number": t.control_number, "position": t.position,
                 "error": t.error.to_dict() if t.error else None, "issues": [i.describe() for i in t.issues],
                 "model": to_jsonable(t.model)}
                for t in res.transactions
            ],
            "errors": [e.to_dict() for e in res.envelope_errors],
            "file_issues": [i.describe() for i in res.issues],
        }
        typer.echo(json.dumps(doc, indent=2))
    else:
        for t in res.transactions:
            head = f"{t.kind} ST {t.control_number} (segment {t.position})"
            if t.error is not None:
                typer.echo(f"{head}: ERROR {t.error}")
                continue
            typer.echo(f"{head}: OK")
            for line in _summary(t.kind, t.model):
                typer.echo(line)
            for i in t.issues[:10]:
                typer.echo(f"  note: {i.describe()}")
        for e in res.envelope_errors:
            typer.echo(f"ERROR {e}")
        for i in res.issues:
            typer.echo(f"note: {i.describe()}")
        typer.echo(f"{len(res.transactions)} transaction set(s), {len(res.errors)} error(s)")
    if not res.ok:
        raise typer.Exit(1)


@apps.x12.command("validate")
def validate_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    pyx12: bool = typer.Option(True, "--pyx12/--no-pyx12", help="Also run pyx12 (when installed)."),
) -> None:
    """Our checks (structure, required elements, 835 balancing) plus pyx12's implementation-guide checks."""
    from chartclaim.x12 import X12Error, read
    from chartclaim.x12.validate import pyx12_validate

    failed = False
    try:
        res = read(file)
        for t in res.transactions:
            if t.error is not None:
                failed = True
                typer.echo(f"chartclaim: {t.kind} ST {t.control_number}: {t.error}")
            for i in t.issues:
                typer.echo(f"chartclaim: {t.kind} ST {t.control_number}: warning {i.describe()}")
            for b in getattr(t.model, "balancing", ()):
                failed = True
                typer.echo(f"chartclaim: {t.kind} ST {t.control_number}: balancing {b.describe()}")
        for e in res.envelope_errors:
            failed = True
            typer.echo(f"chartclaim: {e}")
        for i in res.issues:
            typer.echo(f"chartclaim: warning {i.describe()}")
        typer.echo(f"chartclaim: {len(res.transactions)} transaction set(s) read, "
                   f"{'problems found' if failed else 'no errors'}")
    except X12Error as exc:
        failed = True
        typer.echo(f"chartclaim: {exc}")
    if pyx12:
        r = pyx12_validate(file)
        if not r.available:
            typer.echo("pyx12: not installed (pip install pyx12)")
        elif r.no_map:
            typer.echo("pyx12: no map for this implementation guide; skipped")
        else:
            for msg in r.errors:
                typer.echo(f"pyx12: {msg}")
            typer.echo(f"pyx12: {'OK' if r.ok else 'FAILED'}")
            failed = failed or not r.ok
    if failed:
        raise typer.Exit(1)


@apps.x12.command("write-837")
def write_837_cmd(
    claims: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Claim JSON files (object, list or .jsonl)."),
    out: Path = typer.Option(..., "-o", "--out", help="Where to write the 837."),
    batch: bool = typer.Option(False, "--batch", help="All claims of a type in one ST (default: one ST per claim)."),
    sender_id: str = typer.Option("", help="ISA06/GS02 sender id (default: billing provider NPI)."),
    receiver_id: str = typer.Option("CLEARINGHOUSE", help="ISA08/GS03 receiver id."),
    receiver_name: str = typer.Option("CLEARINGHOUSE", help="1000B receiver name."),
    submitter_id: str = typer.Option("", help="1000A submitter id (default: sender id)."),
    contact: str = typer.Option("BILLING OFFICE", help="1000A submitter contact name."),
    phone: str = typer.Option("", help="1000A contact phone (default: billing provider phone)."),
    test: bool = typer.Option(False, "--test", help="ISA15 = T (test interchange)."),
    validate: bool = typer.Option(False, "--validate", help="Run pyx12 on the result."),
) -> None:
    """Write claims as an 837P/837I interchange (pyx12-clean); control numbers persisted in the data dir."""
    from chartclaim.claim import ClaimFormatError, load_claims
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty, FileControlNumbers
    from chartclaim.x12.validate import pyx12_validate
    from chartclaim.x12.write837 import Receiver, Submitter, X12WriteError, write_837

    loaded = []
    try:
        for p in claims:
            loaded += load_claims(p)
    except ClaimFormatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if not loaded:
        typer.echo("error: no claims in the input", err=True)
        raise typer.Exit(1)
    bp = loaded[0].billing_provider
    sender = sender_id or bp.npi
    opts = EnvelopeOptions(EnvelopeParty(sender), EnvelopeParty(receiver_id), usage="T" if test else "P")
    submitter = Submitter(bp.name, submitter_id or sender, contact, phone or "".join(ch for ch in (bp.phone or "0000000000") if ch.isdigit()))
    try:
        text = write_837(loaded, opts, submitter, Receiver(receiver_name, receiver_id), FileControlNumbers(),
                         one_st_per_claim=not batch)
    except X12WriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)  # never a half-written file under the real name
    typer.echo(f"wrote {len(loaded)} claim(s) to {out}")
    if validate:
        r = pyx12_validate(out)
        for msg in r.errors:
            typer.echo(f"pyx12: {msg}")
        typer.echo(f"pyx12: {'OK' if r.ok else 'FAILED'}")
        if not r.ok:
            raise typer.Exit(1)
