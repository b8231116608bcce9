"""D-1.4: joining an organisation by proof is weak proof, so its administrator (org_admin)
approves such members where the organisation wants that (on by default while it has an
administrator), is told of every one who joined, and can remove them; D-1.2: associations
are ended by staff who manage users, or by the organisation's administrator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from caredesk.accounts import services
from caredesk.accounts.models import Registration, RegistrationStatus, Role, User
from caredesk.accounts.queries import members_need_approval, memberships_awaiting_approval, organisation_members
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from tests.personas import PASSWORD, World

NEW_PASSWORD = "sturdy registration passphrase 9"


@pytest.fixture
def proofs(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """SN-ACME-1 proves Acme, SN-GLOBEX-1 Globex."""
    table = {"SN-ACME-1": world.acme, "SN-GLOBEX-1": world.globex}
    monkeypatch.setattr(services, "_proof_resolvers", [table.get])


@pytest.fixture
def ada(world: World) -> User:
    """Acme's administrator."""
    return services.create_user("ada@acme.example", "Ada Admin", world.acme, PASSWORD, roles=[Role.ORG_ADMIN])


def join(email: str, proof: str, mails, name: str = "Dora Diaz") -> Registration:  # type: ignore[no-untyped-def]
    with mails(execute=True):
        services.start_registration(name, email, client_ip="10.0.0.5")
    match = re.search(r"/register/verify/([^/]+)/", mail.outbox[-1].body)
    assert match
    _registration, secret = services.verify_registration(match.group(1))
    services.choose_registration_organisation(secret, proof=proof, new_account=False)
    with mails(execute=True):
        return services.finish_registration(secret, password=NEW_PASSWORD, accept_terms=True)


def test_without_an_administrator_a_proof_joins_at_once_and_nobody_is_asked(world: World, proofs, mails) -> None:  # type: ignore[no-untyped-def]
    assert not members_need_approval(world.acme)
    registration = join("dora@acme.example", "SN-ACME-1", mails)
    assert registration.status == RegistrationStatus.COMPLETED
    assert User.objects.get(email="dora@acme.example").is_active


def test_with_an_administrator_approval_is_on_by_default_and_the_account_waits(
    world: World, proofs, ada: User, mails
) -> None:  # type: ignore[no-untyped-def]
    assert world.acme.members_need_approval is None and members_need_approval(world.acme)
    registration = join("dora@acme.example", "SN-ACME-1", mails)
    assert registration.status == RegistrationStatus.AWAITING_ORG_ADMIN
    assert not User.objects.filter(email="dora@acme.example").exists()  # no account works yet
    assert list(memberships_awaiting_approval(ada)) == [registration]
    assert not memberships_awaiting_approval(world.alice).exists()  # not an administrator


def test_the_administrator_approves_and_the_account_works(world: World, proofs, ada: User, mails) -> None:  # type: ignore[no-untyped-def]
    registration = join("dora@acme.example", "SN-ACME-1", mails)
    with mails(execute=True):
        services.decide_membership(ada, registration.pk, approve=True)
    dora = User.objects.get(email="dora@acme.example")
    assert dora.organisation == world.acme and dora.check_password(NEW_PASSWORD)
    assert "your account is ready" in mail.outbox[-1].subject
    assert AuditEntry.objects.filter(action="member_approved", actor=ada).exists()
    with pytest.raises(Conflict):
        services.decide_membership(ada, registration.pk, approve=False)


def test_a_refused_member_gets_no_account(world: World, proofs, ada: User, mails) -> None:  # type: ignore[no-untyped-def]
    registration = join("dora@acme.example", "SN-ACME-1", mails)
    with mails(execute=True):
        services.decide_membership(ada, registration.pk, approve=False, note="We have no Dora.")
    assert not User.objects.filter(email="dora@acme.example").exists()
    assert "We have no Dora." in mail.outbox[-1].body


def test_only_the_organisations_administrator_or_user_managers_decide(world: World, proofs, ada: User, mails) -> None:  # type: ignore[no-untyped-def]
    globex_admin = services.create_user("gus@globex.example", "Gus", world.globex, PASSWORD, roles=[Role.ORG_ADMIN])
    registration = join("dora@acme.example", "SN-ACME-1", mails)
    with pytest.raises(NotFound):  # another organisation's request does not exist for them
        services.decide_membership(globex_admin, registration.pk, approve=True)
    with pytest.raises(Forbidden):
        services.decide_membership(world.alice, registration.pk, approve=True)
    with pytest.raises(Forbidden):
        services.decide_membership(world.agent, registration.pk, approve=True)  # no MANAGE_USERS
    services.decide_membership(world.manager, registration.pk, approve=True)


def test_the_administrator_turns_approval_off_and_members_join_at_once(world: World, proofs, ada: User, mails) -> None:  # type: ignore[no-untyped-def]
    services.set_member_approval(ada, world.acme.pk, False)
    world.acme.refresh_from_db()
    assert world.acme.members_need_approval is False and not members_need_approval(world.acme)
    assert AuditEntry.objects.filter(action="member_approval_changed", actor=ada).exists()
    assert join("dora@acme.example", "SN-ACME-1", mails).status == RegistrationStatus.COMPLETED
    with pytest.raises(Forbidden):
        services.set_member_approval(world.alice, world.acme.pk, True)
    with pytest.raises(NotFound):
        services.set_member_approval(ada, world.globex.pk, True)


def test_the_removal_link_expires(world: World, proofs, ada: User, mails, settings) -> None:  # type: ignore[no-untyped-def]
    services.set_member_approval(ada, world.acme.pk, False)
    with time_machine.travel("2026-03-02 09:00 +00:00", tick=False):
        join("dora@acme.example", "SN-ACME-1", mails)
        token = services.removal_token(User.objects.get(email="dora@acme.example"))
    days = settings.MEMBER_REMOVAL_LINK_DAYS
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC) + timedelta(days=days), tick=False):
        assert services.member_for_removal(ada, token).email == "dora@acme.example"
    later = datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(days=days)
    with time_machine.travel(later, tick=False), pytest.raises(NotFound):
        services.member_for_removal(ada, token)


def test_removing_a_member_ends_their_account_and_is_audited(world: World, ada: User, api) -> None:  # type: ignore[no-untyped-def]
    token_client = api("bob")
    assert token_client.get("/me").status_code == 200
    services.remove_member(ada, world.bob.pk)
    world.bob.refresh_from_db()
    assert not world.bob.is_active
    assert token_client.get("/me").status_code == 401
    assert not world.bob.check_password("wrong") and not User.objects.get(pk=world.bob.pk).is_active
    entry = AuditEntry.objects.get(action="membership_removed")
    assert entry.actor == ada and entry.object_id == str(world.bob.pk)
    assert services.remove_member(ada, world.bob.pk) == world.bob  # again: nothing more happens
    assert AuditEntry.objects.filter(action="membership_removed").count() == 1


def test_an_administrator_removes_nobody_outside_their_organisation_and_not_themselves(world: World, ada: User) -> None:
    with pytest.raises(NotFound):
        services.remove_member(ada, world.charlie.pk)
    with pytest.raises(NotFound):
        services.remove_member(ada, world.agent.pk)
    with pytest.raises(Conflict):
        services.remove_member(ada, ada.pk)
    with pytest.raises(Forbidden):
        services.remove_member(world.alice, world.bob.pk)
    with pytest.raises(Forbidden):
        services.remove_member(world.agent, world.bob.pk)
    services.remove_member(world.manager, world.bob.pk)  # staff who manage users may


def test_staff_who_manage_users_do_not_reach_government_members_unless_cleared(world: World) -> None:
    with pytest.raises(NotFound):
        services.remove_member(world.manager, world.gina.pk)


def test_the_members_page_lists_the_organisations_people(world: World, ada: User) -> None:
    assert set(organisation_members(ada, world.acme.pk)) == {world.alice, world.bob, ada}
    with pytest.raises(NotFound):
        organisation_members(ada, world.globex.pk)


def test_an_administrator_ends_an_association_with_their_organisation(world: World, ada: User) -> None:
    assert world.acme in world.carol.associations.all()
    services.remove_association(ada, world.carol.pk, world.acme.pk)
    assert world.acme not in world.carol.associations.all()
    assert AuditEntry.objects.filter(action="association_removed", actor=ada, object_id=str(world.carol.pk)).exists()
    with pytest.raises(NotFound):  # gone already
        services.remove_association(ada, world.carol.pk, world.acme.pk)


def test_staff_who_manage_users_end_associations_and_others_may_not(world: World) -> None:
    with pytest.raises(Forbidden):
        services.remove_association(world.agent, world.carol.pk, world.acme.pk)
    with pytest.raises(Forbidden):
        services.remove_association(world.alice, world.carol.pk, world.acme.pk)
    services.remove_association(world.manager, world.carol.pk, world.acme.pk)
    from caredesk.accounts.access import acting_organisation_ids

    carol = User.objects.get(pk=world.carol.pk)
    assert acting_organisation_ids(carol) == [world.consultix.pk]  # D-1.3: no longer acts for Acme


def test_an_administrator_ends_no_association_of_another_organisation(world: World) -> None:
    globex_admin = services.create_user("gus@globex.example", "Gus", world.globex, PASSWORD, roles=[Role.ORG_ADMIN])
    with pytest.raises(NotFound):
        services.remove_association(globex_admin, world.carol.pk, world.acme.pk)


def test_step_three_errors_name_the_field_that_is_wrong(world: World, mails) -> None:  # type: ignore[no-untyped-def]
    with mails(execute=True):
        services.start_registration("Dora Diaz", "dora@example.com", client_ip="10.0.0.5")
    secret = re.search(r"/register/verify/([^/]+)/", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    _registration, secret = services.verify_registration(secret)
    with pytest.raises(ValidationFailed) as empty_serial:
        services.choose_registration_organisation(secret, proof="", new_account=False)
    assert set(empty_serial.value.fields) == {"proof"}
    assert "organisation name" not in empty_serial.value.message.lower()
    with pytest.raises(ValidationFailed) as empty_new:
        services.choose_registration_organisation(secret, new_organisation_name="", country="", new_account=True)
    assert set(empty_new.value.fields) == {"new_organisation_name", "country"}
    with pytest.raises(ValidationFailed) as made_up_country:
        services.choose_registration_organisation(secret, new_organisation_name="Dora", country="QQ", new_account=True)
    assert set(made_up_country.value.fields) == {"country"}
