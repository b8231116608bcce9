"""D-1.3 through the one owner scope: the cases' scope costs what the rule written out costs."""

from __future__ import annotations

from django.db.models import Q

from caredesk.accounts.access import acting_organisation_ids, owner_scope
from caredesk.cases.models import Case
from tests.personas import World, admin_case


def test_the_owner_scope_builds_the_same_sql_as_the_rule_written_out(world: World) -> None:
    """The scope must cost what the hand-written conditions cost: same SQL, same plans."""
    admin_case(world.alice)
    ids = acting_organisation_ids(world.alice)
    by_hand = Case.objects.filter(Q(contact_id=world.alice.pk) | Q(organisation_id__in=ids))
    scoped = owner_scope(world.alice, Case.objects, "organisation", personal="contact")
    assert str(scoped.query) == str(by_hand.query)
    assert str(owner_scope(world.agent, Case.objects, "organisation").query) == str(
        Case.objects.filter(organisation__government=False).query
    )
    assert str(owner_scope(world.cleared, Case.objects, "organisation").query) == str(Case.objects.all().query)
