"""Case import for migrations: administrators bring cases from another system with their
opening time, messages and state; ids are dated by the opening (D-3.1), due times come
from it (D-4.1), past lateness and escalation are marked and nobody is notified."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from caredesk.accounts import services as accounts
from caredesk.cases import services
from caredesk.cases.models import Case, CaseMessage
from caredesk.core import audit
from caredesk.core.errors import Forbidden, ValidationFailed
from tests.personas import PASSWORD, World

NOW = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
Message = apps.get_model("notifications", "Message")  # the outbox, by name: cases does not import notifications


@pytest.fixture
def admin(world: World):  # type: ignore[no-untyped-def]
    return accounts.create_user("root@vendor.example", "Ada Admin", world.vendor, PASSWORD, roles=["admin"])


def old_case(world: World, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "admin",
        "request_type": "login-assistance",
        "request_subtype": "password-reset",
        "priority": "P3",
        "follow_up_method": "email",
        "callback_phone": "+49 69 1234 5678",
        "summary": "Portal password reset",
        "description": "Migrated from the old helpdesk.",
        "organisation_id": world.acme.pk,
        "contact_email": "alice@acme.example",
        "opened_at": "2025-01-13T18:30:00+00:00",  # Monday 10:30 PST
        "status": "closed",
        "owner_email": "agent@vendor.example",
        "external_id": "ZD-4711",
        "messages": [
            {"at": "2025-01-13T18:30:05+00:00", "author_email": "alice@acme.example", "body": "I cannot log in."},
            {"at": "2025-01-14T17:00:00+00:00", "author_email": "agent@vendor.example", "body": "Reset done."},
            {"at": "2025-01-14T17:05:00+00:00", "author_name": "Old Bot", "from_staff": True, "internal": True,
             "body": "Auto-tagged."},
        ],
    }  # fmt: skip
    data.update(extra)
    return data


def test_an_imported_case_keeps_its_past_and_tells_nobody(world: World, admin: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        (case,) = services.import_cases(admin, [services.imported_case(old_case(world))])
    assert case.case_id == "2025-0113-00001"  # dated by its opening in the centre's zone
    assert case.created_at == datetime(2025, 1, 13, 18, 30, tzinfo=UTC)
    assert case.response_due_at == datetime(2025, 1, 15, 18, 30, tzinfo=UTC)  # 2 business days from the opening
    assert case.first_response_at == datetime(2025, 1, 14, 17, 0, tzinfo=UTC)  # in time: never breached
    assert case.response_breached_at is None
    assert (case.status, case.owner, case.closed_at) == (
        "closed",
        world.agent,
        datetime(2025, 1, 14, 17, 5, tzinfo=UTC),
    )
    kinds = list(CaseMessage.objects.filter(case=case).order_by("created_at").values_list("kind", "from_staff"))
    assert kinds == [("reply", False), ("reply", True), ("note", True)]
    assert not Message.objects.exists()
    entry = audit.history(case, include_internal=True).get(action="imported")
    assert entry.changes["external_id"] == "ZD-4711"


def test_an_open_imported_case_is_not_told_of_as_late(world: World, admin: Any) -> None:
    data = old_case(world, status="open", messages=[], owner_email="")
    with time_machine.travel(NOW, tick=False):
        (case,) = services.import_cases(admin, [services.imported_case(data)])
        assert case.response_breached_at is not None  # its lateness lies in the past
        assert case.escalation_level == 3 and case.escalation_due_at is None  # every level passed long ago
        assert services.sweep_breaches() == 0 and services.sweep_escalations() == 0
    assert not Message.objects.exists()


def test_the_days_sequence_continues_after_imports(world: World, admin: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        services.import_cases(admin, [services.imported_case(old_case(world)) for _ in range(2)])
    with time_machine.travel(datetime(2025, 1, 13, 20, 0, tzinfo=UTC), tick=False):
        live = services.open_case(world.alice, services.NewCase(**{
            k: v for k, v in old_case(world).items() if k in services.NewCase.__dataclass_fields__
            and k not in ("organisation_id", "contact_email")
        }))  # fmt: skip
    assert sorted(Case.objects.values_list("case_id", flat=True)) == [
        "2025-0113-00001", "2025-0113-00002", "2025-0113-00003",
    ]  # fmt: skip
    assert live.case_id == "2025-0113-00003"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"opened_at": "2027-01-01T00:00:00+00:00"}, "cases.0.opened_at"),
        ({"opened_at": "yesterday"}, "opened_at"),
        ({"opened_at": "0001-01-01T00:00:00+00:00"}, "cases.0.opened_at"),
        ({"status": "done"}, "cases.0.status"),
        ({"owner_email": "alice@acme.example"}, "cases.0.owner_email"),
        ({"callback_phone": "12"}, "cases.0.callback_phone"),
        ({"closed_at": "2025-01-13T00:00:00+00:00"}, "cases.0.closed_at"),
        ({"messages": [{"at": "2024-01-01T00:00:00+00:00", "author_name": "X", "body": "early"}]},
         "cases.0.messages.0.at"),
        ({"messages": [{"at": "2025-02-01T00:00:00+00:00", "author_email": "alice@acme.example", "body": "x",
                        "internal": True}]}, "cases.0.messages.0.internal"),
        ({"colour": "red"}, "colour"),
        ({"contact_email": "alice@acme.example\u0000"}, "case"),
        ({"messages": [{"at": "2025-02-01T00:00:00+00:00", "author_name": "X", "body": "fine"},
                       {"at": "2025-01-20T00:00:00+00:00", "author_email": "charlie@globex.example", "body": "x"}]},
         "cases.0.messages.1.author_email"),  # not Acme's user; and its position in the input, not by time
    ],
)  # fmt: skip
def test_bad_cases_import_nothing(world: World, admin: Any, change: dict[str, Any], field: str) -> None:
    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationFailed) as refused:
        good = services.imported_case(old_case(world))
        services.import_cases(admin, [good, services.imported_case(old_case(world, **change))])
    assert field.replace("cases.0.", "cases.1.") in refused.value.fields or field in refused.value.fields
    assert not Case.objects.exists()


def test_an_imported_proposal_waits_for_the_customer_from_the_import(world: World, admin: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        (case,) = services.import_cases(admin, [services.imported_case(old_case(world, status="resolution_proposed"))])
        assert case.resolution_proposed_at == NOW
        assert services.close_silent_cases() == 0  # not closed at once for the old system's silence


def test_only_administrators_import(world: World) -> None:
    with pytest.raises(Forbidden):
        services.import_cases(world.manager, [services.imported_case(old_case(world))])


def test_the_api_imports_for_administrators(api, world: World, admin: Any) -> None:  # type: ignore[no-untyped-def]
    body = {"cases": [old_case(world)]}
    assert api("agent").post("/case-imports", body).status_code == 403
    with time_machine.travel(NOW, tick=False):
        made = api(admin).post("/case-imports", body)
    assert made.status_code == 201, made.content
    assert made.json()[0]["case_id"] == "2025-0113-00001" and made.json()[0]["external_id"] == "ZD-4711"
    refused = api(admin).post("/case-imports", {"cases": [old_case(world, priority="P9")]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid"
    assert api(admin).post("/case-imports", {"cases": [old_case(world)] * 101}).status_code == 422
    assert Case.objects.count() == 1


def test_the_command_imports_a_file_and_names_the_refused_lines(
    world: World, admin: Any, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    lines = [json.dumps(old_case(world)), "not json", json.dumps(old_case(world, status="done")), ""]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines))
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError):
        call_command("import_cases", str(path), "--as", admin.email)
    out = capsys.readouterr()
    assert "1 cases imported, 2 refused" in out.out
    assert "line 2: not JSON" in out.err and "line 3: status" in out.err
    assert Case.objects.count() == 1
