"""D-5.4: return instructions and the return address come from the region of the unit's
site (data); the customer downloads a return label as a PDF with the line number as a
Code 128 barcode and the return address."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from reportlab.graphics.barcode.code128 import Code128

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.errors import Conflict
from caredesk.rma import services
from caredesk.rma.models import ReturnRegion
from caredesk.rma.queries import return_instructions, return_region_for, return_region_of
from caredesk.rma.tests.conftest import approved, line_of
from tests.personas import World


@pytest.mark.parametrize(
    ("country", "region"),
    [("US", "us-ca"), ("CA", "us-ca"), ("BR", "latam"), ("MX", "latam"), ("DE", "emea-eu"), ("FR", "emea-eu"),
     ("GB", "emea-non-eu"), ("CH", "emea-non-eu"), ("ZA", "emea-non-eu"), ("JP", "apac"), ("AU", "apac")],
)  # fmt: skip
def test_d54_the_five_regions_are_data_chosen_by_country(db: None, country: str, region: str) -> None:
    found = return_region_for(country.lower())
    assert found is not None and found.code == region
    assert ReturnRegion.objects.count() == 5


def test_d54_every_country_of_the_sales_regions_has_one_return_region(db: None) -> None:
    from caredesk.entitlements.models import SalesRegion

    sold = {c for r in SalesRegion.objects.all() for c in r.countries}
    returned = [c for r in ReturnRegion.objects.all() for c in r.countries]
    assert sorted(returned) == sorted(set(returned)) and set(returned) == sold


def test_d54_a_line_s_region_follows_its_site(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")  # at Acme's Frankfurt site
    region = return_region_of(line_of(request))
    assert region is not None and region.code == "emea-eu" and "Frankfurt" in region.address
    with translation.override("de"):
        assert return_instructions(region).startswith("Verpacken Sie")
    assert return_instructions(region).startswith("Pack the unit")


def test_d54_the_label_is_a_pdf_with_the_line_number_as_code_128(
    world: World, tse: User, specialist: User, case: Case
) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    number = line_of(request).line_number
    label = services.return_label(world.alice, number)
    assert label.pdf.startswith(b"%PDF-") and label.filename == f"return-label-{number}.pdf"
    assert services.return_label(world.alice, number).pdf == label.pdf  # the same bytes each time
    # The barcode encodes exactly the line number, which the depot's scan books (test_receiving).
    assert Code128(number).value == number
    whole = services.return_label(world.alice, request.rma_number)
    assert whole.filename == f"return-label-{number}.pdf"


def test_d54_no_label_before_approval_or_without_an_address(
    world: World, tse: User, specialist: User, case: Case
) -> None:
    pending = services.request_rma(tse, case.case_id, [services.NewLine("KR1000003", "hardware_fault", "Dead.")])
    with pytest.raises(Conflict):
        services.return_label(world.alice, pending.validation_number)
    services.cancel(world.alice, pending.validation_number)
    request = approved(tse, specialist, case, "KR1000003")
    ReturnRegion.objects.filter(code="emea-eu").update(countries=[])
    with pytest.raises(Conflict):
        services.return_label(world.alice, request.rma_number)


def test_d54_a_japanese_label_renders(world: World, tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    with translation.override("ja"):
        assert services.return_label(world.alice, line_of(request).line_number).pdf.startswith(b"%PDF-")


def test_d54_labels_are_for_lines_still_expected(tse: User, specialist: User, case: Case, world: World) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    services.receive_parcel(specialist, line_of(request).line_number)
    with pytest.raises(Conflict):
        services.return_label(world.alice, request.rma_number)
    assert services.return_label(world.alice, line_of(request).line_number).pdf  # a line's own, on request


def test_d54_the_customer_downloads_the_label_from_the_portal(
    world: World, tse: User, specialist: User, case: Case, client: Any
) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    client.force_login(world.alice)
    page = client.get(f"/rmas/{request.rma_number}/").content.decode()
    assert f"/rmas/{request.rma_number}/label/" in page
    label = client.get(f"/rmas/{request.rma_number}/label/")
    assert label.status_code == 200 and label["Content-Type"] == "application/pdf"
    assert label.content.startswith(b"%PDF-")
    client.force_login(world.charlie)  # another customer: it does not exist
    assert client.get(f"/rmas/{request.rma_number}/label/").status_code == 404
