"""Request and response shapes. Inputs refuse unknown fields, so a typo is an error
rather than a silently ignored value."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from caredesk.core.validation import NUL_FIELD, holds_nul


class QueryIn(Schema):
    """Query parameters: unknown ones are ignored (caches and proxies add their own)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # No text anywhere in a request may hold a NUL: PostgreSQL cannot store or even
        # compare it, and no field of ours has a use for it. Refused here, as a 422 on the
        # field that holds it, in the words the edge uses for paths, queries and forms
        # (caredesk.web.middleware.EdgeMiddleware).
        if holds_nul(value):
            raise PydanticCustomError("nul", _(NUL_FIELD))
        return value


class In(QueryIn):
    """Request bodies: unknown fields are refused, so a typo is an error. Booleans are
    ``StrictBool``: ``0`` or ``"yes"`` is not a decision. Text the services refuse empty
    has ``min_length=1``, so the published description says so too."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Response shapes are plain pydantic models. The endpoints hand them dicts or simple
    objects; the framework's own base class would wrap every value in an attribute
    resolver first, which costs a fifth of a case list's time for nothing we use."""

    model_config = ConfigDict(from_attributes=True)


class ErrorBody(Out):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Out):
    error: ErrorBody


# --- accounts -------------------------------------------------------------------


class TokenRequestIn(In):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=100, description="What the token is for, e.g. 'monitoring script'")


class TokenNameIn(In):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The secret; shown only now")


class OrganisationRef(Out):
    id: int
    name: str
    kind: str


class MeOut(Out):
    email: str
    full_name: str
    organisation: OrganisationRef
    associations: list[OrganisationRef]
    roles: list[str]
    gov_cleared: bool
    phone: str = Field(description="E.164; offered as the call-back number on new cases; empty: none")
    mobile_phone: str = Field(description="E.164; empty: none")
    language: str = Field(description="A code of the interface's languages; empty: follow Accept-Language")
    time_zone: str = Field(description="IANA name; empty: the support centre's time zone")
    password_expires_at: datetime


class ProfileIn(In):
    """Change your own profile: only the fields given change."""

    full_name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(
        None, max_length=40, description="International, or national in your organisation's country"
    )
    mobile_phone: str | None = Field(None, max_length=40)
    language: str | None = Field(None, max_length=8, description="en, de, fr, es, ja; empty: follow Accept-Language")
    time_zone: str | None = Field(
        None, max_length=64, description="IANA name, e.g. Europe/Berlin; empty: the support centre's"
    )


class RegistrationOut(Out):
    id: int
    email: str
    full_name: str
    new_organisation_name: str
    new_organisation_country: str
    created_at: datetime
    status: str


class DecisionIn(In):
    approve: StrictBool
    note: str = Field("", max_length=500)


# --- cases ----------------------------------------------------------------------

PriorityIn = Literal["P1", "P2", "P3", "P4"]
FollowUpIn = Literal["phone", "email", "chat", "text"]
StatusIn = Literal["new", "open", "awaiting_customer", "resolution_proposed", "closed"]


class SubTypeOut(Out):
    code: str
    name: str


class RequestTypeOut(Out):
    code: str
    name: str
    description: str
    template: list[dict[str, Any]]
    subtypes: list[SubTypeOut]


class CaseIn(In):
    kind: Literal["admin", "technical"] = "admin"
    request_type: str = Field("", max_length=64)
    request_subtype: str = Field("", max_length=64)
    priority: PriorityIn
    follow_up_method: FollowUpIn
    callback_phone: str = Field(min_length=1, max_length=40, description="International format, e.g. +1 408 555 0100")
    summary: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    serial_number: str = Field("", max_length=64)
    ssrn: str = Field("", max_length=64)
    customer_tracking_number: str = Field("", max_length=64)
    template_data: dict[str, Any] = Field(default_factory=dict)
    organisation_id: int | None = Field(None, ge=1, le=2**62)
    site_code: str = Field("", max_length=32)
    contact_email: str = Field("", max_length=254, description="Staff only: the customer user the case is for")


class ImportedMessageIn(In):
    body: str = Field(min_length=1, max_length=20_000)
    at: datetime = Field(description="When it was written, with its offset")
    author_email: str = Field("", max_length=254, description="A user here, if the author has one")
    author_name: str = Field("", max_length=200, description="For authors without a user here")
    from_staff: StrictBool = Field(False, description="For authors without a user here")
    internal: StrictBool = Field(False, description="A staff member's internal note")


class ImportedCaseIn(CaseIn):
    """A case from another system with its past (D-3.1: the id is dated by opened_at)."""

    opened_at: datetime
    status: StatusIn = "open"
    owner_email: str = Field("", max_length=254)
    closed_at: datetime | None = None
    messages: list[ImportedMessageIn] = Field(default_factory=list, max_length=1000)
    external_id: str = Field("", max_length=100, description="The case's id in the old system, kept in the history")


class CaseImportIn(In):
    cases: list[ImportedCaseIn] = Field(min_length=1, max_length=100)


class ImportedOut(Out):
    case_id: str
    external_id: str
    status: str
    created_at: datetime


class Ref(Out):
    code: str
    name: str


class PersonRef(Out):
    name: str
    email: str | None = None


class SiteRef(Out):
    code: str
    name: str


class ResponseOut(Out):
    """Where the case stands against its response target (D-4.1)."""

    state: str = Field(description="met, missed (answered late), due, overdue, or none (no target)")
    target: str = Field(description="The priority's target, e.g. '2 hours, round the clock'")
    due_at: datetime | None
    responded_at: datetime | None
    seconds_left: int | None = Field(description="Until due; negative when overdue; null once answered")


class CaseOut(Out):
    case_id: str
    kind: str
    status: str
    priority: str
    request_type: Ref | None
    request_subtype: Ref | None
    follow_up_method: str
    callback_phone: str
    summary: str
    description: str
    serial_number: str
    ssrn: str
    product_series: str
    platform: str
    customer_tracking_number: str
    template_data: dict[str, Any]
    organisation: OrganisationRef
    site: SiteRef | None
    contact: PersonRef
    owner: PersonRef | None
    created_at: datetime
    updated_at: datetime
    resolution_proposed_at: datetime | None
    closed_at: datetime | None
    response: ResponseOut
    escalation_level: int = Field(description="Management levels told so far: 1 team lead, 2 care manager, 3 director")
    opened_off_hours: bool = Field(False, description="Opened outside business days")
    waits_until: datetime | None = Field(
        None, description="Opened outside business days, not P1: the start of the business day it waits for"
    )
    waiting: bool = Field(False, description="It still waits for that business day to start")
    closed_reason: str = Field(
        "",
        description="accepted, no_answer (closed in silence), duplicate, spam, resolved_by_phone or no_response",
    )
    reopen_until: datetime | None = Field(None, description="A closed case can be reopened until then")


class CloseIn(In):
    """Staff close a case themselves, with a reason."""

    reason: Literal["duplicate", "spam", "resolved_by_phone", "no_response"]
    note: str = Field("", max_length=2000, description="Told to the customer with the notice (not for spam)")
    duplicate_of: str = Field("", max_length=40, description="For a duplicate: the case id it repeats")


class ReopenIn(In):
    body: str = Field(
        "", max_length=20_000, description="Optional: added as a reply (customer) or an internal note (staff)"
    )


class BulkIn(In):
    case_ids: list[str] = Field(min_length=1, max_length=100)
    action: Literal["assign", "priority", "status"]
    value: str = Field(
        "",
        max_length=254,
        description="assign: the owner's e-mail (empty: yourself); priority: P1-P4; status: open or awaiting_customer",
    )


class ContactChoiceOut(Out):
    name: str
    email: str


class CaseContactsOut(Out):
    """Whom a case for this organisation can name as its contact, and its sites."""

    contacts: list[ContactChoiceOut]
    sites: list[SiteRef]


class MacroIn(In):
    name: str = Field(max_length=100)
    body: str = Field(
        max_length=20_000,
        description="Placeholders: {{customer_name}}, {{case_id}}, {{case_summary}}, {{organisation}}, {{site}}, "
        "{{agent_name}}",
    )
    shared: bool = Field(False, description="For every agent (team leads and managers); otherwise yours")
    as_note: bool = Field(False, description="Added as an internal note instead of a reply")
    set_status: Literal["", "open", "awaiting_customer"] = ""
    set_priority: Literal["", "P1", "P2", "P3", "P4"] = ""


class MacroOut(Out):
    id: int
    name: str
    body: str
    shared: bool
    as_note: bool
    set_status: str
    set_priority: str


class MacroApplyIn(In):
    macro_id: int = Field(ge=1, le=2**62)


class SavedViewIn(In):
    name: str = Field(max_length=60)
    q: str = Field("", max_length=200)
    status: str = Field("active", max_length=32)
    priority: str = Field("", max_length=2)
    owner: str = Field("", max_length=8)
    sort: str = Field("-modified", max_length=20)


class SavedViewOut(Out):
    id: int
    name: str
    q: str
    status: str
    priority: str
    owner: str
    sort: str


class CaseRow(Out):
    case_id: str
    kind: str
    status: str
    priority: str
    summary: str
    site_name: str
    site_id: str
    contact_name: str
    platform: str
    updated_at: datetime
    response_state: str = Field(description="met, missed, due, overdue or none")
    response_due_at: datetime | None
    rma_numbers: list[str] = Field(
        default_factory=list, description="The case's RMA requests: RMA number once approved, else validation number"
    )


class CasePageOut(Out):
    items: list[CaseRow]
    next_cursor: str | None


class MessageIn(In):
    body: str = Field(min_length=1, max_length=20_000)


class MessageOut(Out):
    id: int
    kind: str
    author_name: str
    from_staff: bool
    body: str
    created_at: datetime
    language: str = Field(description="The language the text is in, as detected: empty not yet, 'und' undetermined")


class MessageTranslationIn(In):
    message_id: int | None = Field(None, ge=1, le=2**62, description="Empty: the case's description")
    target: str = Field(min_length=2, max_length=8, description="en, de, fr, es or ja")


class DraftTranslationIn(In):
    text: str = Field(min_length=1, max_length=20_000)
    target: str = Field(min_length=2, max_length=8, description="en, de, fr, es or ja")
    source: str = Field("", max_length=8, description="Empty: the server detects it")


class TranslationOut(Out):
    original: str
    text: str = Field(description="The machine translation; the original is never replaced")
    source: str = Field(description="The original's language; empty where the server detected it")
    target: str
    cached: bool


class AssignIn(In):
    owner_email: str | None = Field(None, max_length=254, description="Empty: assign to yourself")


class StatusChangeIn(In):
    status: StatusIn


class PriorityChangeIn(In):
    priority: PriorityIn


class EscalationIn(In):
    """D-4.5: what the customer asks for, and why."""

    kind: Literal["faster_progress", "reassignment"]
    reason: str = Field(min_length=1, max_length=2000)


class EscalationHandledIn(In):
    outcome: str = Field("", max_length=2000, description="What the escalation team did or agreed")


class EscalationOut(Out):
    id: int
    case_id: str
    kind: str
    reason: str
    requested_by: str
    requested_at: datetime
    on_call: bool = Field(description="Raised outside business days: for the on-call escalation team")
    new_owner: PersonRef | None = Field(description="The owner a reassignment gave the case")
    handled_at: datetime | None
    outcome: str


class OnCallOut(Out):
    """Outside business days (D-4.6): escalations for the on-call team, and P1 cases that
    nobody has answered yet."""

    escalations: list[EscalationOut]
    cases: list[CaseRow]


class AttachmentOut(Out):
    id: int
    filename: str
    size: int
    content_type: str
    internal: bool
    created_at: datetime
    url: str


class HistoryOut(Out):
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


# --- installed base and entitlement -------------------------------------------------------------


class ProductOut(Out):
    sku: str
    name: str
    series: str
    platform: str
    eol_announced_on: date | None
    end_of_sale_on: date | None
    end_of_support_on: date | None


class AssetOut(Out):
    serial: str
    product: ProductOut
    owner: OrganisationRef
    site: SiteRef | None
    ship_date: date | None
    sales_order: str
    order_line: int | None
    channel: str
    standing: str = Field(description="good, or needs_reinstatement (grey market or transferred)")
    eol_announced: bool = Field(description="The product's end of life is announced")
    best_effort: bool = Field(
        description="Hardware replacement is best effort: the unit moved where its contracted level is not "
        "delivered, and the customer has not yet accepted the level offered there"
    )


class AssetPageOut(Out):
    items: list[AssetOut]
    next_cursor: str | None


class ServiceLevelOut(Out):
    code: str
    name: str
    hw_replacement: str
    includes_24x7: bool
    par: bool


class CoverageOut(Out):
    contract_id: str
    ssrn: str
    service_level: ServiceLevelOut
    starts_on: date
    ends_on: date
    active: bool


class WarrantyOut(Out):
    hardware_until: date | None
    software_until: date | None
    hardware_active: bool
    software_active: bool


class AssetEntitlementOut(Out):
    asset: AssetOut
    contracts: list[CoverageOut]
    warranty: WarrantyOut
    eol_announced: bool
    includes_24x7: bool = Field(description="24x7 phone and web support (an active contract, never PAR)")
    technical_cases: bool = Field(description="A technical case may be opened for this unit")
    hardware_replacement: str = Field(
        description="same_day_4h, next_business_day, return_to_factory or none from the best active contract; "
        "best_effort (and nothing else) while the unit waits for the customer to accept a service-level offer "
        "after a move"
    )
    best_effort: bool = Field(description="Hardware replacement is best effort until a move is settled")
    reasons: list[str] = Field(description="Why the unit is not entitled")
    options: list[str] = Field(description="What the customer can do about it")


class EntitlementOut(Out):
    query: str
    found_by: Literal["serial", "ssrn", "contract"]
    technical_cases: bool
    contract: CoverageOut | None
    assets: list[AssetEntitlementOut]


class OrderImportOut(Out):
    id: int
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows: int
    created: int
    changed: int
    unchanged: int
    rejected: int
    report_url: str | None


class ActivationIn(In):
    serial: str = Field(min_length=1, max_length=64)


class ContractOut(Out):
    contract_id: str
    ssrn: str
    organisation: OrganisationRef
    service_level: ServiceLevelOut
    starts_on: date
    ends_on: date
    active: bool


class OfferOut(Out):
    id: int
    contract_id: str
    serial: str
    from_level: ServiceLevelOut
    offered_level: ServiceLevelOut
    status: str


class TransferIn(In):
    new_owner_account: str = Field(min_length=1, max_length=32, description="The new owner's account number")
    reference: str = Field("", max_length=40, description="A case id, if the request came with one")


class TransferOut(Out):
    id: int
    serial: str
    from_owner: OrganisationRef
    to_owner: OrganisationRef | None = Field(description="Shown only to those who may see the new owner")
    status: str
    note: str


class TransferDecisionIn(In):
    approve: StrictBool
    note: str = Field("", max_length=500)


class ReinstatementIn(In):
    reference: str = Field("", max_length=40)


class ReinstatementStepIn(In):
    step: Literal["inspect", "pass", "fail", "paid", "refuse"]
    fee: str | None = Field(None, max_length=20, description="With 'pass': the reinstatement fee")
    note: str = Field("", max_length=500)


class ReinstatementOut(Out):
    id: int
    serial: str
    status: str
    fee: str | None
    currency: str
    inspection_note: str
    note: str


class ComplianceOut(Out):
    week: date = Field(description="Monday of the week the cases were opened (support centre's zone)")
    priority: str
    met: int
    missed: int
    rate: float | None = Field(description="Per cent met; null when no case of the week has reached its due time")


class BacklogOut(Out):
    bucket: str
    P1: int
    P2: int
    P3: int
    P4: int
    total: int


class BreachOut(Out):
    case_id: str
    priority: str
    summary: str
    response_due_at: datetime
    owner: str | None


class DashboardOut(Out):
    """Response targets and backlog for managers (D-4.1, D-4.3)."""

    compliance: list[ComplianceOut]
    open_breaches: int
    oldest_breaches: list[BreachOut]
    backlog: list[BacklogOut]


# --- issuing e-certificates and depot coverage (D-2.7, D-2.8) ------------------------------


class ECertificateIn(In):
    code: str = Field(max_length=32, description="The certificate's code, as printed on it")
    organisation_id: int = Field(ge=1, le=2**62, description="The customer or partner who bought it")
    service_level: str = Field(max_length=64, description="Code of a service level of the catalogue")
    sales_region: str = Field(max_length=32, description="Code of the sales region where it was bought")
    received_on: date | None = Field(None, description="When the customer received it; default today")
    term_months: int = Field(12, ge=1, le=120)


class ECertificateOut(Out):
    code: str
    organisation: OrganisationRef
    service_level: ServiceLevelOut
    sales_region: str = Field(description="Code of the region it can be activated in")
    term_months: int
    received_on: date
    status: Literal["issued", "activated"]
    activated_on: date | None
    serial: str | None = Field(description="The unit it was activated for")
    contract_id: str | None = Field(description="The contract its activation made")


class DepotAreaIn(In):
    country: str = Field(max_length=2, description="ISO 3166 alpha-2 code")
    subdivision: str = Field("", max_length=6, description="ISO 3166-2 code of a part of the country, e.g. US-CA")
    postal_prefix: str = Field("", max_length=12, description="Postal codes starting with this (spaces ignored)")


class DepotIn(In):
    name: str = Field(max_length=100)
    areas: list[DepotAreaIn] = Field(max_length=500, description="Countries or parts of them that it serves")
    replacements: list[Literal["same_day_4h", "next_business_day"]] = Field(
        max_length=2, description="Hardware replacement speeds it delivers there"
    )


class DepotAreaOut(Out):
    country: str
    subdivision: str
    postal_prefix: str


class DepotOut(Out):
    id: int
    name: str
    areas: list[DepotAreaOut]
    replacements: list[str]
