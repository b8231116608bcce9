"""Identifiers from one allocator that is safe under concurrency.

A named counter row is bumped by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
statement. On PostgreSQL the statement takes the row lock and holds it until the
surrounding transaction ends, so two concurrent allocations of the same name queue
on that row and never see the same value; on SQLite the database has a single
writer and IMMEDIATE transactions serialise them. A transaction that rolls back
returns its number (no gaps from failed writes on PostgreSQL, none on SQLite).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import connection

from caredesk.core.clock import local_date
from caredesk.core.models import Sequence

_TABLE = Sequence._meta.db_table

CASE_ID_RE = re.compile(r"^\s*(\d{4})-?(\d{2})(\d{2})-?(\d{5,})\s*$")


def next_value(name: str) -> int:
    """The next value of the counter ``name`` (1 for a new counter)."""
    sql = (
        f"INSERT INTO {_TABLE} (name, value) VALUES (%s, 1) "  # noqa: S608 - table name is ours
        f"ON CONFLICT (name) DO UPDATE SET value = {_TABLE}.value + 1 RETURNING value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [name])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def allocate_case_id(opened_at: datetime) -> str:
    """``YYYY-MMDD-NNNNN`` (D-3.1): the opening date in the support centre's zone and a per-day
    sequence, zero-padded to five digits and wider only past 99,999 cases in a day."""
    day = local_date(opened_at)
    number = next_value(f"case:{day.isoformat()}")
    return f"{day:%Y}-{day:%m%d}-{number:05d}"


def normalise_case_id(text: str) -> str | None:
    """The canonical case id for ``text`` typed with or without dashes and spaces, else None."""
    match = CASE_ID_RE.match(text)
    if not match:
        return None
    year, month, day, number = match.groups()
    return f"{year}-{month}{day}-{number}"
