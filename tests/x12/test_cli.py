"""chartclaim x12 read / validate / write-837."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chartclaim.cli import app
from chartclaim.settings import get_settings
from tests.x12.factories import dependent, professional
from tests.x12.test_remit import ERA

runner = CliRunner()


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHARTCLAIM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_write_validate_read_837(tmp_path: Path) -> None:
    src = tmp_path / "claims.json"
    src.write_text(json.dumps([professional().model_dump(mode="json"), dependent().model_dump(mode="json")]))
    out = tmp_path / "out.x12"
    r = runner.invoke(app, ["x12", "write-837", str(src), "-o", str(out), "--batch", "--validate"])
    assert r.exit_code == 0, r.output
    assert "pyx12: OK" in r.output or "not installed" in r.output
    assert (tmp_path / "data" / "x12-control-numbers.json").exists()
    r2 = runner.invoke(app, ["x12", "validate", str(out)])
    assert r2.exit_code == 0, r2.output
    r3 = runner.invoke(app, ["x12", "read", "--json", str(out)])
    doc = json.loads(r3.output)
    assert [c["claim_id"] for c in doc["transactions"][0]["model"]["claims"]] == ["PCN1001", "PCN2001"]


def test_write_837_reports_bad_claim(tmp_path: Path) -> None:
    src = tmp_path / "bad.json"
    src.write_text(json.dumps({"claim_id": "X"}))
    r = runner.invoke(app, ["x12", "write-837", str(src), "-o", str(tmp_path / "o.x12")])
    assert r.exit_code == 1 and "invalid claim" in r.output and not (tmp_path / "o.x12").exists()


def test_read_835_balancing_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "era.835"
    good.write_text(ERA)
    r = runner.invoke(app, ["x12", "read", str(good)])
    assert r.exit_code == 0 and "balancing: OK" in r.output
    bad = tmp_path / "bad.835"
    bad.write_text(ERA.replace("CAS*CO*29*80~", "CAS*ZZ*29*80~"))
    r2 = runner.invoke(app, ["x12", "read", str(bad)])
    assert r2.exit_code == 1 and "CAS01" in r2.output
    unbal = tmp_path / "unbal.835"
    unbal.write_text(ERA.replace("BPR*I*690*", "BPR*I*691*"))
    r3 = runner.invoke(app, ["x12", "validate", "--no-pyx12", str(unbal)])
    assert r3.exit_code == 1 and "BPR02" in r3.output
