"""Page plumbing the portal and the console share: domain errors on forms, case-list
parameters, the case history in words. Interface support only: it reads through the
domain's queries and holds no business rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts.models import User
from caredesk.cases.models import Case, CaseStatus, Priority, close_reason_label, template_label
from caredesk.cases.queries import SORTS, CaseFilter, case_history_entries, get_attachment, list_names
from caredesk.core.errors import DomainError, NotFound
from caredesk.rma.models import LineStatus, RmaStatus


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def show_error(form: forms.BaseForm, exc: DomainError, rename: Mapping[str, str] | None = None) -> None:
    """Put a service's error on the form, each part once: every ``fields`` entry under the
    form field it names (after ``rename``), and the message on top only where no field of
    the form shows the error (an error of no field, or of fields the form lacks). The
    service's field names are never shown: they are the API's words, not the page's."""
    form.is_valid()  # add_error needs cleaned_data
    placed = False
    stray = not exc.fields
    for name, text in exc.fields.items():
        target = (rename or {}).get(name, name)
        if target in form.fields:
            if text not in form.errors.get(target, []):
                form.add_error(target, text)
            placed = True
        else:
            stray = True
    if stray or not placed:
        form.add_error(None, exc.message)


def domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Errors a view did not handle itself become pages, never a 500: NotFound is the
    404 page (D-1.3: what one may not see does not exist), others show their message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            return render(request, "error.html", {"message": exc.message, "status": exc.status}, status=exc.status)

    return wrapper


# --- case lists (D-3.6) ----------------------------------------------------------------

COLUMNS = [
    ("status", gettext_lazy("Status")),
    ("case_id", gettext_lazy("Case id")),
    ("site_name", gettext_lazy("Site name")),
    ("site_id", gettext_lazy("Site id")),
    ("contact", gettext_lazy("Contact")),
    ("modified", gettext_lazy("Last modified")),
    ("platform", gettext_lazy("Platform")),
    ("priority", gettext_lazy("Priority")),
]


@dataclass
class Column:
    key: str
    label: str
    sort_param: str  # what clicking the header asks for
    state: str  # "asc", "desc" or ""

    @property
    def aria_sort(self) -> str:
        return {"asc": "ascending", "desc": "descending"}.get(self.state, "none")


@dataclass
class ListParams:
    filter: CaseFilter
    sort: str
    cursor: str | None
    columns: list[Column]

    @property
    def by_key(self) -> dict[str, Column]:
        """The columns by key, for tables that lay out their headers themselves."""
        return {c.key: c for c in self.columns}


# Staff queues add the response due time (D-4.1), soonest first when clicked.
STAFF_COLUMNS = [("due", gettext_lazy("Due"))]


def list_params(
    query: QueryDict, *, default_sort: str = "-modified", allow_owner: bool = False, staff: bool = False
) -> ListParams:
    """Read the list's filters, sort and cursor from the query string. Unknown values are
    passed on: ``list_cases`` refuses them with a message the page shows."""
    sort = query.get("sort", default_sort)[:20] or default_sort
    key = sort.lstrip("-")
    known = [k for k, _label in COLUMNS + (STAFF_COLUMNS if staff else [])]
    if key not in SORTS or key not in known:
        sort, key = default_sort, default_sort.lstrip("-")
    descending = sort.startswith("-")
    columns = []
    for column_key, label in COLUMNS + (STAFF_COLUMNS if staff else []):
        if column_key == key:
            state = "desc" if descending else "asc"
            next_sort = column_key if descending else f"-{column_key}"
        else:
            state = ""
            next_sort = f"-{column_key}" if column_key == "modified" else column_key
        columns.append(Column(column_key, str(label), next_sort, state))
    flt = CaseFilter(
        query=query.get("q", "")[:200],
        status=query.get("status", ""),
        priority=query.get("priority", ""),
        owner=query.get("owner", "") if allow_owner else "",
    )
    return ListParams(filter=flt, sort=sort, cursor=query.get("cursor") or None, columns=columns)


def status_choices(*, with_active: bool) -> list[tuple[str, str]]:
    choices = [("", _("Any status"))]
    if with_active:
        choices.append(("active", _("Active (not closed)")))
    return choices + [(value, str(label)) for value, label in CaseStatus.choices]


def priority_choices() -> list[tuple[str, str]]:
    return [("", _("Any priority")), *((value, str(label)) for value, label in Priority.choices)]


# --- the case page --------------------------------------------------------------------------

ACTIONS = {
    "opened": gettext_lazy("opened the case"),
    "replied": gettext_lazy("replied"),
    "assigned": gettext_lazy("assigned the case"),
    "status_changed": gettext_lazy("changed the status"),
    "priority_changed": gettext_lazy("changed the priority"),
    "resolution_proposed": gettext_lazy("proposed a resolution"),
    "resolution_accepted": gettext_lazy("accepted the resolution; the case is closed"),
    "resolution_rejected": gettext_lazy("said the problem is not resolved"),
    "file_attached": gettext_lazy("attached a file"),
    "note_added": gettext_lazy("added an internal note"),
    "closed_without_answer": gettext_lazy("closed the case: no answer to the proposed resolution"),
    "closed": gettext_lazy("closed the case"),
    "reopened": gettext_lazy("reopened the case"),
    "macro_applied": gettext_lazy("applied a macro"),
    # the copy of the case's RMAs in its history (D-5.6)
    "rma_requested": gettext_lazy("requested an RMA"),
    "rma_lines_amended": gettext_lazy("changed the units of the RMA request"),
    "rma_approved": gettext_lazy("approved the RMA request"),
    "rma_rejected": gettext_lazy("rejected the RMA request"),
    "rma_cancelled": gettext_lazy("cancelled the RMA request"),
    "rma_quote_accepted": gettext_lazy("accepted the time-and-material quote"),
    "rma_quote_declined": gettext_lazy("declined the time-and-material quote"),
    "rma_question_asked": gettext_lazy("asked a question about the RMA request"),
    "rma_question_answered": gettext_lazy("answered the question about the RMA request"),
    "rma_line_ship_replacement": gettext_lazy("shipped the replacement"),
    "rma_line_deliver": gettext_lazy("recorded the replacement's delivery"),
    "rma_line_await_return": gettext_lazy("marked the unit as awaited"),
    "rma_line_receive": gettext_lazy("received the unit at the depot"),
    "rma_line_repair": gettext_lazy("marked the unit repaired"),
    "rma_line_ship_back": gettext_lazy("shipped the unit back"),
    "rma_line_close": gettext_lazy("closed the RMA line"),
    "rma_serial_mismatch": gettext_lazy("held a parcel: the serial in the box is not the line's"),
    "rma_return_charge_flagged": gettext_lazy("flagged a charge: the defective unit was not returned in time"),
    "rma_return_charge_waived": gettext_lazy("waived the charge for the unit not returned"),
    "mis_shipment_claimed": gettext_lazy("claimed a mis-shipment"),
    "mis_shipment_part_shipped": gettext_lazy("shipped the correct part"),
}


def _status_labels(action: str) -> dict[str, Any]:
    """The status names an entry's status change speaks of: a line's, a request's or the case's."""
    if action.startswith("rma_line_"):
        return dict(LineStatus.choices)
    if action.startswith("rma_"):
        return dict(RmaStatus.choices)
    return dict(CaseStatus.choices)


def history_rows(user: User, case: Case) -> list[dict[str, Any]]:
    """The case history in words: who did what and when, with the changed status,
    priority and owner shown by name."""
    entries = case_history_entries(user, case)
    owner_ids = {
        value
        for entry in entries
        for value in (entry.changes.get("owner") or [])
        if isinstance(value, int) and not isinstance(value, bool)
    }
    # Owners are staff, whose names the queue's snapshot knows; only a newer one is read.
    known = list_names.get()[1]
    names = {pk: known[pk] for pk in owner_ids if pk in known}
    if owner_ids - names.keys():
        names.update(User.objects.filter(pk__in=owner_ids - names.keys()).values_list("pk", "full_name"))
    rows = []
    for entry in entries:
        details = []
        labels = _status_labels(entry.action)
        if entry.action.startswith("rma_"):
            if isinstance(entry.changes.get("line"), str):
                details.append(_("Line %(line)s") % {"line": entry.changes["line"]})
            elif isinstance(entry.changes.get("rma"), str):
                details.append(_("RMA %(number)s") % {"number": entry.changes["rma"]})
            if isinstance(entry.changes.get("tracking_number"), str):
                details.append(_("Tracking number: %(number)s") % {"number": entry.changes["tracking_number"]})
        for field, pair in entry.changes.items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            old, new = pair
            if field == "status":
                details.append(
                    _("Status: %(old)s → %(new)s")
                    % {"old": labels.get(old, old or "—") if old else "—", "new": labels.get(new, new)}
                )
            elif field == "priority":
                details.append(_("Priority: %(old)s → %(new)s") % {"old": old or "—", "new": new})
            elif field == "owner":
                details.append(_("Owner: %(old)s → %(new)s") % {"old": names.get(old, "—"), "new": names.get(new, "—")})
        if entry.action == "closed" and isinstance(entry.changes.get("reason"), str):
            details.append(_("Reason: %(reason)s") % {"reason": close_reason_label(entry.changes["reason"])})
            if entry.changes.get("duplicate_of"):
                details.append(_("Duplicate of %(case_id)s") % {"case_id": entry.changes["duplicate_of"]})
        if entry.action == "macro_applied" and entry.changes.get("macro"):
            details.append(str(entry.changes["macro"]))
        if entry.action == "file_attached" and entry.changes.get("file"):
            details.append(str(entry.changes["file"]))
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor_label or _("System"),
                "text": ACTIONS.get(entry.action, entry.action.replace("_", " ")),
                "details": details,
                "internal": entry.internal,
            }
        )
    return rows


def template_rows(case: Case) -> list[tuple[str, str]]:
    """The request type's template fields of the case (D-3.3), labelled as the template says
    in the page's language."""
    specs = case.request_type.template if case.request_type and isinstance(case.request_type.template, list) else []
    labels = {spec.get("name"): template_label(spec) for spec in specs if isinstance(spec, dict)}
    rows = []
    for name, value in (case.template_data or {}).items():
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        rows.append((str(labels.get(name) or name.replace("_", " ").capitalize()), shown))
    return rows


def attachment_response(user: User, case_id: str, attachment_id: int | str) -> FileResponse:
    """A case file as a download. Always ``application/octet-stream`` and an attachment,
    so a browser never renders an uploaded file (HTML, SVG…) inline on our origin."""
    attachment = get_attachment(user, case_id, attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename)
    response["Content-Type"] = "application/octet-stream"
    return response
