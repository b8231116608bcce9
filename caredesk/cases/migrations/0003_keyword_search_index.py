"""On PostgreSQL, a GIN full-text index for keyword search over summary and description.

The expression must match ``cases.queries._keyword`` exactly for the planner to use it.
SQLite searches with LIKE instead and gets no index here.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS case_keyword_idx ON cases_case "
    "USING gin (to_tsvector('simple', summary || ' ' || description))"
)
DROP = "DROP INDEX IF EXISTS case_keyword_idx"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_request_type_catalogue")]
    operations = [migrations.RunPython(forwards, backwards)]
