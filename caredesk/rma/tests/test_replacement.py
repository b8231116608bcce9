"""Issue 11, point 6: when an advance replacement ships, its serial joins the installed base
as a unit of the same owner and site, the defective unit's contracts cover it, and the
defective unit is marked replaced; one transaction, recorded on both units, and a domain
event that licensing listens to (D-6.3)."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.audit import history
from caredesk.core.errors import ValidationFailed
from caredesk.entitlements.models import CoveredAsset
from caredesk.installbase.models import Asset
from caredesk.rma import events, services
from caredesk.rma.models import LineStatus
from caredesk.rma.tests.conftest import approved, line_of


def _ship(specialist: User, number: str, serial: str = "kr1900001") -> Any:
    return services.advance_line(specialist, number, "ship_replacement", carrier="DHL", tracking_number="JD1",
                                 replacement_serial=serial)  # fmt: skip


def test_the_replacement_is_a_unit_of_the_same_owner_and_site_under_the_same_contracts(
    tse: User, specialist: User, case: Case, ib: Any
) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    before = set(CoveredAsset.objects.filter(asset=ib.covered).values_list("contract__contract_id", flat=True))
    line = _ship(specialist, line_of(request).line_number)
    replacement = Asset.objects.get(serial="KR1900001")
    defective = Asset.objects.get(pk=ib.covered.pk)
    assert (replacement.owner_id, replacement.site_id, replacement.product_id) == (
        defective.owner_id, defective.site_id, defective.product_id,
    )  # fmt: skip
    assert line.replacement_id == replacement.pk
    assert defective.replaced_by_id == replacement.pk and defective.replaced_at is not None
    after = set(CoveredAsset.objects.filter(asset=replacement).values_list("contract__contract_id", flat=True))
    assert after == before == {"C-ACME-100", "C-ACME-200"}
    assert not CoveredAsset.objects.filter(asset=defective).exists()
    assert "replaced" in [e.action for e in history(defective, include_internal=True)]
    assert {"registered_as_replacement", "covered"} <= {e.action for e in history(replacement, include_internal=True)}


def test_it_tells_listeners_that_the_unit_was_replaced(tse: User, specialist: User, case: Case, ib: Any) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    told: list[events.RmaEvent] = []

    def listener(sender: Any, batch: list[events.RmaEvent], **_: Any) -> None:
        told.extend(batch)

    events.rma_events.connect(listener, sender=events.UnitReplaced)
    try:
        _ship(specialist, line_of(request).line_number)
    finally:
        events.rma_events.disconnect(listener, sender=events.UnitReplaced)
    [event] = told
    assert isinstance(event, events.UnitReplaced) and event.name == "rma.unit_replaced"
    assert event.defective is not None and event.defective.serial == "KR1000001"
    assert event.replacement is not None and event.replacement.serial == "KR1900001"
    assert event.contracts == ["C-ACME-100", "C-ACME-200"] and event.actor == specialist


def test_a_failed_shipment_changes_nothing(tse: User, specialist: User, case: Case, ib: Any) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    with pytest.raises(ValidationFailed) as refused:
        _ship(specialist, line_of(request).line_number, serial="KR1000003")  # a unit registered already
    assert "replacement_serial" in refused.value.fields
    with pytest.raises(ValidationFailed):
        services.advance_line(specialist, line_of(request).line_number, "ship_replacement", carrier="DHL",
                              tracking_number="", replacement_serial="KR1900005")  # fmt: skip
    assert not Asset.objects.filter(serial="KR1900005").exists()
    assert line_of(request).status == LineStatus.APPROVED
    assert Asset.objects.get(pk=ib.covered.pk).replaced_by_id is None
    assert CoveredAsset.objects.filter(asset=ib.covered).count() == 2
