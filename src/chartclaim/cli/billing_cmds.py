"""CLI commands for the billing core: database, claim lifecycle, 835 posting, patient money, reports.

Thin shells over chartclaim.billing services; each command is one database transaction (posting: one per
remittance). Heavy imports stay inside the commands so `chartclaim --help` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

import typer

from chartclaim.cli import apps

ASOF = typer.Option(None, "--as-of", help="Report date (YYYY-MM-DD); default today.")
JSON = typer.Option(False, "--json", help="Machine-readable JSON.")
CSV = typer.Option(False, "--csv", help="CSV for spreadsheets.")
ACTOR = typer.Option("cli", "--actor", help="Who does this (recorded with every change).")
URL = typer.Option(None, "--database-url", help="SQLAlchemy URL; default CHARTCLAIM_DATABASE_URL or SQLite in the data dir.")


def _engine(url: str | None) -> Any:
    from chartclaim.store.db import make_engine

    return make_engine(url)


def _session(url: str | None) -> Any:
    from sqlalchemy.orm import Session

    return Session(_engine(url), expire_on_commit=False)


def _date(v: str | None, name: str = "--as-of") -> dt.date | None:
    if v is None:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise typer.BadParameter(f"{name}: not a date (YYYY-MM-DD): {v!r}") from None


def _money(v: str) -> Decimal:
    try:
        return Decimal(v)
    except InvalidOperation:
        raise typer.BadParameter(f"not an amount: {v!r}") from None


def _fail(msg: str) -> NoReturn:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(1)


@contextmanager
def _x12_file(f: Path) -> Iterator[None]:
    """A missing file or bad X12 inside the block stops the command with an error naming the file."""
    if not f.is_file():
        _fail(f"{f}: no such file")
    from chartclaim.x12.core import X12Error

    try:
        yield
    except X12Error as exc:
        _fail(f"{f}: {exc}")


def _emit(data: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))


# ---------------------------------------------------------------- db


@apps.db.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head"), database_url: str | None = URL) -> None:
    """Create or migrate the practice database to REVISION (default: head)."""
    from chartclaim.store.db import current_revision, upgrade

    eng = _engine(database_url)
    upgrade(eng, revision)
    typer.echo(f"database at revision {current_revision(eng)} ({eng.url.render_as_string(hide_password=True)})")


@apps.db.command("status")
def db_status(database_url: str | None = URL) -> None:
    """Show the database URL, its revision and the newest revision shipped."""
    from chartclaim.store.db import current_revision, head_revision

    eng = _engine(database_url)
    cur, head = current_revision(eng), head_revision()
    typer.echo(f"url: {eng.url.render_as_string(hide_password=True)}\nrevision: {cur or '(empty)'}\nhead: {head}")
    if cur != head:
        typer.echo("run `chartclaim db upgrade`", err=True)
        raise typer.Exit(2)


# ---------------------------------------------------------------- claims


@apps.claims.command("import")
def claims_import(
    files: list[Path] = typer.Argument(..., help="Claim JSON / JSON lines files (docs/claim-format.md)."),
    submitted: bool = typer.Option(False, "--submitted", help="Mark them already submitted (sent elsewhere)."),
    actor: str = ACTOR,
    database_url: str | None = URL,
) -> None:
    """Store claim documents: patient, payer, coverage, lines; charges post to the ledger."""
    from chartclaim.billing.practice import import_claim
    from chartclaim.claim import ClaimFormatError, load_claims

    with _session(database_url) as s:
        n = 0
        for f in files:
            try:
                docs = load_claims(f)
            except (ClaimFormatError, OSError) as exc:
                _fail(str(exc))
            for doc in docs:
                import_claim(s, doc, actor=actor, submit=submitted)
                n += 1
        s.commit()
    typer.echo(f"imported {n} claims")


@apps.claims.command("move")
def claims_move(claim_number: str, status: str, reason: str = typer.Option(..., "--reason"), actor: str = ACTOR,
                database_url: str | None = URL) -> None:
    """Move a claim through its lifecycle (e.g. `claims move 000123 appealed --reason "records sent"`)."""
    from chartclaim.billing import lifecycle
    from chartclaim.billing.practice import PracticeError, claim_by_number

    with _session(database_url) as s:
        try:
            claim = claim_by_number(s, claim_number)
            actions = {"corrected": lifecycle.correct, "voided": lifecycle.void, "closed": lifecycle.close}
            if status in actions:
                actions[status](s, claim, actor, reason)
            else:
                lifecycle.transition(s, claim, status, actor, reason)
        except (lifecycle.IllegalTransition, PracticeError, ValueError) as exc:
            _fail(str(exc))
        s.commit()
        typer.echo(f"claim {claim_number}: {claim.status} (frequency {claim.frequency})")


@apps.claims.command("history")
def claims_history(claim_number: str, as_json: bool = JSON, database_url: str | None = URL) -> None:
    """Every status change of a claim (who, when, why) and its balances."""
    from chartclaim.billing import ledger, lifecycle
    from chartclaim.billing.practice import PracticeError, claim_by_number

    with _session(database_url) as s:
        try:
            claim = claim_by_number(s, claim_number)
        except PracticeError as exc:
            _fail(str(exc))
        moves = [{"at": h.at.isoformat(), "from": h.from_status, "to": h.to_status, "actor": h.actor,
                  "reason": h.reason} for h in lifecycle.history(s, claim.id)]
        totals = ledger.claim_totals(s, claim.primary_claim_id or claim.id).as_dict()
    if as_json:
        _emit({"claim": claim_number, "status": claim.status, "history": moves, "totals": totals}, True)
        return
    for m in moves:
        typer.echo(f"{str(m['at'])[:19]}  {m['from'] or '-':>14} → {m['to']:<14} {m['actor']}: {m['reason'] or ''}")
    typer.echo("  ".join(f"{k}={v}" for k, v in totals.items()))


@apps.claims.command("post-835")
def claims_post_835(files: list[Path] = typer.Argument(..., help="835 files."), actor: str = ACTOR,
                    as_json: bool = JSON, database_url: str | None = URL) -> None:
    """Post 835 remittances: one transaction per remittance; posting the same 835 again changes nothing."""
    from chartclaim.billing.posting import post_835_file

    out = []
    with _session(database_url) as s:
        for f in files:
            with _x12_file(f):
                results = post_835_file(s, f, actor=actor)
            out.extend(results)
    if as_json:
        _emit([r.as_dict() for r in out], True)
        return
    for r in out:
        typer.echo(r.message)
        for reason, detail in r.exceptions:
            typer.echo(f"  exception {reason}: {detail}")


@apps.claims.command("record-837")
def claims_record_837(file: Path = typer.Argument(..., help="The 837 exactly as it was sent."), actor: str = ACTOR,
                      as_json: bool = JSON, database_url: str | None = URL) -> None:
    """Record an 837 sent outside chartclaim: each claim moves to submitted with its ISA13/GS06/ST02 and place
    in the set, so the 999 can be tied back (all or nothing).
    Example: chartclaim claims record-837 outbox/837P-0001.x12"""
    from chartclaim.billing.submissions import SubmissionError, record_submission

    if not file.is_file():
        _fail(f"{file}: no such file")
    with _session(database_url) as s:
        try:
            rows = record_submission(s, file.read_text(encoding="latin-1"), actor=actor, file_name=file.name)
        except SubmissionError as exc:
            _fail(f"{file}: {exc}")
        s.commit()
        data = [{"claim_id": r.claim_id, "isa13": r.isa13, "gs06": r.gs06, "st02": r.st02, "position": r.position,
                 "segments": [r.clm_segment, r.last_segment]} for r in rows]
    if as_json:
        _emit(data, True)
        return
    typer.echo(f"{file.name}: {len(rows)} claims recorded as submitted")


@apps.claims.command("ack-999")
def claims_ack_999(files: list[Path] = typer.Argument(..., help="999 files."), actor: str = ACTOR,
                   as_json: bool = JSON, database_url: str | None = URL) -> None:
    """Tie 999 acknowledgements to our claims (AK1 GS06, AK2 ST02, IK3 position); claims of rejected sets move
    to rejected with the errors as the reason.  Example: chartclaim claims ack-999 inbox/999-0001.x12"""
    import io

    from chartclaim.billing.submissions import apply_999
    from chartclaim.x12 import read

    out = []
    with _session(database_url) as s:
        for f in files:
            with _x12_file(f):
                res = read(io.StringIO(f.read_text(encoding="latin-1")))
            acks = res.models("999")
            if not acks:
                _fail(f"{f}: no 999 transaction in it")
            for ack in acks:
                out.extend(apply_999(s, ack, actor=actor))
        s.commit()
    if as_json:
        _emit([o.__dict__ for o in out], True)
        return
    for o in out:
        state = "accepted" if o.accepted else ("rejected" + (" (moved to rejected)" if o.moved else ""))
        typer.echo(f"{o.claim_number}: set {o.st02} {state}")
        for e in o.errors:
            typer.echo(f"  {e}")
    if not out:
        typer.echo("no claims of ours in these 999s (sets not recorded as submitted)")


@apps.claims.command("exceptions")
def claims_exceptions(reason: str | None = typer.Option(None, "--reason"), as_json: bool = JSON,
                      database_url: str | None = URL) -> None:
    """The posting exception queue (open items)."""
    from chartclaim.billing.posting import open_exceptions

    with _session(database_url) as s:
        rows = [{"id": e.id, "reason": e.reason, "detail": e.detail, "remittance_id": e.remittance_id,
                 "claim_id": e.claim_id, "created_at": e.created_at.isoformat()} for e in open_exceptions(s, reason)]
    if as_json:
        _emit(rows, True)
        return
    for r in rows:
        typer.echo(f"#{r['id']:<6} {r['reason']:<20} {r['detail']}")
    typer.echo(f"{len(rows)} open")


@apps.claims.command("denials")
def claims_denials(category: str | None = typer.Option(None, "--category"), as_json: bool = JSON,
                   database_url: str | None = URL) -> None:
    """The denial work queue: denied amounts still open with the payer, with the next step."""
    from chartclaim.billing.workqueues import denial_queue

    with _session(database_url) as s:
        items = denial_queue(s, category)
    if as_json:
        _emit([i.as_dict() for i in items], True)
        return
    for i in items:
        typer.echo(f"{i.claim_number:<14} {i.date_of_service} {i.procedure:<6} {i.code:<16} {i.amount:>10} "
                   f"{i.category or '':<20} {i.action or ''}")
    typer.echo(f"{len(items)} open denials")


@apps.claims.command("timely-filing")
def claims_timely_filing(within: int = typer.Option(30, "--within", help="Days to the deadline."),
                         as_of: str | None = ASOF, as_json: bool = JSON, database_url: str | None = URL) -> None:
    """Unsent or rejected claims close to (or past) the payer's timely-filing limit, soonest first."""
    from chartclaim.billing.workqueues import timely_filing_queue

    with _session(database_url) as s:
        items = timely_filing_queue(s, _date(as_of) or dt.date.today(), within)
    if as_json:
        _emit([i.as_dict() for i in items], True)
        return
    for i in items:
        typer.echo(f"{i.claim_number:<14} {i.status:<10} {i.payer[:24]:<24} DOS {i.first_date_of_service}  "
                   f"deadline {i.deadline} ({i.days_left} days)")
    typer.echo(f"{len(items)} claims")


@apps.claims.command("resolve")
def claims_resolve(exception_id: int, note: str = typer.Option(..., "--note"), actor: str = ACTOR,
                   database_url: str | None = URL) -> None:
    """Mark a posting exception worked, saying what was done."""
    from chartclaim.billing.posting import resolve_exception

    with _session(database_url) as s:
        try:
            resolve_exception(s, exception_id, actor, note)
        except ValueError as exc:
            _fail(str(exc))
        s.commit()
    typer.echo(f"exception #{exception_id} resolved")


@apps.claims.command("post-exception")
def claims_post_exception(exception_id: int, claim_number: str, actor: str = ACTOR,
                          database_url: str | None = URL) -> None:
    """Post a queued CLP loop (unmatched claim) to the claim you identified, and resolve the item."""
    from chartclaim.billing.posting import post_exception

    with _session(database_url) as s:
        try:
            res = post_exception(s, exception_id, claim_number, actor)
        except ValueError as exc:
            _fail(str(exc))
        s.commit()
    typer.echo(f"exception #{exception_id}: posted to claim {claim_number} ({res.ledger_rows} ledger rows)")


@apps.claims.command("secondary")
def claims_secondary(claim_number: str, actor: str = ACTOR, database_url: str | None = URL) -> None:
    """Build the claim to the next payer with the prior payer's adjudication; prints its claim document."""
    from chartclaim.billing.practice import PracticeError, claim_by_number
    from chartclaim.billing.secondary import SecondaryClaimError, build_next_claim

    with _session(database_url) as s:
        try:
            rec = build_next_claim(s, claim_by_number(s, claim_number).id, actor=actor)
        except (SecondaryClaimError, PracticeError) as exc:
            _fail(str(exc))
        s.commit()
        typer.echo(json.dumps(rec.document, indent=2))


@apps.claims.command("patient-payment")
def claims_patient_payment(account: str, amount: str, method: str = typer.Option("cash", "--method"),
                           reference: str | None = typer.Option(None, "--reference"),
                           on: str | None = typer.Option(None, "--on", help="Date received; default today."),
                           plan: int | None = typer.Option(None, "--plan", help="Payment plan id."),
                           actor: str = ACTOR, database_url: str | None = URL) -> None:
    """Record a patient payment (applied oldest visit first; an overpayment stays as a credit)."""
    from sqlalchemy import select

    from chartclaim.billing.patient import PatientBillingError, patient_balance, record_patient_payment
    from chartclaim.store.models import PatientRecord

    with _session(database_url) as s:
        pid = s.scalar(select(PatientRecord.id).where(PatientRecord.account_number == account))
        if pid is None:
            _fail(f"no patient with account {account!r}")
        try:
            record_patient_payment(s, pid, _money(amount), _date(on, "--on") or dt.date.today(), method, reference,
                                   plan, actor)
        except PatientBillingError as exc:
            _fail(str(exc))
        s.commit()
        typer.echo(f"patient {account}: balance now {patient_balance(s, pid)}")


@apps.claims.command("write-off-small")
def claims_write_off_small(limit: str | None = typer.Option(None, "--limit", help="Default: the organisation's policy."),
                           actor: str = ACTOR, database_url: str | None = URL) -> None:
    """Apply the small-balance write-off policy to every patient balance at or under the limit."""
    from chartclaim.billing.patient import write_off_small_balances

    with _session(database_url) as s:
        done = write_off_small_balances(s, dt.date.today(), _money(limit) if limit else None, actor)
        s.commit()
    typer.echo(f"wrote off {len(done)} balances, {sum((a for _p, a in done), Decimal('0.00'))} in total")


# ---------------------------------------------------------------- reports


@apps.report.command("ar-aging")
def report_ar_aging(by: str = typer.Option("payer", "--by", help="payer | patient"), as_of: str | None = ASOF,
                    as_json: bool = JSON, as_csv: bool = CSV, database_url: str | None = URL) -> None:
    """Open A/R by payer (and patient responsibility) or by patient, in 0-30/31-60/61-90/91-120/120+ buckets."""
    from chartclaim.billing.reports import BUCKETS, ar_aging

    with _session(database_url) as s:
        try:
            rep = ar_aging(s, _date(as_of), by)
        except ValueError as exc:
            _fail(str(exc))
    if as_csv:
        sys.stdout.write(rep.to_csv())
        return
    if as_json:
        _emit(rep.as_dict(), True)
        return
    head = f"{'':<24}" + "".join(f"{b:>12}" for b in (*BUCKETS, "total"))
    typer.echo(f"A/R aging by {by} as of {rep.as_of}\n{head}")
    for r in rep.rows:
        typer.echo(f"{r.name[:24]:<24}" + "".join(f"{r.buckets[b]:>12}" for b in BUCKETS) + f"{r.total:>12}")
    typer.echo(f"{'TOTAL':<24}" + "".join(f"{rep.totals[b]:>12}" for b in BUCKETS) + f"{rep.total:>12}")


@apps.report.command("kpis")
def report_kpis(start: str | None = typer.Option(None, "--from", help="Period start; default 90 days before --to."),
                end: str | None = typer.Option(None, "--to", help="Period end; default today."),
                as_json: bool = JSON, as_csv: bool = CSV, database_url: str | None = URL) -> None:
    """Days in A/R, clean-claim rate, first-pass resolution, denial rate by category, net collection rate."""
    from chartclaim.billing.reports import kpis

    with _session(database_url) as s:
        k = kpis(s, _date(start, "--from"), _date(end, "--to"))
    if as_csv:
        sys.stdout.write(k.to_csv())
        return
    if as_json:
        _emit(k.as_dict(), True)
        return
    d = k.as_dict()
    cats = d.pop("denials_by_category")
    for key, v in d.items():
        typer.echo(f"{key:<28} {'—' if v is None else v}")
    for cat, v in cats.items():
        typer.echo(f"  denials {cat:<22} {v['claims']} claims, {v['dollars']}, {v['rate']}%")


@apps.report.command("balances")
def report_balances(as_json: bool = JSON, database_url: str | None = URL) -> None:
    """Per-claim charges, payments, adjustments and open balances (insurance / patient)."""
    from chartclaim.billing.reports import claim_balances

    with _session(database_url) as s:
        rows = claim_balances(s)
    if as_json:
        _emit(rows, True)
        return
    for r in rows:
        typer.echo(f"{r['claim_number']:<20} {r['status']:<15} charges {r['charges']:>10}  paid {r['payments']:>10}"
                   f"  adj {r['adjustments']:>10}  ins {r['insurance_balance']:>10}  pat {r['patient_balance']:>10}")
