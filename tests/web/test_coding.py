from __future__ import annotations

import datetime as dt
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from chartclaim.store.models import Encounter
from chartclaim.web.tables import AuditEvent, CodingReview


def test_queue_oldest_first_with_filters(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["coder"]
    r = c.get("/api/v1/coding/queue", params={"limit": 2})
    assert r.status_code == 200
    page = r.json()
    assert page["limit"] == 2 and page["total"] >= 2
    dates = [it["date_of_service"] for it in page["items"]]
    assert dates == sorted(dates)
    one = c.get("/api/v1/coding/queue", params={"patient": "A1001"}).json()
    assert [it["id"] for it in one["items"]] == [ids["encounter1"]]
    assert c.get("/api/v1/coding/queue", params={"dos_from": "2030-01-01"}).json()["total"] == 0


def test_encounter_detail_has_evidence_offsets_into_the_note(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    d = clients["coder"].get(f"/api/v1/encounters/{ids['encounter0']}").json()
    codes = {s["code"]: s for s in d["diagnoses"]}
    assert {"E11.22", "N18.31", "M17.12"} <= set(codes)
    for s in d["diagnoses"]:
        for e in s["evidence"]:
            assert d["note"][e["start"]:e["end"]] == e["text"]
    assert d["em"]["code"] == "99213"


def test_view_is_audited_with_patient(app: FastAPI, clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    clients["biller"].get(f"/api/v1/encounters/{ids['encounter1']}")
    with app.state.sessionmaker() as db:
        ev = db.scalars(select(AuditEvent).where(AuditEvent.entity == "encounter", AuditEvent.username == "biller")
                        .order_by(AuditEvent.id.desc())).first()
    assert ev is not None and ev.action == "view" and ev.patient_id == ids["patient1"]
    assert ev.entity_id == str(ids["encounter1"])


def test_decisions_reasons_and_finish(app: FastAPI, clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["coder"]
    eid = ids["encounter0"]
    url = f"/api/v1/encounters/{eid}/codes"
    assert c.post(url, json={"decision": "accept", "suggested_code": "E11.22"}).status_code == 201
    # change and reject need a reason; a change must name a valid, billable code
    assert c.post(url, json={"decision": "reject", "suggested_code": "M17.12"}).status_code == 422
    r = c.post(url, json={"decision": "change", "suggested_code": "N18.31", "final_code": "E11", "reason": "x"})
    assert r.status_code == 422 and "not billable" in r.json()["detail"]
    assert c.post(url, json={"decision": "change", "suggested_code": "N18.31", "final_code": "n1831",
                             "reason": "same"}).status_code == 422  # same code: accept instead
    assert c.post(url, json={"decision": "reject", "suggested_code": "M17.12",
                             "reason": "pain only, no OA documented"}).status_code == 201
    # finishing needs every suggestion decided
    r = c.post(f"/api/v1/encounters/{eid}/finish", json={})
    assert r.status_code == 422 and "N18.31" in r.json()["detail"]
    assert c.post(url, json={"decision": "accept", "suggested_code": "N18.31"}).status_code == 201
    assert c.post(url, json={"decision": "add", "final_code": "R05.9", "reason": "cough documented"}).status_code == 201
    r = c.post(f"/api/v1/encounters/{eid}/finish", json={})
    assert r.status_code == 200, r.text
    assert r.json()["codes"] == ["E11.22", "N18.31", "R05.9"] and r.json()["procedures"] == ["99213"]
    with app.state.sessionmaker() as db:
        enc = db.get(Encounter, eid)
        assert enc is not None and enc.coding_status == "reviewed"
        decisions = [r.decision for r in db.scalars(select(CodingReview).where(CodingReview.encounter_id == eid))]
    assert decisions.count("accept") == 2 and "reject" in decisions and "add" in decisions
    # finished encounters refuse further decisions until reopened
    assert c.post(url, json={"decision": "accept", "suggested_code": "E11.22"}).status_code == 422
    acc = clients["manager"].get("/api/v1/coding/accuracy").json()["items"]
    coder = next(a for a in acc if a["username"] == "coder")
    assert coder["accepted"] == 2 and coder["rejected"] == 1 and abs(coder["agreement"] - 2 / 3) < 1e-9
    sample = clients["manager"].get("/api/v1/coding/audit-sample", params={"seed": 1}).json()["items"]
    assert any(s["encounter_id"] == eid and "M17.12" in s["suggested"] and "M17.12" not in s["final"] for s in sample)


def test_physician_query_holds_the_encounter(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["coder"]
    eid = ids["encounter2"]
    assert c.post(f"/api/v1/encounters/{eid}/queries", json={"question": "short"}).status_code == 422
    q = c.post(f"/api/v1/encounters/{eid}/queries", json={"question": "Is the hypertension controlled on current meds?"})
    assert q.status_code == 201
    queue_ids = [it["id"] for it in c.get("/api/v1/coding/queue", params={"limit": 500}).json()["items"]]
    assert eid not in queue_ids
    held = [it["id"] for it in c.get("/api/v1/coding/queue", params={"status": "held"}).json()["items"]]
    assert held == [eid]
    r = c.post(f"/api/v1/encounters/{eid}/codes", json={"decision": "accept", "suggested_code": "I10"})
    assert r.status_code == 409
    assert c.post(f"/api/v1/encounters/{eid}/finish", json={}).status_code == 409
    qid = q.json()["id"]
    assert c.post(f"/api/v1/queries/{qid}/answer", json={"answer": "Yes, controlled."}).status_code == 200
    assert c.post(f"/api/v1/queries/{qid}/answer", json={"answer": "again"}).status_code == 422
    assert eid in [it["id"] for it in c.get("/api/v1/coding/queue", params={"limit": 500}).json()["items"]]
    assert c.post(f"/api/v1/encounters/{eid}/codes", json={"decision": "accept", "suggested_code": "I10"}).status_code == 201
    listed = c.get("/api/v1/queries", params={"status": "answered", "encounter_id": eid}).json()
    assert listed["total"] == 1


def test_code_search(clients: dict[str, TestClient]) -> None:
    r = clients["coder"].get("/api/v1/codes/search", params={"q": "diabetes", "limit": 5})
    assert r.status_code == 200
    assert {h["code"] for h in r.json()["items"]} >= {"E11.22", "E11.9"}


def test_pages_render_for_the_coder(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["coder"]
    q = c.get("/coding")
    assert q.status_code == 200 and f'href="/encounters/{ids["encounter1"]}"' in q.text
    e = c.get(f"/encounters/{ids['encounter1']}")
    assert e.status_code == 200
    assert 'data-code="J20.9"' in e.text
    spans = re.search(r'data-code="J20.9" data-system="ICD-10-CM"\s*data-spans="(\d+)-(\d+)"', e.text)
    assert spans is not None
    assert clients["manager"].get("/coding/audit").status_code == 200


def test_form_decision_flow(clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    c = clients["coder"]
    eid = ids["encounter1"]
    page = c.get(f"/encounters/{eid}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"/encounters/{eid}/codes", data={"csrf_token": token, "decision": "accept", "system": "ICD-10-CM",
                                                "suggested_code": "J20.9"}, headers={"X-CSRF-Token": ""})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    r = c.post(f"/encounters/{eid}/finish", data={"csrf_token": token}, headers={"X-CSRF-Token": ""})
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    assert "J20.9" in c.get(r.headers["location"]).text


def test_biller_returns_codes_to_the_coder(clients: dict[str, TestClient], app: FastAPI) -> None:
    from chartclaim.store.models import Encounter as E
    from chartclaim.web.services.coding import queue_ids

    with app.state.sessionmaker() as db:
        # an encounter of our own, finished, so this test does not depend on the others
        enc = E(patient_id=1, date_of_service=dt.date(2026, 1, 5), notes="Assessment: acute bronchitis.",
                coding_status="reviewed", diagnoses={"codes": ["J20.9"], "procedures": []})
        db.add(enc)
        db.commit()
        eid = enc.id
    b = clients["biller"]
    assert b.post(f"/api/v1/encounters/{eid}/return-to-coding", json={"reason": "no"}).status_code == 422
    r = b.post(f"/api/v1/encounters/{eid}/return-to-coding", json={"reason": "payer denied CO-11, check the dx"})
    assert r.status_code == 200 and r.json()["coding_status"] == "coded"
    with app.state.sessionmaker() as db:
        assert eid in list(db.scalars(queue_ids()))
    page = clients["coder"].get(f"/encounters/{eid}").text
    assert "Returned to coding by biller" in page and "CO-11" in page
    # the biller still cannot decide codes, and coders cannot send back (claims:write)
    assert b.post(f"/api/v1/encounters/{eid}/codes", json={"decision": "accept", "suggested_code": "J20.9"}).status_code == 403
    assert clients["coder"].post(f"/api/v1/encounters/{eid}/return-to-coding", json={"reason": "xxxxxx"}).status_code == 403
