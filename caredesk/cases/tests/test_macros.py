"""Canned replies (macros): placeholders filled by plain substitution, shared ones kept by
team leads and managers, personal ones by their owner; applying one is the reply (or
note) and its status and priority changes in one transaction, each recorded (D-3.5)."""

from __future__ import annotations

import pytest
import time_machine

from caredesk.cases import services
from caredesk.cases.models import CaseMessage, CaseStatus
from caredesk.cases.services import MacroData
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from tests.personas import World, admin_case

MONDAY = "2026-06-15 10:00 -07:00"

GREETING = (
    "Hello {{customer_name}}, about case {{ case_id }} ({{case_summary}}) for {{organisation}}: "
    "we need the serial. Regards, {{agent_name}}"
)


@time_machine.travel(MONDAY, tick=False)
def test_applying_a_macro_replies_with_the_placeholders_filled_and_sets_status_and_priority(world: World) -> None:
    case = admin_case(world.alice)
    macro = services.create_macro(
        world.agent, MacroData(name="Need serial", body=GREETING, set_status="awaiting_customer", set_priority="P2")
    )
    message = services.apply_macro(world.agent, case.case_id, macro.pk)
    assert message.kind == CaseMessage.Kind.REPLY
    assert message.body == (
        f"Hello Alice Archer, about case {case.case_id} (Cannot log in to the portal) for Acme Telecom: "
        "we need the serial. Regards, Ann Agent"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_CUSTOMER and case.priority == "P2"
    actions = list(
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    # Each change is its own history entry, as if done by hand.
    assert actions[-4:] == ["replied", "status_changed", "priority_changed", "macro_applied"]


@time_machine.travel(MONDAY, tick=False)
def test_a_value_that_looks_like_a_placeholder_or_template_code_is_inserted_as_it_is(world: World) -> None:
    world.alice.full_name = "{{agent_name}} {% debug %} {0.__class__}"
    world.alice.save(update_fields=["full_name"])
    case = admin_case(world.alice)
    macro = services.create_macro(world.agent, MacroData(name="Hi", body="Hi {{customer_name}}, {{ agent_name }}"))
    body = services.apply_macro(world.agent, case.case_id, macro.pk).body
    assert body == "Hi {{agent_name}} {% debug %} {0.__class__}, Ann Agent"


def test_unknown_placeholders_bad_status_and_priority_are_refused_when_saving(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.create_macro(
            world.agent,
            MacroData(
                name="", body="Hi {{ customer.password }} {{secret}}", set_status="closed", set_priority="P9"
            ),  # fmt: skip
        )
    fields = refused.value.fields
    assert set(fields) == {"name", "body", "set_status", "set_priority"}
    assert "secret" in fields["body"] and "customer_name" in fields["body"]


def test_shared_macros_are_kept_by_managers_and_personal_ones_by_their_owner(world: World) -> None:
    with pytest.raises(Forbidden):
        services.create_macro(world.agent, MacroData(name="Team", body="Hello", shared=True))
    with pytest.raises(Forbidden):
        services.create_macro(world.alice, MacroData(name="Mine", body="Hello"))
    shared = services.create_macro(world.manager, MacroData(name="Team", body="Hello", shared=True))
    mine = services.create_macro(world.agent, MacroData(name="Mine", body="Hello"))
    assert {m.name for m in services.visible_macros(world.agent)} == {"Team", "Mine"}
    assert {m.name for m in services.visible_macros(world.cleared)} == {"Team"}
    assert list(services.visible_macros(world.alice)) == []
    with pytest.raises(Forbidden):
        services.update_macro(world.agent, shared.pk, MacroData(name="Team", body="Changed"))
    with pytest.raises(NotFound):
        services.delete_macro(world.cleared, mine.pk)  # another agent's personal macro does not exist for them
    services.update_macro(world.manager, shared.pk, MacroData(name="Team", body="Changed", as_note=True))
    shared.refresh_from_db()
    assert shared.body == "Changed" and shared.as_note and shared.shared
    services.delete_macro(world.agent, mine.pk)
    assert [m.name for m in services.visible_macros(world.agent)] == ["Team"]


def test_names_are_unique_among_shared_and_among_one_persons_macros(world: World) -> None:
    services.create_macro(world.agent, MacroData(name="Thanks", body="Thank you"))
    services.create_macro(world.cleared, MacroData(name="Thanks", body="Thank you"))
    services.create_macro(world.manager, MacroData(name="Thanks", body="Thank you", shared=True))
    with pytest.raises(ValidationFailed) as refused:
        services.create_macro(world.agent, MacroData(name="Thanks", body="Again"))
    assert "name" in refused.value.fields


@time_machine.travel(MONDAY, tick=False)
def test_a_note_macro_adds_an_internal_note(world: World) -> None:
    case = admin_case(world.alice)
    macro = services.create_macro(world.agent, MacroData(name="Checked", body="Checked {{case_id}}", as_note=True))
    message = services.apply_macro(world.agent, case.case_id, macro.pk)
    assert message.kind == CaseMessage.Kind.NOTE and message.body == f"Checked {case.case_id}"


@time_machine.travel(MONDAY, tick=False)
def test_a_macro_whose_status_change_is_refused_changes_nothing(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Try this.")
    macro = services.create_macro(
        world.agent,
        MacroData(
            name="Wait", body="Waiting for you", as_note=True, set_status="awaiting_customer", set_priority="P1"
        ),  # fmt: skip
    )
    with pytest.raises(Conflict):
        services.apply_macro(world.agent, case.case_id, macro.pk)  # Resolution proposed → Awaiting: not a move
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLUTION_PROPOSED and case.priority == "P3"
    assert not CaseMessage.objects.filter(case=case, body="Waiting for you").exists()


@time_machine.travel(MONDAY, tick=False)
def test_macros_apply_only_to_visible_cases_and_only_the_actors_macros(world: World) -> None:
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    case = admin_case(world.alice)
    mine = services.create_macro(world.cleared, MacroData(name="Mine", body="Hello"))
    with pytest.raises(NotFound):
        services.apply_macro(world.agent, gov.case_id, mine.pk)
    with pytest.raises(NotFound):
        services.apply_macro(world.agent, case.case_id, mine.pk)  # cleared's personal macro
    with pytest.raises(Forbidden):
        services.apply_macro(world.alice, case.case_id, mine.pk)
