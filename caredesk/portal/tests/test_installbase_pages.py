"""Installed-base pages: the customer's products and entitlement (D-2.1, D-2.6), the
e-certificate activation (D-2.7), the case form's product lookup (D-3.4) and technical
cases (D-3.2); the staff console's installed base and order imports (D-2.3). Access per
D-1.3: what one may not see is the 404 page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.cases.models import Case
from tests.personas import InstalledBase, World

SEES_ACME = {"alice", "bob", "carol", "paul", "agent", "cleared", "manager"}
CUSTOMERS = ["alice", "bob", "carol", "paul", "charlie", "gina"]


def test_my_products_lists_the_units_and_flags_eol(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("alice").get("/assets/").content.decode()
    for serial in ("KR1000001", "KR1000005", "KS2200001"):
        assert f'href="/assets/{serial}/"' in page
    assert "KR2000001" not in page and "KR3000001" not in page
    assert page.count("EOL announced") == 1 and "Needs reinstatement" in page
    eol = client_for("alice").get("/assets/", {"show": "eol"}).content.decode()
    assert "KS2200001" in eol and "KR1000001" not in eol


@pytest.mark.parametrize("person", CUSTOMERS)
def test_a_unit_page_follows_the_access_rule(world: World, ib: InstalledBase, client_for, person: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(person).get("/assets/KR1000001/")
    if person in SEES_ACME:
        assert response.status_code == 200
        page = response.content.decode()
        assert "C-ACME-100" in page and "Entitled" in page and "24x7 phone and web support" in page
    else:
        assert response.status_code == 404
        assert "C-ACME-100" not in response.content.decode()


def test_the_entitlement_check_says_why_and_what_to_do(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("alice").get("/entitlement/", {"q": "KR1000004"}).content.decode()
    assert "Not entitled" in page and "The support contract ended on 2025-04-30." in page
    assert "Netsellers" in page and "time-and-material" in page
    missing = client_for("charlie").get("/entitlement/", {"q": "KR1000004"})
    assert missing.status_code == 404 and "C-ACME-050" not in missing.content.decode()


def test_a_certificate_is_activated_from_the_portal(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from caredesk.entitlements.models import ECertificate, SalesRegion, ServiceLevel

    ECertificate.objects.create(
        code="EC-7", service_level=ServiceLevel.objects.get(code="premium-4h"), organisation=world.acme,
        sales_region=SalesRegion.objects.get(code="amer"), received_on=date(2026, 6, 1),
    )  # fmt: skip
    client = client_for("alice")
    wrong = client.post("/ecertificates/activate/", {"code": "EC-7", "serial": "KR1000003"})
    assert wrong.status_code == 422 and "valid only there" in wrong.content.decode()  # an EMEA site
    assert ECertificate.objects.get(code="EC-7").status == "issued"


def test_typing_a_serial_shows_its_product_and_support(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("alice")
    found = client.get("/cases/new/product/", {"serial_number": "kr1000001", "kind": "technical"}).content.decode()
    assert "KR Series" in found and "KR-480" in found and "a technical case can be opened" in found
    lapsed = client.get("/cases/new/product/", {"serial_number": "KR1000004", "kind": "technical"}).content.decode()
    assert "The support contract ended on 2025-04-30." in lapsed
    other = client.get("/cases/new/product/", {"serial_number": "KR2000001"}).content.decode()
    assert "Not found among your organisation" in other and "KR Series" not in other


def test_a_technical_case_is_opened_from_the_portal(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    form = {
        "kind": "technical",
        "priority": "P2",
        "follow_up_method": "email",
        "callback_phone": "+49 69 1234 5678",
        "summary": "Line card reboots",
        "description": "Slot 3 reboots every hour.",
        "serial_number": "KR1000001",
    }
    client = client_for("alice")
    assert "technical" in client.get("/cases/new/", {"kind": "technical", "serial": "KR1000001"}).content.decode()
    refused = client.post("/cases/new/", {**form, "serial_number": "KR1000004"})
    assert refused.status_code == 422 and not Case.objects.exists()
    opened = client.post("/cases/new/", form)
    assert opened.status_code in (302, 303)
    case = Case.objects.get()
    assert (case.kind, case.platform, case.product_series) == ("technical", "KR-480", "KR Series")


@pytest.mark.parametrize("person", CUSTOMERS)
def test_the_console_installed_base_is_not_found_for_customers(
    world: World, ib: InstalledBase, client_for, person: str
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(person)
    for url in (
        "/console/assets/",
        "/console/assets/KR1000001/",
        "/console/entitlement/?q=KR1000001",
        "/console/order-imports/",
    ):
        assert client.get(url).status_code == 404, url


def test_staff_see_the_installed_base_but_not_uncleared_government_units(
    world: World, ib: InstalledBase, client_for
) -> None:  # type: ignore[no-untyped-def]
    agent = client_for("agent")
    page = agent.get("/console/assets/").content.decode()
    assert "KR2000001" in page and "KR1000001" in page and "KR3000001" not in page
    assert agent.get("/console/assets/KR3000001/").status_code == 404
    assert client_for("cleared").get("/console/assets/KR3000001/").status_code == 200
    assert "C-GLOBEX-1" in agent.get("/console/entitlement/", {"q": "C-GLOBEX-1"}).content.decode()


def test_staff_import_orders_from_the_console(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    from caredesk.installbase.models import Asset, OrderImport

    world.acme.account_number = "A-100"
    world.acme.save()
    text = b"sales_order,line,serial,sku,customer_account\nSO-1,1,KR9000001,KR-480-AC,A-100\nSO-1,2,KR9,NOPE,A-100\n"
    client = client_for("agent")
    response = client.post("/console/order-imports/", {"file": SimpleUploadedFile("orders.csv", text)})
    assert response.status_code == 302
    assert Asset.objects.filter(serial="KR9000001").exists()
    listing = client.get("/console/order-imports/").content.decode()
    done = OrderImport.objects.get()
    assert "orders.csv" in listing and f"/console/order-imports/{done.pk}/rejections/" in listing
    report = client.get(f"/console/order-imports/{done.pk}/rejections/")
    assert b"No product has this SKU." in b"".join(report.streaming_content)
    bad = client.post("/console/order-imports/", {"file": SimpleUploadedFile("x.csv", b"a,b\n")})
    assert bad.status_code == 422 and "header" in bad.content.decode()


def test_an_installed_base_update_from_console_to_portal(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    from caredesk.accounts import services as accounts
    from caredesk.cases import services
    from caredesk.entitlements.models import Depot, DepotArea
    from tests.personas import admin_case

    DepotArea.objects.create(
        depot=Depot.objects.create(name="Warsaw", replacements=["next_business_day"]), country="PL"
    )
    accounts.add_site(world.acme, "S-ACME-WAW", "Acme Warsaw", "PL")
    case = admin_case(world.alice, request_type="installed-base-update", request_subtype="move",
                      template_data={"serials": "KR1000001", "target_site": "S-ACME-WAW"})  # fmt: skip
    services.assign(world.agent, case.case_id)
    agent = client_for("agent")
    assert "Apply the installed-base update" in agent.get(f"/console/cases/{case.case_id}/").content.decode()
    assert agent.post(f"/console/cases/{case.case_id}/installed-base-update/").status_code == 303
    page = client_for("alice").get(f"/cases/{case.case_id}/").content.decode()
    assert "A new service level for KR1000001" in page and "Advanced, next business day" in page
    paul = client_for("paul").get(f"/cases/{case.case_id}/").content.decode()
    assert "A new service level" in paul and "Accept Advanced" not in paul  # the partner sees, does not decide
    from caredesk.entitlements.models import ServiceLevelOffer

    offer = ServiceLevelOffer.objects.get()
    done = client_for("alice").post(f"/cases/{case.case_id}/offers/{offer.pk}/accept/")
    assert done.status_code in (302, 303)
    offer.refresh_from_db()
    assert offer.status == "accepted"
    history = client_for("alice").get(f"/cases/{case.case_id}/").content.decode()
    assert "A new service level for KR1000001" not in history


def test_reinstatement_from_portal_request_to_console_decision(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    from caredesk.installbase.models import Reinstatement

    alice = client_for("alice")
    assert "Request inspection and reinstatement" in alice.get("/assets/KR1000005/").content.decode()
    assert alice.post("/assets/KR1000005/reinstatement/").status_code == 302
    assert client_for("charlie").post("/assets/KR1000005/reinstatement/").status_code == 404
    item = Reinstatement.objects.get()
    agent = client_for("agent")
    assert "KR1000005" in agent.get("/console/transfers-and-reinstatements/").content.decode()
    for data in ({"step": "inspect"}, {"step": "pass", "fee": "99"}, {"step": "paid"}):
        response = agent.post(
            "/console/transfers-and-reinstatements/", {"kind": "reinstatement", "id": item.pk, **data}
        )
        assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "reinstated"
    assert client_for("alice").get("/console/transfers-and-reinstatements/").status_code == 404


def test_a_transfer_from_portal_request_to_console_decision(world: World, ib: InstalledBase, client_for) -> None:  # type: ignore[no-untyped-def]
    from caredesk.installbase.models import OwnershipTransfer

    world.globex.account_number = "G-200"
    world.globex.save()
    assert client_for("alice").post("/assets/KR1000003/transfer/", {"new_owner": "G-200"}).status_code == 302
    transfer = OwnershipTransfer.objects.get()
    agent = client_for("agent")
    response = agent.post(
        "/console/transfers-and-reinstatements/", {"kind": "transfer", "id": transfer.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    assert client_for("charlie").get("/assets/KR1000003/").status_code == 200
    assert client_for("alice").get("/assets/KR1000003/").status_code == 404
