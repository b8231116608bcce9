"""The starting return regions (D-5.4): Latin America, US & Canada, EMEA EU, EMEA non-EU and
Asia Pacific, each with a return address and instructions.

The countries come from the sales regions of ``entitlements`` (D-2.7), which are three:
the Americas are split into the United States and Canada (with Puerto Rico and the US
Virgin Islands) and the rest, and EMEA into the EU member states and the rest. From then on
both are data that administrators edit apart: a return region is where units are sent,
a sales region where certificates are valid. The addresses are the demo vendor's; an
operator replaces them in the admin site.
"""

from django.db import migrations

from caredesk.core.geography import EU_MEMBER_STATES

US_AND_CANADA = {"US", "CA", "PR", "VI"}

INSTRUCTIONS = {
    "en": "Pack the unit in its original box or equivalent padding, without accessories. Stick the return label "
    "on the outside of the box, where the barcode can be scanned, and hand it to any carrier within 10 business days.",
    "de": "Verpacken Sie das Gerät im Originalkarton oder ebenso gut gepolstert, ohne Zubehör. Kleben Sie das "
    "Rücksendeetikett außen auf den Karton, wo der Barcode gescannt werden kann, und geben Sie ihn innerhalb von "
    "10 Werktagen bei einem Versanddienst ab.",
    "fr": "Emballez l'appareil dans son carton d'origine ou un emballage aussi bien rembourré, sans accessoires. "
    "Collez l'étiquette de retour à l'extérieur du carton, à un endroit où le code-barres peut être scanné, et "
    "remettez-le à un transporteur dans les 10 jours ouvrés.",
    "es": "Embale la unidad en su caja original o con un acolchado equivalente, sin accesorios. Pegue la etiqueta "
    "de devolución en el exterior de la caja, donde se pueda escanear el código de barras, y entréguela a un "
    "transportista en un plazo de 10 días hábiles.",
    "ja": "装置は付属品を外し、元の箱または同等の緩衝材で梱包してください。返送ラベルはバーコードを読み取れるよう箱の外側に貼り、"
    "10営業日以内に運送業者へお渡しください。",
}

REGIONS = [
    # code, name, return address
    ("latam", "Latin America", "Returns depot Latin America\nAv. das Nações Unidas 12901\n04578-000 São Paulo SP\nBrazil"),
    ("us-ca", "US & Canada", "Returns depot North America\n2100 Logistics Parkway\nMemphis, TN 38118\nUnited States"),
    ("emea-eu", "EMEA EU", "Returns depot EMEA\nCargo City Süd, Gebäude 570\n60549 Frankfurt am Main\nGermany"),
    ("emea-non-eu", "EMEA non-EU", "Returns depot EMEA (non-EU)\nUnit 4, Heathrow Logistics Park\nHounslow TW4 6ER\n"
     "United Kingdom"),
    ("apac", "Asia Pacific", "Returns depot Asia Pacific\n21 Changi North Crescent\nSingapore 499617\nSingapore"),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    SalesRegion = apps.get_model("entitlements", "SalesRegion")
    ReturnRegion = apps.get_model("rma", "ReturnRegion")
    sales = {r.code: {c.upper() for c in r.countries} for r in SalesRegion.objects.all()}
    americas, emea, apac = sales.get("amer", set()), sales.get("emea", set()), sales.get("apac", set())
    countries = {
        "latam": americas - US_AND_CANADA,
        "us-ca": US_AND_CANADA,
        "emea-eu": emea & EU_MEMBER_STATES,
        "emea-non-eu": emea - EU_MEMBER_STATES,
        "apac": apac,
    }
    translations = {code: text for code, text in INSTRUCTIONS.items() if code != "en"}
    for code, name, address in REGIONS:
        ReturnRegion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "countries": sorted(countries[code]),
                "address": address,
                "instructions": INSTRUCTIONS["en"],
                "instructions_translations": translations,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("rma", "0002_line_logistics_regions_parcels_charges"),
        ("entitlements", "0002_catalogue"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
