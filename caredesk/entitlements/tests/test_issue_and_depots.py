"""Issuing support e-certificates (D-2.7) and maintaining depot coverage (D-2.8) through
services and the API: who may (``Capability.ISSUE_ECERTIFICATES``,
``Capability.MANAGE_DEPOTS``), every bad field at once, nothing half-written, every change
in the audit trail, and certificates seen only through their buyer (D-1.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from caredesk.entitlements import services
from caredesk.entitlements.models import Depot, DepotArea, ECertificate
from caredesk.entitlements.queries import depots, get_ecertificate
from caredesk.entitlements.services import Area, DepotData, NewECertificate
from tests.personas import PASSWORD, InstalledBase, World

SEES_ACME = {"alice", "bob", "carol", "paul", "agent", "cleared", "manager"}
EVERYONE = ["alice", "bob", "carol", "paul", "charlie", "gina", "agent", "cleared", "manager"]


@pytest.fixture
def logistics(world: World) -> User:
    """Support logistics: an RMA specialist, who maintains the depots."""
    return accounts.create_user("rma@vendor.example", "Rhea Returns", world.vendor, PASSWORD, roles=["rma_specialist"])


def new_certificate(world: World, **overrides: Any) -> NewECertificate:
    fields: dict[str, Any] = {
        "code": "EC-900",
        "organisation_id": world.acme.pk,
        "service_level": "premium-4h",
        "sales_region": "emea",
        "received_on": date(2026, 6, 1),
        "term_months": 12,
    }
    return NewECertificate(**{**fields, **overrides})


def test_a_care_manager_issues_a_certificate_that_the_customer_then_activates(world: World, ib: InstalledBase) -> None:
    issued = services.issue_ecertificate(world.manager, new_certificate(world))
    assert issued.status == "issued" and issued.sales_region.code == "emea" and issued.organisation == world.acme
    entry = AuditEntry.objects.get(object_type="entitlements.ecertificate", object_id=str(issued.pk))
    assert entry.action == "issued" and entry.actor_id == world.manager.pk
    assert entry.changes["service_level"] == "premium-4h"
    contract = services.activate_ecertificate(world.alice, "EC-900", "KR1000003")  # a site in Germany: EMEA
    assert contract.starts_on == date(2026, 6, 15)  # activated today, before receipt + 30 days


@pytest.mark.parametrize("person", ["agent", "cleared", "alice", "paul", "charlie"])
def test_only_care_managers_licensing_and_admins_issue_certificates(world: World, person: str) -> None:
    with pytest.raises(Forbidden):
        services.issue_ecertificate(world.person(person), new_certificate(world))
    assert not ECertificate.objects.exists()


def test_issuing_reports_every_bad_field_at_once_and_writes_nothing(world: World, ib: InstalledBase) -> None:
    bad = new_certificate(
        world,
        code="has spaces",
        organisation_id=world.vendor.pk,
        service_level="gold",
        sales_region="mars",
        received_on=date(2026, 7, 1),
        term_months=0,
    )
    with pytest.raises(ValidationFailed) as refused:
        services.issue_ecertificate(world.manager, bad)
    assert set(refused.value.fields) == {
        "code", "organisation_id", "service_level", "sales_region", "received_on", "term_months",
    }  # fmt: skip
    assert not ECertificate.objects.exists() and not AuditEntry.objects.filter(action="issued").exists()


def test_a_government_customer_is_unknown_to_an_uncleared_issuer(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.issue_ecertificate(world.manager, new_certificate(world, organisation_id=world.agency.pk))
    assert refused.value.fields["organisation_id"] == "No such organisation."


def test_a_certificate_code_is_issued_once(world: World) -> None:
    services.issue_ecertificate(world.manager, new_certificate(world))
    with pytest.raises(Conflict):
        services.issue_ecertificate(world.manager, new_certificate(world, organisation_id=world.globex.pk))


@pytest.mark.parametrize("person", EVERYONE)
def test_a_certificate_is_seen_through_its_buyer(world: World, person: str) -> None:
    services.issue_ecertificate(world.manager, new_certificate(world))
    if person in SEES_ACME:
        assert get_ecertificate(world.person(person), "EC-900").code == "EC-900"
    else:
        with pytest.raises(NotFound):
            get_ecertificate(world.person(person), "EC-900")


# --- depots ----------------------------------------------------------------------------------


def bay_area() -> DepotData:
    return DepotData(
        name="Bay Area",
        areas=[Area("us", "us-ca", "941"), Area("US", "", ""), Area("GB", "", "sw1a 1")],
        replacements=["next_business_day", "same_day_4h", "same_day_4h"],
    )


def test_logistics_adds_a_depot_for_parts_of_countries(world: World, logistics: User) -> None:
    depot = services.create_depot(logistics, bay_area())
    areas = sorted((a.country, a.subdivision, a.postal_prefix) for a in depot.areas.all())
    assert areas == [("GB", "", "SW1A1"), ("US", "", ""), ("US", "US-CA", "941")]
    assert depot.replacements == ["same_day_4h", "next_business_day"]  # once each, best first
    entry = AuditEntry.objects.get(object_type="entitlements.depot", object_id=str(depot.pk))
    assert entry.action == "created" and "US-CA 941*" in entry.changes["areas"]


def test_a_change_replaces_the_areas_and_keeps_the_old_ones_in_the_history(world: World, logistics: User) -> None:
    depot = services.create_depot(logistics, bay_area())
    services.change_depot(logistics, depot.pk, DepotData("Bay Area", [Area("US", "US-CA", "")], ["next_business_day"]))
    assert [(a.country, a.subdivision, a.postal_prefix) for a in depot.areas.all()] == [("US", "US-CA", "")]
    entry = AuditEntry.objects.get(object_type="entitlements.depot", action="changed")
    assert entry.changes["areas"][1] == ["US-CA"] and "US-CA 941*" in entry.changes["areas"][0]
    assert entry.changes["replacements"] == [["same_day_4h", "next_business_day"], ["next_business_day"]]
    services.remove_depot(logistics, depot.pk)
    assert not Depot.objects.exists() and not DepotArea.objects.exists()
    assert AuditEntry.objects.filter(object_type="entitlements.depot", action="removed").exists()
    with pytest.raises(NotFound):
        services.remove_depot(logistics, depot.pk)


@pytest.mark.parametrize(
    ("areas", "replacements", "fields"),
    [
        ([], ["same_day_4h"], {"areas"}),
        ([Area("XX")], ["same_day_4h"], {"areas.0.country"}),
        ([Area("US", "DE-BY")], ["same_day_4h"], {"areas.0.subdivision"}),  # not a part of that country
        ([Area("US", "US-CALIF")], ["same_day_4h"], {"areas.0.subdivision"}),
        ([Area("GB", "", "SW1/")], ["same_day_4h"], {"areas.0.postal_prefix"}),
        ([Area("DE"), Area("de")], ["same_day_4h"], {"areas.1"}),
        ([Area("DE")], [], {"replacements"}),
        ([Area("DE")], ["return_to_factory"], {"replacements"}),  # needs no depot
        ([Area("XX")], ["none"], {"areas.0.country", "replacements"}),  # all at once
    ],
)
def test_a_depot_with_bad_areas_or_speeds_is_refused_whole(
    world: World, logistics: User, areas: list[Area], replacements: list[str], fields: set[str]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.create_depot(logistics, DepotData("Somewhere", areas, replacements))
    assert set(refused.value.fields) == fields
    assert not Depot.objects.exists()


def test_two_depots_do_not_share_a_name(world: World, logistics: User) -> None:
    services.create_depot(logistics, bay_area())
    with pytest.raises(Conflict):
        services.create_depot(logistics, DepotData("bay area", [Area("DE")], ["same_day_4h"]))


@pytest.mark.parametrize("person", ["agent", "manager", "alice", "paul"])
def test_only_logistics_and_admins_maintain_depots(world: World, logistics: User, person: str) -> None:
    with pytest.raises(Forbidden):
        services.create_depot(world.person(person), bay_area())
    depot = services.create_depot(logistics, bay_area())
    with pytest.raises(Forbidden):
        services.change_depot(world.person(person), depot.pk, bay_area())
    with pytest.raises(Forbidden):
        services.remove_depot(world.person(person), depot.pk)


def test_depot_coverage_is_read_by_staff_only(world: World, logistics: User) -> None:
    services.create_depot(logistics, bay_area())
    assert [d.name for d in depots(world.agent)] == ["Bay Area"]
    with pytest.raises(Forbidden):
        depots(world.alice)


# --- the API ---------------------------------------------------------------------------------


def test_the_api_issues_and_shows_certificates(world: World, ib: InstalledBase, api: Any) -> None:
    body = {"code": "EC-77", "organisation_id": world.acme.pk, "service_level": "advanced-nbd", "sales_region": "emea"}
    assert api("agent").post("/ecertificates", body).status_code == 403
    created = api("manager").post("/ecertificates", body)
    assert created.status_code == 201, created.content
    shown = created.json()
    assert shown["status"] == "issued" and shown["received_on"] == "2026-06-15" and shown["serial"] is None
    assert api("alice").get("/ecertificates/EC-77").json()["service_level"]["code"] == "advanced-nbd"
    assert api("charlie").get("/ecertificates/EC-77").status_code == 404
    again = api("manager").post("/ecertificates", body)
    assert again.status_code == 409
    wrong = api("manager").post("/ecertificates", {**body, "code": "EC-78", "sales_region": "nowhere"})
    assert wrong.status_code == 422 and "sales_region" in wrong.json()["error"]["fields"]
    assert api("manager").post("/ecertificates", {**body, "colour": "red"}).status_code == 422
    api("alice").post("/ecertificates/EC-77/activation", {"serial": "KR1000003"})
    assert api("alice").get("/ecertificates/EC-77").json()["serial"] == "KR1000003"


def test_the_api_maintains_depots(world: World, logistics: User, api: Any) -> None:
    body = {
        "name": "Munich",
        "areas": [{"country": "DE", "subdivision": "DE-BY"}, {"country": "AT", "postal_prefix": "6"}],
        "replacements": ["same_day_4h"],
    }
    assert api("agent").post("/depots", body).status_code == 403
    created = api(logistics).post("/depots", body)
    assert created.status_code == 201, created.content
    depot = created.json()
    assert depot["areas"] == [
        {"country": "AT", "subdivision": "", "postal_prefix": "6"},
        {"country": "DE", "subdivision": "DE-BY", "postal_prefix": ""},
    ]
    assert [d["name"] for d in api("agent").get("/depots").json()] == ["Munich"]
    assert api("alice").get("/depots").status_code == 403
    bad = api(logistics).put(f"/depots/{depot['id']}", {**body, "areas": [{"country": "ZZ"}]})
    assert bad.status_code == 422 and "areas.0.country" in bad.json()["error"]["fields"]
    changed = api(logistics).put(f"/depots/{depot['id']}", {**body, "replacements": ["next_business_day"]})
    assert changed.status_code == 200 and changed.json()["replacements"] == ["next_business_day"]
    assert api(logistics).put("/depots/999999", body).status_code == 404
    assert api("manager").delete(f"/depots/{depot['id']}").status_code == 403
    assert api(logistics).delete(f"/depots/{depot['id']}").status_code == 204
    assert api(logistics).get(f"/depots/{depot['id']}").status_code == 404
