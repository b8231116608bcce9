"""RMA requests in the API (D-5.1 – D-5.3, D-1.3): the TSE creates, the customer reads
by validation number and answers, the specialist decides; outside the owner's scope every
RMA is "not found"."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from caredesk.accounts import services as accounts
from tests.personas import PASSWORD, TODAY, World, admin_case

LINE = {"serial": "KR1000001", "fault_category": "hardware_fault", "failure_description": "Smoke after a fire alarm."}


@pytest.fixture
def rma_world(world: World, ib: Any, api: Any) -> Any:
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
        specialist = accounts.create_user("rma@vendor.example", "Rita R", world.vendor, PASSWORD,
                                          roles=["rma_specialist"])  # fmt: skip
        case = admin_case(world.alice, kind="technical", request_type="", request_subtype="", serial_number="KR1000001")
        yield {"tse": api(tse), "specialist": api(specialist), "case": case.case_id}


def test_d51_the_tse_creates_and_the_customer_sees_the_validation_number(api: Any, rma_world: Any) -> None:
    created = rma_world["tse"].post(
        "/rmas", {"case_id": rma_world["case"], "lines": [LINE, {**LINE, "serial": "KR1000004"}]}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["validation_number"]
    assert number.startswith("V2026") and body["rma_number"] is None and body["status"] == "pending"
    first, second = body["lines"]
    assert (first["rma_type"], second["rma_type"]) == ("advance_replacement", "time_and_material")
    assert first["flagged_words"] == ["fire"]  # D-5.3: flagged for staff
    assert body["quote"]["status"] == "offered" and second["quote_price"] == "5000.00"
    seen = api("alice").get(f"/rmas/{number}")
    assert seen.status_code == 200 and seen.json()["lines"][0]["flagged_words"] is None
    assert seen.json()["lines"][0]["type_reason"].startswith("Contract C-ACME-100")
    assert [r["validation_number"] for r in api("bob").get("/rmas").json()["items"]] == [number]


@pytest.mark.parametrize("name", ["charlie", "gina"])
def test_d13_an_rma_outside_the_scope_is_not_found(api: Any, rma_world: Any, name: str) -> None:
    number = rma_world["tse"].post("/rmas", {"case_id": rma_world["case"], "lines": [LINE]}).json()["validation_number"]
    client = api(name)
    assert client.get(f"/rmas/{number}").status_code == 404
    assert client.post(f"/rmas/{number}/cancel", {"reason": ""}).status_code == 404
    assert client.get("/rmas").json()["items"] == []


def test_d51_the_customer_accepts_the_quote_and_the_specialist_approves(api: Any, rma_world: Any) -> None:
    created = rma_world["tse"].post("/rmas", {"case_id": rma_world["case"], "lines": [{**LINE, "serial": "KR1000004"}]})
    number = created.json()["validation_number"]
    assert rma_world["specialist"].post(f"/rmas/{number}/approve").status_code == 409
    assert rma_world["specialist"].post(f"/rmas/{number}/quote", {"accept": True}).status_code == 403
    assert api("alice").post(f"/rmas/{number}/quote", {"accept": True}).json()["quote"]["status"] == "accepted"
    approved = rma_world["specialist"].post(f"/rmas/{number}/approve").json()
    assert approved["status"] == "approved" and approved["rma_number"].startswith("R")
    line = approved["lines"][0]["line_number"]
    assert line == approved["rma_number"] + "-1"
    assert api("alice").get(f"/rmas/{line}").json()["validation_number"] == number  # found by its line


def test_d53_a_fire_damaged_unit_refuses_the_request(rma_world: Any) -> None:
    created = rma_world["tse"].post(
        "/rmas", {"case_id": rma_world["case"], "lines": [{**LINE, "fault_category": "fire"}]}
    )
    body = created.json()
    assert body["status"] == "refused" and body["rma_number"] is None
    assert body["decision_reason"] == "Damage caused by fire, flood or other acts of nature is not covered by an RMA."


def test_d51_questions_reach_the_specialist_and_back(api: Any, rma_world: Any) -> None:
    number = rma_world["tse"].post("/rmas", {"case_id": rma_world["case"], "lines": [LINE]}).json()["validation_number"]
    assert api("alice").post(f"/rmas/{number}/questions", {"body": "Box or no box?"}).status_code == 201
    assert rma_world["specialist"].post(f"/rmas/{number}/answers", {"body": "Original box."}).status_code == 201
    assert rma_world["specialist"].post(f"/rmas/{number}/tse-questions", {"body": "PSU swapped?"}).status_code == 201
    assert rma_world["tse"].post(f"/rmas/{number}/tse-answers", {"body": "Yes."}).status_code == 201
    assert [m["kind"] for m in api("alice").get(f"/rmas/{number}/messages").json()] == ["question", "answer"]
    staff_view = rma_world["specialist"].get(f"/rmas/{number}/messages").json()
    assert [m["kind"] for m in staff_view] == ["question", "answer", "to_tse", "from_tse"]
    rejected = rma_world["specialist"].post(f"/rmas/{number}/reject", {"reason": "Software fault."}).json()
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "Software fault.")


def test_d51_lines_are_amended_by_staff_and_refused_to_unknown_categories(api: Any, rma_world: Any) -> None:
    number = rma_world["tse"].post("/rmas", {"case_id": rma_world["case"], "lines": [LINE]}).json()["validation_number"]
    amended = rma_world["specialist"].put(f"/rmas/{number}/lines", {"lines": [{**LINE, "serial": "KR1000003"}]})
    assert amended.status_code == 200 and amended.json()["lines"][0]["rma_type"] == "warranty"
    assert api("alice").put(f"/rmas/{number}/lines", {"lines": [LINE]}).status_code == 403
    bad = rma_world["tse"].post("/rmas", {"case_id": rma_world["case"], "lines": [{**LINE, "fault_category": "x"}]})
    assert bad.status_code == 422
