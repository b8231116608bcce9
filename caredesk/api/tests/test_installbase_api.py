"""The installed base through the API: assets, entitlement (D-2.6), order imports (D-2.3),
e-certificates (D-2.7), with the access rule (D-1.3) on every endpoint."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.installbase.models import Asset, Reinstatement
from tests.personas import InstalledBase, World

SEES_ACME = {"alice", "bob", "carol", "paul", "agent", "cleared", "manager"}
EVERYONE = ["alice", "bob", "carol", "paul", "charlie", "gina", "agent", "cleared", "manager"]


@pytest.mark.parametrize("person", EVERYONE)
@pytest.mark.parametrize(
    "path",
    [
        "/assets/KR1000001",
        "/entitlements?q=KR1000001",
        "/entitlements?q=C-ACME-100",
        "/entitlements?q=SSRN-7001&kind=ssrn",
    ],
)
def test_acmes_units_and_contracts_follow_the_access_rule(
    api, world: World, ib: InstalledBase, person: str, path: str
) -> None:  # type: ignore[no-untyped-def]
    response = api(person).get(path)
    if person in SEES_ACME:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("person", EVERYONE)
def test_the_government_customers_unit_is_for_cleared_staff_and_its_own_people(
    api, world: World, ib: InstalledBase, person: str
) -> None:  # type: ignore[no-untyped-def]
    response = api(person).get("/entitlements", q="KR3000001")
    assert response.status_code == (200 if person in {"gina", "cleared"} else 404)


@pytest.mark.parametrize("person", EVERYONE)
def test_the_asset_list_holds_exactly_what_one_may_see(api, world: World, ib: InstalledBase, person: str) -> None:  # type: ignore[no-untyped-def]
    from caredesk.installbase.queries import visible_assets

    serials, cursor = [], None
    while True:
        body = api(person).get("/assets", limit=3, **({"cursor": cursor} if cursor else {})).json()
        serials += [a["serial"] for a in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert serials == sorted(visible_assets(world.person(person)).values_list("serial", flat=True))
    assert ("KR1000001" in serials) == (person in SEES_ACME)


def test_the_entitlement_answer_has_every_item_of_d_2_6(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    body = api("alice").get("/entitlements", q="kr1000004").json()
    assert body["found_by"] == "serial" and body["technical_cases"] is False
    item = body["assets"][0]
    assert item["asset"]["serial"] == "KR1000004"
    assert item["asset"]["product"]["platform"] == "KR-480"
    assert item["contracts"][0]["contract_id"] == "C-ACME-050" and item["contracts"][0]["active"] is False
    assert item["warranty"]["hardware_until"] == "2023-05-09"
    assert item["includes_24x7"] is False
    assert item["reasons"] and len(item["options"]) == 2
    premium = api("alice").get("/entitlements", q="KR1000001").json()["assets"][0]
    assert premium["includes_24x7"] is True and premium["hardware_replacement"] == "same_day_4h"


def test_eol_units_are_flagged_and_listed(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    eol = api("alice").get("/assets", eol="true").json()["items"]
    assert [a["serial"] for a in eol] == ["KS2200001"] and eol[0]["eol_announced"] is True
    ending = api("alice").get("/assets", nearing_end_of_support="true").json()["items"]
    assert [a["serial"] for a in ending] == ["KS2200001"]  # support ends 2026-09-13, within 180 days


@pytest.mark.parametrize(
    "query", ["/entitlements?q=", "/entitlements?q=KR1&kind=colour", "/assets?sort=price", "/assets?limit=0"]
)
def test_bad_queries_are_422(api, world: World, ib: InstalledBase, query: str) -> None:  # type: ignore[no-untyped-def]
    response = api("alice").get(query)
    assert response.status_code == 422, response.content


ORDERS = "sales_order,line,serial,sku,customer_account\nSO-1,1,KR9000001,KR-480-AC,A-100\nSO-1,2,KR9000002,NOPE,A-100\n"


def test_staff_import_orders_and_download_the_refusals(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    world.acme.account_number = "A-100"
    world.acme.save()
    client = api("agent")
    response = client.upload("/order-imports", {"file": SimpleUploadedFile("orders.csv", ORDERS.encode())})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows"], body["created"], body["rejected"]) == (2, 1, 1)
    assert Asset.objects.filter(serial="KR9000001", owner=world.acme).exists()
    report = client.client.get(body["report_url"], **client.headers)
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    assert b"No product has this SKU." in b"".join(report.streaming_content)
    assert client.get(f"/order-imports/{body['id']}").json()["created"] == 1
    assert api("alice").get(f"/order-imports/{body['id']}").status_code == 403


def test_customers_cannot_import_orders(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    response = api("alice").upload("/order-imports", {"file": SimpleUploadedFile("orders.csv", ORDERS.encode())})
    assert response.status_code == 403
    assert not Asset.objects.filter(serial="KR9000001").exists()


def test_a_broken_order_file_is_a_422_with_the_reason(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    response = api("agent").upload("/order-imports", {"file": SimpleUploadedFile("orders.csv", b"a,b\n1,2\n")})
    assert response.status_code == 422
    assert "header" in response.json()["error"]["message"]


def test_an_e_certificate_is_activated_through_the_api(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from caredesk.entitlements.models import ECertificate, SalesRegion, ServiceLevel

    ECertificate.objects.create(
        code="EC-9", service_level=ServiceLevel.objects.get(code="premium-4h"), organisation=world.acme,
        sales_region=SalesRegion.objects.get(code="emea"), received_on=date(2026, 6, 1),
    )  # fmt: skip
    assert api("charlie").post("/ecertificates/EC-9/activation", {"serial": "KR1000004"}).status_code == 404
    response = api("alice").post("/ecertificates/EC-9/activation", {"serial": "KR1000003"})
    assert response.status_code == 201, response.content
    assert response.json()["starts_on"] == "2026-06-15"
    again = api("alice").post("/ecertificates/EC-9/activation", {"serial": "KR1000003"})
    assert again.status_code == 409


def test_an_installed_base_update_through_the_api(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    from caredesk.accounts import services as accounts
    from caredesk.entitlements.models import Depot, DepotArea

    DepotArea.objects.create(
        depot=Depot.objects.create(name="Warsaw", replacements=["next_business_day"]), country="PL"
    )
    accounts.add_site(world.acme, "S-ACME-WAW", "Acme Warsaw", "PL")
    case = api("alice").post(
        "/cases",
        {"request_type": "installed-base-update", "request_subtype": "move", "priority": "P3",
         "follow_up_method": "email", "callback_phone": "+49 69 1234 5678", "summary": "Move a router",
         "description": "To Warsaw.", "template_data": {"serials": "KR1000001", "target_site": "S-ACME-WAW"}},
    ).json()["case_id"]  # fmt: skip
    assert api("alice").post(f"/cases/{case}/installed-base-update").status_code == 403
    applied = api("agent").post(f"/cases/{case}/installed-base-update")
    assert applied.status_code == 200, applied.content
    (offer,) = applied.json()
    assert offer["offered_level"]["code"] == "advanced-nbd" and offer["status"] == "pending"
    assert api("charlie").get(f"/cases/{case}/service-level-offers").status_code == 404
    assert api("bob").get(f"/cases/{case}/service-level-offers").json()[0]["id"] == offer["id"]
    accepted = api("bob").post(f"/cases/{case}/service-level-offers/{offer['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert api("alice").get("/entitlements", q="KR1000001").json()["assets"][0]["best_effort"] is False


def test_transfer_and_reinstatement_through_the_api(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    world.globex.account_number = "G-200"
    world.globex.save()
    asked = api("alice").post("/assets/KR1000003/transfers", {"new_owner_account": "G-200"})
    assert asked.status_code == 201, asked.content
    assert api("alice").post(f"/transfers/{asked.json()['id']}/decision", {"approve": True}).status_code == 403
    decided = api("agent").post(f"/transfers/{asked.json()['id']}/decision", {"approve": True})
    assert decided.json()["status"] == "approved"
    assert api("alice").get("/assets/KR1000003").status_code == 404
    request = api("charlie").post("/assets/KR1000003/reinstatements", {})
    assert request.status_code == 201
    rid = request.json()["id"]
    assert api("agent").post(f"/reinstatements/{rid}/steps", {"step": "paid"}).status_code == 409
    for body in ({"step": "inspect"}, {"step": "pass", "fee": "250.00"}, {"step": "paid"}):
        step = api("agent").post(f"/reinstatements/{rid}/steps", body)
        assert step.status_code == 200, step.content
    assert step.json()["status"] == "reinstated" and step.json()["fee"] == "250.00"
    assert api("charlie").get("/assets/KR1000003").json()["standing"] == "good"


def test_a_transfer_request_hides_whose_account_it_names(api, world: World, ib: InstalledBase) -> None:  # type: ignore[no-untyped-def]
    # D-1.3: Acme may not see Globex, so typing Globex's account number must not reveal its name.
    world.globex.account_number = "G-200"
    world.globex.save()
    asked = api("alice").post("/assets/KR1000003/transfers", {"new_owner_account": "G-200"})
    assert asked.status_code == 201, asked.content
    assert asked.json()["to_owner"] is None and "Globex" not in asked.content.decode()
    decided = api("agent").post(f"/transfers/{asked.json()['id']}/decision", {"approve": False})
    assert decided.json()["to_owner"]["name"] == "Globex Corp"


@pytest.mark.parametrize("fee", ["NaN", "Infinity", "-1", "1e400"])
def test_a_reinstatement_fee_must_be_a_sum_of_money(api, world: World, ib: InstalledBase, fee: str) -> None:  # type: ignore[no-untyped-def]
    rid = api("alice").post("/assets/KR1000005/reinstatements", {}).json()["id"]
    assert api("agent").post(f"/reinstatements/{rid}/steps", {"step": "inspect"}).status_code == 200
    refused = api("agent").post(f"/reinstatements/{rid}/steps", {"step": "pass", "fee": fee})
    assert refused.status_code == 422, refused.content
    assert Reinstatement.objects.get(pk=rid).status == "inspecting"
