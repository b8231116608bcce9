"""D-1.2 and D-1.3 as one access model: capabilities from roles, and one owner scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from caredesk.accounts import services as accounts
from caredesk.accounts.access import (
    GRANTS,
    STAFF_ROLES,
    Audience,
    Capability,
    capabilities,
    may,
    owner_scope,
    require,
)
from caredesk.accounts.models import Organisation, Role, User
from caredesk.core.errors import Forbidden, ValidationFailed
from tests.personas import PASSWORD, World

C = Capability


def staff(world: World, *roles: Role, cleared: bool = False) -> User:
    name = "-".join(roles) or "nobody"
    return accounts.create_user(
        f"{name}@vendor.example", name, world.vendor, PASSWORD, roles=list(roles), gov_cleared=cleared
    )


def test_anonymous_and_deactivated_people_may_nothing(world: World) -> None:
    assert capabilities(AnonymousUser()) == frozenset()
    assert capabilities(None) == frozenset()
    assert not may(None, C.OPEN_CASES)
    world.agent.is_active = False
    assert not may(world.agent, C.WORK_CASES)


def test_every_role_of_d_1_2_and_every_audience_has_a_row() -> None:
    assert set(GRANTS) == set(Role.values) | set(Audience)
    assert all(isinstance(c, Capability) for grants in GRANTS.values() for c in grants)


def test_customers_and_partners_act_on_the_customer_side_only(world: World) -> None:
    for person in (world.alice, world.carol, world.paul, world.gina):
        assert may(person, C.OPEN_CASES) and may(person, C.ESCALATE_CASES) and may(person, C.ACCEPT_SERVICE_LEVELS)
        assert not may(person, C.WORK_CASES)
        assert not may(person, C.SEE_INTERNAL)
        assert not may(person, C.USE_CONSOLE)
        assert not may(person, C.MANAGE_ORGANISATION_MEMBERS)  # no org_admin role


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_role_works_cases_in_the_console(world: World, role: Role) -> None:
    person = staff(world, role)
    assert may(person, C.USE_CONSOLE) and may(person, C.WORK_CASES) and may(person, C.SEE_INTERNAL)
    assert not may(person, C.ANSWER_RESOLUTIONS)  # never the customer's decision (D-3.5)


def test_rma_and_licensing_rights_follow_the_roles(world: World) -> None:
    tse, rma, licensing, agent = (
        staff(world, Role.TSE),
        staff(world, Role.RMA_SPECIALIST),
        staff(world, Role.LICENSING),
        world.agent,
    )
    assert may(tse, C.CREATE_RMA_REQUESTS) and not may(tse, C.APPROVE_RMAS)
    assert may(rma, C.APPROVE_RMAS) and may(rma, C.RECEIVE_RETURNS) and not may(rma, C.CREATE_RMA_REQUESTS)
    depot = staff(world, Role.SUPPORT_LOGISTICS)
    assert may(depot, C.RECEIVE_RETURNS) and not may(depot, C.APPROVE_RMAS) and not may(depot, C.CREATE_RMA_REQUESTS)
    assert may(licensing, C.MANAGE_LICENCES) and not may(agent, C.MANAGE_LICENCES)
    assert not may(tse, C.ACTIVATE_ECERTIFICATES)  # contracts are Customer Care's


def test_managers_see_the_dashboard_and_agents_do_not(world: World) -> None:
    assert may(world.manager, C.VIEW_DASHBOARD)
    assert may(staff(world, Role.TEAM_LEAD), C.VIEW_DASHBOARD)
    assert may(staff(world, Role.DIRECTOR), C.VIEW_DASHBOARD)
    assert not may(world.agent, C.VIEW_DASHBOARD)


def test_a_member_of_staff_without_a_role_sees_but_does_not_work_cases(world: World) -> None:
    nobody = staff(world)
    assert may(nobody, C.USE_CONSOLE) and may(nobody, C.SEE_INTERNAL)
    assert not may(nobody, C.WORK_CASES)


def test_an_administrator_may_every_staff_action_and_a_superuser_is_one(world: World) -> None:
    admin = staff(world, Role.ADMIN)
    root = User.objects.create_superuser("root@vendor.example", PASSWORD, full_name="Root", organisation=world.vendor)
    root.roles = []
    for person in (admin, root):
        for capability in (C.IMPORT_CASES, C.MANAGE_DEPOTS, C.APPROVE_RMAS, C.MANAGE_LICENCES, C.VIEW_DASHBOARD):
            assert may(person, capability)
        assert not may(person, C.ANSWER_RESOLUTIONS)


def test_require_refuses_in_words_and_lets_through(world: World) -> None:
    require(world.agent, C.WORK_CASES)
    with pytest.raises(Forbidden) as refused:
        require(world.alice, C.WORK_CASES)
    assert "Customer Care" in refused.value.message


def test_org_admin_is_a_customer_role_and_staff_roles_are_the_vendors(world: World) -> None:
    boss = accounts.create_user("boss@acme.example", "Bo Boss", world.acme, PASSWORD, roles=[Role.ORG_ADMIN])
    assert may(boss, C.MANAGE_ORGANISATION_MEMBERS) and not may(boss, C.WORK_CASES)
    with pytest.raises(ValidationFailed):
        accounts.create_user("sneaky@acme.example", "Sneaky", world.acme, PASSWORD, roles=[Role.CARE_AGENT])
    with pytest.raises(ValidationFailed):
        accounts.create_user("odd@vendor.example", "Odd", world.vendor, PASSWORD, roles=[Role.ORG_ADMIN])
    # A role smuggled onto the row by hand grants nothing to the wrong kind of organisation.
    User.objects.filter(pk=world.alice.pk).update(roles=[Role.ADMIN])
    alice = User.objects.select_related("organisation").get(pk=world.alice.pk)
    assert not may(alice, C.WORK_CASES)


# --- the owner scope -----------------------------------------------------------------------------


def test_the_owner_scope_follows_d_1_3_for_organisations(world: World) -> None:
    def seen(user: object) -> set[str]:
        return set(owner_scope(user, Organisation.objects, "").values_list("name", flat=True))

    assert seen(world.alice) == {"Acme Telecom"}
    assert seen(world.carol) == {"Consultix", "Acme Telecom"}
    assert seen(world.paul) == {"Netsellers", "Acme Telecom"}
    assert "Federal Agency" not in seen(world.agent)
    assert "Federal Agency" in seen(world.cleared)
    assert seen(AnonymousUser()) == set()
