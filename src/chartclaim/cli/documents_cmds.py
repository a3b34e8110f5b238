"""CLI commands for billing documents, pricing and denials: `chartclaim fees ...`, `chartclaim denials ...`,
`chartclaim claims cms1500`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from chartclaim.cli import apps

fees = typer.Typer(help="Fee schedules: import the Medicare Physician Fee Schedule, price a service.",
                   no_args_is_help=True)
fees_import = typer.Typer(help="Import fee schedule files into the data directory.", no_args_is_help=True)
denials = typer.Typer(help="Denials: explain CARC/RARC codes and what to do about them.", no_args_is_help=True)
fees.add_typer(fees_import, name="import")
apps.app.add_typer(fees, name="fees")
apps.app.add_typer(denials, name="denials")


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@fees_import.command("mpfs")
def import_mpfs_cmd(
    path: Annotated[Path, typer.Argument(help="Folder with the CMS RVU package (PPRRVU, GPCI, ANES, OPPSCAP).")],
    year: Annotated[int | None, typer.Option(help="Fee schedule year (default: from the file names).")] = None,
) -> None:
    """Import the CMS RVU/GPCI/conversion-factor files into a compact store in the data directory."""
    from chartclaim.billing.pricing import PricingError, import_mpfs
    from chartclaim.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    try:
        fs, store = import_mpfs(path, settings.data_dir, year)
    except PricingError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"MPFS {fs.year}: {len(fs.rvus):,} RVU rows, {len(fs.localities)} localities, "
               f"{len(fs.opps_caps):,} OPPS caps, CF {fs.conversion_factor} → {store}")


@fees_import.command("schedule")
def import_schedule_cmd(
    path: Annotated[Path, typer.Argument(help="Payer fee schedule, .csv or .yaml (see docs/pricing-and-denials.md).")],
) -> None:
    """Check a payer fee schedule file and copy it into the data directory's fee_schedules folder."""
    import shutil

    from chartclaim.billing.pricing import PricingError, load_fee_schedules
    from chartclaim.settings import get_settings

    try:
        book = load_fee_schedules(path)
    except (PricingError, OSError) as exc:
        raise _fail(str(exc)) from None
    from chartclaim.billing.pricing import fee_schedules_dir

    target_dir = fee_schedules_dir(get_settings().data_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target_dir / path.name)
    for s in book:
        typer.echo(f"{s.id}: {s.name} — {len(s.entries)} entries, payers {', '.join(s.payer_ids) or '-'}")


@fees.command("price")
def price_cmd(
    code: Annotated[str, typer.Argument(help="CPT/HCPCS code, e.g. 99213.")],
    modifier: Annotated[list[str] | None, typer.Option("--modifier", "-m", help="Modifier (repeatable).")] = None,
    locality: Annotated[str, typer.Option(help="MAC-locality (01112-05), STATE-locality (CA-18), a one-locality "
                                               "state (AL), a locality name, or 'national'.")] = "national",
    pos: Annotated[str, typer.Option(help="Place of service: decides facility vs non-facility rate.")] = "11",
    units: Annotated[str, typer.Option(help="Units of service.")] = "1",
    year: Annotated[int | None, typer.Option(help="MPFS year (default: latest imported).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Price a service on the Medicare Physician Fee Schedule and print the computation."""
    import datetime as dt

    from chartclaim.billing.pricing import (
        PricingError,
        available_mpfs_years,
        builtin_fee_schedules,
        load_mpfs,
    )
    from chartclaim.settings import get_settings

    data_dir = get_settings().data_dir
    if not available_mpfs_years(data_dir):
        # Without the CMS files, the built-in demo schedule still answers (national amounts, no locality).
        demo = builtin_fee_schedules().get("medicare-demo")
        entry = demo.entry(code, modifier or ())
        if entry is None:
            raise _fail(f"{code}: not on the built-in demo Medicare schedule; import the MPFS with "
                        "`chartclaim fees import mpfs PATH` to price any code")
        amount = demo.allowed(code, modifier or (), units=Decimal(units))
        typer.echo(f"{entry.code}{'-' + entry.modifier if entry.modifier else ''}: ${amount} "
                   f"(built-in demo schedule, 2025 national amount; import the MPFS for locality pricing)")
        return
    try:
        fs = load_mpfs(data_dir, dt.date(year, 7, 1) if year else None)
        p = fs.price(code, modifier or (), locality, pos, Decimal(units))
    except PricingError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(p.as_json(), indent=2))
    else:
        typer.echo(p.explain())


@fees.command("show")
def show_cmd(
    payer: Annotated[str, typer.Argument(help="Payer id (or a schedule id).")],
    code: Annotated[str, typer.Argument(help="Code.")],
    modifier: Annotated[list[str] | None, typer.Option("--modifier", "-m")] = None,
    schedule_file: Annotated[Path | None, typer.Option("--file", help="A .csv/.yaml schedule (default: the "
                                                                     "built-in demo schedules and the imported "
                                                                     "ones).")] = None,
) -> None:
    """The allowed amount a payer's fee schedule gives a code."""
    from chartclaim.billing.pricing import PricingError, load_fee_schedules, practice_fee_schedules
    from chartclaim.settings import get_settings

    try:
        book = load_fee_schedules(schedule_file) if schedule_file else practice_fee_schedules(
            get_settings().data_dir)
    except PricingError as exc:
        raise _fail(str(exc)) from None
    s = book.for_payer(payer) or next((x for x in book if x.id == payer), None)
    if s is None:
        raise _fail(f"no fee schedule for payer {payer!r}")
    e = s.entry(code, modifier or ())
    if e is None:
        raise _fail(f"{s.id}: no amount for {code}")
    label = f"  ({e.label})" if e.label else ""
    typer.echo(f"{s.id} {s.name}: {e.code}{'-' + e.modifier if e.modifier else ''} ${e.allowed}{label}")


@denials.command("explain")
def explain_cmd(
    codes: Annotated[list[str], typer.Argument(help="CARC with optional group and RARCs: CO-97 M15, or 16 M51.")],
    descriptions: Annotated[Path | None, typer.Option(help="Folder with carc.csv/rarc.csv for official texts "
                                                            "(default: the imported code sets).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Explain a denial: category, who is liable, the next step, and whether to appeal or correct."""
    from chartclaim.billing.denials import codesets_describer, csv_describer, explain_codes

    describe = csv_describer(descriptions) if descriptions else codesets_describer()
    try:
        e = explain_codes(codes, describe)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(e.as_json(), indent=2))
        return
    kind = "denial" if e.is_denial else "not a denial"
    typer.echo(f"{e.code_string}: {e.category_label} ({kind}; decided by {e.deciding_code})")
    for r in e.reasons:
        typer.echo(f"  {r}")
    typer.echo(f"Liable: {e.liability}.  Appeal: {'yes' if e.appealable else 'no'}.  "
               f"Corrected claim: {'yes' if e.correctable else 'no'}.")
    typer.echo(f"Next step: {e.action}")
    for n in e.notes:
        typer.echo(f"  also {n}")


@apps.claims.command("cms1500")
def cms1500_cmd(
    claim_file: Annotated[Path, typer.Argument(help="Claim JSON (one claim, a list, or JSON lines).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF to write.")],
) -> None:
    """Print claims on the CMS-1500 (02/12) form as a PDF (6 lines a page, continuation pages)."""
    from chartclaim.billing.documents.cms1500 import Cms1500Error, render_cms1500
    from chartclaim.claim import ClaimFormatError, load_claims

    try:
        claims = load_claims(claim_file)
        pdf = render_cms1500(claims)
    except (ClaimFormatError, Cms1500Error, ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    _write_atomic(output, pdf)
    pages = sum((len(c.lines) + 5) // 6 for c in claims)
    typer.echo(f"{output}: {len(claims)} claim(s), {pages} page(s)")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


@denials.command("letter")
def letter_cmd(
    claim_file: Annotated[Path, typer.Argument(help="The denied claim (JSON).")],
    codes: Annotated[list[str], typer.Option("--denial", "-d", help="Denial as on the remit, e.g. 'CO-97 M15' "
                                                                     "(repeatable).")],
    excerpt: Annotated[Path, typer.Option(help="Text file with the supporting documentation excerpt.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF to write.")],
    argument: Annotated[Path | None, typer.Option(help="Text file with your argument (default: a first "
                                                        "draft for the denial category).")] = None,
    payer_claim_number: Annotated[str | None, typer.Option(help="The payer's claim control number.")] = None,
    line: Annotated[list[int] | None, typer.Option(help="Claim line appealed, 1-based (repeatable).")] = None,
    descriptions: Annotated[Path | None, typer.Option(help="Folder with carc.csv/rarc.csv.")] = None,
) -> None:
    """Write an appeal letter PDF for a denied claim."""
    import datetime as dt

    from chartclaim.billing.denials import codesets_describer, csv_describer, explain_codes
    from chartclaim.billing.documents.appeal import AppealLetter, default_argument, render_appeal_letter
    from chartclaim.claim import ClaimFormatError, load_claims

    describe = csv_describer(descriptions) if descriptions else codesets_describer()
    try:
        claim = load_claims(claim_file)[0]
        explained = tuple(explain_codes(c.split(), describe) for c in codes)
        text = argument.read_text(encoding="utf-8") if argument else default_argument(
            next((e for e in explained if e.appealable), explained[0]), claim)
        letter = AppealLetter(claim=claim, denials=explained, argument=text,
                              documentation_excerpt=excerpt.read_text(encoding="utf-8"),
                              letter_date=dt.date.today(), payer_claim_number=payer_claim_number,
                              line_numbers=tuple(line or ()))
        pdf = render_appeal_letter(letter)
    except (ClaimFormatError, ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    not_appealable = [e.code_string for e in explained if not e.appealable]
    if not_appealable:
        typer.secho(f"note: {', '.join(not_appealable)} usually call for a corrected claim, not an appeal",
                    fg=typer.colors.YELLOW, err=True)
    _write_atomic(output, pdf)
    typer.echo(f"{output}: appeal letter for claim {claim.claim_id}")
