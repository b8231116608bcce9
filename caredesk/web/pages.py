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

from caredesk.accounts.models import User
from caredesk.cases.models import Case, CaseStatus, Priority, close_reason_label
from caredesk.cases.queries import SORTS, CaseFilter, case_history_entries, get_attachment, list_names
from caredesk.core.errors import DomainError, NotFound


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
    ("status", "Status"),
    ("case_id", "Case id"),
    ("site_name", "Site name"),
    ("site_id", "Site id"),
    ("contact", "Contact"),
    ("modified", "Last modified"),
    ("platform", "Platform"),
    ("priority", "Priority"),
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
STAFF_COLUMNS = [("due", "Due")]


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
        columns.append(Column(column_key, label, next_sort, state))
    flt = CaseFilter(
        query=query.get("q", "")[:200],
        status=query.get("status", ""),
        priority=query.get("priority", ""),
        owner=query.get("owner", "") if allow_owner else "",
    )
    return ListParams(filter=flt, sort=sort, cursor=query.get("cursor") or None, columns=columns)


def status_choices(*, with_active: bool) -> list[tuple[str, str]]:
    choices = [("", "Any status")]
    if with_active:
        choices.append(("active", "Active (not closed)"))
    return choices + [(value, str(label)) for value, label in CaseStatus.choices]


def priority_choices() -> list[tuple[str, str]]:
    return [("", "Any priority"), *((value, str(label)) for value, label in Priority.choices)]


# --- the case page --------------------------------------------------------------------------

ACTIONS = {
    "opened": "opened the case",
    "replied": "replied",
    "assigned": "assigned the case",
    "status_changed": "changed the status",
    "priority_changed": "changed the priority",
    "resolution_proposed": "proposed a resolution",
    "resolution_accepted": "accepted the resolution; the case is closed",
    "resolution_rejected": "said the problem is not resolved",
    "file_attached": "attached a file",
    "note_added": "added an internal note",
    "closed_without_answer": "closed the case: no answer to the proposed resolution",
    "closed": "closed the case",
    "reopened": "reopened the case",
    "macro_applied": "applied a macro",
}


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
    labels = dict(CaseStatus.choices)
    rows = []
    for entry in entries:
        details = []
        for field, pair in entry.changes.items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            old, new = pair
            if field == "status":
                details.append(f"Status: {labels.get(old, old or '—')} → {labels.get(new, new)}")
            elif field == "priority":
                details.append(f"Priority: {old or '—'} → {new}")
            elif field == "owner":
                details.append(f"Owner: {names.get(old, '—')} → {names.get(new, '—')}")
        if entry.action == "closed" and isinstance(entry.changes.get("reason"), str):
            details.append(f"Reason: {close_reason_label(entry.changes['reason'])}")
            if entry.changes.get("duplicate_of"):
                details.append(f"Duplicate of {entry.changes['duplicate_of']}")
        if entry.action == "macro_applied" and entry.changes.get("macro"):
            details.append(str(entry.changes["macro"]))
        if entry.action == "file_attached" and entry.changes.get("file"):
            details.append(str(entry.changes["file"]))
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor_label or "System",
                "text": ACTIONS.get(entry.action, entry.action.replace("_", " ")),
                "details": details,
                "internal": entry.internal,
            }
        )
    return rows


def template_rows(case: Case) -> list[tuple[str, str]]:
    """The request type's template fields of the case (D-3.3), labelled as the template says."""
    labels = {spec.get("name"): spec.get("label") for spec in (case.request_type.template if case.request_type else [])}
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
