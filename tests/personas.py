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
from datetime import date

from caredesk.accounts import services as accounts
from caredesk.accounts.models import Organisation, Site, User
from caredesk.cases import services as cases
from caredesk.cases.models import Case
from caredesk.entitlements.models import Contract, ServiceLevel
from caredesk.installbase.models import Asset, Product

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


# --- the installed base of the personas (D-2.x) ---------------------------------------------

TODAY = date(2026, 6, 15)  # tests of the installed base travel to this day (a Monday)


@dataclass
class InstalledBase:
    router: Product  # hardware, 12 months' hardware and 90 days' software warranty
    old_switch: Product  # EOL announced, end of support in 90 days
    premium: ServiceLevel  # 24x7, 4-hour replacement
    par: ServiceLevel  # partner-delivered, never 24x7
    covered: Asset  # Acme's, under an active premium contract
    par_covered: Asset  # Acme's, under an active PAR contract
    in_warranty: Asset  # Acme's, shipped four months ago, no contract
    lapsed: Asset  # Acme's, contract and warranty both over; bought through Netsellers
    grey: Asset  # Acme's, bought on the grey market, under an active contract
    eol: Asset  # Acme's, an old switch
    globex_unit: Asset  # Globex's, under contract
    agency_unit: Asset  # the government customer's, under contract
    contract: Contract  # Acme's premium contract (covers `covered` and `grey`)
    expired: Contract  # Acme's ended contract of `lapsed`
    software: Contract  # Acme's software-only contract with an SSRN, covering `covered`


def build_installbase(world: World) -> InstalledBase:
    from caredesk.entitlements import services as entitlements
    from caredesk.installbase import services as installbase

    def product(sku: str, platform: str, **extra: object) -> Product:
        return installbase.create_product(
            installbase.NewProduct(sku=sku, name=platform, series=platform.split("-")[0] + " Series",
                                   platform=platform, list_price="12500.00", **extra)  # type: ignore[arg-type]
        )  # fmt: skip

    router = product("KR-480-AC", "KR-480")
    old_switch = product(
        "KS-2200-48", "KS-2200",
        eol_announced_on=date(2025, 1, 31), end_of_sale_on=date(2025, 12, 31), end_of_support_on=date(2026, 9, 13),
    )  # fmt: skip

    def unit(serial: str, owner: Organisation, shipped: date, **extra: object) -> Asset:
        return installbase.register_asset(
            installbase.NewAsset(serial=serial, product=extra.pop("product", router), owner=owner,  # type: ignore[arg-type]
                                 ship_date=shipped, **extra)  # type: ignore[arg-type]
        )  # fmt: skip

    covered = unit("KR1000001", world.acme, date(2023, 3, 1), site=world.acme_hq)
    par_covered = unit("KR1000002", world.acme, date(2023, 3, 1), site=world.acme_hq)
    in_warranty = unit("KR1000003", world.acme, date(2026, 2, 15), site=world.acme_hq)
    lapsed = unit("kr1000004", world.acme, date(2022, 5, 10), channel="partner", partner=world.netsellers)
    grey = unit("KR1000005", world.acme, date(2023, 3, 1))
    eol = unit("KS2200001", world.acme, date(2021, 1, 5), product=old_switch)
    globex_unit = unit("KR2000001", world.globex, date(2024, 1, 1))
    agency_unit = unit("KR3000001", world.agency, date(2024, 1, 1), site=world.agency_site)

    premium = ServiceLevel.objects.get(code="premium-4h")
    par = ServiceLevel.objects.get(code="par-nbd")
    software_level = ServiceLevel.objects.get(code="software-only")

    def contract(
        cid: str, org: Organisation, level: ServiceLevel, start: date, end: date, assets: list[Asset], **extra: object
    ) -> Contract:
        return entitlements.create_contract(
            entitlements.NewContract(contract_id=cid, organisation=org, service_level=level, starts_on=start,
                                     ends_on=end, assets=assets, **extra)  # type: ignore[arg-type]
        )  # fmt: skip

    active = contract("C-ACME-100", world.acme, premium, date(2026, 1, 1), date(2026, 12, 31), [covered, grey])
    # Found out afterwards to have come from the grey market: the contract no longer counts (D-2.9).
    Asset.objects.filter(pk=grey.pk).update(channel="unauthorised", standing="needs_reinstatement")
    grey.refresh_from_db()
    contract("C-ACME-101", world.acme, par, date(2026, 1, 1), date(2026, 12, 31), [par_covered])
    expired = contract("C-ACME-050", world.acme, premium, date(2023, 5, 1), date(2025, 4, 30), [lapsed])
    software = contract(
        "C-ACME-200", world.acme, software_level, date(2026, 1, 1), date(2026, 12, 31), [covered], ssrn="SSRN-7001"
    )
    contract("C-GLOBEX-1", world.globex, premium, date(2026, 1, 1), date(2026, 12, 31), [globex_unit])
    contract("C-GOV-1", world.agency, premium, date(2026, 1, 1), date(2026, 12, 31), [agency_unit])
    return InstalledBase(
        router=router, old_switch=old_switch, premium=premium, par=par, covered=covered, par_covered=par_covered,
        in_warranty=in_warranty, lapsed=lapsed, grey=grey, eol=eol, globex_unit=globex_unit,
        agency_unit=agency_unit, contract=active, expired=expired, software=software,
    )  # fmt: skip
