"""The generated permission matrix (D-1.2, D-1.3): every route of the API, the console and
the portal, held against every persona.

The routes are walked, not listed: the API's router (every path operation and method) and
the URL patterns of the console and the portal. Each must have an entry in
``tests/permission_table.py`` saying what it needs and which owner-scoped object it
names; what each persona should get is computed from that entry with
``accounts.access.may()`` and the product's scope functions:

- nobody signed in: the API answers 401 ``unauthenticated``, a page sends to the login page;
- lacking what the route needs: the API 403, a console page 404, a portal page 403;
- an object outside the person's scope: 404 that shows nothing of the object, never 403
  for someone who may do the thing (D-1.3); someone who may not gets the same answer as
  for an object that does not exist;
- otherwise neither 401, 403 nor 404.

The world is built once for the module (in one transaction that is rolled back at its
end); each test runs in a savepoint of it, and each request in a savepoint of that, so
what one call changes is undone before the next.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from caredesk.accounts import services as accounts
from caredesk.accounts.access import Capability, may
from caredesk.accounts.models import Organisation, Registration, RegistrationStatus, Role, User
from tests.permission_table import ENTRIES, PUBLIC, Call, Entry, Scope, grants
from tests.personas import PASSWORD, TODAY, admin_case, build_installbase, build_world

# Everyone the matrix holds each route against (D-1.2): the customer's side, every staff
# role, a member of staff with no role, and staff cleared for government customers or not.
PERSONAS = [
    "alice",  # customer at Acme, opened Acme's case
    "bob",  # her colleague at Acme
    "carol",  # consultant associated with Acme
    "paul",  # partner selling to Acme
    "charlie",  # customer at Globex: nothing of Acme's
    "gina",  # the government customer
    "olivia",  # Acme's own administrator (org_admin)
    "agent",  # care_agent, not cleared
    "cleared",  # care_agent, cleared for government customers
    "escalation",
    "team_lead",
    "manager",  # care_manager
    "director",
    "tse",
    "rma_specialist",
    "support_logistics",  # depot staff: receive returns only
    "licensing",
    "admin",
    "no_role",  # vendor staff without any role
]
STAFF_ROLES = {
    "escalation": Role.ESCALATION,
    "team_lead": Role.TEAM_LEAD,
    "director": Role.DIRECTOR,
    "tse": Role.TSE,
    "rma_specialist": Role.RMA_SPECIALIST,
    "support_logistics": Role.SUPPORT_LOGISTICS,
    "licensing": Role.LICENSING,
    "admin": Role.ADMIN,
}
NINJA_422 = "The request is not valid."  # the framework refusing a body before the view runs

# --- the routes, walked ----------------------------------------------------------------------


def api_routes() -> set[str]:
    """``METHOD /path`` of every path operation of the API's routers."""
    from caredesk.api.api import api

    routes = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            full = "/" + "/".join(part for part in (prefix + path).split("/") if part)
            for operation in view.operations:
                routes.update(f"{method} {full}" for method in operation.methods)
    return routes


def _patterns(patterns: list[Any], namespace: str | None = None) -> Iterator[tuple[str | None, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield namespace, pattern


def page_routes() -> dict[str, list[str]]:
    """``namespace:name`` of every console and portal page, with its path parameters."""
    return {
        f"{namespace}:{pattern.name}": list(pattern.pattern.regex.groupindex)
        for namespace, pattern in _patterns(get_resolver().url_patterns)
        if namespace in ("console", "portal")
    }


def test_every_route_has_an_entry_in_the_table() -> None:
    """A route nobody added to the table would be tested by nothing: it fails here, by name."""
    declared_api = {e.route for e in ENTRIES if e.kind == "api"}
    declared_pages = {e.path for e in ENTRIES if e.kind == "page"}
    missing = sorted(f"API {r}" for r in api_routes() - declared_api)
    missing += sorted(f"page {name}" for name in page_routes().keys() - declared_pages)
    assert not missing, (
        "These routes have no entry in tests/permission_table.py (see docs/development.md, Tests):\n  "
        + "\n  ".join(missing)
    )
    stale = sorted({e.route for e in ENTRIES if e.kind == "api"} - api_routes())
    stale += sorted({e.path for e in ENTRIES if e.kind == "page"} - page_routes().keys())
    assert not stale, "These entries name no route:\n  " + "\n  ".join(stale)


# --- the world, built once -------------------------------------------------------------------


@dataclass
class Matrix:
    people: dict[str, User]
    tokens: dict[str, str]  # each persona's API token
    sessions: dict[str, str]  # each persona's session key
    things: dict[str, Any]  # the objects the scopes name, by ``Scope.things``
    params: dict[str, list[str]] = field(default_factory=page_routes)
    picks: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)

    def pick(self, scope: Scope, name: str) -> tuple[Any, Any]:
        """The first object of the scope's kind that ``name`` sees, and the first one they
        do not (either may be None)."""
        key = (scope.name, name)
        if key not in self.picks:
            user = self.people[name]
            candidates = self.things[scope.things]
            seen = [scope.visible is None or scope.visible(user, obj) for obj in candidates]
            inside = next((obj for obj, s in zip(candidates, seen, strict=True) if s), None)
            outside = next((obj for obj, s in zip(candidates, seen, strict=True) if not s), None)
            self.picks[key] = (inside, outside)
        return self.picks[key]


def _build() -> Matrix:
    from caredesk.cases import services as cases
    from caredesk.entitlements.models import Contract, Depot, ECertificate, SalesRegion, ServiceLevelOffer
    from caredesk.installbase import services as installbase
    from caredesk.installbase.models import Asset

    world = build_world()
    ib = build_installbase(world)
    people = {name: world.person(name) for name in ("alice", "bob", "carol", "paul", "charlie", "gina")}
    people["olivia"] = accounts.create_user(
        "olivia@acme.example", "Olivia Owner", world.acme, PASSWORD, roles=[Role.ORG_ADMIN]
    )
    people.update(agent=world.agent, cleared=world.cleared, manager=world.manager)
    for name, role in STAFF_ROLES.items():
        people[name] = accounts.create_user(
            f"{name}@vendor.example", name.replace("_", " ").title(), world.vendor, PASSWORD, roles=[role]
        )
    people["no_role"] = accounts.create_user("norole@vendor.example", "Nora Norole", world.vendor, PASSWORD)
    assert sorted(people) == sorted(PERSONAS)

    # Cases of three customers, each with a customer's file, an internal file and an escalation.
    opened = {
        "acme": admin_case(world.alice, site_code="S-ACME-1", summary="Acme portal rejects passwords"),
        "globex": admin_case(world.charlie, summary="Globex locked out of the portal"),
        "gov": admin_case(world.gina, site_code="S-GOV-1", summary="Agency licence question"),
    }
    case_list = list(opened.values())
    attachments, escalations = [], []
    for key, case in opened.items():
        internal = cases.attach(
            world.cleared, case.case_id, SimpleUploadedFile(f"{key}-internal.txt", b"x"), internal=True
        )
        public = cases.attach(case.contact, case.case_id, SimpleUploadedFile(f"{key}-log.txt", b"log lines"))
        attachments += [internal, public]  # internal first: the customer's "outside" is their own case's
        escalations.append(cases.escalate(case.contact, case.case_id, "faster_progress", f"{key} wants it faster"))

    # The installed base: units, e-certificates, offers after a move, transfers, reinstatements.
    Organisation.objects.filter(pk=world.acme.pk).update(account_number="ACC-ACME")
    Organisation.objects.filter(pk=world.globex.pk).update(account_number="ACC-GLOBEX")
    contracts = {
        c.organisation_id: c for c in Contract.objects.filter(contract_id__in=["C-ACME-100", "C-GLOBEX-1", "C-GOV-1"])
    }
    units = {"acme": ib.covered, "globex": ib.globex_unit, "gov": ib.agency_unit}
    offers, certificates = [], []
    for key, unit in units.items():
        offers.append(ServiceLevelOffer.objects.create(
            contract=contracts[unit.owner_id], asset=unit, from_level=ib.premium, offered_level=ib.par,
            reference=opened[key].case_id,
        ))  # fmt: skip
        certificate = ECertificate.objects.create(
            code=f"EC-{key.upper()}", service_level=ib.premium, organisation=unit.owner,
            sales_region=SalesRegion.objects.get(code="emea"), received_on=date(2026, 6, 1),
        )  # fmt: skip
        # The unit of the same customer the certificate is activated for (ECERTIFICATE's {serial}).
        certificate.serial_to_activate = (ib.in_warranty if key == "acme" else unit).serial  # type: ignore[attr-defined]
        certificates.append(certificate)
    # Pending RMA requests (D-5.1) of each customer, raised from a technical case by a cleared TSE.
    from caredesk.rma import services as rma

    raiser = accounts.create_user("raiser@vendor.example", "Rae Raiser", world.vendor, PASSWORD, roles=[Role.TSE],
                                  gov_cleared=True)  # fmt: skip
    rma_requests = []
    for contact, unit in ((world.alice, ib.covered), (world.charlie, ib.globex_unit), (world.gina, ib.agency_unit)):
        technical = admin_case(
            contact, kind="technical", request_type="", request_subtype="", serial_number=unit.serial
        )
        request = rma.request_rma(raiser, technical.case_id, [rma.NewLine(unit.serial, "port_fault", "Port 3 dead.")])
        request.serial = unit.serial  # type: ignore[attr-defined]
        rma_requests.append(request)
    # Mis-shipment claims (D-5.7) of each customer on its own direct order, shipped two weeks ago.
    from caredesk.rma import claims

    mis_shipment_claims = []
    for n, contact in enumerate((world.alice, world.charlie, world.gina), start=7):
        order = f"SO-{contact.organisation.name.split()[0].upper()}-{n}"
        installbase.register_asset(installbase.NewAsset(
            serial=f"KR600000{n}", product=ib.router, owner=contact.organisation, ship_date=date(2026, 6, 1),
            sales_order=order, order_line=1,
        ))  # fmt: skip
        mis_shipment_claims.append(claims.claim_mis_shipment(contact, claims.NewClaim(
            sales_order=order, kind="documentation", order_lines=[1], priority="P3", follow_up_method="email",
            callback_phone="+49 69 1234 5678", summary="No manual in the box", description="The guide is missing.",
        )))  # fmt: skip
    # Approved repair RMAs (D-5.4) of each customer, line 1 of each with a charge for a unit
    # not returned (D-5.5). The charges are written here rather than by the sweep, which
    # would need advance replacements shipped weeks before the world's day.
    from caredesk.rma.models import ReturnCharge

    approver = accounts.create_user("approver@vendor.example", "Abe Approver", world.vendor, PASSWORD,
                                    roles=[Role.RMA_SPECIALIST], gov_cleared=True)  # fmt: skip
    rma_lines, return_charges = [], []
    for contact, serial, site in ((world.alice, "KR1000098", world.acme_hq), (world.charlie, "KR2000098", None),
                                  (world.gina, "KR3000098", world.agency_site)):  # fmt: skip
        installbase.register_asset(installbase.NewAsset(
            serial=serial, product=ib.router, owner=contact.organisation, site=site, ship_date=date(2026, 4, 1),
        ))  # fmt: skip
        technical = admin_case(contact, kind="technical", request_type="", request_subtype="", serial_number=serial)
        request = rma.request_rma(raiser, technical.case_id, [rma.NewLine(serial, "no_power", "No power.")])
        request = rma.approve(approver, request.validation_number)
        line = request.lines.select_related("request__organisation").get()
        rma_lines.append(line)
        return_charges.append(ReturnCharge.objects.create(
            line=line, organisation=request.organisation, amount=ib.router.list_price, currency="USD",
            due_at=request.decided_at,
        ))  # fmt: skip
    Asset.objects.filter(pk=ib.agency_unit.pk).update(standing="needs_reinstatement")
    transfers = [
        installbase.request_transfer(world.alice, ib.lapsed.serial, "ACC-GLOBEX"),
        installbase.request_transfer(world.gina, ib.agency_unit.serial, "ACC-ACME"),
    ]
    reinstatements = [
        installbase.request_reinstatement(world.alice, ib.grey.serial),
        installbase.request_reinstatement(world.gina, ib.agency_unit.serial),
    ]
    order_import = installbase.import_orders(
        io.BytesIO(b"sales_order,line,serial,sku,customer_account,ship_date,site_id,channel,partner_account\n"
                   b"SO-1,1,KR9000001,NO-SUCH-SKU,ACC-ACME,2026-05-01,,,\n"),
        source="matrix.csv", actor=world.agent,
    ).order_import  # fmt: skip
    depot = Depot.objects.create(name="Frankfurt depot", replacements=["same_day_4h"])
    registration = Registration.objects.create(
        email="newco@newco.example", full_name="Nina Newco", token_hash="matrix-registration",
        status=RegistrationStatus.AWAITING_APPROVAL, new_organisation_name="NewCo", new_organisation_country="DE",
    )  # fmt: skip

    # Closed a moment ago with a reason (within the reopening window), one of each customer.
    closed = []
    for contact in (world.alice, world.charlie, world.gina):
        case = admin_case(contact, summary=f"{contact.organisation.name} asked and was answered on the phone")
        closed.append(cases.close_case(world.cleared, case.case_id, "resolved_by_phone"))

    # Each organisation with a person of its own (not a persona), a consultant associated with
    # it, and someone who proved it and waits for its administrator (D-1.4).
    organisations = [world.acme, world.globex, world.agency]
    members, associations, waiting = [], [], []
    association = User.associations.through
    for org, contact in zip(organisations, (world.alice, world.charlie, world.gina), strict=True):
        key = org.name.split()[0].lower()
        org.contact_email = contact.email  # type: ignore[attr-defined]
        members.append(accounts.create_user(f"member@{key}.example", f"Morgan of {org.name}", org, PASSWORD))
        consultant = world.carol if org == world.acme else accounts.create_user(
            f"{key}-consultant@consultix.example", f"Consultant of {org.name}", world.consultix, PASSWORD,
            associations=[org],
        )  # fmt: skip
        associations.append(association.objects.select_related("user").get(user=consultant, organisation=org))
        waiting.append(Registration.objects.create(
            email=f"waiting@{key}.example", full_name=f"Wanda of {org.name}", token_hash=f"matrix-waiting-{key}",
            status=RegistrationStatus.AWAITING_ORG_ADMIN, organisation=org, proof="KR1000001",
        ))  # fmt: skip

    # Macros: two agents' own and a shared one (applied to Acme's case); a saved view of each
    # member of staff who works cases.
    macros = [
        cases.create_macro(world.agent, cases.MacroData(name="Ann's greeting", body="Hello from Ann.")),
        cases.create_macro(world.manager, cases.MacroData(name="Max's sign-off", body="Regards, Max.")),
        cases.create_macro(world.manager, cases.MacroData(name="Shared welcome", body="Welcome.", shared=True)),
    ]
    for macro in macros:
        macro.matrix_case_id = opened["acme"].case_id  # type: ignore[attr-defined]
    views = [
        cases.save_view(people[name], cases.ViewData(name=f"{name}'s queue", sort="due"))
        for name in PERSONAS
        if may(people[name], Capability.WORK_CASES)
    ]

    tokens, spare, sessions = {}, [], {}
    for name in PERSONAS:
        user = people[name]
        tokens[name] = accounts.issue_api_token(user, "matrix").secret
        spare.append(accounts.issue_api_token(user, f"spare token of {name}").token)
        client = Client()
        client.force_login(user)
        sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    alice = User.objects.get(pk=world.alice.pk)  # after her log-in: the reset token hashes it
    link = {"uidb64": urlsafe_base64_encode(force_bytes(alice.pk))}

    def signup_link() -> list[str]:
        fresh = Registration.objects.create(email="signup@newco.example", full_name="Sam Signup",
                                            token_hash=f"matrix-{Registration.objects.count()}")  # fmt: skip
        return [accounts.rotate_registration_secret(fresh)]

    things = {
        "people": people, "acme": world.acme, "accounts": ("ACC-ACME", "ACC-GLOBEX"),
        "cases": case_list, "attachments": attachments, "escalations": escalations, "offers": offers,
        "assets": list(units.values()), "ecertificates": certificates, "transfers": transfers,
        "reinstatements": reinstatements, "contacts": [world.alice, world.charlie, world.gina], "tokens": spare,
        "registrations": [registration], "order_imports": [order_import], "depots": [depot],
        "reset_links": [{**link, "token": default_token_generator.make_token(alice)}],
        "sign_in_links": [{**link, "token": accounts.sign_in_links.make_token(alice)}],
        "signup_links": signup_link, "closed_cases": closed, "organisations": organisations, "members": members,
        "associations": associations, "membership_requests": waiting, "macros": macros, "saved_views": views,
        "rma_requests": rma_requests, "rma_case": rma_requests[0].case.case_id,
        "mis_shipment_claims": mis_shipment_claims,
        "rma_lines": rma_lines, "return_charges": return_charges,
    }  # fmt: skip
    return Matrix(people=people, tokens=tokens, sessions=sessions, things=things)


@pytest.fixture(scope="module")
def matrix(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Matrix]:
    """The personas and their world, built once for the module and rolled back after it."""
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)  # thousands of expected 403s and 404s; a 500 still shows
    moment = TODAY.isoformat() + " 17:00 +00:00"
    with django_db_blocker.unblock(), time_machine.travel(moment, tick=False), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)
    requests_log.setLevel(level)


# --- calling a route ---------------------------------------------------------------------------


def _fill(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str) and "{" in value:
        return value.format(**params)
    if isinstance(value, list):
        return [_fill(item, params) for item in value]
    return value


# Two clients for the whole module: building one loads the middleware, which costs more
# than the requests. Who calls is set for each request (a token, or a session cookie).
API_CLIENT = Client(enforce_csrf_checks=True)  # a program has no CSRF cookie: the check is on
PAGE_CLIENT = Client()


def call(matrix: Matrix, entry: Entry, name: str | None, obj: Any, params: dict[str, Any]) -> HttpResponse:
    """One request to the route as ``name`` (None: nobody signed in) about ``obj``."""
    user = matrix.people[name] if name else None
    extra: dict[str, str] = {"REMOTE_ADDR": f"10.9.0.{PERSONAS.index(name) + 1 if name else 200}"}  # rate limits
    context = Call(user=user, obj=obj, things=matrix.things)
    body = entry.body(context) if callable(entry.body) else dict(entry.body or {})
    body = {k: _fill(v, params) for k, v in body.items()}
    query = entry.query(context) if callable(entry.query) else dict(entry.query or {})
    query = {k: _fill(v, params) for k, v in query.items()}
    if entry.kind == "api":
        client = API_CLIENT
        client.cookies.clear()
        if name:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {matrix.tokens[name]}"
        path = "/api/v1" + entry.path.format(**params)
        if entry.method == "GET":
            return client.get(path, query, **extra)
        if entry.multipart:
            return client.post(path, body, **extra)
        return client.generic(entry.method, path, json.dumps(body), content_type="application/json", **extra)
    client = PAGE_CLIENT
    client.cookies.clear()
    if name:
        client.cookies[settings.SESSION_COOKIE_NAME] = matrix.sessions[name]
    path = reverse(entry.path, kwargs={k: params[k] for k in matrix.params[entry.path]})
    if entry.method == "GET":
        return client.get(path, query, **extra)
    return client.post(path, body, **extra)


# --- what each persona should get, and whether they got it --------------------------------------

ALLOWED, REFUSED, NOT_FOUND, HIDDEN, UNAUTHENTICATED = "allowed", "refused", "not found", "hidden", "log in"


def able(entry: Entry, user: User) -> bool:
    if entry.namespace == "console" and not may(user, Capability.USE_CONSOLE):
        return False  # the console is the vendor staff's: for anyone else every URL is "not found"
    return grants(user, entry.needs)


def expected(entry: Entry, user: User, where: str, obj: Any) -> str:
    """What ``user`` should get from the route about an object ``where`` ("in" their scope,
    "out" of it, "missing": none such; "-": the route names none)."""
    if where in ("in", "-"):
        if not able(entry, user) or (entry.also is not None and not entry.also(user, obj)):
            return REFUSED
        return ALLOWED
    if able(entry, user):
        return NOT_FOUND  # D-1.3: never "forbidden", which would confirm the object exists
    if entry.obj is not None and entry.obj.visible is None:
        return REFUSED  # anyone may name these: the refusal must not depend on which one
    return HIDDEN  # refused or not found, but the same for an object that does not exist


def _error_code(response: HttpResponse) -> str:
    if not response.get("Content-Type", "").startswith("application/json"):
        return ""
    try:
        return str(json.loads(response.content).get("error", {}).get("code", ""))
    except (ValueError, AttributeError):
        return ""


def _text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")[:300].replace("\n", " ")


def judge(entry: Entry, expectation: str, response: HttpResponse, tells: list[str]) -> str:
    """What is wrong with ``response``, or "" when it is what ``expectation`` asks."""
    status = response.status_code
    api = entry.kind == "api"
    login = response.get("Location", "").startswith("/login/?next=")
    if status >= 500:
        return "a server error"
    if expectation == UNAUTHENTICATED:
        if api:
            return "" if status == 401 and _error_code(response) == "unauthenticated" else "not 401 unauthenticated"
        return "" if status == 302 and login else "not a redirect to the login page"
    if expectation == ALLOWED:
        if status in (401, 403, 404, 405) or (400 <= status < 500 and status not in (409, 422)):
            return "refused"
        if api and status == 422 and json.loads(response.content)["error"]["message"] == NINJA_422:
            return "the body was refused before the view ran: give the entry a valid body"
        return "sent to the login page" if login else ""
    if expectation == NOT_FOUND and status == entry.not_found:
        statuses = {status}  # a look-up says "no such unit" in its answer, a bulk action in its refusal
    else:
        refusal = entry.refusal or (403 if api or entry.namespace == "portal" else 404)
        statuses = {REFUSED: {refusal}, NOT_FOUND: {404}, HIDDEN: {refusal, 404}}[expectation]
    if status not in statuses:
        return f"not {' or '.join(map(str, sorted(statuses)))}"
    if api and status in (403, 404) and _error_code(response) != {403: "forbidden", 404: "not_found"}[status]:
        return f"error code {_error_code(response)!r}"
    if expectation == REFUSED:
        return ""  # about an object in scope (or none): what it shows is no secret
    shown = [t for t in tells if t and t in response.content.decode(errors="replace")]
    return f"shows {shown}" if shown else ""


def written() -> tuple[int, ...]:
    """How much the world holds that a write adds to: every service's write leaves an audit
    entry (a house rule), and messages and files are counted as well. One query."""
    from caredesk.cases.models import Attachment, CaseMessage
    from caredesk.core.models import AuditEntry

    tables = [model._meta.db_table for model in (AuditEntry, CaseMessage, Attachment)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables))  # noqa: S608
        return tuple(cursor.fetchone())


def targets(matrix: Matrix, entry: Entry, name: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """(where, object, path parameters) to try the route with as ``name``: an object in
    their scope, one outside it, and one that does not exist. The last only where it
    tells something the others do not: for someone who may not do the thing (their
    answer must not depend on whether it exists), or when no object is outside their scope."""
    scope = entry.obj
    if scope is None:
        return [("-", None, {})]
    missing = scope.missing(matrix.things) if callable(scope.missing) else scope.missing
    user = matrix.people[name]
    if entry.namespace == "console" and not may(user, Capability.USE_CONSOLE):
        obj = matrix.pick(scope, name)[0] or matrix.things[scope.things][0]
        return [("in", obj, scope.params(obj))]  # the console turns them away before it looks
    if scope.fresh:
        (obj,) = matrix.things[scope.things]()
        return [("in", obj, scope.params(obj)), ("missing", None, missing)]
    inside, outside = matrix.pick(scope, name)
    found = [("in", inside, scope.params(inside))] if inside is not None else []
    if outside is not None:
        found.append(("out", outside, scope.params(outside)))
    if outside is None or not able(entry, user) or scope.visible is None:
        found.append(("missing", None, missing))
    return found


def _id(entry: Entry) -> str:
    same = [e for e in ENTRIES if e.route == entry.route]
    return entry.route + (f" [{entry.variant or entry.obj}]" if len(same) > 1 else "")


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_each_persona_gets_what_the_table_and_the_scope_say(matrix: Matrix, db: Any, entry: Entry) -> None:
    problems = []
    for name in PERSONAS:
        user = matrix.people[name]
        hidden: dict[str, tuple[int, str]] = {}
        for where, obj, params in targets(matrix, entry, name):
            expectation = expected(entry, user, where, obj)
            checked = entry.method != "GET" and expectation != ALLOWED
            # Each request in a savepoint of its own, undone after it: what one persona's
            # call changes (a member removed, a case reopened) cannot change the next one's.
            with transaction.atomic():
                before = written() if checked else ()
                response = call(matrix, entry, name, obj, params)
                wrote = checked and written() != before
                transaction.set_rollback(True)
            tells = entry.obj.tells(obj) if entry.obj is not None and obj is not None else []
            wrong = judge(entry, expectation, response, tells)
            if not wrong and wrote:
                wrong = "refused, but something was written"
            if wrong:
                problems.append(f"{name:>14} {where:<7} expected {expectation}, got {response.status_code}: "
                                f"{wrong} — {_text(response)[:160]}")  # fmt: skip
            if expectation == HIDDEN:
                hidden[where] = (response.status_code, _error_code(response))
        if len(set(hidden.values())) > 1:
            problems.append(f"{name:>14} answers differently for an object outside the scope and none: {hidden}")
    if problems:
        pytest.fail(f"{entry.route} (needs {entry.needs}, names {entry.obj}):\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_nobody_signed_in_is_asked_to_authenticate(matrix: Matrix, db: Any, entry: Entry) -> None:
    scope = entry.obj
    if scope is None:
        obj, params = None, {}
    elif scope.fresh:
        (obj,) = matrix.things[scope.things]()
        params = scope.params(obj)
    else:
        obj = matrix.things[scope.things][0]
        params = scope.params(obj)
    expectation = ALLOWED if entry.needs == PUBLIC else UNAUTHENTICATED
    before = written()
    response = call(matrix, entry, None, obj, params)
    wrong = judge(entry, expectation, response, [])
    if not wrong and expectation != ALLOWED and written() != before:
        wrong = "refused, but something was written"
    assert not wrong, f"{entry.route}: expected {expectation}, got {response.status_code}: {wrong} — {_text(response)}"


PAGES = sorted({e.path for e in ENTRIES if e.kind == "page"})


@pytest.mark.parametrize("name", PAGES)
def test_a_page_answers_only_the_methods_its_entries_name(matrix: Matrix, db: Any, name: str) -> None:
    """So that a page taking a POST nobody put in the table cannot go untested."""
    entries = [e for e in ENTRIES if e.kind == "page" and e.path == name]
    entry = entries[0]
    person = next(p for p in PERSONAS if able(entry, matrix.people[p]))
    obj, _, params = next(((o, w, p) for w, o, p in targets(matrix, entry, person) if w in ("in", "-")))
    for method in {"GET", "POST"} - {e.method for e in entries}:
        other = Entry(entry.kind, f"{name} {method}", entry.needs, entry.obj)
        response = call(matrix, other, person, obj, params)
        assert response.status_code == 405, f"{name} answers {method} with {response.status_code}"
