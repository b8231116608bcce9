"""Read side of notifications: the notices a person was sent, and the outbox staff read."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, owner_scope, require
from caredesk.accounts.models import Organisation, User
from caredesk.cases.models import Case
from caredesk.core.errors import ValidationFailed
from caredesk.core.paging import Page, keyset_page
from caredesk.notifications.models import Message, WebhookDelivery

PAGE_MAX = 100


def _limit(limit: int) -> int:
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationFailed(
            _("The page size must be between 1 and 100."),
            fields={"limit": _("A number from 1 to %(n)s.") % {"n": PAGE_MAX}},
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
    return outbox_scope(user)


def outbox_scope(user: User) -> QuerySet[Message]:
    """The outbox messages ``user`` may read, through the case or the recipient (D-1.3);
    for the console's outbox page and the admin site's list alike."""
    cases: QuerySet[Case] = owner_scope(user, Case.objects, "organisation")
    organisations: QuerySet[Organisation] = owner_scope(user, Organisation.objects, "")
    return Message.objects.filter(
        Q(case_ref__gt="", case_ref__in=cases.values("case_id"))
        | Q(case_ref="", recipient__organisation__in=organisations.values("pk"))
    )


def outbox_page(user: User, *, cursor: str | None = None, limit: int = 50) -> Page[Message]:
    """Recent outbox messages ``user`` may read, newest first."""
    return keyset_page(visible_outbox(user), field="created_at", descending=True, cursor=cursor, limit=_limit(limit))


def visible_webhook_deliveries(user: User) -> QuerySet[WebhookDelivery]:
    """Webhook deliveries ``user`` may read: each carries a case's data, so it is seen by
    whoever may see the case's organisation (D-1.3); government customers' for cleared
    staff only. The payload names the organisation (``listeners._payload``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return WebhookDelivery.objects.none()
    if user.is_vendor_staff and user.gov_cleared:
        return WebhookDelivery.objects.all()
    hidden = Organisation.objects.exclude(pk__in=owner_scope(user, Organisation.objects, "").values("pk"))
    # The organisations a person may not see are few for staff (the government customers)
    # and the payload is JSON, so the list is read first and compared as numbers.
    return WebhookDelivery.objects.exclude(payload__organisation_id__in=list(hidden.values_list("pk", flat=True)))
