"""On PostgreSQL, keyword search reads a stored ``search_vector`` column (generated from
summary and description) with a GIN index, instead of an index on the expression.

With only the expression indexed, a search that walks the cases in "last modified" order
(the planner's choice for common words) computes ``to_tsvector`` again for every row it
passes: tens of microseconds each, hundreds of milliseconds for a word in one case of a
few hundred. The stored vector is read, not computed. The column is unknown to the
models on purpose: the database fills it, and ``cases.queries._keyword`` names it.
SQLite searches with LIKE and gets nothing here.
"""

from django.db import migrations

FORWARDS = [
    "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', summary || ' ' || description)) STORED",
    "CREATE INDEX IF NOT EXISTS case_search_vector_idx ON cases_case USING gin (search_vector)",
    "DROP INDEX IF EXISTS case_keyword_idx",
]
BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS case_keyword_idx ON cases_case "
    "USING gin (to_tsvector('simple', summary || ' ' || description))",
    "DROP INDEX IF EXISTS case_search_vector_idx",
    "ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_validated_json_fields")]
    operations = [migrations.RunPython(forwards, backwards)]
