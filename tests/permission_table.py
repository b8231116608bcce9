"""The permission matrix's table (D-1.2, D-1.3): what every route of the API, the console
and the portal needs, and which owner-scoped object its path names.

``tests/test_permission_matrix.py`` walks every route and holds each against every
persona; what a persona should get is computed from the entry here with
``accounts.access.may()`` and the product's own scope functions, never from a list of who
may. A route without an entry fails that test, naming the route.

An entry is one line (two where a body needs it)::

    api("POST", "/cases/{case_id}/notes", C.WORK_CASES, CASE, body={"body": "A note."}),
    page("console:case_note", "POST", C.WORK_CASES, CASE, body={"body": "A note."}),

- the route: the API's method and path as the router declares it (below ``/api/v1``), or
  a page's ``namespace:name`` and the method it answers (one entry per method);
- what it needs: a ``Capability``; ``any_of(...)``; ``staff(C.X)`` (vendor staff need the
  capability, the customer's side only the scope) or ``staff(C.X, customers=C.Y)`` (each
  side its own); ``customers(C.Y)`` (the customer's side with the capability, staff never);
  ``SIGNED_IN``; or ``PUBLIC``;
- the object its path (or ``query``/``body``) names, one of the scopes below, or nothing;
- ``also=``: a rule about the person and that object beyond the capability (D-3.5: only
  the customer answers a resolution), taken from the service that enforces it;
- ``body=``/``query=``: what to send, a dict or a function of the ``Call``, with
  ``{serial}``-style placeholders filled from the object. Writes send a valid body, so
  that a refusal cannot hide behind a 422 the framework gives before the view runs;
- ``not_found=``: where a route says "no such object" otherwise than with a 404: a look-up
  as one types in its 200 answer, a bulk action in the 422 that refuses all of it;
- ``refusal=``: where a page answers a refusal with the 404 page instead of its side's
  usual answer (the portal's members pages, which are not there for anyone else).

The expected answers (the test computes them; nothing here lists them):

- nobody signed in: the API 401 ``unauthenticated``, pages a redirect to the login page;
- lacking what the route needs: the API 403, console pages 404, portal pages 403;
- an object outside the person's scope: 404 that does not show the object (never 403
  for someone who may do the thing; for someone who may not, 403 or 404, but the same
  as for an object that does not exist);
- otherwise: not 401/403/404 (2xx, 3xx, or 409/422 from the rules of the service).

A scope lists the objects of its kind the test world holds (``things``), most telling
first; for each persona the first one ``visible`` is the object in scope and the first
one not visible the object outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.accounts.access import Capability as C
from caredesk.accounts.access import may
from caredesk.accounts.models import Organisation, User
from caredesk.accounts.queries import get_contact, visible_organisations
from caredesk.accounts.services import removal_token
from caredesk.cases.models import Case
from caredesk.cases.queries import case_attachments, visible_cases
from caredesk.cases.services import may_answer_resolution, saved_views, visible_macros
from caredesk.core.errors import NotFound
from caredesk.entitlements.queries import visible_ecertificates
from caredesk.installbase.queries import visible_assets
from caredesk.rma.claims import visible_claims
from caredesk.rma.queries import visible_return_charges, visible_rma_lines, visible_rma_requests

# --- what a route needs ------------------------------------------------------------------

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # anyone signed in; what they see is the scope's business


@dataclass(frozen=True)
class AnyOf:
    capabilities: tuple[C, ...]

    def __str__(self) -> str:
        return " or ".join(self.capabilities)


@dataclass(frozen=True)
class BySide:
    """What vendor staff need and what the customer's side needs, each apart: a
    capability, or None: staff never, the customer's side only the object's scope (a reply
    or a file on a case they see)."""

    staff: C | None
    customers: C | None = None

    def __str__(self) -> str:
        return f"{self.staff or 'never'} (staff), {self.customers or 'the scope'} (customers)"


Need = C | AnyOf | BySide | str


def any_of(*capabilities: C) -> AnyOf:
    return AnyOf(capabilities)


def staff(capability: C, customers: C | None = None) -> BySide:
    return BySide(capability, customers)


def customers(capability: C) -> BySide:
    """The customer's side with ``capability``; vendor staff never, whatever they hold."""
    return BySide(None, capability)


def grants(user: User, need: Need) -> bool:
    """Whether a signed-in ``user`` has what ``need`` asks, by the capability table."""
    if need in (PUBLIC, SIGNED_IN):
        return True
    if isinstance(need, AnyOf):
        return any(may(user, c) for c in need.capabilities)
    if isinstance(need, BySide):
        if user.is_vendor_staff:
            return need.staff is not None and may(user, need.staff)
        return need.customers is None or may(user, need.customers)
    return may(user, need)


# --- the owner-scoped objects a route names ------------------------------------------------


@dataclass(frozen=True)
class Scope:
    name: str
    things: str  # the key of the test world's objects of this kind
    visible: Callable[[User, Any], bool] | None  # None: not owner-scoped, anyone may name it
    params: Callable[[Any], dict[str, Any]]  # the path parameters that name an object
    # ... and ones that name nothing (a function of the world's things where they name
    # another object beside it, which must be the same as for an object that exists)
    missing: dict[str, Any] | Callable[[Mapping[str, Any]], dict[str, Any]]
    tells: Callable[[Any], list[str]] = lambda obj: []  # what a "not found" must not show
    fresh: bool = False  # a request uses the object up: the world makes one for each request

    def __str__(self) -> str:
        return self.name


NO_ID = 987654321  # no object has this id
NO_CASE = "2020-0101-99999"


def _found(lookup: Callable[..., Any], *args: Any) -> bool:
    try:
        lookup(*args)
    except NotFound:
        return False
    return True


def _case_of(obj: Any) -> Case:
    return Case.objects.get(case_id=obj.reference) if hasattr(obj, "reference") else obj.case


CASE = Scope(
    "case", "cases",
    visible=lambda user, case: visible_cases(user).filter(pk=case.pk).exists(),
    params=lambda case: {"case_id": case.case_id},
    missing={"case_id": NO_CASE},
    tells=lambda case: [case.summary],
)  # fmt: skip
CLOSED_CASE = Scope(
    "closed case", "closed_cases",  # closed with a reason a moment ago: within the reopening window
    visible=CASE.visible, params=CASE.params, missing=CASE.missing, tells=CASE.tells,
)  # fmt: skip
ATTACHMENT = Scope(
    "attachment", "attachments",  # internal files first: customers must not find them (D-1.3)
    visible=lambda user, a: CASE.visible(user, a.case) and case_attachments(user, a.case).filter(pk=a.pk).exists(),  # type: ignore[misc]
    params=lambda a: {"case_id": a.case.case_id, "attachment_id": a.pk},
    missing={"case_id": NO_CASE, "attachment_id": NO_ID},
    tells=lambda a: [a.filename],
)  # fmt: skip
ESCALATION = Scope(
    "escalation", "escalations",
    visible=lambda user, e: CASE.visible(user, e.case),  # type: ignore[misc]
    params=lambda e: {"escalation_id": e.pk, "case_id": e.case.case_id},
    missing={"escalation_id": NO_ID},
    tells=lambda e: [e.reason],
)  # fmt: skip
OFFER = Scope(
    "offer", "offers",  # a service level offered after a move (D-2.8), on the case of the move
    visible=lambda user, o: CASE.visible(user, _case_of(o)),  # type: ignore[misc]
    params=lambda o: {"case_id": o.reference, "offer_id": o.pk},
    missing={"case_id": NO_CASE, "offer_id": NO_ID},
)  # fmt: skip
ASSET = Scope(
    "asset", "assets",
    visible=lambda user, a: visible_assets(user).filter(pk=a.pk).exists(),
    params=lambda a: {"serial": a.serial},
    missing={"serial": "ZZ0000000"},
    tells=lambda a: [a.owner.name, a.product.platform],
)  # fmt: skip
ECERTIFICATE = Scope(
    "e-certificate", "ecertificates",
    visible=lambda user, e: visible_ecertificates(user).filter(pk=e.pk).exists(),
    params=lambda e: {"code": e.code, "serial": e.serial_to_activate},
    missing={"code": "EC-NONE", "serial": "ZZ0000000"},
    tells=lambda e: [e.organisation.name],
)  # fmt: skip
TRANSFER = Scope(
    "transfer", "transfers",
    visible=lambda user, t: ASSET.visible(user, t.asset),  # type: ignore[misc]
    params=lambda t: {"transfer_id": t.pk, "id": t.pk},
    missing={"transfer_id": NO_ID, "id": NO_ID},
    tells=lambda t: [t.asset.serial],
)  # fmt: skip
REINSTATEMENT = Scope(
    "reinstatement", "reinstatements",
    visible=lambda user, r: ASSET.visible(user, r.asset),  # type: ignore[misc]
    params=lambda r: {"reinstatement_id": r.pk, "id": r.pk},
    missing={"reinstatement_id": NO_ID, "id": NO_ID},
    tells=lambda r: [r.asset.serial],
)  # fmt: skip
CONTACT = Scope(
    "contact", "contacts",  # a person's card: the people of organisations one sees, and oneself
    visible=lambda user, person: _found(get_contact, user, person.pk),
    params=lambda person: {"contact_id": person.pk},
    missing={"contact_id": NO_ID},
    tells=lambda person: [person.email],
)  # fmt: skip
TOKEN = Scope(
    "token", "tokens",  # each persona's own spare token
    visible=lambda user, token: token.user_id == user.pk,
    params=lambda token: {"token_id": token.pk},
    missing={"token_id": NO_ID},
    tells=lambda token: [token.name],
)  # fmt: skip
ORGANISATION = Scope(
    "organisation", "organisations",  # each with the person a case opened for it names as its contact
    visible=lambda user, org: visible_organisations(user).filter(pk=org.pk).exists(),
    params=lambda org: {"organisation_id": org.pk, "contact": org.contact_email},
    missing={"organisation_id": NO_ID, "contact": "nobody@example.com"},
    tells=lambda org: [org.name],
)  # fmt: skip
MEMBER = Scope(
    "member", "members",  # a person of each organisation, not one of the personas
    visible=lambda user, m: ORGANISATION.visible(user, m.organisation),  # type: ignore[misc]
    params=lambda m: {"organisation_id": m.organisation_id, "user_id": m.pk, "member_id": m.pk},
    missing={"organisation_id": NO_ID, "user_id": NO_ID, "member_id": NO_ID},
    tells=lambda m: [m.email],
)  # fmt: skip
REMOVAL_LINK = Scope(
    "removal link", "members",  # the link of the new-member notice, naming the member
    visible=MEMBER.visible, params=lambda m: {"token": removal_token(m)}, missing={"token": "no-such-link"},
    tells=MEMBER.tells,
)  # fmt: skip
ASSOCIATION = Scope(
    "association", "associations",  # a consultant's association with a customer (a row of User.associations)
    visible=lambda user, link: ORGANISATION.visible(user, link.organisation),  # type: ignore[misc]
    params=lambda link: {"organisation_id": link.organisation_id, "user_id": link.user_id},
    missing={"organisation_id": NO_ID, "user_id": NO_ID},
    tells=lambda link: [link.user.email],
)  # fmt: skip
MEMBERSHIP = Scope(
    "membership request", "membership_requests",  # someone who proved an organisation and waits
    visible=lambda user, r: ORGANISATION.visible(user, r.organisation),  # type: ignore[misc]
    params=lambda r: {"registration_id": r.pk},
    missing={"registration_id": NO_ID},
    tells=lambda r: [r.email],
)  # fmt: skip
MACRO = Scope(
    "macro", "macros",  # two agents' own and a shared one; applied to Acme's case, which every staff member sees
    visible=lambda user, m: visible_macros(user).filter(pk=m.pk).exists(),
    params=lambda m: {"macro_id": m.pk, "case_id": m.matrix_case_id},
    missing=lambda things: {"macro_id": NO_ID, "case_id": things["cases"][0].case_id},
    tells=lambda m: [m.name],
)  # fmt: skip
SAVED_VIEW = Scope(
    "saved view", "saved_views",  # each member of staff's own
    visible=lambda user, v: saved_views(user).filter(pk=v.pk).exists(),
    params=lambda v: {"view_id": v.pk},
    missing={"view_id": NO_ID},
    tells=lambda v: [v.name],
)  # fmt: skip
RMA = Scope(
    "RMA request", "rma_requests",  # pending requests of Acme, Globex and the government customer (D-5.1)
    visible=lambda user, r: visible_rma_requests(user).filter(pk=r.pk).exists(),
    # the serial and the place of its line
    params=lambda r: {"number": r.validation_number, "serial": r.serial, "position": 1},
    missing={"number": "V20200101-9999", "serial": "ZZ0000000", "position": 1},
    tells=lambda r: [r.organisation.name, r.case.case_id],
)  # fmt: skip
CLAIM = Scope(
    "mis-shipment claim", "mis_shipment_claims",  # claims of Acme, Globex and the government customer (D-5.7)
    visible=lambda user, c: visible_claims(user).filter(pk=c.pk).exists(),
    params=lambda c: {"case_id": c.case.case_id},
    missing={"case_id": NO_CASE},
    tells=lambda c: [c.sales_order, c.organisation.name],
)  # fmt: skip
APPROVED_LINE = Scope(
    "RMA line", "rma_lines",  # line 1 of an approved repair RMA of Acme, Globex and the government customer (D-5.4)
    visible=lambda user, line: visible_rma_lines(user).filter(pk=line.pk).exists(),
    params=lambda line: {"line_number": line.line_number},
    missing={"line_number": "R999999999-1"},
    tells=lambda line: [line.request.organisation.name, line.serial],
)  # fmt: skip
RETURN_CHARGE = Scope(
    "charge for a unit not returned", "return_charges",  # one on each of those lines (D-5.5)
    visible=lambda user, c: visible_return_charges(user).filter(pk=c.pk).exists(),
    params=lambda c: {"charge_id": c.pk},
    missing={"charge_id": NO_ID},
    tells=lambda c: [c.organisation.name, c.line.serial],
)  # fmt: skip
# Not owner-scoped: whoever may decide them may name any of them.
REGISTRATION = Scope("registration", "registrations", None, lambda r: {"registration_id": r.pk},
                     {"registration_id": NO_ID}, tells=lambda r: [r.email])  # fmt: skip
ORDER_IMPORT = Scope("order import", "order_imports", None, lambda i: {"import_id": i.pk}, {"import_id": NO_ID})
DEPOT = Scope("depot", "depots", None, lambda d: {"depot_id": d.pk}, {"depot_id": NO_ID})
RESET_LINK = Scope("reset link", "reset_links", None, lambda link: link, {"uidb64": "MTIzNDU2Nzg5", "token": "x-y"})
SIGNUP_LINK = Scope("sign-up link", "signup_links", None, lambda secret: {"secret": secret},
                    {"secret": "no-such-secret"}, fresh=True)  # fmt: skip
SIGN_IN_LINK = Scope("sign-in link", "sign_in_links", None, lambda link: link,
                     {"uidb64": "MTIzNDU2Nzg5", "token": "x-y"})  # fmt: skip


# --- relations beyond the capability, from the services that enforce them ---------------------


def customer_of(user: User, case: Case) -> bool:
    """D-3.5: the customer answers a resolution (not their partner, never staff)."""
    return may_answer_resolution(user, case)


def escalates(user: User, case: Case) -> bool:
    """D-4.5: the customer escalates, or Customer Care for them."""
    return may(user, C.ESCALATE_FOR_CUSTOMERS) or may_answer_resolution(user, case)


def customer_of_offer(user: User, offer: Any) -> bool:
    return may_answer_resolution(user, _case_of(offer))


def reopens(user: User, case: Case) -> bool:
    """Staff reopen a closed case, and the customer who may answer its resolution."""
    return may(user, C.WORK_CASES) or may_answer_resolution(user, case)


def keeps(user: User, macro: Any) -> bool:
    """A personal macro is kept by its owner; a shared one by team leads and managers."""
    return not macro.shared or may(user, C.MANAGE_SHARED_MACROS)


def manages(user: User, obj: Any) -> bool:
    """Staff who manage users, every organisation they see; an organisation's administrator,
    their own only (accounts.queries.managed_organisations)."""
    organisation_id = obj.pk if isinstance(obj, Organisation) else obj.organisation_id
    return user.is_vendor_staff or organisation_id == user.organisation_id


# Who keeps an organisation's people (D-1.4): its administrator, or staff who manage users;
# the portal's pages for it are the administrator's only.
MEMBER_MANAGERS = staff(C.MANAGE_USERS, customers=C.MANAGE_ORGANISATION_MEMBERS)
ORGANISATION_ADMINS = customers(C.MANAGE_ORGANISATION_MEMBERS)


# --- the entries --------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """What a body or query function gets: who calls, about which object."""

    user: User | None
    obj: Any
    things: Mapping[str, Any]


Body = Mapping[str, Any] | Callable[[Call], Mapping[str, Any]]


@dataclass(frozen=True)
class Entry:
    kind: str  # "api" or "page"
    route: str  # "GET /cases/{case_id}" or "console:case GET"
    needs: Need
    obj: Scope | None = None
    also: Callable[[User, Any], bool] | None = None
    body: Body | None = None
    query: Body | None = None
    multipart: bool = False  # the API's uploads
    not_found: int = 404  # how "no such object" is said where not by a 404 (a look-up's 200, a bulk 422)
    refusal: int | None = None  # a refusal's answer where not the side's usual one
    variant: str = ""  # tells apart two entries of one route that name the same kind of object (or none)

    @property
    def method(self) -> str:
        return self.route.split()[0] if self.kind == "api" else self.route.split()[1]

    @property
    def path(self) -> str:
        """The API path, or the page's ``namespace:name``."""
        return self.route.split()[1] if self.kind == "api" else self.route.split()[0]

    @property
    def namespace(self) -> str:
        return "api" if self.kind == "api" else self.path.split(":")[0]


def api(method: str, path: str, needs: Need, obj: Scope | None = None, **extra: Any) -> Entry:
    return Entry("api", f"{method} {path}", needs, obj, **extra)


def page(name: str, method: str, needs: Need, obj: Scope | None = None, **extra: Any) -> Entry:
    return Entry("page", f"{name} {method}", needs, obj, **extra)


def _upload(name: str = "log.txt", content: bytes = b"log lines\n") -> Callable[[Call], dict[str, Any]]:
    return lambda call: {"file": SimpleUploadedFile(name, content)}


def _login(call: Call) -> dict[str, Any]:
    from tests.personas import PASSWORD

    email = call.user.email if call.user is not None else call.things["people"]["alice"].email
    return {"email": email, "password": PASSWORD, "name": "matrix"}


def _transfer(call: Call) -> dict[str, Any]:
    """To a customer other than the unit's owner, by account number."""
    acme, globex = call.things["accounts"]
    owned_by_acme = call.obj is not None and call.obj.owner_id == call.things["acme"].pk
    return {"new_owner_account": globex if owned_by_acme else acme}


CASE_BODY = {
    "request_type": "login-assistance", "request_subtype": "password-reset", "priority": "P3",
    "follow_up_method": "email", "callback_phone": "+49 69 1234 5678", "summary": "Matrix: cannot log in",
    "description": "Opened by the permission matrix.",
}  # fmt: skip
ORDERS_CSV = b"sales_order,line,serial,sku,customer_account,ship_date,site_id,channel,partner_account\n"
ESCALATION_BODY = {"kind": "faster_progress", "reason": "Please hurry."}
REPLY = {"body": "A reply from the matrix."}


CLOSING = {"reason": "resolved_by_phone", "note": "Settled on the phone."}
REOPENING = {"body": "It broke again."}
MACRO_BODY = {"name": "Matrix macro", "body": "Thank you, we are on it."}
DEPOT_BODY = {
    "name": "Matrix depot",
    "areas": [{"country": "DE", "subdivision": "DE-HE"}],
    "replacements": ["same_day_4h"],
}
VIEW = {"name": "Matrix view", "q": "portal", "sort": "due"}
STAFF_CASE = {**CASE_BODY, "organisation": "{organisation_id}", "contact": "{contact}"}  # the console's form


def _shared_macro(call: Call) -> dict[str, Any]:
    """The shared macro, which everyone who works cases may apply."""
    return {"macro_id": next(m for m in call.things["macros"] if m.shared).pk}


def _password_change(call: Call) -> dict[str, Any]:
    from tests.personas import PASSWORD

    return {"old_password": PASSWORD, "new_password": "a new matrix passphrase 7"}


def _imported_case(call: Call) -> dict[str, Any]:
    case = {**CASE_BODY, "opened_at": "2025-01-13T18:30:00+00:00", "organisation_id": call.things["acme"].pk,
            "contact_email": "alice@acme.example"}  # fmt: skip
    return {"cases": [case]}


def _rma_request(call: Call) -> dict[str, Any]:
    """An RMA request for a unit of Acme's technical case that is on no other request."""
    return {"case_id": call.things["rma_case"], "lines": [RMA_LINE]}


RMA_LINE = {"serial": "KR1000002", "fault_category": "hardware_fault", "failure_description": "Dead after a reboot."}
RMA_MESSAGE = {"body": "Does the power cord come back too?"}
CLAIM_BODY = {
    "kind": "line_items", "order_lines": [1], "priority": "P3", "follow_up_method": "email",
    "callback_phone": "+49 69 1234 5678", "summary": "Matrix: wrong model", "description": "Claimed by the matrix.",
}  # fmt: skip
PART_SHIPPED = {"carrier": "DHL", "tracking_number": "1Z999AA10123456784"}


# fmt: off
ENTRIES: list[Entry] = [
    # accounts and tokens (D-1.4, D-1.5)
    api("GET", "/me", SIGNED_IN),
    api("POST", "/auth/tokens", PUBLIC, body=_login),
    api("POST", "/me/tokens", SIGNED_IN, body={"name": "matrix"}),
    api("GET", "/me/tokens", SIGNED_IN),
    api("DELETE", "/me/tokens/{token_id}", SIGNED_IN, TOKEN),
    api("GET", "/me/notices", SIGNED_IN),
    api("PATCH", "/me", SIGNED_IN, body={"time_zone": "Europe/Berlin"}),
    api("PUT", "/me/notices", SIGNED_IN, body={"on": []}),
    api("GET", "/registrations", C.APPROVE_REGISTRATIONS),
    api("POST", "/registrations/{registration_id}/decision", C.APPROVE_REGISTRATIONS, REGISTRATION,
        body={"approve": False, "note": "Not a customer."}),
    # cases (D-3.x)
    api("GET", "/request-types", SIGNED_IN),
    api("GET", "/cases", SIGNED_IN),
    api("POST", "/cases", C.OPEN_CASES, body=CASE_BODY),
    api("POST", "/case-imports", C.IMPORT_CASES, body=_imported_case),
    api("GET", "/cases/{case_id}", SIGNED_IN, CASE),
    api("GET", "/cases/{case_id}/messages", SIGNED_IN, CASE),
    api("GET", "/cases/{case_id}/history", SIGNED_IN, CASE),
    # machine translation for staff (D-7.5): without a server configured the allowed answer is 409
    api("POST", "/cases/{case_id}/translations", C.TRANSLATE_MESSAGES, CASE, body={"target": "de"}),
    api("POST", "/translations", C.TRANSLATE_MESSAGES, body={"text": "Please restart the unit.", "target": "de"}),
    api("POST", "/cases/{case_id}/replies", staff(C.WORK_CASES), CASE, body=REPLY),
    api("POST", "/cases/{case_id}/notes", C.WORK_CASES, CASE, body={"body": "An internal note."}),
    api("POST", "/cases/{case_id}/assign", C.WORK_CASES, CASE, body={}),
    api("POST", "/cases/{case_id}/status", C.WORK_CASES, CASE, body={"status": "awaiting_customer"}),
    api("POST", "/cases/{case_id}/priority", C.WORK_CASES, CASE, body={"priority": "P2"}),
    api("POST", "/cases/{case_id}/resolution", C.WORK_CASES, CASE, body={"body": "Fixed."}),
    api("POST", "/cases/{case_id}/resolution/accept", C.ANSWER_RESOLUTIONS, CASE, also=customer_of),
    api("POST", "/cases/{case_id}/resolution/reject", C.ANSWER_RESOLUTIONS, CASE, also=customer_of,
        body={"body": "Not yet."}),
    api("GET", "/cases/{case_id}/attachments", SIGNED_IN, CASE),
    api("POST", "/cases/{case_id}/attachments", staff(C.WORK_CASES), CASE, body=_upload(), multipart=True),
    api("GET", "/cases/{case_id}/attachments/{attachment_id}", SIGNED_IN, ATTACHMENT),
    # escalation (D-4.5, D-4.6) and the dashboard
    api("GET", "/cases/{case_id}/escalations", SIGNED_IN, CASE),
    api("POST", "/cases/{case_id}/escalations", any_of(C.ESCALATE_CASES, C.ESCALATE_FOR_CUSTOMERS), CASE,
        also=escalates, body=ESCALATION_BODY),
    api("GET", "/escalations", C.WORK_CASES),
    api("POST", "/escalations/{escalation_id}/handled", C.HANDLE_ESCALATIONS, ESCALATION, body={"outcome": "Called."}),
    api("GET", "/on-call", C.WORK_CASES),
    api("GET", "/dashboard", C.VIEW_DASHBOARD),
    # installed base and entitlement (D-2.x)
    api("GET", "/assets", SIGNED_IN),
    api("GET", "/assets/{serial}", SIGNED_IN, ASSET),
    api("GET", "/entitlements", SIGNED_IN, ASSET, query={"q": "{serial}"}),
    api("POST", "/ecertificates/{code}/activation", C.ACTIVATE_ECERTIFICATES, ECERTIFICATE,
        body={"serial": "{serial}"}),
    api("GET", "/ecertificates/{code}", SIGNED_IN, ECERTIFICATE),
    api("POST", "/ecertificates", C.ISSUE_ECERTIFICATES, body=lambda call: {
        "code": "EC-MATRIX-NEW", "organisation_id": call.things["acme"].pk, "service_level": "premium-4h",
        "sales_region": "emea"}),
    api("GET", "/assets/{serial}/cases", SIGNED_IN, ASSET),
    # depot coverage (D-2.8): staff read it, support logistics keep it
    api("GET", "/depots", C.SEE_INTERNAL),
    api("GET", "/depots/{depot_id}", C.SEE_INTERNAL, DEPOT),
    api("POST", "/depots", C.MANAGE_DEPOTS, body=DEPOT_BODY),
    api("PUT", "/depots/{depot_id}", C.MANAGE_DEPOTS, DEPOT, body=DEPOT_BODY),
    api("DELETE", "/depots/{depot_id}", C.MANAGE_DEPOTS, DEPOT),
    api("POST", "/order-imports", C.IMPORT_ORDERS, body=_upload("orders.csv", ORDERS_CSV), multipart=True),
    api("GET", "/order-imports/{import_id}", C.IMPORT_ORDERS, ORDER_IMPORT),
    api("GET", "/order-imports/{import_id}/rejections", C.IMPORT_ORDERS, ORDER_IMPORT),
    api("POST", "/cases/{case_id}/installed-base-update", C.WORK_CASES, CASE),
    api("GET", "/cases/{case_id}/service-level-offers", SIGNED_IN, CASE),
    api("POST", "/cases/{case_id}/service-level-offers/{offer_id}/accept", C.ACCEPT_SERVICE_LEVELS, OFFER,
        also=customer_of_offer),
    api("POST", "/assets/{serial}/transfers", C.REQUEST_TRANSFERS, ASSET, body=_transfer),
    api("POST", "/transfers/{transfer_id}/decision", C.DECIDE_TRANSFERS, TRANSFER, body={"approve": False}),
    api("POST", "/assets/{serial}/reinstatements", C.REQUEST_REINSTATEMENTS, ASSET, body={}),
    api("POST", "/reinstatements/{reinstatement_id}/steps", C.DECIDE_REINSTATEMENTS, REINSTATEMENT,
        body={"step": "inspect"}),
    # RMAs (D-5.1 – D-5.3)
    api("POST", "/rmas", C.CREATE_RMA_REQUESTS, body=_rma_request),
    api("GET", "/rmas", SIGNED_IN),
    api("GET", "/rmas/{number}", SIGNED_IN, RMA),
    api("GET", "/rmas/{number}/messages", SIGNED_IN, RMA),
    api("PUT", "/rmas/{number}/lines", any_of(C.CREATE_RMA_REQUESTS, C.APPROVE_RMAS), RMA,
        body={"lines": [{**RMA_LINE, "serial": "{serial}"}]}),
    api("POST", "/rmas/{number}/approve", C.APPROVE_RMAS, RMA),
    api("POST", "/rmas/{number}/reject", C.APPROVE_RMAS, RMA, body={"reason": "The fault is in the software."}),
    api("POST", "/rmas/{number}/tse-questions", C.APPROVE_RMAS, RMA, body=RMA_MESSAGE),
    api("POST", "/rmas/{number}/tse-answers", C.CREATE_RMA_REQUESTS, RMA, body=RMA_MESSAGE),
    api("POST", "/rmas/{number}/questions", C.ASK_ABOUT_RMAS, RMA, body=RMA_MESSAGE),
    api("POST", "/rmas/{number}/answers", C.APPROVE_RMAS, RMA, body=RMA_MESSAGE),
    api("POST", "/rmas/{number}/cancel", C.ASK_ABOUT_RMAS, RMA, body={"reason": "Fixed after all."}),
    api("POST", "/rmas/{number}/quote", C.ANSWER_RMA_QUOTES, RMA, body={"accept": True}),
    # Mis-shipment claims (D-5.7): the claim is made by the orderer, the rest is the service's rule
    api("POST", "/mis-shipment-claims", C.OPEN_CASES, body=lambda call: {**CLAIM_BODY, "sales_order": "SO-ACME-7"}),
    api("GET", "/mis-shipment-claims/{case_id}", SIGNED_IN, CLAIM),
    api("POST", "/mis-shipment-claims/{case_id}/part-shipped", C.WORK_CASES, CLAIM, body=PART_SHIPPED),
    # logistics (D-5.4): a label for whoever sees the request, the line's moves and the depot's
    # receipts for support logistics; charges for units not returned for RMA specialists (D-5.5)
    api("GET", "/rmas/{number}/label", SIGNED_IN, RMA),
    api("POST", "/rma-lines/{line_number}/moves", C.RECEIVE_RETURNS, APPROVED_LINE, body={"action": "await_return"}),
    api("POST", "/rma-receipts", C.RECEIVE_RETURNS, body={"scanned": "R999999999"}),
    api("GET", "/rma-charges", C.APPROVE_RMAS),
    api("POST", "/rma-charges/{charge_id}/waive", C.APPROVE_RMAS, RETURN_CHARGE, body={"reason": "Lost in transit."}),
    # the console's tools: closing with a reason, reopening (D-3.5), macros, bulk actions, saved views
    api("POST", "/cases/{case_id}/close", C.WORK_CASES, CASE, body=CLOSING),
    api("POST", "/cases/{case_id}/reopen", any_of(C.WORK_CASES, C.ANSWER_RESOLUTIONS), CLOSED_CASE, also=reopens,
        body=REOPENING),
    api("POST", "/cases/bulk", C.WORK_CASES, CASE, body={"case_ids": ["{case_id}"], "action": "priority",
        "value": "P2"}, not_found=422),  # all or nothing: the 422 names each case that is not found
    api("GET", "/case-contacts", C.OPEN_CASES_FOR_CUSTOMERS, ORGANISATION,
        query={"organisation_id": "{organisation_id}"}),
    api("GET", "/macros", C.WORK_CASES),
    api("POST", "/macros", C.WORK_CASES, body=MACRO_BODY),
    api("POST", "/macros", C.MANAGE_SHARED_MACROS, body={**MACRO_BODY, "shared": True}, variant="shared"),
    api("PUT", "/macros/{macro_id}", C.WORK_CASES, MACRO, also=keeps, body=MACRO_BODY),
    api("DELETE", "/macros/{macro_id}", C.WORK_CASES, MACRO, also=keeps),
    api("POST", "/cases/{case_id}/macro", C.WORK_CASES, CASE, body=_shared_macro),
    api("POST", "/cases/{case_id}/macro", C.WORK_CASES, MACRO, body={"macro_id": "{macro_id}"}),
    api("GET", "/saved-views", C.WORK_CASES),
    api("POST", "/saved-views", C.WORK_CASES, body=VIEW),
    api("DELETE", "/saved-views/{view_id}", C.WORK_CASES, SAVED_VIEW),
    # one's own e-mails and password; an organisation's people (D-1.4, D-1.2)
    api("GET", "/me/messages", SIGNED_IN),
    api("POST", "/me/password", SIGNED_IN, body=_password_change),
    api("GET", "/organisations/{organisation_id}/members", MEMBER_MANAGERS, ORGANISATION, also=manages),
    api("PUT", "/organisations/{organisation_id}/member-approval", MEMBER_MANAGERS, ORGANISATION, also=manages,
        body={"members_need_approval": False}),
    api("DELETE", "/organisations/{organisation_id}/members/{user_id}", MEMBER_MANAGERS, MEMBER, also=manages),
    api("DELETE", "/organisations/{organisation_id}/associates/{user_id}", MEMBER_MANAGERS, ASSOCIATION,
        also=manages),
    api("GET", "/membership-requests", MEMBER_MANAGERS),
    api("POST", "/membership-requests/{registration_id}/decision", MEMBER_MANAGERS, MEMBERSHIP, also=manages,
        body={"approve": False, "note": "Not known here."}),

    # --- the console: vendor staff only (USE_CONSOLE is asked of every console page) ---
    page("console:queue", "GET", C.USE_CONSOLE),
    page("console:case", "GET", C.USE_CONSOLE, CASE),
    page("console:case_reply", "POST", C.WORK_CASES, CASE, body=REPLY),
    page("console:case_note", "POST", C.WORK_CASES, CASE, body={"body": "An internal note."}),
    page("console:case_translate", "POST", C.TRANSLATE_MESSAGES, CASE, body={"target": "de"}),
    page("console:case_translate_draft", "POST", C.TRANSLATE_MESSAGES, CASE,
         body={"body": "Please restart the unit.", "target": "de"}),
    page("console:case_assign", "POST", C.WORK_CASES, CASE, body={"owner": ""}),
    page("console:case_status", "POST", C.WORK_CASES, CASE, body={"status": "awaiting_customer"}),
    page("console:case_priority", "POST", C.WORK_CASES, CASE, body={"priority": "P2"}),
    page("console:case_resolution", "POST", C.WORK_CASES, CASE, body={"body": "Fixed."}),
    page("console:case_attach", "POST", C.WORK_CASES, CASE, body=_upload()),
    page("console:case_apply_update", "POST", C.WORK_CASES, CASE),
    page("console:attachment", "GET", C.USE_CONSOLE, ATTACHMENT),
    page("console:case_escalate", "POST", C.ESCALATE_FOR_CUSTOMERS, CASE, body=ESCALATION_BODY),
    page("console:case_part_shipped", "POST", C.WORK_CASES, CLAIM, body=PART_SHIPPED),
    page("console:escalations", "GET", C.WORK_CASES),
    page("console:on_call", "GET", C.WORK_CASES),
    page("console:dashboard", "GET", C.VIEW_DASHBOARD),
    page("console:escalation_handled", "POST", C.HANDLE_ESCALATIONS, ESCALATION, body={"outcome": "Called."}),
    page("console:registrations", "GET", C.APPROVE_REGISTRATIONS),
    page("console:registration_decide", "POST", C.APPROVE_REGISTRATIONS, REGISTRATION, body={"decision": "reject"}),
    page("console:assets", "GET", C.USE_CONSOLE),
    page("console:asset", "GET", C.USE_CONSOLE, ASSET),
    page("console:entitlement", "GET", C.USE_CONSOLE, ASSET, query={"q": "{serial}"}),
    page("console:order_imports", "GET", C.IMPORT_ORDERS),
    page("console:order_imports", "POST", C.IMPORT_ORDERS, body=_upload("orders.csv", ORDERS_CSV)),
    page("console:order_import_report", "GET", C.IMPORT_ORDERS, ORDER_IMPORT),
    page("console:requests", "GET", C.USE_CONSOLE),
    page("console:requests", "POST", C.DECIDE_TRANSFERS, TRANSFER,
         body={"kind": "transfer", "id": "{id}", "decision": "refuse"}),
    page("console:requests", "POST", C.DECIDE_REINSTATEMENTS, REINSTATEMENT,
         body={"kind": "reinstatement", "id": "{id}", "step": "inspect"}),
    page("console:case_new", "GET", C.OPEN_CASES_FOR_CUSTOMERS),
    page("console:case_new", "POST", C.OPEN_CASES_FOR_CUSTOMERS, ORGANISATION, body=STAFF_CASE,
         not_found=422),  # an organisation one does not see is not among those to choose from
    page("console:case_close", "POST", C.WORK_CASES, CASE, body=CLOSING),
    page("console:case_reopen", "POST", C.WORK_CASES, CLOSED_CASE, body=REOPENING),
    page("console:case_macro", "POST", C.WORK_CASES, CASE,
         body=lambda call: {"macro": _shared_macro(call)["macro_id"]}),
    page("console:case_macro", "POST", C.WORK_CASES, MACRO, body={"macro": "{macro_id}"}),
    page("console:macros", "GET", C.WORK_CASES),
    page("console:macros", "POST", C.WORK_CASES, body=MACRO_BODY),
    page("console:macro", "GET", C.WORK_CASES, MACRO),
    page("console:macro", "POST", C.WORK_CASES, MACRO, also=keeps, body=MACRO_BODY),
    page("console:bulk", "POST", C.WORK_CASES, CASE,
         body={"case_ids": "{case_id}", "action": "priority", "priority": "P2"},
         not_found=303),  # all or nothing: back to the queue, which names each case that is not found
    page("console:view_save", "POST", C.WORK_CASES, body=VIEW),
    page("console:view_delete", "POST", C.WORK_CASES, SAVED_VIEW),
    page("console:outbox", "GET", C.USE_CONSOLE),
    # RMA requests (D-5.1 – D-5.3): the review queue, one request and its review, the TSE's request form
    page("console:rmas", "GET", any_of(C.APPROVE_RMAS, C.CREATE_RMA_REQUESTS)),
    page("console:rma", "GET", C.USE_CONSOLE, RMA),
    page("console:rma_approve", "POST", C.APPROVE_RMAS, RMA),
    page("console:rma_reject", "POST", C.APPROVE_RMAS, RMA, body={"reason": "The fault is in the software."}),
    page("console:rma_ask_tse", "POST", C.APPROVE_RMAS, RMA, body=RMA_MESSAGE),
    page("console:rma_tse_answer", "POST", C.CREATE_RMA_REQUESTS, RMA, body=RMA_MESSAGE),
    page("console:rma_answer", "POST", C.APPROVE_RMAS, RMA, body=RMA_MESSAGE),
    page("console:rma_line", "POST", any_of(C.CREATE_RMA_REQUESTS, C.APPROVE_RMAS), RMA,
         body={"line1-serial": "{serial}", "line1-fault_category": "port_fault",
               "line1-failure_description": "Port 3 dead."}),
    page("console:case_rma", "GET", C.CREATE_RMA_REQUESTS, CASE),
    page("console:case_rma", "POST", C.CREATE_RMA_REQUESTS, CASE,
         body={"unit_0": "on", "fault_0": "port_fault", "description_0": "Port 3 dead."}),
    page("console:rma_line_move", "POST", C.RECEIVE_RETURNS, APPROVED_LINE, body={"action": "await_return"}),
    page("console:depot", "GET", C.RECEIVE_RETURNS),
    page("console:depot", "POST", C.RECEIVE_RETURNS, body={"scanned": "R999999999", "serial": ""}),
    page("console:charges", "GET", C.APPROVE_RMAS),
    page("console:charge_waive", "POST", C.APPROVE_RMAS, RETURN_CHARGE, body={"reason": "Lost in transit."}),

    # --- the portal ---
    page("portal:home", "GET", SIGNED_IN),  # staff are sent on to the console
    page("portal:login", "GET", PUBLIC),
    page("portal:language", "POST", PUBLIC, body={"language": "de", "next": "/"}),
    page("portal:profile", "GET", SIGNED_IN),
    page("portal:profile", "POST", SIGNED_IN, body={"time_zone": "Europe/Berlin"}),
    page("portal:login", "POST", PUBLIC, body=_login),
    page("portal:sign_in_link", "GET", PUBLIC, SIGN_IN_LINK),  # shows a button
    page("portal:sign_in_link", "POST", PUBLIC, SIGN_IN_LINK),  # uses the link up
    page("portal:logout", "POST", PUBLIC),
    page("portal:password_change", "GET", SIGNED_IN),
    page("portal:password_change", "POST", SIGNED_IN, body={"old_password": "wrong"}),
    page("portal:password_reset", "GET", PUBLIC),
    page("portal:password_reset", "POST", PUBLIC, body={"email": "nobody@example.com"}),
    page("portal:password_reset_confirm", "GET", PUBLIC, RESET_LINK),
    page("portal:password_reset_confirm", "POST", PUBLIC, RESET_LINK, body={"new_password": "x"}),
    page("portal:terms", "GET", PUBLIC),
    page("portal:register", "GET", PUBLIC),
    page("portal:register", "POST", PUBLIC, body={"full_name": "New Person", "email": "new@newco.example"}),
    page("portal:register_verify", "GET", PUBLIC, SIGNUP_LINK),
    page("portal:register_verify", "POST", PUBLIC, SIGNUP_LINK),
    page("portal:register_organisation", "GET", PUBLIC),  # without a registration in the session:
    page("portal:register_organisation", "POST", PUBLIC),  # back to the first step
    page("portal:register_password", "GET", PUBLIC),
    page("portal:register_password", "POST", PUBLIC),
    page("portal:register_done", "GET", PUBLIC),
    page("portal:case_new", "GET", SIGNED_IN),  # staff are sent to the console
    page("portal:case_new", "POST", SIGNED_IN, body=CASE_BODY),
    page("portal:claim_new", "GET", C.OPEN_CASES, query={"sales_order": "SO-ACME-7"}),
    page("portal:claim_new", "POST", C.OPEN_CASES, body={**CLAIM_BODY, "sales_order": "SO-ACME-7"}),
    page("portal:case_type_fields", "GET", SIGNED_IN, query={"request_type": "login-assistance"}),
    page("portal:case_product", "GET", SIGNED_IN, ASSET, query={"serial_number": "{serial}", "kind": "technical"},
         not_found=200),
    page("portal:case", "GET", SIGNED_IN, CASE),  # staff are sent to the console's page of the case
    page("portal:case_reply", "POST", staff(C.WORK_CASES), CASE, body=REPLY),
    page("portal:case_accept", "POST", C.ANSWER_RESOLUTIONS, CASE, also=customer_of),
    page("portal:case_reject", "POST", C.ANSWER_RESOLUTIONS, CASE, also=customer_of, body={"reason": "Not yet."}),
    page("portal:case_attach", "POST", staff(C.WORK_CASES), CASE, body=_upload()),
    page("portal:case_escalate", "POST", any_of(C.ESCALATE_CASES, C.ESCALATE_FOR_CUSTOMERS), CASE,
         also=escalates, body=ESCALATION_BODY),
    page("portal:case_reopen", "POST", any_of(C.WORK_CASES, C.ANSWER_RESOLUTIONS), CLOSED_CASE, also=reopens,
         body={"note": "It broke again."}),
    page("portal:case_offer_accept", "POST", C.ACCEPT_SERVICE_LEVELS, OFFER, also=customer_of_offer),
    page("portal:attachment", "GET", SIGNED_IN, ATTACHMENT),
    page("portal:contact", "GET", SIGNED_IN, CONTACT),
    page("portal:assets", "GET", SIGNED_IN),
    page("portal:asset", "GET", SIGNED_IN, ASSET),
    page("portal:asset_reinstatement", "POST", C.REQUEST_REINSTATEMENTS, ASSET),
    page("portal:asset_transfer", "POST", C.REQUEST_TRANSFERS, ASSET,
         body=lambda call: {"new_owner": _transfer(call)["new_owner_account"]}),
    page("portal:entitlement", "GET", SIGNED_IN, ASSET, query={"q": "{serial}"}),
    page("portal:ecertificate", "GET", SIGNED_IN),
    page("portal:ecertificate", "POST", C.ACTIVATE_ECERTIFICATES, ECERTIFICATE,
         body={"code": "{code}", "serial": "{serial}"}),
    # RMA requests (D-5.1, D-5.2): staff are sent to the console's pages
    page("portal:rmas", "GET", SIGNED_IN),
    page("portal:rma", "GET", SIGNED_IN, RMA),
    page("portal:rma_question", "POST", C.ASK_ABOUT_RMAS, RMA, body=RMA_MESSAGE),
    page("portal:rma_cancel", "POST", C.ASK_ABOUT_RMAS, RMA, body={"reason": "Fixed after all."}),
    page("portal:rma_quote", "POST", C.ANSWER_RMA_QUOTES, RMA, body={"answer": "accept"}),
    page("portal:rma_label", "GET", SIGNED_IN, RMA),
    page("portal:tokens", "GET", SIGNED_IN),
    page("portal:tokens", "POST", SIGNED_IN, body={"name": "matrix"}),
    page("portal:token_revoke", "POST", SIGNED_IN, TOKEN),
    page("portal:notices", "GET", SIGNED_IN),
    page("portal:notices", "POST", SIGNED_IN, body={"on": []}),
    # an organisation's administrator keeps its people; for anyone else the pages are not there
    page("portal:members", "GET", ORGANISATION_ADMINS, refusal=404),
    page("portal:member_approval", "POST", ORGANISATION_ADMINS, body={"members_need_approval": "on"}, refusal=404),
    page("portal:member_remove", "GET", ORGANISATION_ADMINS, MEMBER, also=manages, refusal=404),
    page("portal:member_remove", "POST", ORGANISATION_ADMINS, MEMBER, also=manages, refusal=404),
    page("portal:member_remove_by_link", "GET", ORGANISATION_ADMINS, REMOVAL_LINK, also=manages, refusal=404),
    page("portal:member_remove_by_link", "POST", ORGANISATION_ADMINS, REMOVAL_LINK, also=manages, refusal=404),
    page("portal:membership_decide", "POST", ORGANISATION_ADMINS, MEMBERSHIP, also=manages,
         body={"decision": "refuse", "note": "Not known here."}, refusal=404),
    page("portal:associate_remove", "POST", ORGANISATION_ADMINS, ASSOCIATION, also=manages, refusal=404),
]
# fmt: on
