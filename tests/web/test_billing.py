from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from chartclaim.store.models import ClaimRecord, LedgerEntry
from tests.web.seed import era_835


def test_claims_list_filters_and_money(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["biller"]
    page = c.get("/api/v1/claims", params={"limit": 2}).json()
    assert page["total"] >= 4 and len(page["items"]) == 2
    drafts = c.get("/api/v1/claims", params={"status": "draft"}).json()["items"]
    assert {d["claim_number"] for d in drafts} >= {"C2000", "C2001"}
    one = c.get("/api/v1/claims", params={"number": "C2000"}).json()["items"][0]
    assert one["charge"] == "150.00" and one["payer_name"] == "UnitedHealthcare"
    assert one["date_of_service"] == (dt.date.today() - dt.timedelta(days=20)).isoformat()
    assert c.get("/api/v1/claims", params={"min_age": 400}).json()["total"] == 0
    d = c.get(f"/api/v1/claims/{ids['claim0']}").json()
    assert d["lines"][0]["procedure"] == "99214" and "scrubbed" in d["next_states"]
    assert d["history"][0]["to_status"] == "draft"


def test_scrub_then_submit_writes_an_837(app: FastAPI, clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["biller"]
    edits = c.get(f"/api/v1/claims/{ids['claim1']}/edits").json()
    assert any(e["severity"] == "error" and "NPI" in (e["message"] + e["rule_id"]).upper() for e in edits["edits"]), edits
    res = c.post("/api/v1/claims/scrub", json={"claim_ids": [ids["claim0"], ids["claim1"]]}).json()
    by = {r["claim_number"]: r for r in res}
    assert by["C2000"]["status"] == "ready" and by["C2001"]["status"] == "scrubbed"
    assert all(e["fix"] for e in by["C2001"]["edits"])
    sub = c.post("/api/v1/claims/submit", json={"claim_ids": [ids["claim0"], ids["claim1"]]}).json()
    assert sub["submitted"] == ["C2000"], sub
    assert sub["refused"] and sub["refused"][0][0] == "C2001"
    subs = c.get("/api/v1/submissions", params={"claim_id": ids["claim0"]}).json()
    assert subs["total"] == 1 and "837" in subs["items"][0]["detail"]
    outbox = Path(app.state.settings.data_dir) / "clearinghouse" / "default" / "outbox"
    files = list(outbox.iterdir())
    assert len(files) == 1 and "CLM*C2000*" in files[0].read_text()
    with app.state.sessionmaker() as db:
        claim = db.get(ClaimRecord, ids["claim0"])
        assert claim is not None and claim.status == "submitted"


def test_coders_cannot_post_money_nor_billers_change_codes(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    r = clients["coder"].post("/api/v1/remittances", files={"file": ("x.835", b"ISA*")})
    assert r.status_code == 403
    r = clients["biller"].post(f"/api/v1/encounters/{ids['encounter1']}/codes",
                               json={"decision": "accept", "suggested_code": "J20.9"})
    assert r.status_code == 403


def test_import_835_posts_payments_and_fills_the_denial_queue(app: FastAPI, clients: dict[str, TestClient],
                                                             ids: dict[str, int]) -> None:
    c = clients["biller"]
    bad = c.post("/api/v1/remittances", files={"file": ("junk.txt", b"hello")})
    assert bad.status_code == 422 and "ISA" in bad.json()["detail"]
    text = era_835().encode()
    r = c.post("/api/v1/remittances", files={"file": ("era.835", text)})
    assert r.status_code == 201, r.text
    res = r.json()[0]
    assert res["claims_posted"] == 2 and not res["duplicate"]
    again = c.post("/api/v1/remittances", files={"file": ("era.835", text)}).json()[0]
    assert again["duplicate"] and again["remittance_id"] == res["remittance_id"]
    rems = c.get("/api/v1/remittances").json()
    assert rems["total"] == 1 and rems["items"][0]["payment_amount"] == "90.00"
    detail = c.get(f"/api/v1/remittances/{res['remittance_id']}").json()
    assert {x["claim_number"] for x in detail["claims"]} == {"C2002", "C2003"}
    cas = {x["claim_number"]: [(a["group"], a["reason"], a["amount"], a["treatment"]) for a in x["adjustments"]]
           for x in detail["claims"]}
    assert cas == {"C2002": [("CO", "45", "40.00", "contractual"), ("PR", "3", "20.00", "patient")],
                   "C2003": [("CO", "197", "150.00", "denial")]}
    paid = c.get(f"/api/v1/claims/{ids['claim2']}").json()
    assert paid["status"] in ("paid", "partially_paid")
    assert Decimal(paid["totals"]["patient_balance"]) == Decimal("20.00")
    denials = c.get("/api/v1/denials").json()
    assert denials["total"] == 1
    d = denials["items"][0]
    assert d["claim_number"] == "C2003" and d["code"] == "CO-197" and d["action"]
    assert Decimal(d["open_with_payer"]) == Decimal("150.00")
    assert d["category"] == clients["biller"].get("/api/v1/denials/categories").json()[0]["category"]
    assert c.get("/api/v1/denials", params={"category": "no-such"}).json()["total"] == 0
    assert c.get("/api/v1/denials", params={"payer_id": ids["payer2"]}).json()["total"] == 0
    assert c.get("/api/v1/denials", params={"payer_id": ids["payer"]}).json()["total"] == 1
    with app.state.sessionmaker() as db:
        n = len(db.scalars(select(LedgerEntry).where(LedgerEntry.remittance_id == res["remittance_id"])).all())
    assert n >= 3
    letter = c.get(f"/api/v1/claims/{ids['claim3']}/appeal-letter.pdf")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert c.get(f"/api/v1/claims/{ids['claim2']}/cms1500.pdf").content.startswith(b"%PDF")
    assert c.get(f"/api/v1/claims/{ids['claim0']}/appeal-letter.pdf").status_code == 409  # nothing denied
    # an appeal does not make the money come in: the denial stays in the work queue, shown as appealed,
    # until the payer pays or the biller writes it off; the history shows the claim's state
    t = c.post(f"/api/v1/claims/{ids['claim3']}/transition", json={"target": "appealed", "reason": "auth on file"})
    assert t.status_code == 200 and t.json()["status"] == "appealed"
    assert [x["status"] for x in c.get("/api/v1/denials").json()["items"]] == ["appealed"]
    hist = c.get("/api/v1/denials/history", params={"state": "worked"}).json()
    assert hist["total"] == 1 and hist["items"][0]["reason_code"] == "197" and hist["items"][0]["suggested_action"]
    assert c.get("/api/v1/denials/history", params={"state": "open"}).json()["total"] == 0
    bad_move = c.post(f"/api/v1/claims/{ids['claim3']}/transition", json={"target": "draft", "reason": "x"})
    assert bad_move.status_code == 409
    assert [a["claim_number"] for a in c.get("/api/v1/appeals").json()["items"]] == ["C2003"]
    postings = c.get("/api/v1/postings", params={"remittance_id": res["remittance_id"]}).json()
    assert postings["total"] == 2 and {p["status_code"] for p in postings["items"]} == {"1", "4"}
    assert c.get("/api/v1/postings", params={"outcome": "exception"}).json()["total"] == 0


def test_patient_account_payment_and_plan(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["biller"]
    pid = ids["patient0"]
    assert c.get("/api/v1/patients", params={"q": "Park"}).json()["total"] == 3
    detail = c.get(f"/api/v1/patients/{pid}").json()
    assert detail["coverages"][0]["member_id"] == "W123450000" and detail["totals"] is not None
    assert clients["coder"].get(f"/api/v1/patients/{pid}").json()["totals"] is None  # coders see no money
    led = c.get("/api/v1/ledger", params={"patient_id": pid, "kind": "charge"}).json()
    assert led["total"] >= 1
    assert c.post(f"/api/v1/patients/{pid}/payments", json={"amount": "-5", "method": "cash"}).status_code == 422
    pay = c.post(f"/api/v1/patients/{pid}/payments", json={"amount": "5.00", "method": "card"})
    assert pay.status_code == 201 and pay.json()["amount"] == "5.00"
    assert c.get("/api/v1/payments", params={"patient_id": pid}).json()["total"] == 1
    plan = c.post(f"/api/v1/patients/{pid}/payment-plans", json={"installments": 3, "start_date": "2030-01-01",
                                                                 "total": "90.00"})
    assert plan.status_code == 201, plan.text
    assert [i["amount"] for i in plan.json()["installments"]] == ["30.00", "30.00", "30.00"]
    assert c.post(f"/api/v1/patients/{pid}/payment-plans", json={"installments": 2, "start_date": "2030-01-01",
                                                                 "total": "10.00"}).status_code == 422
    plans = c.get("/api/v1/payment-plans", params={"patient_id": pid}).json()
    assert plans["total"] == 1
    assert c.post(f"/api/v1/payment-plans/{plan.json()['id']}/cancel").json()["status"] == "cancelled"


def test_billing_pages_render(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["biller"]
    for url in ("/claims", f"/claims/{ids['claim1']}", "/remittances", "/denials", "/denials?state=all", "/responses",
                "/patients",
                f"/patients/{ids['patient0']}", "/claims?status=draft&payer_id=1&min_age=0"):
        r = c.get(url)
        assert r.status_code == 200, (url, r.text[:300])
    assert "Scrubber edits" in c.get(f"/claims/{ids['claim1']}").text
    assert 'class="mono">C2000</a>' in c.get(f"/encounters/{ids['encounter0']}").text  # the encounter's claims
    assert f'href="/encounters/{ids["encounter0"]}"' in c.get(f"/patients/{ids['patient0']}").text


def test_reports_and_dashboard(app: FastAPI, clients: dict[str, TestClient]) -> None:
    from chartclaim.billing import ledger

    m = clients["manager"]
    aging = m.get("/api/v1/reports/ar-aging").json()
    assert aging["total"] >= 1
    total_open = sum(Decimal(r["total"]) for r in aging["items"])
    with app.state.sessionmaker() as db:
        assert total_open == ledger.overall_totals(db).balance
    for r in aging["items"]:
        assert sum(Decimal(r[b]) for b in ("0-30", "31-60", "61-90", "91-120", "120+")) == Decimal(r["total"])
    assert m.get("/api/v1/reports/ar-aging", params={"by": "patient"}).json()["total"] >= 1
    assert m.get("/api/v1/reports/ar-aging", params={"by": "planet"}).status_code == 422
    k = m.get("/api/v1/reports/kpis").json()
    assert Decimal(k["ar_total"]) == total_open
    assert m.get("/api/v1/reports/denials").status_code == 200
    rates = m.get("/api/v1/reports/clean-claim-rate", params={"months": 3}).json()["items"]
    assert len(rates) == 3 and all(x["rate"] is None or 0 <= Decimal(x["rate"]) <= 100 for x in rates)
    page = m.get("/dashboard")
    assert page.status_code == 200 and 'id="chart-aging"' in page.text and "<rect" in page.text
    assert "Net collection rate" in page.text


def test_277ca_accepts_and_rejects_claims(app: FastAPI, clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    from chartclaim.store.models import ClaimRecord as CR
    from tests.web.seed import ack_277ca

    c = clients["biller"]
    with app.state.sessionmaker() as db:
        # two submitted claims of our own for this test, so it does not depend on the others' order
        from chartclaim.billing.lifecycle import transition
        from chartclaim.billing.practice import ClaimInput, LineInput, create_claim
        from tests.web.seed import claim_document

        made = []
        for n in ("C3001", "C3002"):
            doc = claim_document(n, "Lee", "W123450000", dt.date.today(), "1245319599")
            claim = create_claim(db, ClaimInput(patient_id=ids["patient0"], payer_id=ids["payer"], claim_number=n,
                                                document=doc, lines=[LineInput("99213", Decimal("90.00"),
                                                                               dt.date.today())]))
            for t in ("scrubbed", "ready", "submitted"):
                transition(db, claim, t, "test", "test")
            made.append(doc)
        db.commit()
    text = ack_277ca(accept=[made[0]], reject=[made[1]]).encode()
    assert clients["coder"].post("/api/v1/responses", files={"file": ("a.277", text)}).status_code == 403
    r = c.post("/api/v1/responses", files={"file": ("ack.277", text)})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "277CA" and body["accepted"] == ["C3001"] and body["rejected"][0][0] == "C3002"
    assert "A7:164" in body["rejected"][0][1]
    with app.state.sessionmaker() as db:
        st = {x.claim_number: x.status for x in db.scalars(select(CR).where(CR.claim_number.in_(["C3001", "C3002"])))}
    assert st == {"C3001": "accepted", "C3002": "rejected"}
    page = c.get("/responses").text
    assert 'data-claim="C3002"' in page and "A7:164" in page
    assert c.post("/api/v1/responses", files={"file": ("x.txt", b"ISA*00*nonsense")}).status_code == 422
    # nothing waiting in the mailbox: the fetch answers with an empty list
    assert c.post("/api/v1/clearinghouse/fetch").json() == []


def test_next_payer_and_statement(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["biller"]
    assert c.get("/api/v1/claims-needing-next-payer").status_code == 200
    # a draft claim has not been adjudicated: the billing core refuses, and says why
    r = c.post(f"/api/v1/claims/{ids['claim1']}/next-payer")
    assert r.status_code == 409 and "adjudicated" in r.json()["detail"]
    s = c.get(f"/api/v1/patients/{ids['patient0']}/statement.pdf")
    # a statement, or a refusal that says what is missing (nothing owed, no mailing address) — never a 500
    assert s.status_code in (200, 409)
    if s.status_code == 200:
        assert s.content.startswith(b"%PDF")
    else:
        assert s.json()["detail"]


def test_large_totals_are_capped(clients: dict[str, TestClient], monkeypatch: object) -> None:
    from chartclaim.web import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 2)  # type: ignore[attr-defined]
    page = clients["biller"].get("/api/v1/claims", params={"limit": 1}).json()
    assert page["total"] == 2 and page["total_capped"] is True and len(page["items"]) == 1
    html = clients["biller"].get("/claims", params={"limit": 1, "offset": 2}).text
    assert "of 2+" in html and 'rel="next"' in html
    q = clients["coder"].get("/api/v1/coding/queue", params={"limit": 50}).json()
    assert q["total"] <= 2 and q["total_capped"] == (len(q["items"]) > 2)
