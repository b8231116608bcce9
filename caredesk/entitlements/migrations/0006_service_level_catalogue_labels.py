"""The service levels of 0002 in German, French, Spanish and Japanese (D-7.5).

Written out here, like 0002. A level is filled only where an administrator has not
changed it since: its English name is still the catalogue's and it has no other names yet.
The tiers Premium, Advanced and Standard are offer names and stay as they are, in katakana
in Japanese.
"""

from django.db import migrations

NAMES = {
    "premium-4h": ("Premium, 4-hour replacement", {
        "de": "Premium, Austausch innerhalb von 4 Stunden", "fr": "Premium, remplacement en 4 heures",
        "es": "Premium, sustitución en 4 horas", "ja": "プレミアム、4 時間以内の交換"}),
    "advanced-nbd": ("Advanced, next business day", {
        "de": "Advanced, nächster Geschäftstag", "fr": "Advanced, jour ouvré suivant",
        "es": "Advanced, siguiente día laborable", "ja": "アドバンスト、翌営業日"}),
    "standard-rtf": ("Standard, return to factory", {
        "de": "Standard, Rücksendung ans Werk", "fr": "Standard, retour en usine",
        "es": "Standard, devolución a fábrica", "ja": "スタンダード、工場への返送"}),
    "par-nbd": ("Partner-delivered (PAR), next business day", {
        "de": "Durch Partner erbracht (PAR), nächster Geschäftstag",
        "fr": "Assuré par un partenaire (PAR), jour ouvré suivant",
        "es": "Prestado por un socio (PAR), siguiente día laborable", "ja": "パートナー提供（PAR）、翌営業日"}),
    "software-only": ("Software support (SSRN)", {
        "de": "Software-Support (SSRN)", "fr": "Support logiciel (SSRN)", "es": "Soporte de software (SSRN)",
        "ja": "ソフトウェアサポート（SSRN）"}),
}  # fmt: skip


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    ServiceLevel = apps.get_model("entitlements", "ServiceLevel")
    for level in ServiceLevel.objects.filter(code__in=NAMES):
        english, names = NAMES[level.code]
        if level.name == english and not level.names:
            level.names = names
            level.save(update_fields=["names"])


class Migration(migrations.Migration):
    dependencies = [("entitlements", "0005_service_level_names")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
