from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Path, Query, Router
from ninja.files import UploadedFile
from pydantic import Field

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import User
from caredesk.accounts.queries import visible_sites
from caredesk.api.idempotency import idempotent
from caredesk.api.schemas import (
    AssignIn,
    AttachmentOut,
    BulkIn,
    CaseContactsOut,
    CaseImportIn,
    CaseIn,
    CaseOut,
    CasePageOut,
    CaseRow,
    CloseIn,
    DashboardOut,
    ErrorOut,
    EscalationHandledIn,
    EscalationIn,
    EscalationOut,
    HistoryOut,
    ImportedOut,
    MacroApplyIn,
    MacroIn,
    MacroOut,
    MessageIn,
    MessageOut,
    OnCallOut,
    PriorityChangeIn,
    QueryIn,
    ReopenIn,
    RequestTypeOut,
    SavedViewIn,
    SavedViewOut,
    StatusChangeIn,
)
from caredesk.cases import queries, services
from caredesk.cases.models import Attachment, Case, CaseMessage, Escalation, Macro, SavedView
from caredesk.sla.queries import response_target
from caredesk.web.pages import attachment_response

router = Router(tags=["cases"])
CaseId = Path(..., max_length=40, description="YYYY-MMDD-NNNNN, dashes optional")
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def case_out(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "kind": case.kind,
        "status": case.status,
        "priority": case.priority,
        "request_type": (
            {"code": case.request_type.code, "name": case.request_type.label()} if case.request_type else None
        ),
        "request_subtype": (
            {"code": case.request_subtype.code, "name": case.request_subtype.label()} if case.request_subtype else None
        ),
        "follow_up_method": case.follow_up_method,
        "callback_phone": case.callback_phone,
        "summary": case.summary,
        "description": case.description,
        "serial_number": case.serial_number,
        "ssrn": case.ssrn,
        "product_series": case.product_series,
        "platform": case.platform,
        "customer_tracking_number": case.customer_tracking_number,
        "template_data": case.template_data,
        "organisation": {"id": case.organisation.pk, "name": case.organisation.name, "kind": case.organisation.kind},
        "site": {"code": case.site_code, "name": case.site_name} if case.site_id else None,
        "contact": {"name": case.contact.full_name, "email": case.contact.email},
        "owner": {"name": case.owner.full_name} if case.owner else None,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "resolution_proposed_at": case.resolution_proposed_at,
        "closed_at": case.closed_at,
        "response": response_out(case),
        "escalation_level": case.escalation_level,
        "opened_off_hours": case.opened_off_hours,
        "waits_until": case.waits_until,
        "waiting": case.waiting,
        "closed_reason": case.closed_reason,
        "reopen_until": services.reopen_deadline(case),
    }


def response_out(case: Case) -> dict[str, Any]:
    state = queries.response_state(case)
    target = response_target(case.priority)
    return {
        "state": state.state,
        "target": target.describe() if target else "",
        "due_at": state.due_at,
        "responded_at": state.responded_at,
        "seconds_left": state.seconds_left,
    }


class CaseQuery(QueryIn):
    q: str = Field("", max_length=200, description="Case id (dashes optional), tracking number or keywords")
    status: str = Field("", max_length=32, description="A status, or 'active' for all but closed")
    priority: str = Field("", max_length=2)
    owner: str = Field("", max_length=8, description="'me' or 'none' (staff)")
    sort: str = Field(
        "-modified",
        max_length=20,
        description="status, case_id, site_name, site_id, contact, modified, platform, priority, due (response "
        "due time; cases without a target last); '-' for descending",
    )
    organisation_id: int | None = Field(None, ge=1, le=2**62, description="Only this organisation's cases")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


@router.get("/request-types", response=list[RequestTypeOut], summary="The admin request-type catalogue")
def request_types(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": t.code,
            "name": t.label(),
            "description": t.description,
            "template": t.template,
            "subtypes": [{"code": s.code, "name": s.label()} for s in t.subtypes.all() if s.active],
        }
        for t in queries.request_types()
    ]


@router.get("/cases", response={200: CasePageOut, 422: ErrorOut}, summary="List and search the cases you can see")
def list_cases(request: HttpRequest, filters: Query[CaseQuery]) -> dict[str, Any]:
    page = queries.list_cases(
        _user(request),
        queries.CaseFilter(
            query=filters.q,
            status=filters.status,
            priority=filters.priority,
            owner=filters.owner,
            organisation_id=filters.organisation_id,
        ),
        sort=filters.sort,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [case_row(c) for c in page.items], "next_cursor": page.next_cursor}


def case_row(c: Case) -> dict[str, Any]:
    return {
        "case_id": c.case_id,
        "kind": c.kind,
        "status": c.status,
        "priority": c.priority,
        "summary": c.summary,
        "site_name": c.site_name,
        "site_id": c.site_code,
        "contact_name": c.contact_name,
        "platform": c.platform,
        "updated_at": c.updated_at,
        "response_state": queries.response_state(c).state,
        "response_due_at": c.response_due_at,
        "rma_numbers": c.rma_numbers or [],
    }


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Open a case")
@idempotent
def open_case(request: HttpRequest, payload: CaseIn) -> tuple[int, dict[str, Any]]:
    # The new case carries its related rows already; no need to read it back.
    return 201, case_out(services.open_case(_user(request), services.NewCase(**payload.dict())))


# Before /cases/{case_id}: Ninja matches paths in the order they are added.
@router.post(
    "/cases/bulk",
    response={200: list[CaseRow], **ERRORS},
    summary="Staff: assign, change the priority or the status of many cases; all or nothing",
)
def bulk_change(request: HttpRequest, payload: BulkIn) -> list[dict[str, Any]]:
    return [case_row(c) for c in services.bulk_change(_user(request), payload.case_ids, payload.action, payload.value)]


@router.post(
    "/case-imports",
    response={201: list[ImportedOut], **ERRORS},
    summary="Administrators: import cases with their past from another system (no one is notified)",
)
@idempotent
def import_cases(request: HttpRequest, payload: CaseImportIn) -> tuple[int, list[dict[str, Any]]]:
    items = [services.imported_case(c.model_dump()) for c in payload.cases]
    made = services.import_cases(_user(request), items)
    return 201, [
        {"case_id": c.case_id, "external_id": i.external_id, "status": c.status, "created_at": c.created_at}
        for c, i in zip(made, items, strict=True)
    ]


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut})
def get_case(request: HttpRequest, case_id: str = CaseId) -> dict[str, Any]:
    return case_out(queries.get_case(_user(request), case_id))


@router.get(
    "/cases/{case_id}/messages",
    response={200: list[MessageOut], 404: ErrorOut},
    summary="Replies (and, for staff, internal notes)",
)
def messages(request: HttpRequest, case_id: str = CaseId) -> list[CaseMessage]:
    user = _user(request)
    return list(queries.case_messages(user, queries.get_case(user, case_id)))


@router.post("/cases/{case_id}/replies", response={201: MessageOut, **ERRORS})
@idempotent
def add_reply(request: HttpRequest, payload: MessageIn, case_id: str = CaseId) -> tuple[int, CaseMessage]:
    return 201, services.reply(_user(request), case_id, payload.body)


@router.post("/cases/{case_id}/notes", response={201: MessageOut, **ERRORS}, summary="Staff: an internal note")
@idempotent
def add_note(request: HttpRequest, payload: MessageIn, case_id: str = CaseId) -> tuple[int, CaseMessage]:
    return 201, services.add_note(_user(request), case_id, payload.body)


@router.post("/cases/{case_id}/assign", response={200: CaseOut, **ERRORS}, summary="Staff: give the case an owner")
def assign(request: HttpRequest, payload: AssignIn, case_id: str = CaseId) -> dict[str, Any]:
    services.assign(_user(request), case_id, payload.owner_email)
    return case_out(queries.get_case(_user(request), case_id))


@router.post("/cases/{case_id}/status", response={200: CaseOut, **ERRORS}, summary="Staff: Open ⇄ Awaiting customer")
def set_status(request: HttpRequest, payload: StatusChangeIn, case_id: str = CaseId) -> dict[str, Any]:
    services.set_status(_user(request), case_id, payload.status)
    return case_out(queries.get_case(_user(request), case_id))


@router.post("/cases/{case_id}/priority", response={200: CaseOut, **ERRORS}, summary="Staff: change the priority")
def set_priority(request: HttpRequest, payload: PriorityChangeIn, case_id: str = CaseId) -> dict[str, Any]:
    services.change_priority(_user(request), case_id, payload.priority)
    return case_out(queries.get_case(_user(request), case_id))


@router.post("/cases/{case_id}/resolution", response={201: MessageOut, **ERRORS}, summary="Staff: propose a resolution")
@idempotent
def propose_resolution(request: HttpRequest, payload: MessageIn, case_id: str = CaseId) -> tuple[int, CaseMessage]:
    return 201, services.propose_resolution(_user(request), case_id, payload.body)


@router.post(
    "/cases/{case_id}/resolution/accept",
    response={200: CaseOut, **ERRORS},
    summary="Customer: agree the case is resolved",
)
def accept_resolution(request: HttpRequest, case_id: str = CaseId) -> dict[str, Any]:
    services.accept_resolution(_user(request), case_id)
    return case_out(queries.get_case(_user(request), case_id))


class RejectIn(MessageIn):
    pass


@router.post(
    "/cases/{case_id}/resolution/reject",
    response={201: MessageOut, **ERRORS},
    summary="Customer: the problem is not resolved",
)
@idempotent
def reject_resolution(request: HttpRequest, payload: RejectIn, case_id: str = CaseId) -> tuple[int, CaseMessage]:
    return 201, services.reject_resolution(_user(request), case_id, payload.body)


@router.get("/cases/{case_id}/history", response={200: list[HistoryOut], 404: ErrorOut})
def history(request: HttpRequest, case_id: str = CaseId) -> list[dict[str, Any]]:
    user = _user(request)
    entries = queries.case_history(user, queries.get_case(user, case_id))
    return [{"at": e.at, "actor": e.actor_label or "system", "action": e.action, "changes": e.changes} for e in entries]


# --- escalation (D-4.5, D-4.6) -----------------------------------------------------------------


def escalation_out(e: Escalation, *, staff: bool = True) -> dict[str, Any]:
    return {
        "id": e.pk,
        "case_id": e.case.case_id,
        "kind": e.kind,
        "reason": e.reason,
        "requested_by": e.requested_by.full_name,
        "requested_at": e.requested_at,
        "on_call": e.on_call,
        "new_owner": {"name": e.new_owner.full_name} if e.new_owner else None,
        "handled_at": e.handled_at,
        "outcome": e.outcome if staff else "",  # the team's own words, for staff
    }


@router.post(
    "/cases/{case_id}/escalations",
    response={201: EscalationOut, **ERRORS},
    summary="Escalate a case: faster progress or reassignment, with a reason",
)
@idempotent
def escalate(request: HttpRequest, payload: EscalationIn, case_id: str = CaseId) -> tuple[int, dict[str, Any]]:
    return 201, escalation_out(services.escalate(_user(request), case_id, payload.kind, payload.reason))


@router.get("/cases/{case_id}/escalations", response={200: list[EscalationOut], 404: ErrorOut})
def case_escalations(request: HttpRequest, case_id: str = CaseId) -> list[dict[str, Any]]:
    user = _user(request)
    case = queries.get_case(user, case_id)
    return [escalation_out(e, staff=user.is_vendor_staff) for e in queries.case_escalations(user, case)]


class EscalationQuery(QueryIn):
    on_call: bool | None = Field(None, description="Only those raised outside (true) or inside (false) business days")


@router.get(
    "/escalations",
    response={200: list[EscalationOut], 403: ErrorOut, 422: ErrorOut},
    summary="Staff: the escalation team's queue, oldest first",
)
def escalation_queue(request: HttpRequest, filters: Query[EscalationQuery]) -> list[dict[str, Any]]:
    return [escalation_out(e) for e in queries.escalation_queue(_user(request), on_call=filters.on_call)]


@router.post(
    "/escalations/{escalation_id}/handled",
    response={200: EscalationOut, **ERRORS},
    summary="Escalation team: the escalation is dealt with",
)
def handle_escalation(
    request: HttpRequest, payload: EscalationHandledIn, escalation_id: int = Path(..., ge=1, le=2**62)
) -> dict[str, Any]:
    return escalation_out(services.handle_escalation(_user(request), escalation_id, payload.outcome))


@router.get("/on-call", response={200: OnCallOut, 403: ErrorOut}, summary="Staff: the on-call queue")
def on_call(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    return {
        "escalations": [escalation_out(e) for e in queries.escalation_queue(user, on_call=True)],
        "cases": [case_row(c) for c in queries.on_call_cases(user)],
    }


def _attachment_out(case: Case, a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "filename": a.filename,
        "size": a.size,
        "content_type": a.content_type,
        "internal": a.internal,
        "created_at": a.created_at,
        "url": f"/api/v1/cases/{case.case_id}/attachments/{a.pk}",
    }


@router.get("/cases/{case_id}/attachments", response={200: list[AttachmentOut], 404: ErrorOut})
def attachments(request: HttpRequest, case_id: str = CaseId) -> list[dict[str, Any]]:
    user = _user(request)
    case = queries.get_case(user, case_id)
    return [_attachment_out(case, a) for a in queries.case_attachments(user, case)]


@router.post("/cases/{case_id}/attachments", response={201: AttachmentOut, **ERRORS}, summary="Add a file (multipart)")
@idempotent
def add_attachment(
    request: HttpRequest, file: File[UploadedFile], internal: Form[bool] = False, case_id: str = CaseId
) -> tuple[int, dict[str, Any]]:
    attachment = services.attach(_user(request), case_id, file, internal=internal)
    return 201, _attachment_out(attachment.case, attachment)


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}", response={200: None, 404: ErrorOut}, summary="Download a file"
)
def download(
    request: HttpRequest, case_id: str = CaseId, attachment_id: int = Path(..., ge=1, le=2**62)
) -> FileResponse:
    return attachment_response(_user(request), case_id, attachment_id)


class DashboardQuery(QueryIn):
    weeks: int = Field(8, ge=1, le=52)


@router.get(
    "/dashboard",
    response={200: DashboardOut, 403: ErrorOut, 422: ErrorOut},
    summary="Managers: response-target compliance by week and priority, open breaches, backlog by age",
)
def dashboard(request: HttpRequest, filters: Query[DashboardQuery]) -> dict[str, Any]:
    board = queries.dashboard(_user(request), weeks=filters.weeks)
    return {
        "compliance": board.compliance,
        "open_breaches": board.open_breaches,
        "oldest_breaches": [
            {
                "case_id": c.case_id,
                "priority": c.priority,
                "summary": c.summary,
                "response_due_at": c.response_due_at,
                "owner": c.owner.full_name if c.owner else None,
            }
            for c in board.oldest_breaches
        ],  # fmt: skip
        "backlog": board.backlog,
    }


# --- the console's tools: closing with a reason, reopening, macros, bulk, saved views --------------


@router.post("/cases/{case_id}/close", response={200: CaseOut, **ERRORS}, summary="Staff: close a case with a reason")
def close_case(request: HttpRequest, payload: CloseIn, case_id: str = CaseId) -> dict[str, Any]:
    services.close_case(_user(request), case_id, payload.reason, payload.note, payload.duplicate_of)
    return case_out(queries.get_case(_user(request), case_id))


@router.post(
    "/cases/{case_id}/reopen",
    response={200: CaseOut, **ERRORS},
    summary="Reopen a closed case within the reopening window (staff, or the customer)",
)
def reopen_case(request: HttpRequest, payload: ReopenIn, case_id: str = CaseId) -> dict[str, Any]:
    services.reopen_case(_user(request), case_id, payload.body)
    return case_out(queries.get_case(_user(request), case_id))


class ContactsQuery(QueryIn):
    organisation_id: int = Field(..., ge=1, le=2**62)


@router.get(
    "/case-contacts",
    response={200: CaseContactsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Staff: who can be the contact of a case opened for this organisation, and its sites",
)
def case_contacts(request: HttpRequest, filters: Query[ContactsQuery]) -> dict[str, Any]:
    user = _user(request)
    require(user, Capability.OPEN_CASES_FOR_CUSTOMERS)
    people = queries.case_contacts(user, filters.organisation_id)[:500]
    sites = visible_sites(user).filter(organisation_id=filters.organisation_id).order_by("name")[:500]
    return {
        "contacts": [{"name": u.full_name, "email": u.email} for u in people],
        "sites": [{"code": s.code, "name": s.name} for s in sites],
    }


def macro_out(m: Macro) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "body": m.body,
        "shared": m.shared,
        "as_note": m.as_note,
        "set_status": m.set_status,
        "set_priority": m.set_priority,
    }


@router.get("/macros", response={200: list[MacroOut], 403: ErrorOut}, summary="Staff: the macros you can apply")
def macros(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    require(user, Capability.WORK_CASES)
    return [macro_out(m) for m in services.visible_macros(user)]


@router.post("/macros", response={201: MacroOut, **ERRORS}, summary="Staff: a new macro, yours or shared")
@idempotent
def create_macro(request: HttpRequest, payload: MacroIn) -> tuple[int, dict[str, Any]]:
    return 201, macro_out(services.create_macro(_user(request), services.MacroData(**payload.dict())))


MacroId = Path(..., ge=1, le=2**62)


@router.put("/macros/{macro_id}", response={200: MacroOut, **ERRORS}, summary="Staff: change a macro")
def update_macro(request: HttpRequest, payload: MacroIn, macro_id: int = MacroId) -> dict[str, Any]:
    return macro_out(services.update_macro(_user(request), macro_id, services.MacroData(**payload.dict())))


@router.delete("/macros/{macro_id}", response={204: None, **ERRORS}, summary="Staff: delete a macro")
def delete_macro(request: HttpRequest, macro_id: int = MacroId) -> tuple[int, None]:
    services.delete_macro(_user(request), macro_id)
    return 204, None


@router.post(
    "/cases/{case_id}/macro",
    response={201: MessageOut, **ERRORS},
    summary="Staff: apply a macro: its reply or note, status and priority, in one go",
)
def apply_macro(request: HttpRequest, payload: MacroApplyIn, case_id: str = CaseId) -> tuple[int, CaseMessage]:
    return 201, services.apply_macro(_user(request), case_id, payload.macro_id)


def view_out(v: SavedView) -> dict[str, Any]:
    return {
        "id": v.pk,
        "name": v.name,
        "q": v.query,
        "status": v.status,
        "priority": v.priority,
        "owner": v.owner_filter,
        "sort": v.sort,
    }


@router.get("/saved-views", response={200: list[SavedViewOut], 403: ErrorOut}, summary="Staff: your saved queue views")
def saved_views(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    require(user, Capability.WORK_CASES)
    return [view_out(v) for v in services.saved_views(user)]


@router.post(
    "/saved-views",
    response={201: SavedViewOut, **ERRORS},
    summary="Staff: keep a filter and sort of the queue under a name (the same name replaces it)",
)
def save_view(request: HttpRequest, payload: SavedViewIn) -> tuple[int, dict[str, Any]]:
    data = services.ViewData(
        name=payload.name,
        query=payload.q,
        status=payload.status,
        priority=payload.priority,
        owner=payload.owner,
        sort=payload.sort,
    )
    return 201, view_out(services.save_view(_user(request), data))


@router.delete(
    "/saved-views/{view_id}", response={204: None, **ERRORS}, summary="Staff: delete one of your saved views"
)
def delete_view(request: HttpRequest, view_id: int = Path(..., ge=1, le=2**62)) -> tuple[int, None]:
    services.delete_view(_user(request), view_id)
    return 204, None
