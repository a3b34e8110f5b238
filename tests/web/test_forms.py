"""The HTML form routes (CSRF field, redirects with a message) and the routes not covered by the flows."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import login


def _token(c: TestClient, url: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get(url).text)
    assert m, url
    return m.group(1)


def _form(c: TestClient, url: str, page: str, **data: str) -> str:
    """POST a form like a browser would (no header token), return where it redirected."""
    r = c.post(url, data={"csrf_token": _token(c, page), **data}, headers={"X-CSRF-Token": ""})
    assert r.status_code == 303, (url, r.status_code, r.text[:300])
    return str(r.headers["location"])


def test_admin_user_forms(app: FastAPI) -> None:
    a = login(app, "admin")
    loc = _form(a, "/users", "/users", username="formuser", password="long enough", role="biller", full_name="F U")
    assert loc == "/users"
    assert "formuser" in a.get("/users").text
    bad = _form(a, "/users", "/users", username="formuser", password="long enough", role="biller")
    assert "already+exists" in bad or "already%20exists" in bad
    uid = next(u["id"] for u in a.get("/api/v1/users", params={"q": "formuser"}).json()["items"])
    _form(a, f"/users/{uid}", "/users", role="coder", active="0")
    u = a.get("/api/v1/users", params={"q": "formuser"}).json()["items"][0]
    assert u["role"] == "coder" and u["active"] is False


def test_patient_payment_and_plan_forms(app: FastAPI, ids: dict[str, int]) -> None:
    b = login(app, "biller")
    page = f"/patients/{ids['patient1']}"
    loc = _form(b, f"/patients/{ids['patient1']}/payments", page, amount="$12.50", method="check", reference="1001",
                received_on=dt.date.today().isoformat())
    assert "msg=" in loc and "12.50" in b.get(loc).text
    assert "error=" in _form(b, f"/patients/{ids['patient1']}/payments", page, amount="twelve", method="cash")
    loc = _form(b, f"/patients/{ids['patient1']}/payment-plans", page, installments="2", start_date="2031-01-01",
                interval="monthly")
    assert "msg=" in loc or "error=" in loc  # a plan needs a balance: either way the page says what happened


def test_query_forms_and_reopen(app: FastAPI, ids: dict[str, int]) -> None:
    from chartclaim.store.models import Encounter

    c = login(app, "coder")
    with app.state.sessionmaker() as db:
        enc = Encounter(patient_id=ids["patient2"], date_of_service=dt.date(2026, 2, 1),
                        notes="Assessment: essential hypertension.", coding_status="not_coded")
        db.add(enc)
        db.commit()
        eid = enc.id
    page = f"/encounters/{eid}"
    loc = _form(c, f"/encounters/{eid}/queries", page, question="Is the hypertension controlled or not?")
    assert "msg=" in loc
    qid = c.get("/api/v1/queries", params={"encounter_id": eid, "status": "open"}).json()["items"][0]["id"]
    assert "held: physician query" in c.get(page).text
    loc = _form(c, f"/queries/{qid}/answer", page, answer="Controlled.")
    assert "msg=" in loc
    _form(c, f"/encounters/{eid}/accept-all", page)
    loc = _form(c, f"/encounters/{eid}/finish", page, em_code="99213")
    assert "coded" in loc
    r = c.post(f"/api/v1/encounters/{eid}/reopen")
    assert r.status_code == 200 and r.json()["coding_status"] == "coded"
    assert c.post(f"/api/v1/encounters/{eid}/reopen").status_code == 422


def test_exception_queue_resolve(app: FastAPI) -> None:
    from chartclaim.billing.synthetic import ClaimPay, Era, LinePay, interchange

    b = login(app, "biller")
    # a payment for a claim we never sent: posting keeps it as an exception, never drops it
    era = interchange([Era("EFT-UNMATCHED", [ClaimPay("NOPE999", [LinePay("99213", Decimal("80.00"), Decimal("50.00"),
                                                                           [("CO", "45", Decimal("30.00"))])])],
                           payer_name="UNITEDHEALTHCARE", payer_id="87726", payment_date=dt.date.today())])
    r = b.post("/api/v1/remittances", files={"file": ("u.835", era.encode())})
    assert r.status_code == 201 and r.json()[0]["exceptions"]
    exc = b.get("/api/v1/exceptions").json()
    assert exc["total"] >= 1
    eid = exc["items"][0]["id"]
    assert b.post(f"/api/v1/exceptions/{eid}/resolve", json={"resolution": " "}).status_code == 422
    ok = b.post(f"/api/v1/exceptions/{eid}/resolve", json={"resolution": "not our patient; returned to payer"})
    assert ok.status_code == 200 and ok.json()["resolved_by"] == "biller"
    assert b.post(f"/api/v1/exceptions/{eid}/resolve", json={"resolution": "again"}).status_code == 409
    assert b.get("/api/v1/exceptions", params={"state": "resolved"}).json()["total"] >= 1
    assert "EFT-UNMATCHED" in b.get("/remittances").text


def test_post_an_unmatched_payment_to_the_claim(app: FastAPI, ids: dict[str, int]) -> None:
    from chartclaim.billing.lifecycle import transition
    from chartclaim.billing.practice import ClaimInput, LineInput, create_claim
    from chartclaim.billing.synthetic import ClaimPay, Era, LinePay, interchange
    from tests.web.seed import claim_document

    with app.state.sessionmaker() as db:
        doc = claim_document("C4001", "Lee", "W123450000", dt.date.today(), "1245319599")
        claim = create_claim(db, ClaimInput(patient_id=ids["patient0"], payer_id=ids["payer"], claim_number="C4001",
                                            document=doc, lines=[LineInput("99213", Decimal("80.00"), dt.date.today())]))
        for t in ("scrubbed", "ready", "submitted"):
            transition(db, claim, t, "test", "test")
        db.commit()
    b = login(app, "biller")
    # the payer echoed a mangled patient control number
    era = interchange([Era("EFT-MANGLED", [ClaimPay("C4OO1", [LinePay("99213", Decimal("80.00"), Decimal("50.00"),
                                                                     [("CO", "45", Decimal("30.00"))],
                                                                     date_of_service=dt.date.today())])],
                           payer_name="UNITEDHEALTHCARE", payer_id="87726", payment_date=dt.date.today())])
    res = b.post("/api/v1/remittances", files={"file": ("m.835", era.encode())}).json()[0]
    assert res["exceptions"], res
    exc = next(e for e in b.get("/api/v1/exceptions", params={"remittance_id": res["remittance_id"]}).json()["items"])
    assert b.post(f"/api/v1/exceptions/{exc['id']}/post", json={"claim_number": "NOPE"}).status_code == 409
    r = b.post(f"/api/v1/exceptions/{exc['id']}/post", json={"claim_number": "C4001"})
    assert r.status_code == 200, r.text
    detail = b.get("/api/v1/claims", params={"number": "C4001"}).json()["items"][0]
    assert detail["balance"] == "0.00"
    assert b.get("/api/v1/exceptions", params={"remittance_id": res["remittance_id"]}).json()["total"] == 0
