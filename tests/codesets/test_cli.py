from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import chartclaim.codesets as codesets_pkg
from chartclaim.cli import app
from chartclaim.codesets import CodeSets


@pytest.fixture()
def cli_cs(fresh_cs: CodeSets, monkeypatch: pytest.MonkeyPatch) -> CodeSets:
    monkeypatch.setattr(codesets_pkg, "get_codesets", lambda: fresh_cs)
    return fresh_cs


def test_import_cpt_and_status(cli_cs: CodeSets, tmp_path: Path) -> None:
    f = tmp_path / "cpt.csv"
    f.write_text("code,descriptor\n99213,Licensed text\n")
    r = CliRunner().invoke(app, ["codesets", "import", "cpt", str(f)])
    assert r.exit_code == 0, r.output
    assert "cpt: 1 rows" in r.output
    r = CliRunner().invoke(app, ["codesets", "status", "--json"])
    st = json.loads(r.output)
    assert st["systems"]["cpt"]["imported"] == 1
    assert st["imports"][0]["system"] == "cpt"
    r = CliRunner().invoke(app, ["codesets", "status"])
    assert r.exit_code == 0 and "FY2026-04" in r.output


def test_import_errors_name_the_line(cli_cs: CodeSets, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("code,descriptor\nnot-a-code,x\n")
    r = CliRunner().invoke(app, ["codesets", "import", "cpt", str(f)])
    assert r.exit_code == 2 and "bad.csv:2" in r.output
    r = CliRunner().invoke(app, ["codesets", "import", "nonsense", str(f)])
    assert r.exit_code != 0


def test_show_and_search_other_systems(cli_cs: CodeSets) -> None:
    r = CliRunner().invoke(app, ["codes", "show", "S52.501"])
    assert r.exit_code == 0 and "7th characters" in r.output and "initial encounter for closed fracture" in r.output
    r = CliRunner().invoke(app, ["codes", "show", "G63"])
    assert "Manifestation" in r.output and "Code first" in r.output
    r = CliRunner().invoke(app, ["codes", "search", "office visit new patient", "--system", "cpt", "--json"])
    assert json.loads(r.output)[0]["code"].startswith("992")
    r = CliRunner().invoke(app, ["codes", "show", "25", "--system", "modifiers"])
    assert r.exit_code == 0 and "separately identifiable" in r.output


def test_diff_needs_known_versions(cli_cs: CodeSets) -> None:
    r = CliRunner().invoke(app, ["codesets", "diff", "FY2019", "FY2026-04"])
    assert r.exit_code == 2 and "unknown ICD-10-CM version" in r.output
