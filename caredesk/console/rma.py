"""Staff pages of RMA requests (D-5.1 – D-5.4): the RMA specialist's review queue, one
request with its review (amend a line, approve, reject with a reason, ask the TSE,
answer the customer), the TSE's answer, the TSE's request form on a technical case, and
support logistics moving an approved line on (ship, deliver, repair, ship back, close).

Thin: each action is one ``rma.services`` call; what it refuses is shown on the page.
Behind ``staff_page``: what a member of staff may not do is "not found" for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases.queries import get_case
from caredesk.console.forms import LineMoveForm, RmaLineForm, RmaMessageForm, RmaRejectForm, rma_request_form
from caredesk.console.views import staff_page
from caredesk.core.errors import DomainError, Forbidden
from caredesk.rma import queries, services
from caredesk.rma.models import LineStatus, RmaMessageKind, RmaRequest, RmaStatus
from caredesk.web.pages import current_user, show_error
from caredesk.web.rma import LineRow, line_rows, status_choices

# --- the review queue -------------------------------------------------------------------------


def _reviewer(user: User) -> None:
    if not (may(user, Capability.APPROVE_RMAS) or may(user, Capability.CREATE_RMA_REQUESTS)):
        raise Forbidden(_("Only RMA specialists and technical support engineers work RMA requests."))


@staff_page
@require_GET
def rmas(request: HttpRequest) -> HttpResponse:
    """Pending requests first, then those waiting for the engineer, oldest first."""
    user = current_user(request)
    _reviewer(user)
    q = request.GET.get("q", "").strip()[:64]
    status = request.GET.get("status", queries.OPEN)[:16]
    error = ""
    try:
        items = queries.review_queue(user, status=status, q=q)
    except DomainError as exc:
        items, error = [], exc.message
    context = {
        "nav": "rmas",
        "requests": items,
        "q": q,
        "status": status,
        "status_choices": status_choices(with_open=True),
        "filtered": bool(q or status != queries.OPEN),
        "limit": queries.REVIEW_LIMIT,
        "error": error,
    }
    return render(request, "console/rmas.html", context, status=422 if error else 200)


# --- one request ------------------------------------------------------------------------------


def _line_forms(rma: RmaRequest, bound: dict[str, Any]) -> list[tuple[Any, RmaLineForm]]:
    rows = line_rows(rma)
    forms = []
    for row in rows:
        key = f"line_form_{row.line.position}"
        form = bound.get(key) or RmaLineForm(
            prefix=f"line{row.line.position}",
            initial={
                "serial": row.line.serial,
                "fault_category": row.line.fault_category,
                "failure_description": row.line.failure_description,
            },
        )
        forms.append((row, form))
    return forms


@dataclass
class LineMoves:
    """What support logistics can do to one line now (D-5.4): a form per move the table
    allows, and whether its unit is expected at the depot, where receiving is done."""

    row: LineRow
    forms: list[LineMoveForm]
    receivable: bool


def _line_moves(rows: list[LineRow], bound: LineMoveForm | None) -> tuple[list[LineMoves], bool]:
    """The moves of each line, with ``bound`` (a move that failed) in its place; and
    whether it had one (a move the line does not offer now has none)."""
    moves, placed = [], False
    for row in rows:
        line = row.line
        if not line.status or line.withdrawn:
            continue
        actions = services.next_actions(line)
        forms = []
        for action in actions:
            if action == services.LineAction.RECEIVE:
                continue
            if bound is not None and (bound.line_number, bound.action) == (line.line_number, str(action)):
                forms.append(bound)
                placed = True
            else:
                forms.append(LineMoveForm(action=str(action), line_number=line.line_number or ""))
        receivable = services.LineAction.RECEIVE in actions
        if forms or receivable:
            moves.append(LineMoves(row, forms, receivable))
    return moves, placed


def _page(request: HttpRequest, number: str, status: int = 200, **bound: Any) -> HttpResponse:
    user = current_user(request)
    rma = queries.get_rma_request(user, number)
    thread = queries.rma_messages(user, rma)
    specialist = may(user, Capability.APPROVE_RMAS)
    tse = may(user, Capability.CREATE_RMA_REQUESTS)
    rows = line_rows(rma)
    moves, placed = _line_moves(rows, bound.get("move_form")) if may(user, Capability.RECEIVE_RETURNS) else ([], False)
    action_error = bound.get("action_error", "")
    if bound.get("move_form") is not None and not placed:
        action_error = bound.get("move_error", "")  # a move the line does not offer: said on top
    context = {
        "rma": rma,
        "lines": rows,
        "line_moves": moves,
        "line_forms": _line_forms(rma, bound) if rma.is_open and (specialist or tse) else [],
        "thread": thread,
        "show_flags": True,
        "may_review": specialist and rma.is_open,
        "may_answer_customer": specialist and any(m.kind == RmaMessageKind.QUESTION for m in thread),
        "may_answer_specialist": tse and rma.status == RmaStatus.AWAITING_TSE,
        "reject_form": bound.get("reject_form") or RmaRejectForm(),
        "ask_form": bound.get("ask_form") or RmaMessageForm(label=_("Question to the engineer"), prefix_id="ask"),
        "answer_form": bound.get("answer_form")
        or RmaMessageForm(label=_("Answer to the customer"), prefix_id="answer"),
        "tse_form": bound.get("tse_form")
        or RmaMessageForm(label=_("Your answer to the RMA specialist"), prefix_id="tse"),
        "action_error": action_error,
        "nav": "rmas",
    }
    return render(request, "console/rma.html", context, status=status)


def _back(number: str) -> HttpResponse:
    response = redirect(reverse("console:rma", args=[number]))
    response.status_code = 303  # the browser (and htmx) follows with a GET
    return response


@staff_page
@require_GET
def rma(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, number)


def _refused(exc: DomainError) -> bool:
    """A refusal or an unknown request is the 404 page (``staff_page``), not a message."""
    return exc.status in (403, 404)


@staff_page
@require_POST
def rma_approve(request: HttpRequest, number: str) -> HttpResponse:
    try:
        done = services.approve(current_user(request), number)
    except DomainError as exc:
        if _refused(exc):
            raise
        return _page(request, number, status=exc.status, action_error=exc.message)
    messages.success(request, _("Approved: RMA %(number)s.") % {"number": done.rma_number})
    return _back(done.number)


@staff_page
@require_POST
def rma_reject(request: HttpRequest, number: str) -> HttpResponse:
    form = RmaRejectForm(request.POST)
    try:
        services.reject(current_user(request), number, request.POST.get("reason", ""))
    except DomainError as exc:
        if _refused(exc):
            raise
        show_error(form, exc)
        return _page(request, number, status=exc.status, reject_form=form)
    messages.success(request, _("The RMA request is rejected."))
    return _back(number)


def _message_action(
    request: HttpRequest, number: str, *, action: Any, form_key: str, label: str, done: str
) -> HttpResponse:
    form = RmaMessageForm(request.POST, label=label, prefix_id=form_key.removesuffix("_form"))
    try:
        action(current_user(request), number, request.POST.get("body", ""))
    except DomainError as exc:
        if _refused(exc):
            raise
        show_error(form, exc)
        return _page(request, number, status=exc.status, **{form_key: form})
    messages.success(request, done)
    return _back(number)


@staff_page
@require_POST
def rma_ask_tse(request: HttpRequest, number: str) -> HttpResponse:
    return _message_action(
        request, number, action=services.ask_tse, form_key="ask_form", label=_("Question to the engineer"),
        done=_("Your question is sent to the engineer. The request waits for the answer."),
    )  # fmt: skip


@staff_page
@require_POST
def rma_answer(request: HttpRequest, number: str) -> HttpResponse:
    return _message_action(
        request, number, action=services.answer_question, form_key="answer_form", label=_("Answer to the customer"),
        done=_("Your answer is sent to the customer."),
    )  # fmt: skip


@staff_page
@require_POST
def rma_tse_answer(request: HttpRequest, number: str) -> HttpResponse:
    return _message_action(
        request, number, action=services.answer_specialist, form_key="tse_form",
        label=_("Your answer to the RMA specialist"),
        done=_("Your answer is sent. The request is pending review again."),
    )  # fmt: skip


@staff_page
@require_POST
def rma_line(request: HttpRequest, number: str, position: str) -> HttpResponse:
    """Staff amend one line; the service types and checks every line again (D-5.2)."""
    user = current_user(request)
    rma = queries.get_rma_request(user, number)
    current = queries.rma_lines(rma)
    at = int(position)
    prefix = f"line{at}"
    form = RmaLineForm(request.POST, prefix=prefix)
    if not any(line.position == at for line in current):
        return _page(request, number, status=404, action_error=_("No such line on this request."))
    lines = [
        services.NewLine(
            request.POST.get(f"{prefix}-serial", "") if line.position == at else line.serial,
            request.POST.get(f"{prefix}-fault_category", "") if line.position == at else line.fault_category,
            request.POST.get(f"{prefix}-failure_description", "") if line.position == at else line.failure_description,
        )
        for line in current
    ]
    index = next(i for i, line in enumerate(current) if line.position == at)
    try:
        services.amend_lines(user, number, lines)
    except DomainError as exc:
        if _refused(exc):
            raise
        rename = {f"lines.{index}.{name}": name for name in ("serial", "fault_category", "failure_description")}
        show_error(form, exc, rename)
        return _page(request, number, status=exc.status, **{f"line_form_{at}": form})
    messages.success(request, _("The line is changed; its type is worked out again."))
    return _back(number)


@staff_page
@require_POST
def rma_line_move(request: HttpRequest, line_number: str) -> HttpResponse:
    """Support logistics move one line on (D-5.4); the service checks the move against the
    line's state and what it needs (carrier, tracking number, the replacement's serial)."""
    user = current_user(request)
    line = queries.get_rma_line(user, line_number)
    action = request.POST.get("action", "")[:32]
    form = LineMoveForm(request.POST, action=action, line_number=line.line_number or "")
    try:
        moved = services.advance_line(
            user, line.line_number or "", action, carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
            replacement_serial=request.POST.get("replacement_serial", ""),
        )  # fmt: skip
    except DomainError as exc:
        if _refused(exc):
            raise
        show_error(form, exc)
        return _page(request, line.request.number, status=exc.status, move_form=form, move_error=exc.message)
    if moved.replacement_id and action == services.LineAction.SHIP_REPLACEMENT and moved.replacement:
        done = _("Line %(line)s: replacement %(serial)s shipped; it takes the defective unit's place in the "
                 "installed base.") % {"line": moved.line_number, "serial": moved.replacement.serial}  # fmt: skip
    else:
        done = _("Line %(line)s: %(status)s.") % {"line": moved.line_number, "status": LineStatus(moved.status).label}
    messages.success(request, done)
    return _back(line.request.number)


# --- the TSE's request on a technical case ----------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def case_rma(request: HttpRequest, case_id: str) -> HttpResponse:
    """A TSE requests an RMA for units of a technical case (D-5.1): a page of its own
    without JavaScript, the same form as on the case page."""
    user = current_user(request)
    require(user, Capability.CREATE_RMA_REQUESTS)
    case = get_case(user, case_id)
    if request.method == "GET":
        return render(
            request, "console/rma_new.html", {"case": case, "form": rma_request_form(user, case), "nav": "queue"}
        )
    form = rma_request_form(user, case, request.POST)
    chosen = form.chosen(request.POST)
    try:
        made = services.request_rma(
            user, case.case_id, [services.NewLine(serial, fault, text) for _row, serial, fault, text in chosen]
        )
    except DomainError as exc:
        if _refused(exc):
            raise
        rename: dict[str, str] = {}
        for k, (row, _serial, _fault, _text) in enumerate(chosen):
            rename[f"lines.{k}.serial"] = f"unit_{row}"
            rename[f"lines.{k}.fault_category"] = f"fault_{row}"
            rename[f"lines.{k}.failure_description"] = f"description_{row}"
        show_error(form, exc, rename)
        context = {"case": case, "form": form, "nav": "queue"}
        return render(request, "console/rma_new.html", context, status=exc.status)
    if made.status == RmaStatus.REFUSED:
        messages.warning(request, made.decision_reason)
    else:
        messages.success(
            request, _("RMA request %(number)s is waiting for review.") % {"number": made.validation_number}
        )
    response = redirect(reverse("console:rma", args=[made.validation_number]))
    response.status_code = 303
    return response
