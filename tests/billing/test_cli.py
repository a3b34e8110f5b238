from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from chartclaim.billing import synthetic as syn
from chartclaim.cli import app

D = Decimal
runner = CliRunner()

CLAIM = {
    "claim_id": "CLI1",
    "payer": {"id": "ACME1", "name": "ACME HEALTH"},
    "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "CLINIC",
                         "address": {"line1": "1 MAIN ST", "city": "TOWN", "state": "MN", "zip": "55555"}},
    "subscriber": {"member_id": "M0001", "first_name": "JANE", "last_name": "DOE"},
    "diagnoses": ["J06.9"],
    "lines": [{"procedure": "99213", "charge": "120.00", "date_of_service": "2025-03-01"}],
}


def _run(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_cli_end_to_end(tmp_path: Path) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'cc.sqlite'}"]
    assert "database at revision" in _run("db", "upgrade", *url)
    assert "head:" in _run("db", "status", *url)
    (tmp_path / "c.json").write_text(json.dumps(CLAIM))
    assert "imported 1 claims" in _run("claims", "import", str(tmp_path / "c.json"), "--submitted", *url)
    era = tmp_path / "era.835"
    era.write_text(syn.interchange([syn.Era("CHK1", [syn.ClaimPay("CLI1", [syn.LinePay(
        "99213", D("120"), D("70"), [("CO", "45", D("30")), ("PR", "3", D("20"))])])])]))
    assert "1 claims posted" in _run("claims", "post-835", str(era), *url)
    again = json.loads(_run("claims", "post-835", str(era), "--json", *url))
    assert again[0]["duplicate"] is True and "nothing changed" in again[0]["message"]
    aging = json.loads(_run("report", "ar-aging", "--as-of", "2025-03-31", "--json", *url))
    assert aging["totals"]["total"] == "20.00" and aging["rows"][0]["key"] == "PATIENT"
    csv_out = _run("report", "ar-aging", "--by", "patient", "--as-of", "2025-03-31", "--csv", *url)
    assert csv_out.splitlines()[1].endswith(",20.00")
    k = json.loads(_run("report", "kpis", "--from", "2025-01-01", "--json", *url))
    assert k["payments"] == "70.00" and k["first_pass_resolution_rate"] == "100.0"
    hist = json.loads(_run("claims", "history", "CLI1", "--json", *url))
    assert hist["status"] == "paid" and hist["totals"]["patient_balance"] == "20.00"
    account = "M0001:JANE:DOE"
    assert "balance now 0.00" in _run("claims", "patient-payment", account, "20.00", "--method", "card", *url)
    assert "0 open" in _run("claims", "exceptions", *url)
    assert json.loads(_run("claims", "denials", "--json", *url)) == []
    assert json.loads(_run("claims", "timely-filing", "--json", *url)) == []


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'cc.sqlite'}"]
    _run("db", "upgrade", *url)
    res = runner.invoke(app, ["claims", "move", "NOPE", "appealed", "--reason", "x", *url])
    assert res.exit_code == 1 and "no claim 'NOPE'" in res.output
    (tmp_path / "c.json").write_text(json.dumps(CLAIM))
    _run("claims", "import", str(tmp_path / "c.json"), *url)
    res = runner.invoke(app, ["claims", "move", "CLI1", "paid", "--reason", "x", *url])
    assert res.exit_code == 1 and "cannot go from 'draft' to 'paid'" in res.output
    res = runner.invoke(app, ["report", "ar-aging", "--as-of", "yesterday", *url])
    assert res.exit_code != 0 and "not a date" in res.output
    missing, bad = tmp_path / "none.835", tmp_path / "bad.835"
    bad.write_text("ISA*too short~")
    for f, words in ((missing, "no such file"), (bad, "ISA has fewer than 16 elements")):
        res = runner.invoke(app, ["claims", "post-835", str(f), *url])
        assert res.exit_code == 1 and f"{f}: " in res.output and words in res.output
