"""The demo command builds a believable world through the services, once."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from caredesk.accounts.access import STAFF_ROLES
from caredesk.accounts.models import Organisation, OrganisationKind, Registration, RegistrationStatus, User
from caredesk.accounts.policy import PasswordState, password_state
from caredesk.cases.models import Case, CaseMessage, CaseStatus
from caredesk.cases.queries import visible_cases
from caredesk.core.clock import local_date
from caredesk.demo.builder import DEMO_PASSWORD, DemoBuilder

CASES = 40


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def built(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """One demo world for the tests of a class (building it takes a moment), rolled back after them."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield run_demo("--cases", str(CASES))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(built: str, db: Any) -> str:
    return built


class TestTheDemoWorld:
    """Tests that read the demo world; it is built once for all of them."""

    def test_it_builds_the_requested_number_of_cases(self, demo: str) -> None:
        # The RMA scenes and the mis-shipment claims open their own cases besides.
        stories = Case.objects.filter(rma_requests__isnull=True, mis_shipment_claim__isnull=True)
        assert stories.count() == CASES
        assert f"{CASES} cases" in demo
        assert Case.objects.count() > CASES

    def test_vendor_staff_hold_every_role_and_one_is_cleared(self, demo: str) -> None:
        staff = User.objects.filter(organisation__kind=OrganisationKind.VENDOR)
        held = {role for user in staff for role in user.roles}
        assert held == set(STAFF_ROLES)
        assert staff.filter(gov_cleared=True).exists()
        admin = staff.get(email="admin@kestrel.example")
        assert admin.is_staff and admin.is_superuser

    def test_every_kind_of_organisation_and_person_exists(self, demo: str) -> None:
        assert Organisation.objects.filter(kind=OrganisationKind.VENDOR).count() == 1
        customers = Organisation.objects.filter(kind=OrganisationKind.CUSTOMER)
        assert customers.values("country").distinct().count() >= 5
        assert customers.filter(government=True, users__isnull=False).exists()
        partner = Organisation.objects.filter(kind=OrganisationKind.PARTNER).first()
        assert partner is not None and partner.customers.exists() and partner.users.exists()
        consultant = User.objects.get(email="s.okafor@meridian-consulting.example")
        assert consultant.associations.count() == 2
        assert all(org.sites.exists() for org in customers.filter(cases__isnull=False).distinct())

    def test_every_status_of_the_lifecycle_is_present(self, demo: str) -> None:
        assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)

    def test_cases_carry_conversations_owners_and_ids_of_their_dates(self, demo: str) -> None:
        assert CaseMessage.objects.filter(kind=CaseMessage.Kind.NOTE).exists()
        assert CaseMessage.objects.filter(kind=CaseMessage.Kind.REPLY, from_staff=False).exists()
        assert Case.objects.exclude(status=CaseStatus.NEW).filter(owner__isnull=True).count() == 0
        for case in Case.objects.all():
            day = local_date(case.created_at)
            assert case.case_id.startswith(f"{day:%Y}-{day:%m%d}-")  # D-3.1
            assert case.updated_at <= timezone.now()
        oldest = Case.objects.order_by("created_at").first()
        assert oldest is not None and (timezone.now() - oldest.created_at).days > 14

    def test_the_demo_logins_are_printed_and_work(self, demo: str) -> None:
        assert DEMO_PASSWORD in demo
        assert "admin@kestrel.example" in demo
        user = User.objects.get(email="jana.keller@rheinwerk.example")
        assert user.check_password(DEMO_PASSWORD)
        assert password_state(user, timezone.now()) is PasswordState.VALID

    def test_one_demo_user_has_an_expired_password(self, demo: str) -> None:
        user = User.objects.get(email="expired@harbourline.example")
        assert password_state(user, timezone.now()) is PasswordState.EXPIRED  # D-1.5

    def test_new_customer_requests_wait_for_approval(self, demo: str) -> None:
        assert Registration.objects.filter(status=RegistrationStatus.AWAITING_APPROVAL).count() == 2
        assert Registration.objects.filter(status=RegistrationStatus.COMPLETED).count() == 1

    def test_if_empty_does_nothing_when_data_exists(self, demo: str) -> None:
        counts = (Organisation.objects.count(), User.objects.count(), Case.objects.count())
        out = run_demo("--if-empty", "--cases", str(CASES))
        assert (Organisation.objects.count(), User.objects.count(), Case.objects.count()) == counts
        assert "no demo data added" in out
        assert "admin@kestrel.example" in out  # the logins are still shown

    def test_without_if_empty_it_refuses_a_database_with_data(self, demo: str) -> None:
        with pytest.raises(CommandError):
            run_demo("--cases", "1")

    def test_a_demo_customer_sees_only_their_cases(self, demo: str) -> None:
        # D-1.3: own organisation's cases, and the ones they are the contact of.
        user = User.objects.get(email="jana.keller@rheinwerk.example")
        seen = visible_cases(user)
        assert seen.exists()
        assert not seen.exclude(organisation=user.organisation).exclude(contact=user).exists()
        assert Case.objects.exclude(organisation=user.organisation).exists()

    def test_government_cases_stay_with_cleared_staff(self, demo: str) -> None:
        gov_cases = Case.objects.filter(organisation__government=True)
        agent = User.objects.get(email="agent@kestrel.example")
        assert not visible_cases(agent).filter(organisation__government=True).exists()
        assert not gov_cases.exclude(owner__isnull=True).exclude(owner__gov_cleared=True).exists()

    def test_the_world_keeps_time_and_tells_nobody_of_its_history(self, demo: str) -> None:
        from caredesk.cases.models import Escalation
        from caredesk.notifications.models import Message

        assert Case.objects.filter(response_due_at__isnull=True).count() == 0  # D-4.1
        assert Case.objects.filter(first_response_at__isnull=False).exists()
        assert Escalation.objects.filter(kind="reassignment").exists()  # D-4.5
        assert User.objects.filter(manager__isnull=False).exists()  # late cases reach a lead (D-4.3)
        assert not Message.objects.filter(status="pending").exists()  # the history is not news

    def test_the_installed_base_has_every_situation_of_d_2(self, demo: str) -> None:
        from caredesk.entitlements.models import Contract, Depot, ECertificate
        from caredesk.entitlements.queries import entitlement
        from caredesk.installbase.models import Asset, Product

        assert Asset.objects.count() >= 2000
        assert Product.objects.filter(eol_announced_on__isnull=False).count() >= 2
        assert Asset.objects.filter(standing="needs_reinstatement").exists()  # grey market
        assert Asset.objects.filter(channel="partner", partner__isnull=False).exists()
        today = local_date(timezone.now())
        assert (
            Contract.objects.filter(ends_on__lt=today).exists() and Contract.objects.filter(ends_on__gte=today).exists()
        )
        assert Contract.objects.values("service_level").distinct().count() >= 4
        assert Contract.objects.filter(ssrn__isnull=False).exists()
        assert Depot.objects.exists() and ECertificate.objects.filter(status="issued").exists()
        staff = User.objects.get(email="agent@kestrel.example")
        answers = [entitlement(staff, a.serial).assets[0] for a in Asset.objects.exclude(owner__government=True)[:400]]
        assert any(a.technical_cases for a in answers) and any(not a.technical_cases for a in answers)
        assert any(a.warranty.hardware_until and not a.warranty.hardware_active for a in answers)  # expired warranties
        # Cases name real units: their platform comes from the installed base (D-3.4).
        named = Case.objects.exclude(serial_number="")
        assert named.exists() and not named.filter(platform="").exists()


def test_if_empty_builds_into_an_empty_database(db: Any) -> None:
    run_demo("--if-empty", "--cases", "5")
    assert Case.objects.filter(rma_requests__isnull=True, mis_shipment_claim__isnull=True).count() == 5


def _build_and_forget(seed: int, moment: Any) -> list[tuple[str, ...]]:
    """The cases a build makes, then the build is rolled back."""
    with transaction.atomic():
        DemoBuilder(seed=seed, cases=12, now=moment).build()
        made = list(Case.objects.order_by("case_id").values_list("case_id", "summary", "status", "priority"))
        transaction.set_rollback(True)
    return made


def test_the_same_seed_gives_the_same_cases(db: Any) -> None:
    moment = timezone.now()
    first = _build_and_forget(7, moment)
    assert first == _build_and_forget(7, moment)
    assert first != _build_and_forget(8, moment)


def test_the_demo_shows_its_progress_and_an_organisation_administrator_with_a_request(db: Any) -> None:
    """Point 9: the build tells what it is doing; D-1.4: the members page has something to show."""
    out = run_demo("--cases", "10")
    assert "Installed base" in out and "Cases: 10 of 10" in out
    selin = User.objects.get(email="selin.aydin@rheinwerk.example")
    from caredesk.accounts.queries import memberships_awaiting_approval

    assert [r.email for r in memberships_awaiting_approval(selin)] == ["felix.adler@rheinwerk.example"]
    assert "selin.aydin@rheinwerk.example" in out
