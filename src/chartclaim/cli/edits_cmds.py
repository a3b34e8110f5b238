"""CLI commands for the scrubber: import NCCI/MCE edit data, show what is loaded, scrub claims."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from chartclaim.cli import apps

import_app = typer.Typer(help="Import CMS edit data (NCCI PTP/MUE/add-on codes, MCE).", no_args_is_help=True)
apps.edits.add_typer(import_app, name="import")


def _die(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


@import_app.command("ncci")
def import_ncci_cmd(
    path: Path = typer.Argument(..., exists=True, help="A PTP/MUE/AOC file or a folder of them (CMS TXT/XLSX/CSV or TSV)."),
    effective: str | None = typer.Option(None, help="First day the files are in force (YYYY-MM-DD) when the name does not say."),
) -> None:
    """Load NCCI PTP, MUE and add-on code edits; each quarter is kept, and the date of service picks one.

    Example: chartclaim edits import ncci ../shared/data/reference/ncci_ptp_practitioner
    """
    from chartclaim.edits.sources import EditDataError
    from chartclaim.edits.store import import_ncci

    eff = None
    if effective:
        try:
            eff = dt.date.fromisoformat(effective)
        except ValueError:
            _die(f"--effective '{effective}' is not a date (YYYY-MM-DD)")
    try:
        releases = import_ncci(path, effective=eff, progress=lambda m: typer.echo(m, err=True))
    except EditDataError as exc:
        _die(str(exc))
    for r in releases:
        typer.echo(f"{r.kind:4} {r.label:8} effective {r.effective}  {r.rows:>9,} rows")


@import_app.command("mce")
def import_mce_cmd(
    path: Path = typer.Argument(..., exists=True, help="The MCE folder (mce_icd10_dx_edits.csv[.gz], mce_age_ranges.csv)."),
    version: str | None = typer.Option(None, help="Version label (default: read from the folder name, e.g. 43.1)."),
) -> None:
    """Load Medicare Code Editor diagnosis edits (age, sex, manifestation, unacceptable principal dx).

    Example: chartclaim edits import mce ../shared/data/reference/cms_mce_v43_1
    """
    from chartclaim.edits.sources import EditDataError
    from chartclaim.edits.store import import_mce

    try:
        r = import_mce(path, version=version)
    except EditDataError as exc:
        _die(str(exc))
    typer.echo(f"mce  v{r.label}  {r.rows:,} diagnosis entries")


@apps.edits.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """What edit data is loaded: each release with its effective date, rows and source, and the payer rules."""
    from chartclaim.edits.engine import ScrubContext
    from chartclaim.edits.payer_rules import RuleFileError
    from chartclaim.edits.store import default_store_path, list_releases

    releases = list_releases()
    try:
        rules = ScrubContext.load(codesets=False).rules
        rule_error = None
    except RuleFileError as exc:
        rules, rule_error = (), str(exc)
    if as_json:
        typer.echo(json.dumps({
            "store": str(default_store_path()),
            "releases": [{"kind": r.kind, "label": r.label, "effective": r.effective.isoformat(), "rows": r.rows,
                          "source": r.source, "imported_at": r.imported_at} for r in releases],
            "rules": [{"id": r.id, "type": r.kind, "severity": r.severity, "source": r.source} for r in rules],
            "rule_error": rule_error}, indent=2))
        return
    typer.echo(f"edit store: {default_store_path()}")
    if not releases:
        typer.echo("  no NCCI/MCE data imported (chartclaim edits import ncci PATH / import mce PATH)")
    for r in releases:
        typer.echo(f"  {r.kind:4} {r.label:8} effective {r.effective}  {r.rows:>9,} rows  {r.source}")
    typer.echo(f"payer rules: {len(rules)}")
    for rule in rules:
        typer.echo(f"  {rule.id:34} {rule.kind:17} {rule.severity:7} {rule.source}")
    if rule_error:
        typer.echo(f"  rule file error: {rule_error}")


@apps.claims.command("scrub")
def scrub_cmd(
    files: list[Path] = typer.Argument(..., exists=True, help="Claim JSON files (object, list, or .jsonl)."),
    as_json: bool = typer.Option(False, "--json", help="Print the edits as JSON."),
    rules: list[Path] = typer.Option([], "--rules", help="Extra folder of payer rule YAML files (repeatable)."),
    today: str | None = typer.Option(None, help="Scrub as of this date (YYYY-MM-DD); default today."),
    history: list[Path] = typer.Option([], "--history", exists=True,
                                       help="Claims already submitted (JSON files): a repeat is a duplicate claim."),
) -> None:
    """Scrub claims before submission; prints every edit with a fix. Exit status 1 when any error, 2 when a
    file is not JSON (the other files are still scrubbed and printed). A document missing required fields is
    reported as data edits naming the file and each field.

    Example: chartclaim claims scrub claim.json --json
    """
    from chartclaim.edits.documents import DocumentError, read_documents, scrub_document_results
    from chartclaim.edits.engine import ScrubContext
    from chartclaim.edits.payer_rules import RuleFileError

    docs = []
    unreadable: list[str] = []   # files that are not JSON: named, the others still scrubbed, exit status 2
    for f in files:
        try:
            docs.extend(read_documents(f))
        except DocumentError as exc:
            unreadable.append(str(exc))
    if unreadable and not docs:
        for msg in unreadable:
            typer.echo(f"error: {msg}", err=True)
        raise typer.Exit(2)
    from chartclaim.claim import ClaimFormatError, load_claims
    from chartclaim.edits.data_rules import claim_fingerprint

    prior: set[str] = set()
    for h in history:
        try:
            prior.update(claim_fingerprint(c) for c in load_claims(h) if c.frequency == "1")
        except (ClaimFormatError, OSError, UnicodeDecodeError) as exc:
            _die(f"--history {h}: {exc}")
    try:
        ctx = ScrubContext.load(rules_dirs=rules, today=dt.date.fromisoformat(today) if today else None,
                                prior_claims=prior)
    except RuleFileError as exc:
        _die(str(exc))
    except ValueError:
        _die(f"--today '{today}' is not a date (YYYY-MM-DD)")
    # A document that is not a valid claim (a required field missing, a bad date) comes back as data edits.
    results = scrub_document_results(docs, ctx)
    errors = sum(1 for r in results for e in r.edits if e.severity == "error")
    warnings = sum(1 for r in results for e in r.edits if e.severity == "warning")
    if as_json:
        typer.echo(json.dumps({
            "claims": [{"claim_id": r.claim_id, "source": r.source,
                        "clean": not any(e.severity == "error" for e in r.edits),
                        "edits": [e.to_dict() for e in r.edits]} for r in results],
            "errors": errors, "warnings": warnings, "unreadable": unreadable,
            "data": {"ncci_mce_loaded": ctx.store is not None, "codesets_loaded": ctx.codesets is not None}},
            indent=2))
    else:
        if ctx.store is None:
            typer.echo("note: no NCCI/MCE data imported; NCCI and MCE edits were skipped.", err=True)
        if ctx.codesets is None:
            typer.echo("note: code sets unavailable; ICD-10-CM convention edits were skipped.", err=True)
        for r in results:
            edits = r.edits
            status = "clean" if not edits else ("errors" if any(e.severity == "error" for e in edits) else "warnings")
            typer.echo(f"{r.claim_id} ({r.source}): {status}" if r.claim_id != r.source else f"{r.source}: {status}")
            for e in edits:
                where = f"line {e.line}" if e.line else "claim"
                typer.echo(f"  {e.severity.upper():7} {e.rule_id} [{e.family}] {where}: {e.message}")
                typer.echo(f"          fix: {e.fix}")
        typer.echo(f"{len(results)} claim(s), {errors} error(s), {warnings} warning(s)")
    for msg in unreadable:
        typer.echo(f"error: {msg} (file not scrubbed)", err=True)
    if unreadable:
        raise typer.Exit(2)
    if errors:
        raise typer.Exit(1)
