"""Writing notices into the outbox (D-7.4): a notice whose key is written already is left
out, in one statement for a change's one or two recipients and in a batch for a sweep's
many, and either way the caller's transaction goes on unharmed."""

from __future__ import annotations

import pytest
from django.db import transaction

from caredesk.accounts.models import User
from caredesk.notifications.models import Message
from caredesk.notifications.services import FEW, write
from tests.personas import World

pytestmark = pytest.mark.django_db


def _message(user: User, key: str) -> Message:
    return Message(key=key, message_id=f"<{key}@care.example>", event="rma.line_status_changed", recipient=user,
                   to_email=user.email, language="en", subject="RMA R1-1: Closed", text_body="Closed.\n")  # fmt: skip


@pytest.mark.parametrize("count", [1, FEW, FEW + 3])
def test_a_key_written_before_is_left_out_and_the_transaction_goes_on(world: World, count: int) -> None:
    people = [world.alice, world.bob, world.agent, world.manager, world.cleared][:count]
    with transaction.atomic():
        first = write([_message(u, f"k:{u.pk}") for u in people])
        again = write([_message(u, f"k:{u.pk}") for u in people] + [_message(world.alice, "k:new")])
        assert [m.key for m in again] == ["k:new"] and all(m.pk for m in first + again)
        world.alice.refresh_from_db()  # the transaction is still usable
    assert Message.objects.count() == count + 1
    assert {m.message_id for m in Message.objects.filter(key__in=[f"k:{u.pk}" for u in people])} == {
        f"<k:{u.pk}@care.example>" for u in people
    }
