"""`chartclaim demo`: the whole chart-to-cash cycle of a synthetic practice, offline, with a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from chartclaim.cli import apps


@apps.app.command("demo")
def demo(
    seed: int = typer.Option(7, help="Seed of the practice, the notes and the simulated payers (same seed, same numbers)."),
    patients: int = typer.Option(200, min=10, help="Patients in the demo practice."),
    encounters: int = typer.Option(1000, min=10, help="Visits over the three months."),
    coding: str = typer.Option("reviewed", help="Codes on the claims: 'reviewed' (the certified coder's final codes, "
                                                "with the automated coder measured against them) or 'auto' (bill the "
                                                "automated coder's output as is)."),
    measure_coder: bool = typer.Option(True, "--measure-coder/--no-measure-coder",
                                       help="Run the automated coder on every note and measure it (slower start)."),
    data_dir: Path | None = typer.Option(None, help="Where the demo sandbox goes (default: the data directory); "
                                                    "<data_dir>/demo is deleted and recreated."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary figures as JSON instead of tables."),
    serve: bool = typer.Option(False, "--serve", help="Then start the web application on the demo database."),
    host: str = typer.Option("127.0.0.1", help="With --serve: interface to listen on."),
    port: int = typer.Option(8000, help="With --serve: TCP port."),
) -> None:
    """Run the demo practice through the whole cycle: code, bill, scrub, submit, adjudicate, post, follow up."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from chartclaim.demo.run import DemoRun
    from chartclaim.settings import get_settings

    if coding not in ("reviewed", "auto"):
        raise typer.BadParameter("--coding must be 'reviewed' or 'auto'")
    base = data_dir or get_settings().data_dir
    console = Console(stderr=as_json)
    labels = {"practice": "Seeding the practice", "coding": "Coding notes", "claims": "Building claims",
              "scrub": "Scrubbing", "clearinghouse": "Clearinghouse and payers (simulated days)",
              "statements": "Patient statements"}
    with Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        runner = DemoRun(base, seed, patients, encounters, report, coding, measure_coder=measure_coder)
        try:
            summary = runner.run()
        finally:
            runner.close()
    if as_json:
        print(json.dumps(summary.figures(), indent=2, default=str))
    else:
        print_summary(console, summary)
    if serve:
        _serve(summary, host, port)


def _serve(summary: Any, host: str, port: int) -> None:
    try:
        import uvicorn

        from chartclaim.web.app import create_app
    except ImportError as exc:
        typer.echo(f"the web application is not available yet ({exc})", err=True)
        raise typer.Exit(1) from None
    from chartclaim.settings import Settings

    settings = Settings(database_url=f"sqlite:///{summary.database}")
    app = create_app(settings)
    typer.echo(f"chartclaim web on http://{host}:{port}/ — demo sign-ins: "
               + ", ".join(f"{u} / {p}" for u, p in summary.logins))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def print_summary(console: Any, summary: Any) -> None:
    from rich.table import Table

    c = summary.counts
    m = summary.money

    stages = Table(title="Stages", show_lines=False)
    for col in ("stage", "ran", "seconds", "what happened"):
        stages.add_column(col)
    for s in summary.stages:
        stages.add_row(s.name, "yes" if s.available else "[yellow]not available yet[/]", f"{s.seconds:.1f}", s.note)
    console.print(stages)

    t = Table(title="The practice and its claims")
    t.add_column("")
    t.add_column("count", justify="right")
    rows = [
        ("patients / with secondary coverage", f"{c.get('patients', 0)} / {c.get('patients_with_secondary', 0)}"),
        ("encounters coded", c.get("encounters", 0)),
        ("claims built", c.get("claims", 0)),
        ("scrubber edits / claims fixed by the biller / held", f"{c.get('scrub_edits', 0)} / "
                                                                f"{c.get('claims_fixed_after_scrub', 0)} / {c.get('claims_held_by_scrubber', 0)}"),
        ("claims submitted (primary)", c.get("claims_submitted", 0)),
        ("clean on first pass (accepted, paid, no correction)", f"{c.get('claims_clean_first_pass', 0)} "
                                                                 f"({m.get('clean_claim_rate_pct', 0)}%)"),
        ("277CA rejections → member id fixed / billed to patient", f"{c.get('rejections_fixed_member_id', 0)} / "
                                                                   f"{c.get('rejections_moved_to_self_pay', 0)}"),
        ("corrected claims (frequency 7)", c.get("corrected_claims_sent", 0)),
        ("secondary claims billed / crossed over by the payer", f"{c.get('secondary_claims', 0)} / "
                                                                f"{c.get('crossed_over_by_payer', 0)}"),
        ("files: 837 / 999 / 277CA / 835", f"{c.get('files_837', 0)} / {c.get('files_999', 0)} / "
                                            f"{c.get('files_277ca', 0)} / {c.get('files_835', 0)}"),
        ("claim payments posted / reversed / PLB items", f"{c.get('claim_payments_posted', 0)} / "
                                                         f"{c.get('claim_payments_reversed', 0)} / {c.get('plb_adjustments', 0)}"),
        ("posting exceptions", c.get("posting_exceptions", 0)),
        ("patients owing / statements", f"{c.get('patients_owing', 0)} / {c.get('statements', 0)}"),
    ]
    for k, v in rows:
        t.add_row(k, str(v))
    console.print(t)

    money = Table(title=f"Money (ledger) — balanced: {'yes' if summary.ledger_balanced else 'NO'}")
    for col in ("charges", "payments", "adjustments", "open balance", "insurance owes", "patients owe"):
        money.add_column(col, justify="right")
    money.add_row(*(f"{m.get(k, 0):,.2f}" for k in ("charges", "payments", "adjustments", "balance",
                                                    "insurance_balance", "patient_balance")))
    console.print(money)

    if summary.denials:
        d = Table(title="Denials by category (CAS lines)")
        d.add_column("category")
        d.add_column("lines", justify="right")
        d.add_column("amount", justify="right")
        for cat, n, amt in summary.denials:
            d.add_row(cat, str(n), f"{amt:,.2f}")
        console.print(d)
    if summary.rejections:
        r = Table(title="277CA rejections")
        r.add_column("STC category:status")
        r.add_column("claims", justify="right")
        for code, n in summary.rejections:
            r.add_row(code, str(n))
        console.print(r)
    if summary.held:
        h = Table(title="Held in the biller's work queue (why)")
        h.add_column("reason")
        h.add_column("claims", justify="right")
        for reason, n in summary.held:
            h.add_row(reason, str(n))
        console.print(h)
    if summary.aging:
        buckets = ("0-30", "31-60", "61-90", "91-120", "120+")
        a = Table(title=f"A/R aging by payer as of {summary.as_of} (days from date of service)")
        a.add_column("owed by")
        for b in buckets:
            a.add_column(b, justify="right")
        a.add_column("total", justify="right")
        for name, row in summary.aging:
            a.add_row(name, *(f"{row[b]:,.2f}" for b in buckets), f"{sum(row.values()):,.2f}")
        console.print(a)
    if summary.top_edits:
        e = Table(title="Top scrubber edits")
        e.add_column("rule")
        e.add_column("n", justify="right")
        e.add_column("example")
        for rid, n, msg in summary.top_edits:
            e.add_row(rid, str(n), msg[:110])
        console.print(e)
    if summary.coder:
        k = summary.coder
        console.print(
            f"[bold]Automated coder vs the generator's truth[/]: diagnoses P {k['dx_precision']:.2f} "
            f"R {k['dx_recall']:.2f} F1 {k['dx_f1']:.2f}; procedures P {k['proc_precision']:.2f} "
            f"R {k['proc_recall']:.2f}; E/M exact {k['em_exact']:.2f}")
    if summary.posting_exceptions:
        console.print("Posting exceptions: " + ", ".join(f"{r} {n}" for r, n in summary.posting_exceptions))
    console.print(f"Database: {summary.database}")
    console.print(f"Clearinghouse mailbox: {summary.mailbox}")
    console.print(f"Browse it: chartclaim demo --serve   (or CHARTCLAIM_DATABASE_URL=sqlite:///{summary.database} "
                  "chartclaim serve)")
    if summary.logins:
        console.print("Demo sign-ins: " + ", ".join(f"{u} / {p}" for u, p in summary.logins))
