"""Identifiers from one allocator that is safe under concurrency.

A named counter row is bumped by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
statement. On PostgreSQL the statement takes the row lock and holds it until the
surrounding transaction ends, so two concurrent allocations of the same name queue
on that row and never see the same value; on SQLite the database has a single
writer and IMMEDIATE transactions serialise them. A transaction that rolls back
returns its number (no gaps from failed writes on PostgreSQL, none on SQLite).

Case ids (D-3.1), the validation numbers of pending RMA requests and RMA numbers (D-5.1)
all come from here.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import connection

from caredesk.core.clock import local_date
from caredesk.core.models import Sequence

_TABLE = Sequence._meta.db_table

CASE_ID_RE = re.compile(r"^\s*(\d{4})-?(\d{2})(\d{2})-?(\d{5,})\s*$")


def next_value(name: str, *, start: int = 1) -> int:
    """The next value of the counter ``name``: ``start`` for a new counter, and never less
    than ``start`` afterwards (an operator who raises a starting value moves the counter
    on to it; lowering it never moves a counter back)."""
    sql = (
        f"INSERT INTO {_TABLE} (name, value) VALUES (%s, %s) "  # noqa: S608 - table name is ours
        f"ON CONFLICT (name) DO UPDATE SET value = CASE WHEN {_TABLE}.value + 1 < %s THEN %s "
        f"ELSE {_TABLE}.value + 1 END RETURNING value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, start, start, start])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def allocate_case_id(opened_at: datetime) -> str:
    """``YYYY-MMDD-NNNNN`` (D-3.1): the opening date in the support centre's zone and a per-day
    sequence, zero-padded to five digits and wider only past 99,999 cases in a day."""
    day = local_date(opened_at)
    number = next_value(f"case:{day.isoformat()}")
    return f"{day:%Y}-{day:%m%d}-{number:05d}"


def allocate_validation_number(requested_at: datetime) -> str:
    """``VYYYYMMDD-NNNN`` (D-5.1): the number of a pending RMA request, by the date it was
    requested in the support centre's zone and a per-day sequence (wider past 9,999)."""
    day = local_date(requested_at)
    number = next_value(f"rma-validation:{day.isoformat()}")
    return f"V{day:%Y%m%d}-{number:04d}"


def allocate_rma_number(start: int) -> str:
    """``R`` and the next number of the one increasing RMA sequence (D-5.1), which begins
    at ``start`` (the operator's setting)."""
    return f"R{next_value('rma-number', start=start)}"


VALIDATION_NUMBER_RE = re.compile(r"^\s*[Vv]-?(\d{8})-?(\d{4,})\s*$")
RMA_NUMBER_RE = re.compile(r"^\s*[Rr]-?(\d+)(?:-(\d+))?\s*$")


def normalise_validation_number(text: str) -> str | None:
    """The stored form of a validation number typed with or without its dash, else None."""
    match = VALIDATION_NUMBER_RE.match(text or "")
    return f"V{match.group(1)}-{match.group(2)}" if match else None


def normalise_rma_number(text: str) -> tuple[str, int | None] | None:
    """``(RMA number, line or None)`` for ``R1000001`` or a line ``R1000001-2``, else None."""
    match = RMA_NUMBER_RE.match(text or "")
    if not match or len(match.group(1)) > 18:
        return None
    line = int(match.group(2)) if match.group(2) and len(match.group(2)) <= 6 else None
    if match.group(2) and line is None:
        return None
    return f"R{int(match.group(1))}", line


def normalise_case_id(text: str) -> str | None:
    """The canonical case id for ``text`` typed with or without dashes and spaces, else None."""
    match = CASE_ID_RE.match(text)
    if not match:
        return None
    year, month, day, number = match.groups()
    return f"{year}-{month}{day}-{number}"
