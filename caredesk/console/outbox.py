"""The outbox as staff read it: the notices caredesk wrote, newest first, with their text.
For an installation that sends no e-mail (the demo) it is where the mail is; for any other
it shows what was told to whom, and whether it left. Government customers' notices only
for cleared staff (D-1.3), through ``notifications.queries.visible_outbox``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from caredesk.console.views import staff_page
from caredesk.core.errors import ValidationFailed
from caredesk.core.maillog import mail_log
from caredesk.notifications.queries import outbox_page
from caredesk.web.pages import current_user

PAGE_SIZE = 50


@staff_page
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    try:
        page = outbox_page(current_user(request), cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except ValidationFailed:
        return redirect("console:outbox")  # a spoilt cursor: start from the newest
    context = {"nav": "outbox", "messages_sent": page.items, "next_cursor": page.next_cursor,
               "paged": bool(request.GET.get("cursor")), "mail_log": mail_log()}  # fmt: skip
    return render(request, "console/outbox.html", context)
