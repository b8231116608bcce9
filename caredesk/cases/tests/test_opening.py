"""D-3.4 and D-3.3: opening a case with every field, request types and their templates."""

from __future__ import annotations

import pytest

from caredesk.cases.models import Case, RequestType
from caredesk.cases.services import validate_template_data
from caredesk.core.errors import ValidationFailed
from caredesk.core.models import AuditEntry
from tests.personas import World, admin_case

D33_TYPES = {
    "Account Registration",
    "Login Assistance",
    "Product Registration",
    "Installed Base Update",
    "Entitlement to Download Software",
    "License Key Management",
    "Warranties & Contracts",
    "Mis-shipment",
    "Grey Market / Reinstatement",
    "Ownership Transfer",
    "RMA Assistance",
    "General Inquiry",
}


def test_the_catalogue_holds_every_request_type_of_d33_with_subtypes(db: None) -> None:
    types = RequestType.objects.prefetch_related("subtypes")
    assert {t.name for t in types} >= D33_TYPES
    assert all(t.subtypes.exists() for t in types)


def test_a_case_keeps_every_field_of_d34(world: World) -> None:
    case = admin_case(
        world.alice,
        priority="P2",
        follow_up_method="phone",
        callback_phone="+1 (408) 745-2000",
        serial_number=" ab1234 ",
        customer_tracking_number="ACME-INC-7781",
        site_code="S-ACME-1",
    )
    case.refresh_from_db()
    assert case.kind == "admin"
    assert case.request_type.code == "login-assistance"  # type: ignore[union-attr]
    assert case.request_subtype.code == "password-reset"  # type: ignore[union-attr]
    assert case.priority == "P2"
    assert case.follow_up_method == "phone"
    assert case.callback_phone == "+14087452000"  # E.164
    assert case.serial_number == "AB1234"
    assert case.customer_tracking_number == "ACME-INC-7781"
    assert (case.site_name, case.site_code, case.contact_name) == ("Acme Frankfurt DC", "S-ACME-1", "Alice Archer")


@pytest.mark.parametrize(
    "phone", ["0170 1234567", "+1 555", "+999 12345678", "call me", "+49 69 1234 5678 999 999 999"]
)
def test_invalid_callback_numbers_are_refused(world: World, phone: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        admin_case(world.alice, callback_phone=phone)
    assert "callback_phone" in err.value.fields
    assert not Case.objects.exists()


def test_all_field_errors_are_reported_at_once_and_nothing_is_written(world: World) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as err:
        admin_case(world.alice, priority="P9", follow_up_method="fax", summary="", request_subtype="nope")
    assert {"priority", "follow_up_method", "summary", "request_subtype"} <= set(err.value.fields)
    assert not Case.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_subtype_must_belong_to_the_request_type(world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        admin_case(world.alice, request_type="general-inquiry", request_subtype="password-reset")
    assert "request_subtype" in err.value.fields


def test_technical_cases_need_an_entitled_serial(world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        admin_case(world.alice, kind="technical", serial_number="NOSUCH1")
    assert "serial_number" in err.value.fields


def test_a_customer_can_open_a_case_only_for_organisations_they_act_for(world: World) -> None:
    case = admin_case(world.carol, organisation_id=world.acme.pk)
    assert case.organisation == world.acme
    with pytest.raises(ValidationFailed):
        admin_case(world.charlie, organisation_id=world.acme.pk)
    with pytest.raises(ValidationFailed):
        admin_case(world.alice, site_code="S-GOV-1")


def test_staff_open_cases_on_a_customers_behalf(world: World) -> None:
    case = admin_case(world.agent, organisation_id=world.acme.pk, contact_email="bob@acme.example")
    assert (case.contact, case.opened_by) == (world.bob, world.agent)
    with pytest.raises(ValidationFailed):
        admin_case(world.agent, organisation_id=world.acme.pk, contact_email="charlie@globex.example")


class TestTemplates:
    @pytest.fixture
    def move(self, db: None) -> RequestType:
        return RequestType.objects.get(code="installed-base-update")

    def test_template_fields_are_checked_and_normalised(self, move: RequestType) -> None:
        cleaned = validate_template_data(
            move, {"serials": "ab123, cd456\nEF789", "target_site": " S-9 ", "effective_date": "2026-12-01"}
        )
        assert cleaned == {"serials": ["AB123", "CD456", "EF789"], "target_site": "S-9", "effective_date": "2026-12-01"}

    def test_required_template_fields_are_required(self, move: RequestType) -> None:
        with pytest.raises(ValidationFailed) as err:
            validate_template_data(move, {"effective_date": "2026-12-01"})
        assert set(err.value.fields) == {"template_data.serials", "template_data.target_site"}

    def test_unknown_and_malformed_template_fields_are_refused(self, move: RequestType) -> None:
        with pytest.raises(ValidationFailed) as err:
            validate_template_data(move, {"serials": "X1", "target_site": "S", "effective_date": "soon", "colour": 1})
        assert set(err.value.fields) == {"template_data.colour"}
        with pytest.raises(ValidationFailed) as err:
            validate_template_data(move, {"serials": "X1", "target_site": "S", "effective_date": "soon"})
        assert set(err.value.fields) == {"template_data.effective_date"}

    def test_a_case_stores_its_template_data(self, world: World) -> None:
        case = admin_case(
            world.alice,
            request_type="installed-base-update",
            request_subtype="move",
            template_data={"serials": ["jn1"], "target_site": "S-ACME-1"},
        )
        assert case.template_data == {"serials": ["JN1"], "target_site": "S-ACME-1"}
