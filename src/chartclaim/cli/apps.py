"""The command groups. Each *_cmds module adds its commands to these groups; imports stay lazy inside
commands so `chartclaim --help` starts fast."""

from __future__ import annotations

import typer

app = typer.Typer(help="chartclaim: chart to cash — coding, scrubbing, X12 claims and remittances, billing.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)

codesets = typer.Typer(help="Import and inspect code systems (ICD-10-CM, HCPCS, CPT, modifiers, POS, CARC/RARC).", no_args_is_help=True)
codes = typer.Typer(help="The encoder: search and show codes.", no_args_is_help=True)
coder = typer.Typer(help="Train the automated coder on a practice's coded history.", no_args_is_help=True)
edits = typer.Typer(help="Scrubber edit data (NCCI PTP/MUE, MCE, payer rules).", no_args_is_help=True)
claims = typer.Typer(help="Scrub claims, print CMS-1500s, work the claim lifecycle.", no_args_is_help=True)
x12 = typer.Typer(help="Read, validate and write X12 5010 files.", no_args_is_help=True)
report = typer.Typer(help="A/R and revenue-cycle reports.", no_args_is_help=True)
db = typer.Typer(help="Database: migrate, status.", no_args_is_help=True)

app.add_typer(codesets, name="codesets")
app.add_typer(codes, name="codes")
app.add_typer(coder, name="coder")
app.add_typer(edits, name="edits")
app.add_typer(claims, name="claims")
app.add_typer(x12, name="x12")
app.add_typer(report, name="report")
app.add_typer(db, name="db")
