"""D-2.3: sales orders register the units they ship, idempotently by (order, line,
serial), with a reason for every refused row; nothing is half-written."""

from __future__ import annotations

import io
from datetime import date

import pytest

from caredesk.core.errors import Conflict, Forbidden, ValidationFailed
from caredesk.installbase.models import Asset, OrderImport, OrderImportRejection, SupportStanding
from caredesk.installbase.orders import import_orders, rejection_report
from tests.personas import InstalledBase, World

HEADER = "sales_order,line,serial,sku,customer_account,ship_date,site_id,channel,partner_account\n"


@pytest.fixture
def accounts(world: World, ib: InstalledBase) -> World:
    for org, number in ((world.acme, "A-100"), (world.globex, "G-200"), (world.netsellers, "P-300")):
        org.account_number = number
        org.save()
    return world


def run(text: str, **kwargs):  # type: ignore[no-untyped-def]
    return import_orders(io.BytesIO(text.encode()), source="orders.csv", **kwargs).order_import


def reasons(order_import: OrderImport) -> dict[int, str]:
    return dict(order_import.rejections.values_list("row_number", "reason"))


def test_new_lines_register_units_owned_by_the_end_customer(accounts: World) -> None:
    done = run(
        HEADER
        + "SO-1,1,kr9000001,KR-480-AC,A-100,2026-05-01,S-ACME-1,,\n"
        + "SO-1,2,KR9000002,KR-480-AC,A-100,2026-05-01,,partner,P-300\n"
        + "SO-2,1,KR9000003,KS-2200-48,G-200,,,unauthorised,\n"
    )
    assert (done.rows, done.created, done.changed, done.unchanged, done.rejected) == (3, 3, 0, 0, 0)
    first = Asset.objects.get(serial="KR9000001")  # stored upper-case (D-2.2)
    assert first.owner == accounts.acme and first.site == accounts.acme_hq
    assert (first.sales_order, first.order_line, first.ship_date) == ("SO-1", 1, date(2026, 5, 1))
    assert first.channel == "direct" and first.standing == SupportStanding.GOOD
    second = Asset.objects.get(serial="KR9000002")
    assert second.channel == "partner" and second.partner == accounts.netsellers
    grey = Asset.objects.get(serial="KR9000003")
    assert grey.owner == accounts.globex and grey.standing == SupportStanding.NEEDS_REINSTATEMENT  # D-2.9


def test_importing_the_same_file_again_changes_nothing(accounts: World) -> None:
    text = HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,S-ACME-1,,\n"
    run(text)
    before = list(Asset.objects.values())
    again = run(text)
    assert (again.created, again.changed, again.unchanged, again.rejected) == (0, 0, 1, 0)
    assert list(Asset.objects.values()) == before


def test_a_corrected_line_changes_the_unit_but_not_where_it_stands(accounts: World) -> None:
    run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,,,\n")
    fixed = run(HEADER + "SO-1,1,kr9000001,KR-480-AC,A-100,2026-05-02,S-ACME-1,,\n")
    assert (fixed.created, fixed.changed, fixed.unchanged) == (0, 1, 0)
    unit = Asset.objects.get(serial="KR9000001")
    assert unit.ship_date == date(2026, 5, 2)
    assert unit.site is None  # after registration, units move by installed-base updates (D-2.8)


def test_an_order_line_does_not_give_a_unit_to_another_customer(accounts: World, ib: InstalledBase) -> None:
    # KR1000003 was registered by hand to Acme; a line naming Globex does not take it over.
    other = run(HEADER + "SO-8,1,KR1000003,KR-480-AC,G-200,2026-02-15,,,\n")
    assert reasons(other) == {2: "The unit is registered to another customer: ownership changes go through a transfer."}
    ib.in_warranty.refresh_from_db()
    assert ib.in_warranty.owner == accounts.acme


def test_importing_again_does_not_undo_a_transfer(accounts: World, ib: InstalledBase) -> None:
    from caredesk.installbase import services

    run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,S-ACME-1,,\n")
    transfer = services.request_transfer(accounts.alice, "KR9000001", "G-200")
    services.decide_transfer(accounts.agent, transfer.pk, approve=True)
    again = run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,S-ACME-1,,\n")
    assert again.changed == 0 and again.rejected == 1
    unit = Asset.objects.get(serial="KR9000001")
    assert unit.owner == accounts.globex and unit.standing == SupportStanding.NEEDS_REINSTATEMENT


def test_a_line_corrected_to_the_grey_market_puts_the_unit_out_of_support(accounts: World) -> None:
    run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,,,\n")
    run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,,unauthorised,\n")
    assert Asset.objects.get(serial="KR9000001").standing == SupportStanding.NEEDS_REINSTATEMENT
    run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,,direct,\n")  # corrected back …
    assert (
        Asset.objects.get(serial="KR9000001").standing == SupportStanding.NEEDS_REINSTATEMENT
    )  # … reinstatement still


def test_fields_are_read_without_surrounding_spaces(accounts: World) -> None:
    done = run(HEADER + "SO-1, 1 , kr9000001 ,KR-480-AC, A-100 , 2026-05-01 ,,,\n")
    assert done.created == 1
    assert Asset.objects.get(serial="KR9000001").ship_date == date(2026, 5, 1)


def test_a_line_of_just_a_backslash_dot_does_not_end_the_file(accounts: World) -> None:
    done = run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,,,,\n\\.\nSO-1,2,KR9000002,KR-480-AC,A-100,,,,\n")
    assert done.created == 2 and done.rejected == 1
    assert Asset.objects.filter(serial__in=["KR9000001", "KR9000002"]).count() == 2


def test_a_serial_of_another_order_line_is_refused(accounts: World) -> None:
    run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,2026-05-01,,,\n")
    other = run(HEADER + "SO-9,4,KR9000001,KR-480-AC,G-200,2026-05-01,,,\n")
    assert reasons(other) == {2: "The serial number is registered on another sales order line."}
    assert Asset.objects.get(serial="KR9000001").owner == accounts.acme


def test_a_unit_registered_by_hand_is_linked_to_its_order(accounts: World, ib: InstalledBase) -> None:
    linked = run(HEADER + "SO-7,1,KR1000003,KR-480-AC,A-100,2026-02-15,S-ACME-1,,\n")
    assert linked.changed == 1
    ib.in_warranty.refresh_from_db()
    assert (ib.in_warranty.sales_order, ib.in_warranty.order_line) == ("SO-7", 1)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",1,KR9,KR-480-AC,A-100,,,,", "The sales order is missing."),
        ("SO-1,0,KR9,KR-480-AC,A-100,,,,", "The line number must be a whole number from 1."),
        ("SO-1,one,KR9,KR-480-AC,A-100,,,,", "The line number must be a whole number from 1."),
        ("SO-1,1,,KR-480-AC,A-100,,,,", "The serial number is missing."),
        (
            "SO-1,1,KR 9,KR-480-AC,A-100,,,,",
            "The serial number must be a letter or digit, then letters, digits and - _ . only (at most 64).",
        ),
        (
            "SO-1,1,-KR9,KR-480-AC,A-100,,,,",
            "The serial number must be a letter or digit, then letters, digits and - _ . only (at most 64).",
        ),
        (
            "SO-1,1,KR/9,KR-480-AC,A-100,,,,",
            "The serial number must be a letter or digit, then letters, digits and - _ . only (at most 64).",
        ),
        ("S" * 65 + ",1,KR9,KR-480-AC,A-100,,,,", "The sales order is longer than 64 characters."),
        ("SO-1,1,KR9,KR-480-AC,A-100,1899-12-31,,,", "The ship date must be a date as YYYY-MM-DD."),
        ("SO-1,1,KR9,NO-SUCH,A-100,,,,", "No product has this SKU."),
        ("SO-1,1,KR9,KR-480-AC,X-1,,,,", "No customer has this account number."),
        ("SO-1,1,KR9,KR-480-AC,A-100,2026-02-30,,,", "The ship date must be a date as YYYY-MM-DD."),
        ("SO-1,1,KR9,KR-480-AC,A-100,01/05/2026,,,", "The ship date must be a date as YYYY-MM-DD."),
        ("SO-1,1,KR9,KR-480-AC,A-100,,S-GOV-1,,", "No such site for this customer."),
        ("SO-1,1,KR9,KR-480-AC,A-100,,,resold,", "The channel must be direct, partner or unauthorised."),
        ("SO-1,1,KR9,KR-480-AC,A-100,,,,NOPE", "No partner has this account number."),
        ("SO-1,1,KR9,KR-480-AC,A-100,,,,G-200", "No partner has this account number."),  # a customer, not a partner
        (
            "SO-1,1,KR9,KR-480-AC,A-100,,,partner,",
            "A unit bought through a partner needs the partner's account number.",
        ),
        ("SO-1,1,KR9,KR-480-AC,A-100,,,", "Expected 9 fields, found 8."),
        ("SO-1,1,KR9,KR-480-AC," + "A" * 201 + ",,,,", "A field is too long or holds a NUL character."),
    ],
)
def test_each_refusal_names_its_reason_and_writes_no_unit(accounts: World, row: str, reason: str) -> None:
    before = Asset.objects.count()
    done = run(HEADER + row + "\n" + "SO-5,1,KR9000009,KR-480-AC,A-100,,,,\n")
    assert reasons(done) == {2: reason}
    assert done.created == 1 and Asset.objects.count() == before + 1


def test_a_serial_twice_in_one_file_counts_once(accounts: World) -> None:
    done = run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,,,,\nSO-1,2,kr9000001,KR-480-AC,A-100,,,,\n")
    assert done.created == 1
    assert reasons(done) == {3: "The serial number appears on an earlier line of this file."}


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(accounts: World) -> None:
    done = run("\ufeffSerial,SKU,Customer_Account,Line,Sales_Order\nKR9000001,KR-480-AC,A-100,3,SO-1\n")
    assert done.created == 1
    assert Asset.objects.get(serial="KR9000001").order_line == 3


@pytest.mark.parametrize(
    "text",
    ["", "serial,sku\nKR1,KR-480-AC\n", HEADER.replace("channel", "colour"), HEADER.replace("line", "serial"),
     "\xff\xfe garbage"],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_whole(accounts: World, text: str) -> None:
    with pytest.raises(ValidationFailed):
        import_orders(io.BytesIO(text.encode("latin-1")), source="bad.csv")
    assert not OrderImport.objects.exists()


def test_nothing_is_half_written_when_the_import_fails(accounts: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from caredesk.installbase import orders

    def broken(cursor, order_import) -> None:  # type: ignore[no-untyped-def]
        cursor.execute("INSERT INTO installbase_orderimportrejection (order_import_id) VALUES (NULL)")

    monkeypatch.setattr(orders, "_apply", broken)
    before = Asset.objects.count()
    with pytest.raises(Conflict):  # a clear "run it again", not a crash
        run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,,,,\n")
    assert Asset.objects.count() == before and not OrderImportRejection.objects.exists()
    failed = OrderImport.objects.get()  # the attempt is on record, with what went wrong
    assert failed.status == "failed" and failed.error


def test_the_report_lists_every_refused_row(accounts: World) -> None:
    done = run(HEADER + "SO-1,1,KR9,NOPE,A-100,,,,\n" + 'SO-1,2,"KR,8",KR-480-AC,A-100,,,,\n')
    lines = list(rejection_report(done))
    assert lines[0] == "row,sales_order,line,serial,reason\r\n"
    assert lines[1] == "2,SO-1,1,KR9,No product has this SKU.\r\n"
    assert lines[2].startswith('3,SO-1,2,"KR,8",')


def test_only_customer_care_staff_import(accounts: World) -> None:
    from caredesk.accounts.services import create_user

    tse = create_user("tse@vendor.example", "Tess Engineer", accounts.vendor, None, roles=["tse"])
    for outsider in (accounts.alice, accounts.paul, tse):
        with pytest.raises(Forbidden):
            run(HEADER, actor=outsider)
    assert run(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,,,,\n", actor=accounts.agent).started_by == accounts.agent


def test_progress_is_reported_in_bytes_read(accounts: World) -> None:
    seen: list[int] = []
    text = HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,,,,\n"
    import_orders(io.BytesIO(text.encode()), source="orders.csv", progress=seen.append)
    assert seen and seen[-1] == len(text.encode())


def test_the_command_imports_a_file_and_writes_the_report(accounts: World, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "SO-1,1,KR9000001,KR-480-AC,A-100,,,,\nSO-1,2,KR9000002,NOPE,A-100,,,,\n")
    call_command("import_orders", str(path))
    out = capsys.readouterr()
    assert "2 rows" in out.out and "1 created" in out.out and "1 refused" in out.out
    assert "100.0 %" in out.err  # the progress bar reached the end
    report = (tmp_path / "orders.csv.rejected.csv").read_text()
    assert "No product has this SKU." in report


def test_the_command_refuses_a_bad_file_clearly(accounts: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import CommandError, call_command

    path = tmp_path / "orders.csv"
    path.write_text("what,ever\n1,2\n")
    with pytest.raises(CommandError, match="header line"):
        call_command("import_orders", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_orders", str(tmp_path / "missing.csv"))
