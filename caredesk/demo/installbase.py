"""The demo's installed base (D-2.x): products with end-of-life dates, a few thousand
units across the customers' sites, contracts of several service levels (some ended),
software contracts with SSRNs, grey-market units, depots and unactivated
e-certificates. Built through the service functions, like the rest of the demo."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from caredesk.accounts.models import Organisation, Site, User
from caredesk.core.clock import driven_by
from caredesk.entitlements import services as entitlements
from caredesk.entitlements.models import SalesRegion, ServiceLevel
from caredesk.installbase import services as installbase
from caredesk.installbase.models import Asset, Product, PurchaseChannel


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    series: str
    platform: str
    serial_prefix: str
    price: str
    eol: tuple[int, int, int] | None = None  # years from today of announcement, end of sale, end of support


PRODUCTS = (
    ProductSpec("KR7410-AC", "KR-7400 core router, 10 slots", "KR-7400 Series", "KR7410", "KR74", "184000"),
    ProductSpec("KR7404-AC", "KR-7400 core router, 4 slots", "KR-7400 Series", "KR7404", "KR74", "96500", (-2, -1, 0)),
    ProductSpec("KS220-48P", "KS-220 access switch, 48 PoE", "KS-220 Series", "KS220-48P", "KS22", "7800"),
    ProductSpec("KS220-24T", "KS-220 switch, 24 ports", "KS-220 Series", "KS220-24T", "KS22", "4200", (-3, -2, 2)),
    ProductSpec("KF90-L", "KF-90 firewall, large", "KF-90 Series", "KF90-L", "KF90", "38900"),
    ProductSpec("KW12", "KW-12 wireless controller", "KW-12 Series", "KW12", "KW12", "15600"),
    ProductSpec("KO3-C8", "KO-3 optical transport shelf", "KO-3 Series", "KO3-C8", "KO3X", "121000"),
)  # fmt: skip

DEPOTS = (
    ("Frankfurt depot", ["DE", "AT", "CH", "NL", "BE", "LU", "FR", "DK"], ["same_day_4h", "next_business_day"]),
    ("London depot", ["GB", "IE"], ["same_day_4h", "next_business_day"]),
    ("Dallas depot", ["US", "CA"], ["same_day_4h", "next_business_day"]),
    ("São Paulo depot", ["BR"], ["next_business_day"]),
    ("Tokyo depot", ["JP"], ["same_day_4h", "next_business_day"]),
    ("Sydney depot", ["AU", "NZ"], ["next_business_day"]),
)

LEVELS = ("premium-4h", "advanced-nbd", "advanced-nbd", "standard-rtf", "par-nbd")


@dataclass
class DemoUnits:
    """What the case stories pick from: each customer's units."""

    by_owner: dict[int, list[Asset]]


def _day(today: date, years: float) -> date:
    return today + timedelta(days=round(365.25 * years))


def build(
    rng: random.Random,
    today: date,
    admin: User,
    customers: list[tuple[Organisation, list[Site], Organisation | None, int, int]],
) -> DemoUnits:
    """``customers``: (organisation, sites, a partner selling to it or None, serial base,
    how many units)."""
    for name, countries, speeds in DEPOTS:
        entitlements.create_depot(
            admin, entitlements.DepotData(name, [entitlements.Area(c) for c in countries], speeds)
        )
    products: list[Product] = []
    for spec in PRODUCTS:
        eol = spec.eol
        products.append(
            installbase.create_product(
                installbase.NewProduct(
                    sku=spec.sku, name=spec.name, series=spec.series, platform=spec.platform,
                    list_price=Decimal(spec.price),
                    eol_announced_on=_day(today, eol[0]) if eol else None,
                    end_of_sale_on=_day(today, eol[1]) if eol else None,
                    end_of_support_on=_day(today, eol[2] + 0.4) if eol else None,
                ),
                actor=admin,
            )
        )  # fmt: skip
    levels = {code: ServiceLevel.objects.get(code=code) for code in (*LEVELS, "software-only")}
    by_owner: dict[int, list[Asset]] = {}
    contract_no = 21000000
    for index, (org, sites, partner, serial_base, count) in enumerate(customers):
        org.account_number = f"C{100200 + index:06d}"
        org.save(update_fields=["account_number"])
        units: list[Asset] = []
        for n in range(count):
            spec_index = rng.choices(range(len(PRODUCTS)), weights=[3, 2, 8, 6, 3, 2, 1])[0]
            spec = PRODUCTS[spec_index]
            roll = rng.random()
            channel = (
                PurchaseChannel.UNAUTHORISED if roll < 0.02
                else PurchaseChannel.PARTNER if partner is not None and roll < 0.6
                else PurchaseChannel.DIRECT
            )  # fmt: skip
            shipped = today - timedelta(days=rng.randint(20, 6 * 365))
            units.append(
                installbase.register_asset(
                    installbase.NewAsset(
                        serial=f"{spec.serial_prefix}{serial_base + n:07d}", product=products[spec_index], owner=org,
                        site=rng.choice(sites) if sites else None, ship_date=shipped,
                        sales_order=f"SO-{4100000 + index * 10000 + n // 4}", order_line=n % 4 + 1,
                        channel=channel, partner=partner if channel == PurchaseChannel.PARTNER else None,
                    ),
                    actor=admin,
                )
            )  # fmt: skip
        by_owner[org.pk] = units
        # Contracts over most of the units: current ones, and some that ended last year.
        pool = [u for u in units if u.standing == "good" and rng.random() < 0.8]  # grey units: no contract
        rng.shuffle(pool)
        while pool:
            size = rng.randint(5, 40)
            chunk, pool = pool[:size], pool[size:]
            level = levels[rng.choice(LEVELS)] if partner is not None else levels[rng.choice(LEVELS[:4])]
            ended = rng.random() < 0.2
            start = _day(today, -2.0 if ended else -rng.uniform(0.1, 0.9))
            contract_no += 1
            entitlements.create_contract(
                entitlements.NewContract(
                    contract_id=f"CT-{contract_no}", organisation=org, service_level=level, starts_on=start,
                    ends_on=_day(start, 1) - timedelta(days=1), assets=chunk,
                    sold_by=partner if level.par else None,
                ),
                actor=admin,
            )  # fmt: skip
        # Software support by SSRN for a handful of units.
        software = [u for u in units if u.standing == "good" and rng.random() < 0.05][:20]
        if software:
            contract_no += 1
            entitlements.create_contract(
                entitlements.NewContract(
                    contract_id=f"CT-{contract_no}", organisation=org, service_level=levels["software-only"],
                    starts_on=_day(today, -0.3), ends_on=_day(today, 0.7), assets=software,
                    ssrn=f"SSRN-{org.pk:03d}{contract_no % 100000:05d}",
                ),
                actor=admin,
            )  # fmt: skip
        # Two support certificates waiting to be activated, bought in the customer's region
        # and received in the last weeks: issued today, whatever moment the history is at.
        # (Not for a government customer: the demo's administrator is not cleared for them.)
        region = next((r for r in SalesRegion.objects.all() if org.country in r.countries), None)
        issued_at = datetime.combine(today, time(12), tzinfo=UTC)
        if region is not None and not org.government:
            with driven_by(lambda at=issued_at: at):  # type: ignore[misc]
                for k in range(2):
                    entitlements.issue_ecertificate(
                        admin,
                        entitlements.NewECertificate(
                            code=f"EC-{org.pk:03d}-{k + 1:02d}", organisation_id=org.pk,
                            service_level="advanced-nbd" if k else "premium-4h", sales_region=region.code,
                            received_on=today - timedelta(days=rng.randint(3, 60)),
                        ),
                    )  # fmt: skip
    return DemoUnits(by_owner)
