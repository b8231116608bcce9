"""Read side of notifications: the notices a person was sent, and the outbox staff read."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caredesk.accounts.access import Capability, owner_scope, require
from caredesk.accounts.models import Organisation, User
from caredesk.cases.models import Case
from caredesk.core.errors import ValidationFailed
from caredesk.core.paging import Page, keyset_page
from caredesk.notifications.models import Message

PAGE_MAX = 100


def _limit(limit: int) -> int:
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationFailed(
            "The page size must be between 1 and 100.", fields={"limit": f"A number from 1 to {PAGE_MAX}."}
        )
    return limit


def own_messages(user: User, *, cursor: str | None = None, limit: int = 20) -> Page[Message]:
    """The e-mails sent (or waiting to be sent) to ``user``, newest first (D-7.4): their own
    only, whoever else a notice went to."""
    if not getattr(user, "is_authenticated", False):
        return Page(items=[], next_cursor=None)
    mine = Message.objects.filter(recipient_id=user.pk)
    return keyset_page(mine, field="created_at", descending=True, cursor=cursor, limit=_limit(limit))


def visible_outbox(user: User) -> QuerySet[Message]:
    """The outbox as staff may read it (the console's outbox page): a notice about a case
    when they may see the case (D-1.3: a government customer's only for cleared staff),
    any other notice when they may see its recipient's organisation."""
    require(user, Capability.USE_CONSOLE)
    cases: QuerySet[Case] = owner_scope(user, Case.objects, "organisation")
    organisations: QuerySet[Organisation] = owner_scope(user, Organisation.objects, "")
    return Message.objects.filter(
        Q(case_ref__gt="", case_ref__in=cases.values("case_id"))
        | Q(case_ref="", recipient__organisation__in=organisations.values("pk"))
    )


def outbox_page(user: User, *, cursor: str | None = None, limit: int = 50) -> Page[Message]:
    """Recent outbox messages ``user`` may read, newest first."""
    return keyset_page(visible_outbox(user), field="created_at", descending=True, cursor=cursor, limit=_limit(limit))
