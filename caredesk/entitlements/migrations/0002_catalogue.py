"""The starting catalogue: service levels (D-2.4) and sales regions (D-2.7).

Both are vendor data that administrators edit afterwards; this gives a new installation
something sensible. The regions' countries follow the continents of the ISO 3166 codes,
with the Middle East in EMEA.
"""

from django.db import migrations

SERVICE_LEVELS = [
    # code, name, hardware replacement, 24x7, software support, PAR
    ("premium-4h", "Premium, 4-hour replacement", "same_day_4h", True, True, False),
    ("advanced-nbd", "Advanced, next business day", "next_business_day", True, True, False),
    ("standard-rtf", "Standard, return to factory", "return_to_factory", True, True, False),
    ("par-nbd", "Partner-delivered (PAR), next business day", "next_business_day", False, True, True),
    ("software-only", "Software support (SSRN)", "none", True, True, False),
]

REGIONS = {
    "amer": (
        "Americas",
        "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY HN HT "
        "JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI",
    ),
    "emea": (
        "Europe, Middle East and Africa",
        "AD AE AL AM AO AT AX AZ BA BE BF BG BH BI BJ BV BW BY CD CF CG CH CI CM CV CY CZ DE DJ DK DZ "
        "EE EG EH ER ES ET FI FO FR GA GB GE GG GH GI GM GN GQ GR GW HR HU IE IL IM IQ IR IS IT JE JO KE "
        "KM KW LB LI LR LS LT LU LV LY MA MC MD ME MG MK ML MR MT MU MW MZ NA NE NG NL NO OM PL PS PT QA "
        "RE RO RS RU RW SA SC SD SE SH SI SJ SK SL SM SN SO SS ST SY SZ TD TF TG TN TR TZ UA UG VA YE YT "
        "ZA ZM ZW",
    ),
    "apac": (
        "Asia Pacific",
        "AF AQ AS AU BD BN BT CC CK CN CX FJ FM GU HK HM ID IN IO JP KG KH KI KP KR KZ LA LK MH MM MN MO "
        "MP MV MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TJ TK TL TM TO TV TW UM UZ VN VU WF WS",
    ),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    ServiceLevel = apps.get_model("entitlements", "ServiceLevel")
    SalesRegion = apps.get_model("entitlements", "SalesRegion")
    for code, name, replacement, full_time, software, par in SERVICE_LEVELS:
        ServiceLevel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "hw_replacement": replacement,
                "includes_24x7": full_time,
                "software_support": software,
                "par": par,
            },
        )
    for code, (name, countries) in REGIONS.items():
        SalesRegion.objects.get_or_create(code=code, defaults={"name": name, "countries": countries.split()})


class Migration(migrations.Migration):
    dependencies = [("entitlements", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
