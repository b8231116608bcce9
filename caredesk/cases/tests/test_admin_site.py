"""The admin site: request-type templates are checked on save (D-3.3), cases cannot be
changed there (D-3.5 keeps its path through the services), and every admin change is
in the audit trail (house rule 7)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.cases.models import CaseStatus, RequestType, check_template
from caredesk.core.models import AuditEntry
from tests.personas import PASSWORD, World, admin_case


@pytest.fixture
def root(world: World) -> User:
    return accounts.create_user(
        "root@vendor.example", "Rita Root", world.vendor, PASSWORD, roles=["admin"], site_admin=True
    )


@pytest.fixture
def admin_client(root: User) -> Client:
    client = Client()
    client.force_login(root)
    return client


def _type_form(request_type: RequestType, template: object) -> dict[str, str]:
    return {
        "code": request_type.code,
        "name": request_type.name,
        "description": request_type.description,
        "template": json.dumps(template),
        "active": "on",
        "position": str(request_type.position),
        "subtypes-TOTAL_FORMS": "0",
        "subtypes-INITIAL_FORMS": "0",
        "subtypes-MIN_NUM_FORMS": "0",
        "subtypes-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize(
    "template",
    [
        {"name": "serials"},  # not a list
        [{"label": "no name"}],
        [{"name": "a", "type": "colour"}],
        [{"name": "a"}, {"name": "a"}],
        [{"name": "pick", "type": "choice"}],  # a choice without choices
        [{"name": "a", "max_length": "long"}],
        [{"name": "a", "required": "yes"}],
        ["serials"],
    ],
)
def test_a_broken_template_is_refused_in_the_admin(admin_client: Client, template: object) -> None:
    request_type = RequestType.objects.get(code="general-inquiry")
    response = admin_client.post(
        f"/admin/cases/requesttype/{request_type.pk}/change/", _type_form(request_type, template)
    )
    assert response.status_code == 200  # the form again, with the error
    assert "errornote" in response.content.decode()
    request_type.refresh_from_db()
    assert request_type.template == []
    assert not AuditEntry.objects.filter(object_type="cases.requesttype").exists()


def test_a_template_change_is_saved_and_audited(admin_client: Client, root: User) -> None:
    request_type = RequestType.objects.get(code="general-inquiry")
    template = [{"name": "topic", "label": "Topic", "type": "choice", "choices": ["Billing", "Other"]}]
    response = admin_client.post(
        f"/admin/cases/requesttype/{request_type.pk}/change/", _type_form(request_type, template)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(object_type="cases.requesttype", object_id=str(request_type.pk))
    assert entry.actor_id == root.pk
    assert entry.action == "changed_in_admin"
    assert entry.changes["template"] == [[], template]


def test_the_seeded_catalogue_passes_the_template_check(db: None) -> None:
    for request_type in RequestType.objects.all():
        check_template(request_type.template)


def test_a_template_broken_outside_the_admin_is_a_clear_error_not_a_crash(world: World, api) -> None:  # type: ignore[no-untyped-def]
    RequestType.objects.filter(code="login-assistance").update(template=[{"label": "no name"}])
    response = api("alice").post(
        "/cases",
        {
            "request_type": "login-assistance",
            "request_subtype": "password-reset",
            "priority": "P3",
            "follow_up_method": "email",
            "callback_phone": "+49 69 1234 5678",
            "summary": "Cannot log in",
            "description": "The portal refuses my password.",
        },
    )
    assert response.status_code == 422
    assert "request_type" in response.json()["error"]["fields"]
    client = Client()
    client.force_login(world.alice)
    page = client.get("/cases/new/", {"type": "login-assistance"})
    assert page.status_code == 200


def test_cases_are_read_only_in_the_admin(world: World, admin_client: Client) -> None:
    case = admin_case(world.alice)
    form = admin_client.get(f"/admin/cases/case/{case.pk}/change/")
    assert form.status_code == 200  # visible …
    response = admin_client.post(f"/admin/cases/case/{case.pk}/change/", {"status": "closed", "summary": "x"})
    assert response.status_code == 403  # … but not changeable
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert admin_client.get("/admin/cases/case/add/").status_code == 403


def test_role_and_clearance_changes_are_audited_and_roles_checked(world: World, admin_client: Client) -> None:
    agent = world.agent
    url = f"/admin/accounts/user/{agent.pk}/change/"
    form = {
        "email": agent.email,
        "full_name": agent.full_name,
        "organisation": str(agent.organisation_id),
        "roles": json.dumps(["care_agent", "escalation"]),
        "gov_cleared": "on",
        "phone": "",
        "language": "en",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "password_changed_at_0": "2026-01-01",
        "password_changed_at_1": "00:00:00",
    }
    bad = admin_client.post(url, {**form, "roles": json.dumps(["janitor"])})
    assert bad.status_code == 200 and "errornote" in bad.content.decode()
    agent.refresh_from_db()
    assert agent.roles == ["care_agent"] and not agent.gov_cleared
    good = admin_client.post(url, form)
    assert good.status_code == 302, good.content.decode()[:3000]
    entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(agent.pk)).latest("id")
    assert entry.changes["roles"] == [["care_agent"], ["care_agent", "escalation"]]
    assert entry.changes["gov_cleared"] == [False, True]
    assert "password" not in entry.changes


def test_the_catalogue_cache_follows_an_admin_change_at_once(world: World, admin_client: Client) -> None:
    from caredesk.cases.queries import active_subtype

    assert active_subtype("login-assistance", "password-reset") is not None  # now cached
    request_type = RequestType.objects.get(code="login-assistance")
    form = _type_form(request_type, request_type.template)
    form.pop("active")  # unticked: the type is withdrawn
    assert admin_client.post(f"/admin/cases/requesttype/{request_type.pk}/change/", form).status_code == 302
    assert active_subtype("login-assistance", "password-reset") is None
    response = admin_client.get("/api/v1/request-types")
    assert "login-assistance" not in response.content.decode()


def test_an_administrator_changes_a_macro_on_the_admin_site_and_it_is_audited(world: World, admin_client) -> None:  # type: ignore[no-untyped-def]
    from caredesk.cases import services

    macro = services.create_macro(world.agent, services.MacroData(name="Hello", body="Hello {{customer_name}}"))
    page = admin_client.get("/admin/cases/macro/")
    assert page.status_code == 200 and b"Hello" in page.content
    response = admin_client.post(
        f"/admin/cases/macro/{macro.pk}/change/",
        {
            "name": "Hello again",
            "body": macro.body,
            "owner": str(world.agent.pk),
            "set_status": "",
            "set_priority": "",
            "created_at_0": "2026-06-15",
            "created_at_1": "10:00:00",
            "updated_at_0": "2026-06-15",
            "updated_at_1": "10:00:00",
        },  # fmt: skip
    )
    assert response.status_code == 302, response.content
    entry = AuditEntry.objects.filter(object_type="cases.macro", object_id=str(macro.pk)).order_by("-id").first()
    assert entry is not None and entry.changes["name"] == ["Hello", "Hello again"]
    assert admin_client.get("/admin/cases/savedview/").status_code == 200
