"""The admin site for the installed base and entitlement: every page opens, the catalogue
checks hold (a PAR level never 24x7), and changes are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.core.models import AuditEntry
from tests.personas import PASSWORD, InstalledBase, World


@pytest.fixture
def admin_client(world: World) -> Client:
    root = accounts.create_user(
        "root@vendor.example", "Rita Root", world.vendor, PASSWORD, roles=["admin"], site_admin=True
    )
    client = Client()
    client.force_login(root)
    return client


@pytest.mark.parametrize(
    "model",
    ["installbase/product", "installbase/asset", "installbase/orderimport", "entitlements/servicelevel",
     "entitlements/contract", "entitlements/salesregion", "entitlements/depot", "entitlements/ecertificate"],
)  # fmt: skip
def test_every_page_opens(admin_client: Client, ib: InstalledBase, model: str) -> None:
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code in (200, 403)


def test_a_par_level_with_24x7_is_refused_in_the_admin(admin_client: Client, ib: InstalledBase) -> None:
    form = {"code": "par-nbd", "name": ib.par.name, "hw_replacement": "next_business_day", "includes_24x7": "on",
            "software_support": "on", "par": "on"}  # fmt: skip
    response = admin_client.post(f"/admin/entitlements/servicelevel/{ib.par.pk}/change/", form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    ib.par.refresh_from_db()
    assert not ib.par.includes_24x7


def test_a_corrected_product_is_audited(admin_client: Client, ib: InstalledBase) -> None:
    p = ib.router
    form = {"sku": p.sku, "name": p.name, "series": p.series, "platform": "KR-480X", "list_price": "12500.00",
            "currency": "USD", "hw_warranty_months": "12", "sw_warranty_days": "90"}  # fmt: skip
    assert admin_client.post(f"/admin/installbase/product/{p.pk}/change/", form).status_code == 302
    entry = AuditEntry.objects.filter(object_type="installbase.product", action="changed_in_admin").get()
    assert entry.changes["platform"] == ["KR-480", "KR-480X"]
