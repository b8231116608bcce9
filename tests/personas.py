"""The named people every access test reuses (D-1.3), built through the service layer.

- alice: customer user at Acme, opens cases
- bob: alice's colleague at Acme
- carol: consultant at Consultix, associated with Acme
- paul: partner user at Netsellers, which sells to Acme
- charlie: customer user at Globex, unrelated to Acme: sees nothing of Acme's
- gina: customer user at the government customer Federal Agency
- agent: care agent (vendor staff, not cleared)
- cleared: care agent with the gov_cleared mark
- manager: care manager, not cleared
"""

from __future__ import annotations

from dataclasses import dataclass

from caredesk.accounts import services as accounts
from caredesk.accounts.models import Organisation, Site, User
from caredesk.cases import services as cases
from caredesk.cases.models import Case

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    vendor: Organisation
    acme: Organisation
    globex: Organisation
    consultix: Organisation
    netsellers: Organisation
    agency: Organisation
    acme_hq: Site
    agency_site: Site
    alice: User
    bob: User
    carol: User
    paul: User
    charlie: User
    gina: User
    agent: User
    cleared: User
    manager: User

    def person(self, name: str) -> User:
        user = getattr(self, name)
        assert isinstance(user, User)
        return user


def build_world() -> World:
    vendor = accounts.create_organisation("Vendor Networks", "vendor", country="US")
    acme = accounts.create_organisation("Acme Telecom", "customer", country="DE")
    globex = accounts.create_organisation("Globex Corp", "customer", country="US")
    consultix = accounts.create_organisation("Consultix", "customer", country="GB")
    netsellers = accounts.create_organisation("Netsellers", "partner", country="DE")
    agency = accounts.create_organisation("Federal Agency", "customer", government=True, country="US")
    accounts.link_partner(netsellers, acme)
    acme_hq = accounts.add_site(acme, "S-ACME-1", "Acme Frankfurt DC", "DE", city="Frankfurt")
    agency_site = accounts.add_site(agency, "S-GOV-1", "Agency HQ", "US", city="Washington")
    return World(
        vendor=vendor,
        acme=acme,
        globex=globex,
        consultix=consultix,
        netsellers=netsellers,
        agency=agency,
        acme_hq=acme_hq,
        agency_site=agency_site,
        alice=accounts.create_user("alice@acme.example", "Alice Archer", acme, PASSWORD),
        bob=accounts.create_user("bob@acme.example", "Bob Baker", acme, PASSWORD),
        carol=accounts.create_user("carol@consultix.example", "Carol Clark", consultix, PASSWORD, associations=[acme]),
        paul=accounts.create_user("paul@netsellers.example", "Paul Price", netsellers, PASSWORD),
        charlie=accounts.create_user("charlie@globex.example", "Charlie Chen", globex, PASSWORD),
        gina=accounts.create_user("gina@agency.example", "Gina Grant", agency, PASSWORD),
        agent=accounts.create_user("agent@vendor.example", "Ann Agent", vendor, PASSWORD, roles=["care_agent"]),
        cleared=accounts.create_user(
            "cleared@vendor.example", "Cleo Cleared", vendor, PASSWORD, roles=["care_agent"], gov_cleared=True
        ),
        manager=accounts.create_user("manager@vendor.example", "Max Manager", vendor, PASSWORD, roles=["care_manager"]),
    )


def admin_case(user: User, **overrides: object) -> Case:
    data = {
        "kind": "admin",
        "request_type": "login-assistance",
        "request_subtype": "password-reset",
        "priority": "P3",
        "follow_up_method": "email",
        "callback_phone": "+49 69 1234 5678",
        "summary": "Cannot log in to the portal",
        "description": "Since this morning the portal says my password is wrong.",
    }
    data.update(overrides)
    return cases.open_case(user, cases.NewCase(**data))  # type: ignore[arg-type]
