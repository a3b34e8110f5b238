"""CLI: `chartclaim codesets status|import|diff` and the encoder, `chartclaim codes search|show`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from chartclaim.cli import apps

IMPORT_HELP = ("icd10cm-order | icd10cm-index | hcpcs | cpt | modifiers | pos | carc | rarc | group-codes | "
               "taxonomy")


def _dos(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise typer.BadParameter(f"date of service {value!r} is not YYYY-MM-DD") from e


@apps.codesets.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List code systems, versions, counts and source files (compiles the base on first use)."""
    from rich.console import Console
    from rich.table import Table

    from chartclaim.codesets import get_codesets

    st = get_codesets().status()
    if as_json:
        typer.echo(json.dumps(st, indent=2))
        return
    con = Console()
    con.print(f"[bold]base[/bold] {st['base_file']}  ({st['build_key']})")
    con.print(f"[bold]imports[/bold] {st['imports_file']}")
    t = Table("system", "version / set", "effective", "end", "codes", "billable", "source")
    for v in st["systems"]["icd10cm"]["versions"]:
        t.add_row("ICD-10-CM", v["label"], v["effective"], v["end"], str(v["codes"]), str(v["billable"]), v["source"])
    for name, d in st["systems"].items():
        if name == "icd10cm":
            continue
        if name == "icd10cm_index":
            t.add_row("ICD-10-CM index", ", ".join(f"{k} {n}" for k, n in d["by_source"].items()) or "-", "", "",
                      str(d["entries"]), "", "imported" if d["entries"] else "not imported")
            continue
        t.add_row(name, "built-in + imported", "", "", f"{d['built_in']} + {d['imported']}", "", "")
    con.print(t)
    if st["imports"]:
        s = Table("imported system", "file", "when", "rows", "detail")
        for r in st["imports"]:
            s.add_row(r["system"], r["path"], r["imported_at"], str(r["count"]), r["detail"])
        con.print(s)


@apps.codesets.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help=IMPORT_HELP)],
    paths: Annotated[list[Path], typer.Argument(help="Files to import (.gz accepted where text).")],
) -> None:
    """Import code-set files into the imports store (kept across rebuilds of the built-in base)."""
    from chartclaim.codesets import get_codesets
    from chartclaim.codesets.importers import IMPORT_KINDS, CodeSetImportError, import_files

    if kind not in IMPORT_KINDS:
        raise typer.BadParameter(f"{kind!r}: one of {', '.join(IMPORT_KINDS)}")
    try:
        results = import_files(get_codesets(), kind, _expand_folders(kind, paths))
    except CodeSetImportError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    for r in results:
        typer.echo(f"{r.system}: {r.count} rows from {r.path}" + (f" ({r.detail})" if r.detail else ""))


def _expand_folders(kind: str, paths: list[Path]) -> list[Path]:
    """A folder stands for the files of that kind in it, as CMS/CDC ship them (README, XSD and PDF left out).
    The HCPCS release carries the same table as xlsx and csv: the xlsx is read, once."""
    out: list[Path] = []
    for p in paths:
        if not p.is_dir():
            out.append(p)
            continue
        files = sorted(f for f in p.iterdir() if f.is_file())
        if kind == "icd10cm-index":
            picked = [f for f in files if f.suffix.lower() in (".xml", ".csv")]
        elif kind == "hcpcs":
            picked = [f for f in files if f.suffix.lower() == ".xlsx"][:1] or [
                f for f in files if f.name.lower().endswith((".csv", ".csv.gz", ".txt"))][:1]
        else:
            raise typer.BadParameter(f"{p} is a folder: name the {kind} file to import")
        if not picked:
            raise typer.BadParameter(f"{p}: no {kind} file in this folder")
        out += picked
    return out


@apps.codesets.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="Older version label, e.g. FY2025")],
    new: Annotated[str, typer.Argument(help="Newer version label, e.g. FY2026-04")],
    show: Annotated[bool, typer.Option("--list", help="List every code, not just counts.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Billable ICD-10-CM codes added, deleted and retitled between two versions."""
    from chartclaim.codesets import get_codesets

    cs = get_codesets()
    try:
        d = cs.icd10cm.diff(old, new)
    except KeyError as e:
        typer.echo(f"error: {e.args[0]}", err=True)
        raise typer.Exit(2) from e
    if as_json:
        typer.echo(json.dumps({"old": d.old, "new": d.new, "added": d.added, "deleted": d.deleted,
                               "revised": d.revised}, indent=1))
        return
    typer.echo(f"{d.old} -> {d.new}: {len(d.added)} added, {len(d.deleted)} deleted, {len(d.revised)} retitled")
    if show:
        for label, codes in (("added", d.added), ("deleted", d.deleted), ("retitled", d.revised)):
            for c in codes:
                entry = cs.icd10cm.get(c, None if label != "deleted" else cs.icd10cm.versions()[0].effective)
                typer.echo(f"{label:9} {c:9} {entry.description if entry else ''}")


@apps.codes.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What you would type into an encoder: 'dm2 with ckd', 'lt wrist fx'.")],
    system: Annotated[str, typer.Option("--system", "-s", help="icd10cm, hcpcs, cpt, modifiers, pos, carc, rarc, taxonomy")] = "icd10cm",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200)] = 10,
    dos: Annotated[str | None, typer.Option("--dos", help="Date of service (YYYY-MM-DD) picks the version.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON list of {code, description, score, billable}.")] = False,
) -> None:
    """Search codes the way a coder types."""
    from chartclaim.codesets import get_codesets

    hits = get_codesets().search(query, system=system, limit=limit, dos=_dos(dos))
    if as_json:
        typer.echo(json.dumps([h.as_json() for h in hits], indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    if not hits:
        typer.echo("no match")
        raise typer.Exit(1)
    t = Table("code", "description", "billable", "score")
    for h in hits:
        desc = h.description
        if h.matched:
            desc += f"\n[dim]matched: {h.matched}[/dim]"
        if not h.billable and h.billable_children:
            desc += "\n[dim]bill one of: " + ", ".join(h.billable_children[:12]) + (
                f" (+{h.billable_children_total - 12} more)" if h.billable_children_total > 12 else "") + "[/dim]"
        t.add_row(h.code, desc, "[green]yes[/green]" if h.billable else "[yellow]no[/yellow]", f"{h.score:.3f}")
    Console().print(t)


@apps.codes.command("show")
def show(
    code: Annotated[str, typer.Argument(help="An ICD-10-CM code, block or chapter (dot optional).")],
    dos: Annotated[str | None, typer.Option("--dos", help="Date of service (YYYY-MM-DD).")] = None,
    system: Annotated[str, typer.Option("--system", "-s")] = "icd10cm",
) -> None:
    """The full Tabular context of a code: hierarchy, notes, excludes, 7th characters."""
    from rich.console import Console
    from rich.tree import Tree

    from chartclaim.codesets import get_codesets

    cs = get_codesets()
    con = Console()
    if system != "icd10cm":
        s = cs.system(system).get(code, _dos(dos))
        if s is None:
            typer.echo(f"{code}: not found in {system}", err=True)
            raise typer.Exit(1)
        con.print(f"[bold]{s.code}[/bold] {s.description}")
        if s.long_description:
            con.print(s.long_description)
        for k, v in s.extra.items():
            con.print(f"  [dim]{k}:[/dim] {v}")
        return
    e = cs.icd10cm.get(code, _dos(dos))
    if e is None:
        fix = cs.icd10cm.fix_placeholder(code)
        typer.echo(f"{code}: not an ICD-10-CM code in the version for that date"
                   + (f" (did you mean {fix}?)" if fix else ""), err=True)
        raise typer.Exit(1)
    chain = [c for c in reversed(cs.icd10cm.ancestors(e.code))]
    root = Tree(f"[dim]ICD-10-CM {e.version}[/dim]")
    node = root
    for c in chain:
        a = cs.icd10cm.get(c)
        label = f"Chapter {c}" if a and a.kind == "chapter" else c
        node = node.add(f"{label}  {a.description if a else ''}")
    status_txt = "[green]billable[/green]" if e.billable else "[yellow]not billable — needs more characters[/yellow]"
    node.add(f"[bold]{e.code}[/bold]  {e.description}  ({e.kind}, {status_txt})")
    con.print(root)
    if e.manifestation:
        con.print("[red]Manifestation code:[/red] code the underlying condition first; never first-listed.")

    def section(title: str, notes: tuple) -> None:
        if not notes:
            return
        con.print(f"[bold]{title}[/bold]")
        for n in notes:
            where = "" if n.at == e.code else f" [dim](at {n.at})[/dim]"
            con.print(f"  • {n.text}{where}")

    section("Inclusion terms", e.inclusion_terms)
    section("Includes", e.includes)
    section("Excludes1 (never together)", e.excludes1)
    section("Excludes2 (not included here; both may be coded)", e.excludes2)
    section("Code first", e.code_first)
    section("Use additional code", e.use_additional)
    section("Code also", e.code_also)
    section("Notes", e.notes)
    if e.seventh_characters:
        con.print("[bold]7th characters[/bold]" + (f" — {e.seventh_character_note}" if e.seventh_character_note else ""))
        if e.seventh_character_stem and e.requires_seventh_character:
            con.print(f"  append to [bold]{e.seventh_character_stem}[/bold]"
                      + (" (placeholder X fills the code to 6 characters)" if "X" in e.seventh_character_stem[3:] else ""))
        for ch, text in e.seventh_characters.items():
            con.print(f"  {ch}  {text}")
    if not e.billable:
        kids = cs.icd10cm.children(e.code)
        if kids:
            con.print(f"[bold]Children[/bold] ({len(kids)})")
            for k in kids[:40]:
                ke = cs.icd10cm.get(k)
                con.print(f"  {k:9} {ke.description if ke else ''}{'' if ke and ke.billable else '  [dim]…[/dim]'}")
            if len(kids) > 40:
                con.print(f"  … {len(kids) - 40} more")
