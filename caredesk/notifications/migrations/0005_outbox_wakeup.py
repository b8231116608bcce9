"""On PostgreSQL, a row written to the outbox wakes the delivery at commit.

A statement-level trigger on the two outbox tables sends ``NOTIFY caredesk_outbox``, which
PostgreSQL delivers when (and only if) the writing transaction commits. The worker's outbox
listener (``caredesk/notifications/dispatcher.py``) waits for it, so a request that writes a
notice no longer queues a delivery job of its own: three statements fewer per change.
SQLite has no such thing; there the job is queued as before.
"""

from django.db import migrations

TABLES = ("notifications_message", "notifications_webhookdelivery")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION caredesk_outbox_wakeup() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('caredesk_outbox', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_wakeup AFTER INSERT ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION caredesk_outbox_wakeup()"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_wakeup ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS caredesk_outbox_wakeup()")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_messages_by_recipient")]
    operations = [migrations.RunPython(forwards, backwards)]
