"""CLI commands for coding: `chartclaim code` (one note or a batch) and `chartclaim coder train`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from chartclaim.cli import apps

_PROFILE_HELP = "us-outpatient (default, billing) | us-inpatient | abstraction (registries, CodiEsp)"
_worker_coder: Any = None


def _read_batch(path: Path) -> Iterator[tuple[str, str]]:
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise typer.BadParameter(f"{path}: no .txt notes in this directory")
        for f in files:
            yield f.stem, f.read_text(encoding="utf-8", errors="replace")
        return
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise typer.BadParameter(f"{path}:{n}: not JSON ({e.msg})") from None
            text = row.get("text", row.get("text_en"))
            if not isinstance(text, str):
                raise typer.BadParameter(f"{path}:{n}: no 'text' string")
            yield str(row.get("id", n)), text


def _init_worker(model: str | None) -> None:
    global _worker_coder
    from chartclaim.coding import Coder
    _worker_coder = Coder(model=model)


def _code_one(args: tuple[str, str, str]) -> str:
    doc_id, text, profile = args
    res = _worker_coder.code(text, profile=profile)
    return json.dumps(res.as_json(doc_id), ensure_ascii=False)


@apps.app.command("code")
def code(
    note: Annotated[Path | None, typer.Argument(help="A note (text file) to code and show.")] = None,
    input: Annotated[Path | None, typer.Option("--input", "-i", help="Batch: a directory of <id>.txt or a JSONL of {id, text}.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Batch output JSONL (one line per note).")] = None,
    model: Annotated[Path | None, typer.Option("--model", help="Model directory from `chartclaim coder train`.")] = None,
    profile: Annotated[str, typer.Option("--profile", help=_PROFILE_HELP)] = "us-outpatient",
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes for a batch.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result (evidence, rejected, E/M) as JSON.")] = False,
) -> None:
    """Code a clinical note: ICD-10-CM with evidence, E/M level and CPT/HCPCS suggestions."""
    from chartclaim.coding.pipeline import PROFILES

    if profile not in PROFILES:
        raise typer.BadParameter(f"{profile!r}: one of {', '.join(PROFILES)}")
    if (note is None) == (input is None):
        raise typer.BadParameter("give either NOTE or --input (with --output)")
    if input is not None:
        if output is None:
            raise typer.BadParameter("--input needs --output")
        _batch(input, output, str(model) if model else None, profile, workers)
        return
    assert note is not None
    if not note.exists():
        raise typer.BadParameter(f"{note}: no such file")
    from chartclaim.coding import Coder

    text = note.read_text(encoding="utf-8", errors="replace")
    res = Coder(model=model).code(text, profile=profile)
    if as_json:
        typer.echo(json.dumps(res.as_json(note.stem, full=True), indent=1, ensure_ascii=False))
        return
    _show(text, res)


def _batch(inp: Path, out: Path, model: str | None, profile: str, workers: int) -> None:
    from rich.progress import Progress

    items = [(i, t, profile) for i, t in _read_batch(inp)]
    tmp = out.with_name(out.name + ".part")
    with Progress() as bar, open(tmp, "w", encoding="utf-8") as fh:
        task = bar.add_task("coding", total=len(items))
        if workers > 1:
            import multiprocessing as mp
            with mp.get_context("spawn").Pool(workers, _init_worker, (model,)) as pool:
                for line in pool.imap(_code_one, items, chunksize=8):
                    fh.write(line + "\n")
                    bar.advance(task)
        else:
            _init_worker(model)
            for it in items:
                fh.write(_code_one(it) + "\n")
                bar.advance(task)
    tmp.replace(out)     # never a half-written output file
    typer.echo(f"{len(items)} notes -> {out}")


def _show(text: str, res: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    con = Console()
    t = Table(title=f"Codes ({res.profile})")
    for col in ("#", "code", "system", "score", "description", "evidence", "rule"):
        t.add_column(col)
    for i, c in enumerate(list(res.codes) + list(res.procedures), 1):
        ev = "; ".join(f"'{e.text}' [{e.start}:{e.end}]" for e in c.evidence[:3])
        t.add_row(str(i), c.code, c.system, f"{c.score:.2f}", c.description[:50], ev[:70], c.rule[:60])
    con.print(t)
    if res.em is not None:
        em = res.em
        con.print(f"[bold]E/M {em.code}[/bold] ({em.patient} patient, by {em.basis}): MDM {em.mdm} — "
                  f"problems {em.problems}, data {em.data}, risk {em.risk}"
                  + (f", {em.minutes} min" if em.minutes else ""))
        for r in em.reasons:
            con.print(f"  · {r}")
    hl = Text(text)
    for c in res.codes:
        for e in c.evidence:
            hl.stylize("bold yellow", e.start, e.end)
    for r in res.rejected:
        for e in r.evidence[:1]:
            if e.start < len(text):
                hl.stylize("strike dim", e.start, e.end)
    con.rule("note (kept evidence highlighted, rejected struck through)")
    con.print(hl)
    rej = [r for r in res.rejected if not r.reason.startswith("score")][:15]
    if rej:
        con.rule("rejected")
        for r in rej:
            con.print(f"  {r.code}: {r.reason}")


@apps.coder.command("train")
def train(
    input: Annotated[Path, typer.Option("--input", "-i", help="Coded history JSONL: {id, text, codes[]}.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")],
    folds: Annotated[int, typer.Option("--folds", min=2, help="Out-of-fold splits for the re-ranker.")] = 5,
) -> None:
    """Learn term→code associations, code priors and a re-ranker from a practice's coded notes."""
    from chartclaim.coding import Coder
    from chartclaim.coding.learn import read_coded
    from chartclaim.coding.learn import train as fit

    try:
        docs = read_coded(input)
    except (OSError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    model = fit(Coder(), docs, folds=folds, progress=lambda m: typer.echo(m, err=True))
    path = model.save(out)
    typer.echo(f"model: {path} ({len(model.stats.learned):,} learned terms, {len(docs)} notes, "
               f"threshold {model.threshold:.2f})")
