"""D-1.3 on the admin site: the outbox and the webhook deliveries tell of cases, so staff
who are not cleared for government customers do not read those customers' notices there,
nor their e-certificates, sites, people or organisations."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.notifications.models import Message, Webhook, WebhookDelivery
from tests.personas import PASSWORD, World, admin_case

GOV_SUMMARY = "Classified rack fails its self-test"
ACME_SUMMARY = "Licence portal shows the wrong seats"


@pytest.fixture
def staff_admins(world: World) -> dict[str, Client]:
    clients = {}
    for name, cleared in (("plain", False), ("cleared", True)):
        person = accounts.create_user(
            f"{name}-admin@vendor.example", f"{name} admin", world.vendor, PASSWORD, roles=["admin"],
            site_admin=True, gov_cleared=cleared,
        )  # fmt: skip
        client = Client()
        client.force_login(person)
        clients[name] = client
    return clients


@pytest.fixture
def notices(world: World) -> None:
    Webhook.objects.create(name="crm", url="https://crm.example/hook", secret="s3cret")
    admin_case(world.gina, summary=GOV_SUMMARY)
    admin_case(world.alice, summary=ACME_SUMMARY)
    assert Message.objects.filter(to_email=world.gina.email).exists()
    assert WebhookDelivery.objects.count() == 2


def _listed(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_outbox_list_hides_government_notices_from_staff_who_are_not_cleared(
    world: World, staff_admins: dict[str, Client], notices: None
) -> None:
    plain = _listed(staff_admins["plain"], "/admin/notifications/message/")
    cleared = _listed(staff_admins["cleared"], "/admin/notifications/message/")
    assert world.gina.email not in plain and world.alice.email in plain
    assert world.gina.email in cleared
    gov = Message.objects.get(to_email=world.gina.email)
    assert staff_admins["plain"].get(f"/admin/notifications/message/{gov.pk}/change/").status_code in (302, 404)


def test_webhook_deliveries_of_government_cases_are_for_cleared_staff(
    world: World, staff_admins: dict[str, Client], notices: None
) -> None:
    gov = next(d for d in WebhookDelivery.objects.all() if d.payload["organisation_id"] == world.agency.pk)
    acme = next(d for d in WebhookDelivery.objects.all() if d.payload["organisation_id"] == world.acme.pk)
    plain = _listed(staff_admins["plain"], "/admin/notifications/webhookdelivery/")
    assert f"/{acme.pk}/change/" in plain and f"/{gov.pk}/change/" not in plain
    assert f"/{gov.pk}/change/" in _listed(staff_admins["cleared"], "/admin/notifications/webhookdelivery/")


def test_government_organisations_sites_and_people_are_for_cleared_staff(
    world: World, staff_admins: dict[str, Client]
) -> None:
    for path, text in (
        ("/admin/accounts/organisation/", "Federal Agency"),
        ("/admin/accounts/site/", "S-GOV-1"),
        ("/admin/accounts/user/", world.gina.email),
    ):
        assert text not in _listed(staff_admins["plain"], path), path
        assert text in _listed(staff_admins["cleared"], path), path
    assert User.objects.filter(email=world.gina.email).exists()
