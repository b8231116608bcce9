"""Who is told: the escalation team, a case's owner and manager, the matrix's levels
(D-4.3, D-4.4, D-4.6), read once per batch."""

from __future__ import annotations

from caredesk.accounts.access import members_with
from caredesk.accounts.models import OrganisationKind, Role, User
from caredesk.cases.models import Case


class StaffRoster:
    """Active vendor staff by role, read once per batch: staff are few, and a sweep that
    asks for every case would read them a thousand times."""

    def __init__(self) -> None:
        self._people: list[User] | None = None

    def with_role(self, role: Role, case: Case) -> list[User]:
        if self._people is None:
            # Roles are a JSON list, filtered here the same way on every database.
            self._people = list(
                User.objects.filter(is_active=True, organisation__kind=OrganisationKind.VENDOR).order_by("pk")
            )
        return [u for u in members_with(role, self._people) if u.gov_cleared or not case.organisation.government]


def cleared_for(case: Case, people: list[User | None]) -> list[User]:
    seen: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active and (person.gov_cleared or not case.organisation.government):
            seen.setdefault(person.pk, person)
    return list(seen.values())


def on_call_team(case: Case) -> list[User]:
    """D-4.6: who handles a P1 case or an escalation outside business days at once: the
    escalation team (cleared members only for a government customer)."""
    return StaffRoster().with_role(Role.ESCALATION, case)


def breach_recipients(case: Case, staff: StaffRoster | None = None) -> list[User]:
    """D-4.3: the owner and their manager; a case nobody owns reaches the team leads."""
    if case.owner is None:
        return (staff or StaffRoster()).with_role(Role.TEAM_LEAD, case)
    return cleared_for(case, [case.owner, case.owner.manager])


def escalation_recipients(case: Case, level: int, staff: StaffRoster | None = None) -> list[User]:
    """D-4.4: level 1 the owner's team lead (or every team lead), 2 the care managers,
    3 the directors."""
    staff = staff or StaffRoster()
    if level == 1:
        lead = case.owner.manager if case.owner is not None else None
        return cleared_for(case, [lead]) or staff.with_role(Role.TEAM_LEAD, case)
    return staff.with_role(Role.CARE_MANAGER if level == 2 else Role.DIRECTOR, case)
