"""Issue 11 point 12: the demo holds RMAs in every state (D-5), advance replacements
overdue and on time, a parcel returned to sender, time-and-material quotes, and
mis-shipment claims accepted and refused. The world is built once for the module's tests."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.clock import local_date
from caredesk.core.errors import ValidationFailed
from caredesk.demo import rmas as demo_rmas
from caredesk.rma import claims
from caredesk.rma.models import (
    EXCLUSION_REASON,
    ChargeStatus,
    ClaimStatus,
    LineStatus,
    MisShipmentClaim,
    MisShipmentKind,
    Parcel,
    ParcelOutcome,
    QuoteStatus,
    ReturnCharge,
    RmaLine,
    RmaMessageKind,
    RmaRequest,
    RmaStatus,
    RmaType,
)
from caredesk.rma.queries import return_region_of, visible_rma_requests

ADVANCE_STATES = {"approved", "replacement_shipped", "delivered", "defective_received", "closed"}
REPAIR_STATES = {"approved", "awaiting_return", "received", "repaired", "shipped_back", "closed"}


@pytest.fixture(scope="class")
def built(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("demo", "--cases", "5", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(built: str, db: Any) -> str:
    return built


class TestTheDemoRmas:
    def test_requests_stand_in_every_status(self, demo: str) -> None:
        assert set(RmaRequest.objects.values_list("status", flat=True)) == set(RmaStatus.values)
        for request in RmaRequest.objects.exclude(status=RmaStatus.APPROVED):
            assert request.validation_number.startswith("V") and request.rma_number is None
        assert "22 RMA requests" in demo

    def test_rma_numbers_follow_the_order_of_the_approvals(self, demo: str) -> None:
        approved = RmaRequest.objects.filter(status=RmaStatus.APPROVED).order_by("decided_at")
        numbers = [int(r.rma_number[1:]) for r in approved if r.rma_number]
        assert len(numbers) == approved.count() >= 10 and numbers == sorted(numbers)  # D-5.1

    def test_lines_stand_in_every_state_of_both_flows(self, demo: str) -> None:
        approved = RmaLine.objects.exclude(line_number=None)
        advance = set(approved.filter(rma_type=RmaType.ADVANCE_REPLACEMENT).values_list("status", flat=True))
        repair = set(approved.exclude(rma_type=RmaType.ADVANCE_REPLACEMENT).values_list("status", flat=True))
        assert advance == ADVANCE_STATES
        assert repair == REPAIR_STATES
        assert advance | repair == set(LineStatus.values)
        # Repairs of several kinds: at the factory, warranty, dead on arrival, a quote accepted.
        kinds = set(approved.exclude(rma_type=RmaType.ADVANCE_REPLACEMENT).values_list("rma_type", flat=True))
        assert {RmaType.RETURN_TO_FACTORY, RmaType.TIME_AND_MATERIAL} <= kinds and len(kinds) >= 3
        assert all(return_region_of(line) is not None for line in approved)  # D-5.4: every unit has its address

    def test_the_review_shows_its_conversations(self, demo: str) -> None:
        waiting = RmaRequest.objects.get(status=RmaStatus.AWAITING_TSE)
        assert list(waiting.messages.values_list("kind", flat=True)) == [RmaMessageKind.TO_TSE]
        answered = RmaRequest.objects.filter(status=RmaStatus.PENDING, messages__kind=RmaMessageKind.ANSWER).get()
        kinds = set(answered.messages.values_list("kind", flat=True))
        assert kinds == {RmaMessageKind.QUESTION, RmaMessageKind.ANSWER, RmaMessageKind.TO_TSE, RmaMessageKind.FROM_TSE}
        question = answered.messages.get(kind=RmaMessageKind.QUESTION)
        assert not question.author.is_vendor_staff

    def test_decisions_say_why(self, demo: str) -> None:
        refused = RmaRequest.objects.get(status=RmaStatus.REFUSED)
        assert refused.decision_reason == str(EXCLUSION_REASON)  # D-5.3
        assert set(refused.lines.values_list("fault_category", flat=True)) == {"flood"}
        assert refused.lines.exclude(flagged_words=[]).exists()
        rejected = RmaRequest.objects.get(status=RmaStatus.REJECTED)
        assert rejected.decision_reason and rejected.decided_by is not None and rejected.decided_by.is_vendor_staff
        cancelled = RmaRequest.objects.get(status=RmaStatus.CANCELLED)
        assert cancelled.decided_by is not None and not cancelled.decided_by.is_vendor_staff

    def test_time_and_material_quotes_offered_accepted_and_declined(self, demo: str) -> None:
        assert set(RmaRequest.objects.exclude(quote_status="").values_list("quote_status", flat=True)) == set(
            QuoteStatus.values
        )
        offered = RmaRequest.objects.get(quote_status=QuoteStatus.OFFERED)
        assert offered.status == RmaStatus.PENDING and offered.quote_total and offered.quote_total > 0
        priced = offered.lines.get(rma_type=RmaType.TIME_AND_MATERIAL)
        assert priced.type_reason == "not_entitled" and priced.quote_price == offered.quote_total
        declined = RmaRequest.objects.get(quote_status=QuoteStatus.DECLINED)
        assert declined.lines.filter(withdrawn=True, line_number=None).count() == 1
        assert declined.status == RmaStatus.APPROVED and declined.lines.filter(withdrawn=False).count() == 1
        accepted = RmaRequest.objects.get(quote_status=QuoteStatus.ACCEPTED)
        assert accepted.lines.get(rma_type=RmaType.TIME_AND_MATERIAL).status == LineStatus.AWAITING_RETURN

    def test_advance_replacements_overdue_and_on_time(self, demo: str) -> None:
        now = timezone.now()
        charges = ReturnCharge.objects.select_related("line__asset__product")
        assert {c.status for c in charges} == {ChargeStatus.OPEN, ChargeStatus.WAIVED}
        for charge in charges:  # D-5.5: flagged after the deadline, for the full list price
            assert charge.due_at == charge.line.return_due_at and charge.due_at < charge.flagged_at < now
            assert charge.flagged_at - charge.due_at <= demo_rmas.SWEEP_EVERY
            assert charge.amount == charge.line.asset.product.list_price
        overdue = charges.get(status=ChargeStatus.OPEN).line
        assert overdue.status == LineStatus.DELIVERED and overdue.received_at is None
        waived = charges.get(status=ChargeStatus.WAIVED)
        assert waived.waive_reason and waived.waived_by is not None
        assert waived.line.received_at is not None and waived.line.received_at > waived.due_at  # came in late
        # On time: the replacement is out and the defective unit not due yet, or back before it was.
        out = RmaLine.objects.filter(status__in=[LineStatus.REPLACEMENT_SHIPPED, LineStatus.DELIVERED], charge=None)
        assert out.exists() and all(line.return_due_at and line.return_due_at > now for line in out)
        back = RmaLine.objects.filter(rma_type=RmaType.ADVANCE_REPLACEMENT, received_at__isnull=False, charge=None)
        assert back.exists() and all(line.return_due_at and line.received_at < line.return_due_at for line in back)
        # Each shipped replacement joined the installed base in the defective unit's place.
        shipped = RmaLine.objects.filter(rma_type=RmaType.ADVANCE_REPLACEMENT, shipped_at__isnull=False)
        assert shipped.exists() and not shipped.filter(replacement=None).exists()

    def test_the_depot_rejected_a_parcel_and_held_a_wrong_serial(self, demo: str) -> None:
        returned = Parcel.objects.get(outcome=ParcelOutcome.RETURN_TO_SENDER)
        assert returned.line is None  # D-5.4: booked against no RMA
        held = Parcel.objects.get(outcome=ParcelOutcome.SERIAL_MISMATCH)
        assert held.line is not None and held.line.mismatched_serial == held.serial != held.line.serial
        assert held.line.status == LineStatus.AWAITING_RETURN
        assert Parcel.objects.filter(outcome=ParcelOutcome.RECEIVED).count() >= 8

    def test_a_demo_customer_follows_rmas_of_every_kind(self, demo: str) -> None:
        jana = User.objects.get(email="jana.keller@rheinwerk.example")
        seen = visible_rma_requests(jana)
        assert seen.count() >= 4 and not seen.exclude(organisation=jana.organisation).exists()
        assert {RmaStatus.PENDING, RmaStatus.APPROVED} <= set(seen.values_list("status", flat=True))

    def test_mis_shipment_claims_accepted(self, demo: str) -> None:
        made = MisShipmentClaim.objects.select_related("case")
        assert made.count() == 3
        # Every Mis-shipment case carries its claim (D-5.7): they are opened by claiming.
        assert not Case.objects.filter(request_type__code="mis-shipment", mis_shipment_claim=None).exists()
        shipped = made.get(status=ClaimStatus.SHIPPED)
        assert shipped.sales_order == demo_rmas.CLAIM_ACCEPTED_ORDER and shipped.tracking_number and shipped.carrier
        day_90 = made.get(sales_order=demo_rmas.CLAIM_DAY_90_ORDER)
        assert day_90.status == ClaimStatus.OPEN
        assert local_date(day_90.created_at) - day_90.shipped_on == timedelta(days=90)
        by_partner = made.get(sales_order=demo_rmas.CLAIM_PARTNER_ORDER)
        assert by_partner.organisation.kind == "partner"

    @pytest.mark.parametrize(
        ("email", "order", "says"),
        [
            ("camille.martin@lumiere.example", demo_rmas.CLAIM_TOO_LATE_ORDER, "up to 90 days after shipping"),
            ("jana.keller@rheinwerk.example", demo_rmas.CLAIM_PARTNER_ORDER, "Please ask Brightpath"),
        ],
    )
    def test_mis_shipment_claims_refused(self, demo: str, email: str, order: str, says: str) -> None:
        # A refusal keeps nothing (D-5.7): the demo tells who is refused, and the refusal stands.
        assert f"{email}, {order}:" in demo and says in demo
        user = User.objects.get(email=email)
        data = claims.NewClaim(
            sales_order=order, kind=MisShipmentKind.DOCUMENTATION, order_lines=[1], priority="P3",
            follow_up_method="email", callback_phone="+49 221 4907 3310", summary="Wrong", description="Wrong.",
        )  # fmt: skip
        with pytest.raises(ValidationFailed) as refusal:
            claims.claim_mis_shipment(user, data)
        assert says in " ".join(refusal.value.fields.values())
        assert not MisShipmentClaim.objects.filter(sales_order=order, organisation=user.organisation).exists()
