"""Fill ``Case.rma_numbers`` for the requests made before the case lists showed them."""

from django.db import migrations


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Case = apps.get_model("cases", "Case")
    RmaRequest = apps.get_model("rma", "RmaRequest")
    numbers: dict[int, list[str]] = {}
    rows = RmaRequest.objects.order_by("created_at", "id").values_list("case_id", "rma_number", "validation_number")
    for case_id, rma_number, validation_number in rows.iterator():
        numbers.setdefault(case_id, []).append(rma_number or validation_number)
    for case_id, listed in numbers.items():
        Case.objects.filter(pk=case_id).update(rma_numbers=listed)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_case_rma_numbers"),
        ("rma", "0005_line_tracking_number"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
