from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chartclaim.cli import app
from chartclaim.settings import get_settings

from .conftest import MCE_AGES, MCE_DX, SAMPLE


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit_files: Path) -> Path:
    monkeypatch.setenv("CHARTCLAIM_DATA_DIR", str(tmp_path / "data"))
    # CLI plumbing only: don't compile a fresh code-set index in the temporary data directory.
    monkeypatch.setattr("chartclaim.edits.engine._load_codesets", lambda: None)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_import_status_and_scrub(data_dir: Path, edit_files: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["edits", "import", "ncci", str(edit_files)])
    assert r.exit_code == 0, r.output
    assert "ptp  2026Q1" in r.output
    r = runner.invoke(app, ["edits", "import", "mce", str(edit_files / "mce_v43_1")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["edits", "status", "--json"])
    status = json.loads(r.output)
    assert {x["kind"] for x in status["releases"]} == {"ptp", "mue", "aoc", "mce"}

    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(SAMPLE))
    bad = tmp_path / "bad.json"
    bad_claim = {**SAMPLE, "claim_id": "C2", "lines": [{**SAMPLE["lines"][0], "modifiers": []}, SAMPLE["lines"][1]]}
    bad.write_text(json.dumps(bad_claim))
    r = runner.invoke(app, ["claims", "scrub", str(clean), "--today", "2026-11-27"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["claims", "scrub", str(clean), str(bad), "--json", "--today", "2026-11-27"])
    assert r.exit_code == 1
    out = json.loads(r.stdout)
    by_id = {c["claim_id"]: c for c in out["claims"]}
    assert by_id["C1001"]["clean"] is True
    assert [e["rule_id"] for e in by_id["C2"]["edits"]] == ["NCCI-PTP-1"]
    assert set(by_id["C2"]["edits"][0]) >= {"rule_id", "family", "severity", "claim_id", "line", "message", "fix"}
    # the same bill already sent (under another claim number) is a duplicate claim
    sent = tmp_path / "sent.json"
    sent.write_text(json.dumps({**SAMPLE, "claim_id": "OLD-1"}))
    r = runner.invoke(app, ["claims", "scrub", str(clean), "--history", str(sent), "--json", "--today", "2026-11-27"])
    assert r.exit_code == 1
    assert [e["rule_id"] for e in json.loads(r.stdout)["claims"][0]["edits"]] == ["DATA-DUPLICATE-CLAIM"]


def test_invalid_documents_become_data_edits(data_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "broken.json"
    sub = {k: v for k, v in SAMPLE["subscriber"].items() if k != "member_id"}
    f.write_text(json.dumps([{**SAMPLE, "lines": [{**SAMPLE["lines"][0], "charge": "abc"}]},
                             {**SAMPLE, "claim_id": "C9", "subscriber": sub}]))
    r = CliRunner().invoke(app, ["claims", "scrub", str(f), "--json", "--today", "2026-11-27"])
    assert r.exit_code == 1
    out = {c["claim_id"]: c["edits"] for c in json.loads(r.stdout)["claims"]}
    assert [(e["rule_id"], e["family"], e["line"]) for e in out["C1001"]] == [("DATA-FORMAT", "data", 1)]
    assert "lines[0].charge" in out["C1001"][0]["message"]
    assert [(e["rule_id"], e["family"]) for e in out["C9"]] == [("DATA-REQUIRED", "data")]
    assert "member ID" in out["C9"][0]["message"]


def test_file_that_is_not_json_is_named(data_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "broken.json"
    f.write_text('{"claim_id": ')
    r = CliRunner().invoke(app, ["claims", "scrub", str(f)])
    assert r.exit_code == 2
    assert "broken.json" in r.output


def test_mce_fixture_text_is_consistent() -> None:
    assert MCE_DX.startswith("code,start_date") and MCE_AGES.startswith("age_group")


def test_documents_that_are_not_claims(data_dir: Path, tmp_path: Path) -> None:
    """Non-objects, misspelt fields, an empty line list: each becomes an edit naming the file and the field,
    and the other claims of the batch are still scrubbed."""
    f = tmp_path / "batch.json"
    line = {**SAMPLE["lines"][0], "unitz": 2}
    del line["units"]
    f.write_text(json.dumps([5, "C7", {**SAMPLE, "claim_id": "C8", "lines": [line]},
                             {**SAMPLE, "claim_id": "C9", "lines": []}, {**SAMPLE, "claim_id": "C10"}]))
    r = CliRunner().invoke(app, ["claims", "scrub", str(f), "--json", "--today", "2026-11-27"])
    assert r.exit_code == 1
    out = {c["claim_id"]: c["edits"] for c in json.loads(r.stdout)["claims"]}
    assert "is a number, not a claim" in out[f"{f}[0]"][0]["message"]
    assert "is a string, not a claim" in out[f"{f}[1]"][0]["message"]
    (typo,) = out["C8"]
    assert typo["line"] == 1 and "batch.json[2]: lines[0].unitz" in typo["message"]
    assert "Did you mean 'units'?" in typo["message"]
    assert [e["rule_id"] for e in out["C9"]] == ["DATA-REQUIRED"] and "service line" in out["C9"][0]["message"]
    assert out["C10"] == []


def test_same_claim_in_two_files_keeps_its_id(data_dir: Path, tmp_path: Path) -> None:
    """The same claim sent twice from two files: both results carry the claim id as written and their
    source, and the second is the duplicate."""
    a, b = tmp_path / "monday.json", tmp_path / "tuesday.json"
    a.write_text(json.dumps(SAMPLE))
    b.write_text(json.dumps([SAMPLE]))
    r = CliRunner().invoke(app, ["claims", "scrub", str(a), str(b), "--json", "--today", "2026-11-27"])
    assert r.exit_code == 1
    first, second = json.loads(r.stdout)["claims"]
    assert first["claim_id"] == second["claim_id"] == "C1001"
    assert (first["source"], second["source"]) == (str(a), f"{b}[0]")
    assert first["edits"] == [] and [e["rule_id"] for e in second["edits"]] == ["DATA-DUPLICATE-CLAIM"]
    r = CliRunner().invoke(app, ["claims", "scrub", str(a), str(b), "--today", "2026-11-27"])
    assert f"C1001 ({b}[0]): errors" in r.output


def test_unreadable_file_does_not_hide_the_others(data_dir: Path, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(SAMPLE))
    bad.write_text("{not json")
    r = CliRunner().invoke(app, ["claims", "scrub", str(bad), str(good), "--json", "--today", "2026-11-27"])
    assert r.exit_code == 2
    out = json.loads(r.stdout)
    assert [c["claim_id"] for c in out["claims"]] == ["C1001"]
    assert len(out["unreadable"]) == 1 and "bad.json" in out["unreadable"][0] and "line 1" in out["unreadable"][0]
