"""Build a believable demo installation through the service functions.

Everything is written by the same functions the portal, console and API call
(``accounts.services``, ``cases.services``, ``rma.services`` and ``rma.claims``), so the
demo exercises the real write path: validation, case ids, history, events. The people are
fixed (so the printed logins are always the same); the cases come from a seeded random
generator, so the same seed gives the same cases, with dates relative to the moment the
demo is built. The RMA scenes (``demo.rmas``) are fixed as well.

The vendor, its customers and partners are fictional. Every e-mail domain ends in
``.example``, which never receives mail.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from caredesk.accounts import services as accounts
from caredesk.accounts.models import Organisation, OrganisationKind, Registration, Role, Site, User
from caredesk.cases import services as cases
from caredesk.cases.models import CaseStatus, FollowUpMethod, Priority, RequestType
from caredesk.core.clock import add_months, driven_by
from caredesk.demo import installbase as demo_installbase
from caredesk.demo import rmas as demo_rmas
from caredesk.demo import stories
from caredesk.demo.stories import Story
from caredesk.rma.models import MIS_SHIPMENT_TYPE

DEMO_PASSWORD = "caredesk-demo"  # noqa: S105 - the documented password of the demo logins
DEFAULT_SEED = 4711
DEFAULT_CASES = 300
DEMO_UNITS = 3000  # units in the installed base, shared among the customers by weight
VENDOR_NAME = "Kestrel Networks"
HISTORY_DAYS = 180  # how far back the demo's cases reach

# --- the people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    phone: str = ""
    roles: tuple[str, ...] = ()
    site_admin: bool = False  # may use the admin site
    gov_cleared: bool = False
    label: str = ""  # what the login list says about this person


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    city: str
    address: str
    postal_code: str


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str
    country: str
    time_zone: str
    sites: tuple[SiteSpec, ...]
    people: tuple[Person, ...]
    government: bool = False
    tracking_prefix: str = ""  # the customer's own ticket numbers look like this
    weight: int = 1  # how many cases this customer opens, relatively


VENDOR = OrgSpec(
    "vendor",
    VENDOR_NAME,
    OrganisationKind.VENDOR,
    "US",
    "America/Los_Angeles",
    (SiteSpec("KN-SJC", "Kestrel Networks San Jose", "San Jose", "2100 Orchard Parkway", "95131"),),
    (
        Person(
            "admin@kestrel.example",
            "Dana Whitfield",
            roles=(Role.ADMIN,),
            site_admin=True,
            label="administrator (admin site)",
        ),
        Person("director@kestrel.example", "Helen Okafor", roles=(Role.DIRECTOR,), label="director of Customer Care"),
        Person("manager@kestrel.example", "Rafael Ortega", roles=(Role.CARE_MANAGER,), label="care manager"),
        Person("lead@kestrel.example", "Jonas Weber", roles=(Role.TEAM_LEAD,), label="team lead of the care agents"),
        Person("agent@kestrel.example", "Priya Raman", roles=(Role.CARE_AGENT,), label="care agent"),
        Person("agent2@kestrel.example", "Tom Lindqvist", roles=(Role.CARE_AGENT,), label="care agent"),
        Person(
            "cleared@kestrel.example",
            "Grace Mbeki",
            roles=(Role.CARE_AGENT,),
            gov_cleared=True,
            label="care agent, cleared for government customers",
        ),
        Person("escalation@kestrel.example", "Marek Nowak", roles=(Role.ESCALATION,), label="escalation team"),
        Person("tse@kestrel.example", "Hiro Tanaka", roles=(Role.TSE,), label="technical support engineer"),
        Person("rma@kestrel.example", "Sofia Brandt", roles=(Role.RMA_SPECIALIST,), label="RMA specialist"),
        Person(
            "depot@kestrel.example",
            "Luis Carvalho",
            roles=(Role.SUPPORT_LOGISTICS,),
            label="support logistics at the returns depot (receives and ships units)",
        ),
        Person("licensing@kestrel.example", "Omar Haddad", roles=(Role.LICENSING,), label="licensing"),
    ),
)

CUSTOMERS = (
    OrgSpec(
        "rheinwerk",
        "Rheinwerk Stadtnetze GmbH",
        OrganisationKind.CUSTOMER,
        "DE",
        "Europe/Berlin",
        (
            SiteSpec("RW-KOE-01", "Rheinwerk Köln Netzleitstelle", "Köln", "Deutzer Ring 14", "50679"),
            SiteSpec("RW-BON-02", "Rheinwerk Bonn Verteiler", "Bonn", "Am Hofgarten 3", "53113"),
        ),
        (
            Person("jana.keller@rheinwerk.example", "Jana Keller", "+49 221 4907 3310", label="customer"),
            Person("lukas.brenner@rheinwerk.example", "Lukas Brenner", "+49 1512 3456789"),
            Person(
                "selin.aydin@rheinwerk.example",
                "Selin Aydın",
                "+49 228 9874 120",
                roles=(Role.ORG_ADMIN,),
                label="customer, administrator of her organisation (members page)",
            ),
        ),
        tracking_prefix="RW-INC-",
        weight=4,
    ),
    OrgSpec(
        "harbourline",
        "Harbourline Telecom Ltd",
        OrganisationKind.CUSTOMER,
        "GB",
        "Europe/London",
        (
            SiteSpec("HL-BRS-01", "Harbourline Bristol Exchange", "Bristol", "12 Quayside Road", "BS1 4QA"),
            SiteSpec("HL-LDS-02", "Harbourline Leeds Data Centre", "Leeds", "Unit 4, Aire Valley Park", "LS10 1AB"),
        ),
        (
            Person("oliver.hughes@harbourline.example", "Oliver Hughes", "+44 117 496 0732", label="customer"),
            Person("amira.shah@harbourline.example", "Amira Shah", "+44 7400 123461"),
        ),
        tracking_prefix="CHG",
        weight=3,
    ),
    OrgSpec(
        "pacificcrest",
        "Pacific Crest Health",
        OrganisationKind.CUSTOMER,
        "US",
        "America/Los_Angeles",
        (
            SiteSpec("PCH-SEA-01", "Pacific Crest Medical Center", "Seattle", "900 Cedar Street", "98104"),
            SiteSpec("PCH-TAC-02", "Pacific Crest Tacoma Clinic", "Tacoma", "45 Harbor View Drive", "98402"),
            SiteSpec("PCH-DC-03", "Pacific Crest Data Center", "Kent", "18200 East Valley Hwy", "98032"),
        ),
        (
            Person("megan.price@pacificcrest.example", "Megan Price", "+1 206 555 0147", label="customer"),
            Person("carlos.vega@pacificcrest.example", "Carlos Vega", "+1 253 555 0190"),
            Person("ruth.olsen@pacificcrest.example", "Ruth Olsen", "+1 206 555 0112"),
        ),
        tracking_prefix="INC00",
        weight=4,
    ),
    OrgSpec(
        "sakura",
        "Sakura Data Centres K.K.",
        OrganisationKind.CUSTOMER,
        "JP",
        "Asia/Tokyo",
        (SiteSpec("SDC-TYO-01", "Sakura Tokyo Koto DC", "Tokyo", "2-4-1 Shinonome, Koto-ku", "135-0062"),),
        (
            Person("k.yamamoto@sakura-dc.example", "Kenji Yamamoto", "+81 3 1234 5678", label="customer"),
            Person("a.fujita@sakura-dc.example", "Aiko Fujita", "+81 90 1234 5678"),
        ),
        tracking_prefix="SDC-",
        weight=2,
    ),
    OrgSpec(
        "marazul",
        "Mar Azul Provedores Ltda.",
        OrganisationKind.CUSTOMER,
        "BR",
        "America/Sao_Paulo",
        (
            SiteSpec("MA-SAO-01", "Mar Azul São Paulo POP", "São Paulo", "Av. das Nações 1200", "04578-000"),
            SiteSpec("MA-REC-02", "Mar Azul Recife POP", "Recife", "Rua do Sol 88", "50030-230"),
        ),
        (
            Person("beatriz.lima@marazul.example", "Beatriz Lima", "+55 11 2345 6789", label="customer"),
            Person("thiago.souza@marazul.example", "Thiago Souza", "+55 11 96123 4567"),
        ),
        weight=2,
    ),
    OrgSpec(
        "lumiere",
        "Lumière Logistique SA",
        OrganisationKind.CUSTOMER,
        "FR",
        "Europe/Paris",
        (SiteSpec("LL-LYS-01", "Lumière Lyon Plateforme", "Lyon", "14 rue de l'Industrie", "69007"),),
        (
            Person("camille.martin@lumiere.example", "Camille Martin", "+33 4 72 00 41 18", label="customer"),
            Person("hugo.bernard@lumiere.example", "Hugo Bernard", "+33 6 12 34 56 78"),
        ),
        tracking_prefix="LL",
        weight=2,
    ),
    OrgSpec(
        "southerncross",
        "Southern Cross University",
        OrganisationKind.CUSTOMER,
        "AU",
        "Australia/Brisbane",
        (SiteSpec("SCU-BNE-01", "SCU Brisbane Campus", "Brisbane", "1 University Drive", "4000"),),
        (
            Person("liam.nguyen@southerncross.example", "Liam Nguyen", "+61 7 3123 4567", label="customer"),
            Person("isla.murray@southerncross.example", "Isla Murray", "+61 412 345 678"),
        ),
        tracking_prefix="SCU-",
        weight=2,
    ),
)

GOVERNMENT = OrgSpec(
    "lakeshore",
    "Lakeshore County Emergency Services",
    OrganisationKind.CUSTOMER,
    "US",
    "America/Chicago",
    (SiteSpec("LCES-911-01", "Lakeshore County 911 Dispatch", "Lakeshore", "300 Civic Plaza", "60601"),),
    (
        Person(
            "r.dawson@lakeshore-county.example",
            "Rosa Dawson",
            "+1 312 555 0176",
            label="customer, government (only cleared staff see its cases)",
        ),
        Person("e.kowalski@lakeshore-county.example", "Eli Kowalski", "+1 312 555 0133"),
    ),
    government=True,
    tracking_prefix="LC-",
    weight=1,
)

PARTNERS = (
    (
        OrgSpec(
            "brightpath",
            "Brightpath Solutions GmbH",
            OrganisationKind.PARTNER,
            "DE",
            "Europe/Berlin",
            (),
            (
                Person(
                    "n.weber@brightpath.example",
                    "Nina Weber",
                    "+49 89 2190 4410",
                    label="partner (sells to Rheinwerk and Lumière)",
                ),
                Person("f.schulz@brightpath.example", "Felix Schulz", "+49 89 2190 4422"),
            ),
        ),
        ("rheinwerk", "lumiere"),
    ),
    (
        OrgSpec(
            "bluegate",
            "Bluegate Systems Inc.",
            OrganisationKind.PARTNER,
            "US",
            "America/Denver",
            (),
            (
                Person(
                    "j.harper@bluegate.example",
                    "Jordan Harper",
                    "+1 303 555 0164",
                    label="partner (sells to Pacific Crest and Southern Cross)",
                ),
            ),
        ),
        ("pacificcrest", "southerncross"),
    ),
)

CONSULTANCY = OrgSpec(
    "meridian",
    "Meridian Network Consulting",
    OrganisationKind.CUSTOMER,
    "GB",
    "Europe/London",
    (),
    (
        Person(
            "s.okafor@meridian-consulting.example",
            "Samuel Okafor",
            "+44 20 7946 0321",
            label="consultant (associated with Harbourline and Sakura)",
        ),
    ),
)
CONSULTANT_CLIENTS = ("harbourline", "sakura")

# A user whose password expired (D-1.5) when the demo was built: logging in leads to the
# change-password step only.
EXPIRED = Person(
    "expired@harbourline.example", "Gareth Pryce", "+44 117 496 0999", label="customer whose password has expired"
)

# Self-service registrations (D-1.4) left for a care agent to approve.
PENDING_REGISTRATIONS = (
    ("Chiara Romano", "chiara.romano@vettore-reti.example", "Vettore Reti S.r.l.", "IT"),
    ("Mateo Fernández", "mateo@andes-fibra.example", "Andes Fibra SpA", "CL"),
)
APPROVED_REGISTRATION = ("Lea Brunner", "lea.brunner@alpenfaser.example", "Alpenfaser AG", "CH")
# Joins Rheinwerk by a unit's serial number and waits for its administrator (D-1.4).
MEMBERSHIP_REQUEST = ("Felix Adler", "felix.adler@rheinwerk.example")

# --- the products the customers' cases talk about -----------------------------------------


@dataclass(frozen=True)
class Product:
    name: str
    platform: str
    serial_prefix: str


PRODUCTS = (
    Product("KR-7400 core router", "KR7410", "KR74"),
    Product("KR-7400 core router", "KR7404", "KR74"),
    Product("KS-220 access switch", "KS220-48P", "KS22"),
    Product("KS-220 access switch", "KS220-24T", "KS22"),
    Product("KF-90 firewall", "KF90-L", "KF90"),
    Product("KW-12 wireless controller", "KW12", "KW12"),
    Product("KO-3 optical transport shelf", "KO3-C8", "KO3X"),
)
RELEASES = ("12.4R2", "12.3R5", "13.1R1", "11.9R8")

# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    email: str
    organisation: str
    role: str


@dataclass
class DemoResult:
    organisations: int = 0
    users: int = 0
    cases: int = 0
    assets: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)
    rmas: demo_rmas.RmaResult = field(default_factory=demo_rmas.RmaResult)


def demo_logins() -> list[Login]:
    """The logins worth trying, in the order they are printed; only those that exist."""
    wanted: list[tuple[Person, str]] = [(p, VENDOR.name) for p in VENDOR.people]
    for spec in (*CUSTOMERS, GOVERNMENT, CONSULTANCY, *(p for p, _ in PARTNERS)):
        wanted += [(p, spec.name) for p in spec.people if p.label]
    wanted.append((EXPIRED, "Harbourline Telecom Ltd"))
    existing = set(User.objects.filter(email__in=[p.email for p, _ in wanted]).values_list("email", flat=True))
    return [Login(p.email, org, p.label) for p, org in wanted if p.email in existing]


# --- the clock ----------------------------------------------------------------------------


class _DemoClock:
    """The time the services see while the demo writes its history.

    Case ids carry the date a case was opened (D-3.1) and are allocated from a per-day
    counter at that moment, so back-dating ``created_at`` after the fact would leave ids
    that contradict their dates. Instead the demo sets the time before each service call.
    Tests do this with ``time_machine``, a test-only dependency; the demo drives the one
    clock every "now" goes through (``caredesk.core.clock.driven_by``).
    """

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@contextmanager
def _clock_at(start: datetime) -> Iterator[_DemoClock]:
    clock = _DemoClock(start)
    with driven_by(clock):
        yield clock


# --- the builder --------------------------------------------------------------------------


@dataclass
class _Customer:
    spec: OrgSpec
    org: Organisation
    sites: list[Site]
    users: list[User]
    partner_users: list[User] = field(default_factory=list)
    consultants: list[User] = field(default_factory=list)
    serial_base: int = 0


@dataclass
class _Plan:
    opened_at: datetime
    customer: _Customer
    status: str


class DemoBuilder:
    """Builds the demo world; ``build()`` runs it in one transaction."""

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        cases: int = DEFAULT_CASES,
        now: datetime | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        self.progress = progress or (lambda text: None)
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.case_count = max(cases, 0)
        self.real_now = (now or timezone.now()).replace(microsecond=0)
        self.result = DemoResult()
        self.staff: dict[str, User] = {}
        self.customers: dict[str, _Customer] = {}
        self.request_types: dict[str, RequestType] = {}
        self.clock: _DemoClock
        self.units = demo_installbase.DemoUnits({})
        self.escalations = 0  # the demo shows at least one customer escalation, whatever the draw

    def phone_of(self, user: User) -> str:
        """The demo person's phone number, for the cases they open."""
        return _PHONES.get(user.email) or "+1 408 555 0100"

    # Each service call runs at ``self.clock.moment``.
    def _at(self, moment: datetime, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.clock.moment = moment
        return fn(*args, **kwargs)

    def build(self) -> DemoResult:
        with transaction.atomic(), _clock_at(self.real_now) as clock:
            self.clock = clock
            self.progress("Organisations, sites and people…")
            self._people()
            self._registrations()
            self.progress(f"Installed base: {DEMO_UNITS} units, contracts and depots…")
            self._installed_base()
            self._membership_request()
            self._cases()
            self.progress("RMAs, returns and mis-shipment claims…")
            self.result.rmas = demo_rmas.DemoRmas(self).build()
        self.result.organisations = Organisation.objects.count()
        self.result.users = User.objects.count()
        self.result.logins = demo_logins()
        return self.result

    # --- organisations and people -------------------------------------------------------

    def _organisation(self, spec: OrgSpec, actor: User | None) -> tuple[Organisation, list[Site]]:
        # Organisations and sites existed long before the cases the demo shows.
        self.clock.moment = self.real_now - timedelta(days=HISTORY_DAYS + 200)
        org = accounts.create_organisation(
            spec.name, spec.kind, actor=actor, government=spec.government, country=spec.country
        )
        sites = [
            accounts.add_site(
                org,
                site.code,
                site.name,
                spec.country,
                actor=actor,
                city=site.city,
                address=site.address,
                postal_code=site.postal_code,
            )
            for site in spec.sites
        ]
        return org, sites

    def _user(self, person: Person, org: Organisation, actor: User | None, **extra: Any) -> User:
        # Users are made "now" so that their passwords are fresh and do not expire while
        # the demo is being looked at (D-1.5).
        self.clock.moment = self.real_now
        return accounts.create_user(
            person.email,
            person.name,
            org,
            DEMO_PASSWORD,
            actor=actor,
            roles=list(person.roles),
            gov_cleared=person.gov_cleared,
            site_admin=person.site_admin,
            **extra,
        )

    def _people(self) -> None:
        vendor, _ = self._organisation(VENDOR, None)
        for person in VENDOR.people:
            user = self._user(person, vendor, None)
            self.staff[person.email.split("@")[0]] = user
        admin = self.staff["admin"]
        for key in ("agent", "agent2", "cleared"):  # the agents' late cases reach their lead (D-4.3)
            self.staff[key].manager = self.staff["lead"]
            self.staff[key].save(update_fields=["manager"])

        for spec in (*CUSTOMERS, GOVERNMENT):
            org, sites = self._organisation(spec, admin)
            users = [self._user(person, org, admin) for person in spec.people]
            self.customers[spec.key] = _Customer(spec, org, sites, users, serial_base=self.rng.randint(100000, 899999))

        for spec, clients in PARTNERS:
            partner, _ = self._organisation(spec, admin)
            self.clock.moment = self.real_now - timedelta(days=HISTORY_DAYS + 150)
            for key in clients:
                accounts.link_partner(partner, self.customers[key].org, actor=admin)
            for person in spec.people:
                user = self._user(person, partner, admin)
                for key in clients:
                    self.customers[key].partner_users.append(user)

        consultancy, _ = self._organisation(CONSULTANCY, admin)
        client_orgs = [self.customers[key].org for key in CONSULTANT_CLIENTS]
        for person in CONSULTANCY.people:
            user = self._user(person, consultancy, admin, associations=client_orgs)
            for key in CONSULTANT_CLIENTS:
                self.customers[key].consultants.append(user)

        # Back-date this one user so that the password policy has something to show.
        self.clock.moment = add_months(self.real_now, -settings.PASSWORD_MAX_AGE_MONTHS) - timedelta(days=3)
        accounts.create_user(EXPIRED.email, EXPIRED.name, self.customers["harbourline"].org, DEMO_PASSWORD, actor=admin)

    def _registrations(self) -> None:
        """New-customer requests (D-1.4 step 3, second branch) for the approval queue."""
        for days_ago, (name, email, org_name, country) in enumerate(
            (*PENDING_REGISTRATIONS, APPROVED_REGISTRATION), start=1
        ):
            self.clock.moment = self.real_now - timedelta(days=days_ago, hours=3)
            accounts.start_registration(name, email, client_ip="demo")
            registration = Registration.objects.get(email=email)
            # The e-mailed secret is not kept; take a fresh one as the browser session would.
            _registration, secret = accounts.verify_registration(accounts.rotate_registration_secret(registration))
            accounts.choose_registration_organisation(secret, new_organisation_name=org_name, country=country)
            accounts.finish_registration(secret, password=DEMO_PASSWORD, accept_terms=True)
        approved = Registration.objects.get(email=APPROVED_REGISTRATION[1])
        self.clock.moment += timedelta(hours=5)
        accounts.decide_registration(approved.pk, self.staff["agent"], approve=True, note="Contract confirmed.")

    # --- cases -------------------------------------------------------------------------------

    def _installed_base(self) -> None:
        """Units, contracts and depots (D-2.x); the case stories then name real serials."""
        self.clock.moment = self.real_now - timedelta(days=HISTORY_DAYS + 30)
        partners: dict[int, Organisation] = {}
        for link in Organisation.customers.through.objects.select_related("from_organisation"):
            partners.setdefault(link.to_organisation_id, link.from_organisation)
        weights = sum(c.spec.weight for c in self.customers.values())
        plan = [
            (c.org, c.sites, partners.get(c.org.pk), c.serial_base, max(40, DEMO_UNITS * c.spec.weight // weights))
            for c in self.customers.values()
        ]
        self.units = demo_installbase.build(self.rng, self.real_now.date(), self.staff["admin"], plan)
        self.result.assets = sum(len(u) for u in self.units.by_owner.values())

    def _membership_request(self) -> None:
        """Someone who proved Rheinwerk by a unit's serial number waits for its administrator
        (D-1.4), so the members page has a request to decide."""
        rheinwerk = self.customers["rheinwerk"]
        serial = self.units.by_owner[rheinwerk.org.pk][0].serial
        self.clock.moment = self.real_now - timedelta(hours=20)
        name, email = MEMBERSHIP_REQUEST
        accounts.start_registration(name, email, client_ip="demo-member")  # its own count of the limit
        registration = Registration.objects.get(email=email)
        _registration, secret = accounts.verify_registration(accounts.rotate_registration_secret(registration))
        accounts.choose_registration_organisation(secret, proof=serial, new_account=False)
        accounts.finish_registration(secret, password=DEMO_PASSWORD, accept_terms=True)

    def _cases(self) -> None:
        self.request_types = {t.code: t for t in RequestType.objects.filter(active=True).prefetch_related("subtypes")}
        plans = self._plan()
        step = max(1, len(plans) // 10)
        for done, plan in enumerate(plans, start=1):
            self._work(plan)
            if done % step == 0 or done == len(plans):
                self.progress(f"Cases: {done} of {len(plans)}…")

    def _opening_time(self, customer: _Customer) -> datetime:
        """Mostly on the customer's working days and hours; more of them recently."""
        rng = self.rng
        zone = ZoneInfo(customer.spec.time_zone)
        while True:
            if rng.random() < 0.2:
                days_ago = rng.uniform(0, 10)
            else:
                days_ago = rng.uniform(0, HISTORY_DAYS)
            local = (self.real_now - timedelta(days=days_ago)).astimezone(zone)
            if local.weekday() >= 5 and rng.random() < 0.8:
                continue
            moment = local.replace(hour=rng.choice([7, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 22]))
            moment = moment.replace(minute=rng.randrange(60), second=rng.randrange(60))
            utc = moment.astimezone(ZoneInfo("UTC"))
            if utc < self.real_now - timedelta(minutes=30):
                return utc

    def _status_for(self, age: timedelta) -> str:
        days = age.total_seconds() / 86400
        if days < 1:
            weights = {"new": 45, "open": 40, "awaiting_customer": 10, "resolution_proposed": 5, "closed": 0}
        elif days < 7:
            weights = {"new": 15, "open": 30, "awaiting_customer": 22, "resolution_proposed": 20, "closed": 15}
        elif days < 30:
            weights = {"new": 1, "open": 15, "awaiting_customer": 12, "resolution_proposed": 7, "closed": 65}
        else:
            weights = {"new": 0, "open": 4, "awaiting_customer": 3, "resolution_proposed": 1, "closed": 92}
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _plan(self) -> list[_Plan]:
        customers = list(self.customers.values())
        weights = [c.spec.weight for c in customers]
        plans = []
        for _ in range(self.case_count):
            customer = self.rng.choices(customers, weights=weights)[0]
            opened = self._opening_time(customer)
            plans.append(_Plan(opened, customer, self._status_for(self.real_now - opened)))
        plans.sort(key=lambda p: p.opened_at)
        # Every status of D-3.5 appears at least once: the newest cases take the missing ones.
        counts = Counter(p.status for p in plans)
        for status in CaseStatus.values:
            if counts[status] or len(plans) < len(CaseStatus.values):
                continue
            for plan in reversed(plans):
                if counts[plan.status] > 1:
                    counts[plan.status] -= 1
                    plan.status = status
                    counts[status] += 1
                    break
        return plans

    def _story(self) -> tuple[Story, RequestType, str]:
        # Mis-shipments are claimed through their own page (D-5.7), which opens their case
        # with the claim on it: the RMA scenes make those, not the stories.
        usable = [
            s for s in stories.STORIES if s.request_type in self.request_types and s.request_type != MIS_SHIPMENT_TYPE
        ]
        story = self.rng.choice(usable)
        request_type = self.request_types[story.request_type]
        subtypes = {s.code for s in request_type.subtypes.all() if s.active}
        # The catalogue is editable (D-3.3): fall back to any sub-type the type still has.
        subtype = story.subtype if story.subtype in subtypes else self.rng.choice(sorted(subtypes))
        return story, request_type, subtype

    def _context(self, customer: _Customer, writer: User, site: Site | None) -> dict[str, Any]:
        rng = self.rng
        count = rng.choice([2, 2, 3, 4, 6])
        units = self.units.by_owner.get(customer.org.pk, [])
        if units:
            # Real units of the customer, of one product, so that serials and platforms agree.
            first = rng.choice(units)
            same = [u for u in units if u.product_id == first.product_id]
            chosen = [first, *rng.sample([u for u in same if u != first], min(count - 1, len(same) - 1))]
            serials = [u.serial for u in chosen]
            product = Product(first.product.name, first.product.platform, "")
        else:
            product = rng.choice(PRODUCTS)
            serials = [
                f"{product.serial_prefix}{customer.serial_base + rng.randrange(90000):07d}" for _ in range(count)
            ]
        count = len(serials)
        sites: list[Site | None] = [*customer.sites] or [None]
        here = site or rng.choice(sites)
        others: list[Site | None] = [s for s in customer.sites if s != here] or [here]
        other = rng.choice(others)
        colleagues = [u for u in customer.users if u != writer] or customer.users
        shipped = (self.real_now - timedelta(days=rng.randint(5, 80))).date()
        return {
            "person": writer.full_name,
            "first": writer.full_name.split()[0],
            "colleague": rng.choice(colleagues).full_name,
            "org": customer.org.name,
            "site": here.name if here else "our main site",
            "site_id": here.code if here else "",
            "other_site": other.name if other else "our new site",
            "other_site_id": other.code if other else "",
            "country": customer.org.country,
            "product": product.name,
            "platform": product.platform,
            "serial": serials[0],
            "serials": ", ".join(serials),
            "serial_list": serials,
            "count": count,
            "order": f"SO-{rng.randint(4100000, 4899999)}",
            "contract": f"CT-{rng.randint(20000000, 29999999)}",
            "rma": f"R{rng.randint(50100000, 50999999)}",
            "code": "-".join(f"{rng.randrange(16**4):04X}" for _ in range(4)),
            "release": rng.choice(RELEASES),
            "ship_date": shipped.isoformat(),
            "effective_date": (self.real_now + timedelta(days=rng.randint(7, 40))).date().isoformat(),
            "centre": settings.SUPPORT_CENTRE_NAME,
        }

    @staticmethod
    def _template_data(request_type: RequestType, ctx: dict[str, Any]) -> dict[str, Any]:
        """Values for the type's template fields (D-3.3), whatever the catalogue says today."""
        known: dict[str, Any] = {
            "serials": ctx["serial_list"],
            "sales_order": ctx["order"],
            "target_site": ctx["other_site_id"] or "NEW-SITE",
            "effective_date": ctx["effective_date"],
            "ship_date": ctx["ship_date"],
            "product": ctx["platform"],
            "activation_code": ctx["code"],
            "contract_id": ctx["contract"],
            "rma_number": ctx["rma"],
            "new_owner": "Westbridge Communications Ltd",
        }
        data: dict[str, Any] = {}
        for spec in request_type.template:
            name, kind = spec["name"], spec.get("type", "text")
            if name in known:
                data[name] = known[name]
            elif not spec.get("required"):
                continue
            elif kind == "choice":
                data[name] = spec["choices"][0]
            elif kind == "integer":
                data[name] = 1
            elif kind == "date":
                data[name] = date.fromisoformat(ctx["ship_date"]).isoformat()
            elif kind == "country":
                data[name] = ctx["country"]
            elif kind == "serials":
                data[name] = ctx["serial_list"]
            else:
                data[name] = "See the description."
        return data

    def _owner_for(self, customer: _Customer, story: Story) -> User:
        if customer.org.government:
            return self.staff["cleared"]
        specialists = {"license-keys": "licensing", "rma-assistance": "rma"}
        if story.request_type in specialists and self.rng.random() < 0.5:
            return self.staff[specialists[story.request_type]]
        return self.staff[self.rng.choice(["agent", "agent", "agent2", "agent2", "cleared"])]

    def _fill(self, text: str, ctx: dict[str, Any]) -> str:
        return text.format(**ctx)

    def _customer_text(self, text: str, ctx: dict[str, Any]) -> str:
        return self._fill(text + self.rng.choice(stories.SIGN_OFFS), ctx)

    def _work(self, plan: _Plan) -> None:
        rng = self.rng
        customer = plan.customer
        story, request_type, subtype = self._story()

        # Who opens the case: a user of the customer, a partner or consultant acting for
        # it, or an agent on the phone on the customer's behalf.
        roll = rng.random()
        opener = rng.choice(customer.users)
        contact = opener
        on_behalf = ""
        organisation_id: int | None = None
        if roll < 0.12:
            opener = self.staff["cleared"] if customer.org.government else self.staff[rng.choice(["agent", "agent2"])]
            on_behalf = contact.email
            organisation_id = customer.org.pk
        elif roll < 0.22 and customer.partner_users:
            opener = contact = rng.choice(customer.partner_users)
            organisation_id = customer.org.pk
        elif roll < 0.30 and customer.consultants:
            opener = contact = rng.choice(customer.consultants)
            organisation_id = customer.org.pk
        site = rng.choice(customer.sites) if customer.sites and rng.random() < 0.85 else None
        ctx = self._context(customer, contact, site)
        priority = rng.choices(Priority.values, weights=[3, 15, 52, 30])[0]
        method = (
            FollowUpMethod.PHONE.value if on_behalf else rng.choices(FollowUpMethod.values, weights=[30, 50, 12, 8])[0]
        )
        tracking = ""
        if customer.spec.tracking_prefix and rng.random() < 0.35:
            tracking = f"{customer.spec.tracking_prefix}{rng.randint(10000, 99999)}"

        data = cases.NewCase(
            kind="admin",
            request_type=request_type.code,
            request_subtype=subtype,
            priority=priority,
            follow_up_method=method,
            callback_phone=_phone_of(contact, customer),
            summary=self._fill(story.summary, ctx)[:200],
            description=self._customer_text(story.description, ctx),
            customer_tracking_number=tracking,
            # Many requests name a unit: its product series and platform come from the installed base.
            serial_number=ctx["serial"] if rng.random() < 0.45 else "",
            template_data=self._template_data(request_type, ctx),
            organisation_id=organisation_id,
            site_code=site.code if site else "",
            contact_email=on_behalf,
        )
        t = plan.opened_at
        case = self._at(t, cases.open_case, opener, data)
        case_id = case.case_id
        self.result.cases += 1

        if rng.random() < 0.12:
            t += timedelta(minutes=rng.randint(1, 20))
            self._at(t, cases.attach, contact, case_id, _attachment(story, ctx))

        steps = self._steps(plan, story, customer, contact, ctx, priority)
        for moment, step in zip(self._times(plan, t, steps), steps, strict=True):
            self.clock.moment = moment
            step.run(case_id)
        self.result.statuses[plan.status] += 1

    def _times(self, plan: _Plan, start: datetime, steps: list[_Step]) -> list[datetime]:
        """When each step happens: its gaps, squeezed to end before the real now."""
        limit = self.real_now - timedelta(minutes=5)
        fixed = sum((s.gap for s in steps if s.fixed), timedelta())
        flexible = sum((s.gap for s in steps if not s.fixed), timedelta())
        room = (limit - start) - fixed
        factor = 1.0 if flexible <= room or not flexible else max(room, timedelta()) / flexible * 0.95
        times = []
        moment = start
        for step in steps:
            moment += step.gap if step.fixed else step.gap * factor
            times.append(moment)
        silence = timedelta(days=settings.CASE_AUTO_CLOSE_DAYS)
        if plan.status == CaseStatus.RESOLUTION_PROPOSED and times and times[-1] < limit - silence + timedelta(days=1):
            # A proposal still waiting for the customer is recent, or the sweep would close it.
            times[-1] = limit - timedelta(hours=self.rng.uniform(1, (silence.days - 1.5) * 24))
        return times

    def _steps(
        self, plan: _Plan, story: Story, customer: _Customer, contact: User, ctx: dict[str, Any], priority: str
    ) -> list[_Step]:
        """The case's life after opening, each step with its delay after the previous one."""
        rng = self.rng
        steps: list[_Step] = []

        def add(gap_hours: tuple[float, float], fn: Callable[..., Any], actor: User, *args: Any) -> None:
            steps.append(_Step(timedelta(hours=rng.uniform(*gap_hours)), fn, actor, args))

        def says(text: str) -> str:
            return self._customer_text(text, ctx)

        if plan.status == CaseStatus.NEW:
            if rng.random() < 0.3:
                add((2, 20), cases.reply, contact, says(rng.choice(stories.NUDGES)))
            return steps

        owner = self._owner_for(customer, story)
        manager = self.staff["manager"]
        ack = self._fill(rng.choice(stories.ACKNOWLEDGEMENTS), ctx)
        how = rng.random()
        if how < 0.4 and not customer.org.government:
            add((0.2, 4), cases.assign, manager, owner.email)
            add((0.1, 3), cases.reply, owner, ack)
        elif how < 0.7:
            add((0.2, 6), cases.assign, owner)
            if rng.random() < 0.6:
                add((0.1, 2), cases.reply, owner, ack)
        else:
            add((0.2, 6), cases.reply, owner, ack)  # replying to a new case takes it (D-3.5)

        if story.note or rng.random() < 0.3:
            add((0.5, 24), cases.add_note, owner, self._fill(story.note or rng.choice(stories.NOTES), ctx))
        # The TSE is not cleared for government customers' cases (D-1.3).
        if story.request_type == "software-download" and not customer.org.government and rng.random() < 0.5:
            add((1, 24), cases.add_note, self.staff["tse"], rng.choice(stories.TSE_NOTES))
        if (
            priority in (Priority.P1, Priority.P2)
            and not customer.org.government
            and plan.status != CaseStatus.NEW
            and (rng.random() < 0.4 or not self.escalations)
        ):
            # The customer escalates (D-4.5): a reassignment gives the case to the escalation team.
            self.escalations += 1
            add((2, 24), cases.escalate, contact, "reassignment", rng.choice(stories.ESCALATION_REASONS))
            add((0.2, 4), cases.add_note, self.staff["escalation"], rng.choice(stories.ESCALATION_NOTES))
            owner = self.staff["escalation"]

        asks = plan.status == CaseStatus.AWAITING_CUSTOMER or (bool(story.question) and rng.random() < 0.6)
        if asks:
            add((1, 30), cases.reply, owner, self._fill(story.question or rng.choice(stories.QUESTIONS), ctx))
            add((0, 0.1), cases.set_status, owner, CaseStatus.AWAITING_CUSTOMER.value)
            if plan.status == CaseStatus.AWAITING_CUSTOMER:
                return steps
            add((2, 48), cases.reply, contact, says(story.answer or rng.choice(stories.ANSWERS)))
        elif story.answer and rng.random() < 0.3:
            add((2, 30), cases.reply, contact, says(story.answer))

        if plan.status == CaseStatus.OPEN:
            if rng.random() < 0.3:
                add((4, 48), cases.reply, contact, says(rng.choice(stories.NUDGES)))
            return steps

        resolution = self._fill(story.resolution, ctx)
        add((2, 72), cases.propose_resolution, owner, resolution)
        if plan.status == CaseStatus.RESOLUTION_PROPOSED:
            return steps

        silence = settings.CASE_AUTO_CLOSE_DAYS * 24
        old_enough = self.real_now - plan.opened_at > timedelta(hours=silence + 96)
        ending = rng.random()
        if ending < 0.1:
            add((3, 48), cases.reject_resolution, contact, says(rng.choice(stories.REJECTIONS)))
            add((4, 48), cases.propose_resolution, owner, rng.choice(stories.SECOND_RESOLUTIONS))
            add((1, 48), cases.accept_resolution, contact)
        elif ending < 0.3 and old_enough:
            # Nobody answers: the background sweep closes the case after the silence (D-3.5).
            steps.append(_Step(timedelta(hours=rng.uniform(silence + 0.1, silence + 6)), _sweep, None, (), fixed=True))
        else:
            add((1, 72), cases.accept_resolution, contact)
        return steps


@dataclass
class _Step:
    gap: timedelta
    fn: Callable[..., Any]
    actor: User | None
    args: tuple[Any, ...]
    fixed: bool = False  # the gap is a rule (the silence period), not to be squeezed

    def run(self, case_id: str) -> None:
        if self.actor is None:
            self.fn()
        else:
            self.fn(self.actor, case_id, *self.args)


def _sweep() -> None:
    cases.close_silent_cases()


_PHONES = {
    p.email: p.phone for spec in (*CUSTOMERS, GOVERNMENT, CONSULTANCY, *(s for s, _ in PARTNERS)) for p in spec.people
}


def _phone_of(user: User, customer: _Customer) -> str:
    return _PHONES.get(user.email) or _PHONES[customer.spec.people[0].email]


def _attachment(story: Story, ctx: dict[str, Any]) -> SimpleUploadedFile:
    """A small file of the kind a customer sends with such a request."""
    if story.request_type == "mis-shipment":
        lines = ["line,item,ordered,received", f"1,{ctx['platform']},2,2", f"3,{ctx['platform']},2,0"]
        return SimpleUploadedFile("packing-list.csv", "\n".join(lines).encode(), "text/csv")
    if story.request_type in ("product-registration", "installed-base-update", "grey-market", "ownership-transfer"):
        rows = ["serial,platform,site", *(f"{s},{ctx['platform']},{ctx['site_id']}" for s in ctx["serial_list"])]
        return SimpleUploadedFile("serials.csv", "\n".join(rows).encode(), "text/csv")
    text = (
        f"Reported by {ctx['person']} ({ctx['org']})\n"
        f"Site: {ctx['site']}\nProduct: {ctx['product']} {ctx['platform']}, serial {ctx['serial']}\n"
        "Message shown: 'The request could not be completed. Please try again later.'\n"
    )
    return SimpleUploadedFile("error-details.txt", text.encode(), "text/plain")
