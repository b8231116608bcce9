"""Auto-registration from the point of sale (D-2.3): importing sales-order lines.

An order file is CSV with a header line. Columns (any order; the first five required):

    sales_order, line, serial, sku, customer_account, ship_date, site_id, channel, partner_account

Each row registers one unit, owned by the end customer the order names
(``customer_account`` is the organisation's account number). The import is idempotent by
(sales order, line, serial): a row seen before changes nothing, or updates the unit when
the order's details changed; a serial registered on another order line is refused.

How it runs, so that a file of any size never sits whole in memory and the database does
the work in bulk: the file is read as a stream and its rows are loaded into a temporary
staging table (PostgreSQL: ``COPY … FROM STDIN``; SQLite: batched inserts). Every rule is
then one set-based SQL statement over the staging table, the same on both databases:
first each refusal marks the rows it applies to with its reason, then the remaining rows
update the units that changed and insert the new ones. All of it is one transaction; the
refused rows are kept as the import's report.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import User
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, ValidationFailed
from caredesk.installbase.models import Asset, OrderImport, OrderImportRejection, OrderImportStatus

COLUMNS = (
    "sales_order",
    "line",
    "serial",
    "sku",
    "customer_account",
    "ship_date",
    "site_id",
    "channel",
    "partner_account",
)
REQUIRED = COLUMNS[:5]
STAGING = "order_import_staging"
log = logging.getLogger(__name__)
BATCH = 5000

Progress = Callable[[int], None]  # called with the number of bytes read so far


@dataclass
class ImportResult:
    order_import: OrderImport

    @property
    def summary(self) -> dict[str, int]:
        i = self.order_import
        return {
            "rows": i.rows,
            "created": i.created,
            "changed": i.changed,
            "unchanged": i.unchanged,
            "rejected": i.rejected,
        }


class _CountingReader(io.RawIOBase):
    """A binary stream that reports how much of it has been read."""

    def __init__(self, raw: IO[bytes], progress: Progress | None):
        self.raw = raw
        self.progress = progress
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.raw.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(self.done)
        return len(chunk)


def _rows(stream: IO[bytes], progress: Progress | None) -> tuple[list[str], Iterator[list[str]]]:
    """The header and an iterator of rows, decoded as UTF-8 (a byte-order mark is allowed)."""
    counted = io.BufferedReader(_CountingReader(stream, progress), buffer_size=1 << 20)
    text = io.TextIOWrapper(counted, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed(_("The file is empty."), fields={"file": _("No header line.")}) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValidationFailed(_("The file cannot be read as CSV."), fields={"file": str(exc)[:200]}) from None
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [n for n in REQUIRED if n not in names]
    if unknown or missing or len(set(names)) != len(names):
        detail = []
        if missing:
            detail.append(_("missing %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            detail.append(_("unknown %(columns)s") % {"columns": ", ".join(unknown)})
        if len(set(names)) != len(names):
            detail.append(_("a column appears twice"))
        raise ValidationFailed(
            _("The header line is not right: %(problems)s.") % {"problems": "; ".join(detail)},
            fields={"file": _("Columns: %(columns)s (the first five required).") % {"columns": ", ".join(COLUMNS)}},
        )
    return names, reader


def _staged(names: list[str], reader: Iterator[list[str]]) -> Iterator[tuple[Any, ...]]:
    """Staging rows: (row number, the nine columns in COLUMNS order, a refusal or None).
    A row with the wrong number of fields, or a field too long to be anything valid, is
    refused here; everything else is judged in SQL."""
    position = {name: names.index(name) for name in names}
    width = len(names)
    row_number = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise ValidationFailed(
                _("Line %(n)s is not UTF-8 text.") % {"n": row_number + 1},
                fields={"file": _("Save the file as UTF-8.")},
            ) from None
        except csv.Error as exc:
            raise ValidationFailed(
                _("Line %(n)s cannot be read as CSV: %(error)s.") % {"n": row_number + 1, "error": exc},
                fields={"file": str(exc)[:200]},
            ) from None
        row_number += 1  # records, the header being row 1 (the fast path counts the same way)
        if not fields or fields == [""]:
            continue  # blank line
        reason = None
        if len(fields) != width:
            reason = f"Expected {width} fields, found {len(fields)}."
            fields = (fields + [""] * width)[:width]
        values = [fields[position[c]].strip() if c in position else "" for c in COLUMNS]
        if reason is None and any(len(v) > 200 or "\x00" in v for v in values):
            reason = "A field is too long or holds a NUL character."
        if reason is not None:
            values = [v[:200].replace("\x00", "") for v in values]
        yield (row_number, *values, reason)


def _create_staging(cursor: Any) -> None:
    columns = ", ".join(f"{c} varchar(200)" for c in COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
    cursor.execute(f"DROP TABLE IF EXISTS {JUDGED}")
    # Row numbers count records, the header being row 1: COPY numbers the rows from 2 in file order.
    identity = (
        "integer GENERATED BY DEFAULT AS IDENTITY (START WITH 2)" if connection.vendor == "postgresql" else "integer"
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGING} (row_number {identity}, {columns}, reason varchar(300))"  # noqa: S608
    )


JUDGED = "order_import_judged"


def _load(cursor: Any, rows: Iterable[tuple[Any, ...]]) -> int:
    """Load the staging rows, in bulk; returns how many."""
    names = ["row_number", *COLUMNS, "reason"]
    count = 0
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {STAGING} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {STAGING} ({', '.join(names)}) VALUES ({placeholders})"  # noqa: S608 - our own names
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    return count


def _serial_ok(column: str) -> str:
    """``installbase.queries.SERIAL_RE`` in SQL (the column is upper-cased already): a letter
    or digit, then letters, digits and - _ . ; at most 64."""
    if connection.vendor == "postgresql":
        # A bounded repetition ({1,64}) makes the regex engine several times slower.
        return f"({column} ~ '^[A-Z0-9]' AND {column} !~ '[^A-Z0-9._-]' AND length({column}) <= 64)"
    return f"(substr({column}, 1, 1) GLOB '[A-Z0-9]' AND {column} NOT GLOB '*[^A-Z0-9._-]*' AND length({column}) <= 64)"


def _date_sql(column: str) -> str:
    """``column`` as a date when it is YYYY-MM-DD and a real day, else NULL."""
    if connection.vendor == "postgresql":
        # Nested CASEs, because only CASE fixes the order of evaluation: to_date() and
        # make_date() raise errors on impossible months and days instead of answering NULL.
        year, month, day = (f"substr({column}, {a}, {n})::int" for a, n in ((1, 4), (6, 2), (9, 2)))
        last = f"extract(day FROM make_date({year}, {month}, 1) + interval '1 month' - interval '1 day')"
        return (
            f"CASE WHEN {column} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' AND {year} >= 1 THEN "
            f"CASE WHEN {month} BETWEEN 1 AND 12 THEN "
            f"CASE WHEN {day} BETWEEN 1 AND {last} THEN make_date({year}, {month}, {day}) END END END"
        )
    # date() keeps an impossible day as given; a modifier makes it normalise, so compare.
    return (
        f"CASE WHEN date({column}, '+0 days') = {column} AND {column} BETWEEN '1900-01-01' AND '2199-12-31' "
        f"THEN date({column}) END"
    )


def _line_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return (
            f"CASE WHEN {column} <> '' AND {column} !~ '[^0-9]' AND length({column}) <= 9 "
            f"THEN CASE WHEN {column}::bigint >= 1 THEN {column}::bigint END END"
        )
    return (
        f"CASE WHEN {column} <> '' AND {column} NOT GLOB '*[^0-9]*' AND length({column}) <= 9 "
        f"AND CAST({column} AS INTEGER) >= 1 THEN CAST({column} AS INTEGER) END"
    )


# The refusals, in the order they are checked; a row gets the first that applies. They
# read the columns of the judging query below (``v``: the row with its lookups).
RULES = [
    ("The sales order is missing.", "v.sales_order = ''"),
    ("The sales order is longer than 64 characters.", "length(v.sales_order) > 64"),
    ("The line number must be a whole number from 1.", "v.line_no IS NULL"),
    ("The serial number is missing.", "v.serial_key = ''"),
    ("The serial number must be a letter or digit, then letters, digits and - _ . only (at most 64).",
     "NOT " + _serial_ok("v.serial_key")),
    ("No product has this SKU.", "v.product_id IS NULL"),
    ("No customer has this account number.", "v.owner_id IS NULL"),
    ("The ship date must be a date as YYYY-MM-DD.", "v.ship_date <> '' AND v.ship_on IS NULL"),
    ("No such site for this customer.", "v.site_id <> '' AND v.site_pk IS NULL"),
    ("The channel must be direct, partner or unauthorised.", "v.channel_value IS NULL"),
    ("No partner has this account number.", "v.partner_account <> '' AND v.partner_id IS NULL"),
    ("A unit bought through a partner needs the partner's account number.",
     "v.channel_value = 'partner' AND v.partner_id IS NULL"),
    ("The serial number appears on an earlier line of this file.", "v.nth > 1"),
    # D-2.3: idempotent by (sales order, line, serial); another line's unit is not taken over.
    ("The serial number is registered on another sales order line.",
     "v.asset_id IS NOT NULL AND v.a_order <> '' AND (v.a_order <> v.sales_order OR v.a_line IS NULL "
     "OR v.a_line <> v.line_no)"),
    # After registration a unit changes hands only by a transfer (D-2.9); an order line does
    # not give a unit registered to one customer to another.
    ("The unit is registered to another customer: ownership changes go through a transfer.",
     "v.asset_id IS NOT NULL AND v.a_owner_id <> v.owner_id"),
]  # fmt: skip

# The fields an order line corrects on a unit it registered: (asset column, judged column).
# Not the owner (a transfer changes it) nor the site (an installed-base update moves units):
# those are the installed base's own after registration; the order gives them only to a
# new unit.
SET_BY_ORDER = [
    ("product_id", "product_id"),
    ("partner_id", "partner_id"),
    ("channel", "channel_value"),
    ("ship_date", "ship_on"),
    ("sales_order", "sales_order"),
    ("order_line", "line_no"),
]


# Every field without surrounding spaces, as the row-by-row path reads them.
TRIMMED = "(SELECT row_number, " + ", ".join(f"TRIM({c}) AS {c}" for c in COLUMNS) + f", reason FROM {STAGING})"  # noqa: S608


def _judge(cursor: Any) -> None:
    """One pass over the staging rows: normalise, look up, and judge every row, into a
    second temporary table. Lookups are joins (the database hashes the small tables)."""
    reason = "CASE " + " ".join(f"WHEN {cond} THEN '{text.replace(chr(39), chr(39) * 2)}'" for text, cond in RULES)
    unchanged = " AND ".join(f"COALESCE(v.a_{j}, {_blank(j)}) = COALESCE(v.{j}, {_blank(j)})" for _, j in SET_BY_ORDER)
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {JUDGED} AS
        SELECT v.*,
               COALESCE(v.preset, {reason} END) AS reason,
               CASE WHEN v.asset_id IS NULL THEN 'created'
                    WHEN {unchanged} THEN 'unchanged' ELSE 'changed' END AS outcome
        FROM (
            SELECT r.row_number, r.sales_order, r.line, r.serial, r.ship_date, r.site_id, r.partner_account,
                   r.reason AS preset,
                   UPPER(r.serial) AS serial_key,
                   {"cal.day" if connection.vendor == "postgresql" else _date_sql("r.ship_date")} AS ship_on,
                   {_line_sql("r.line")} AS line_no,
                   CASE WHEN LOWER(r.channel) IN ('direct', 'partner', 'unauthorised') THEN LOWER(r.channel)
                        WHEN r.channel = '' AND r.partner_account = '' THEN 'direct'
                        WHEN r.channel = '' THEN 'partner' END AS channel_value,
                   p.id AS product_id, o.id AS owner_id, t.id AS site_pk, q.id AS partner_id,
                   a.id AS asset_id, a.sales_order AS a_order, a.order_line AS a_line,
                   a.product_id AS a_product_id, a.owner_id AS a_owner_id, a.site_id AS a_site_pk,
                   a.partner_id AS a_partner_id, a.channel AS a_channel_value, a.ship_date AS a_ship_on,
                   a.sales_order AS a_sales_order, a.order_line AS a_line_no,
                   CASE WHEN r.row_number > f.first_row THEN 2 ELSE 1 END AS nth
            FROM {TRIMMED} r
            JOIN (SELECT UPPER(TRIM(serial)) AS serial_key, MIN(row_number) AS first_row FROM {STAGING} GROUP BY 1) f
                 ON f.serial_key = UPPER(r.serial)
            LEFT JOIN installbase_product p ON p.sku = r.sku
            LEFT JOIN accounts_organisation o
                   ON o.account_number = r.customer_account AND o.kind IN ('customer', 'partner')
            LEFT JOIN accounts_site t ON t.code = r.site_id AND t.organisation_id = o.id
            LEFT JOIN accounts_organisation q ON q.account_number = r.partner_account AND q.kind = 'partner'
            LEFT JOIN installbase_asset a ON a.serial = UPPER(r.serial)
            {_calendar_join("r.ship_date")}
        ) v"""  # noqa: S608 - our own names and constant texts
    )


def _calendar_join(column: str) -> str:
    """On PostgreSQL a ship date is valid when it is one of the days 1900–2199 written as
    YYYY-MM-DD: a hash join with those 110,000 days is much cheaper than parsing a
    million texts with checks (to_date() raises errors on impossible days instead of
    answering NULL). SQLite parses (``_date_sql``)."""
    if connection.vendor != "postgresql":
        return ""
    days = "generate_series(DATE '1900-01-01', DATE '2199-12-31', interval '1 day')"
    return f"LEFT JOIN (SELECT d::date AS day, to_char(d, 'YYYY-MM-DD') AS text FROM {days} AS d) cal ON cal.text = {column}"  # noqa: S608, E501


def _blank(column: str) -> str:
    """A stand-in for NULL when comparing a column of this kind."""
    if column == "ship_on":
        return "'0001-01-01'" if connection.vendor == "sqlite" else "DATE '0001-01-01'"
    if column in ("channel_value", "sales_order"):
        return "''"
    return "0"


def _apply(cursor: Any, order_import: OrderImport) -> None:
    """Write what the judged rows say: new units, changed units, the refused rows."""
    j = JUDGED
    moment = now()
    standing = "CASE WHEN channel_value = 'unauthorised' THEN 'needs_reinstatement' ELSE 'good' END"
    cursor.execute(
        "INSERT INTO installbase_asset (serial, product_id, owner_id, site_id, ship_date, sales_order, "  # noqa: S608
        "order_line, channel, partner_id, standing, best_effort, created_at, updated_at) "
        f"SELECT serial_key, product_id, owner_id, site_pk, ship_on, sales_order, line_no, channel_value, "
        f"partner_id, {standing}, %s, %s, %s FROM {j} WHERE reason IS NULL AND outcome = 'created' "
        "ORDER BY row_number",
        [False, moment, moment],
    )
    assignments = ", ".join(f"{a} = c.{c}" for a, c in SET_BY_ORDER)
    cursor.execute(
        f"UPDATE installbase_asset SET {assignments}, updated_at = %s, "  # noqa: S608
        # D-2.9: a line corrected to "unauthorised" puts the unit out of support; a correction
        # the other way does not bring it back without reinstatement.
        "standing = CASE WHEN c.channel_value = 'unauthorised' THEN 'needs_reinstatement' "
        "ELSE installbase_asset.standing END "
        f"FROM {j} c WHERE c.asset_id = installbase_asset.id AND c.reason IS NULL AND c.outcome = 'changed'",
        [moment],
    )
    cursor.execute(
        "INSERT INTO installbase_orderimportrejection (order_import_id, row_number, sales_order, order_line, "  # noqa: S608
        f"serial, reason) SELECT %s, row_number, sales_order, line, serial, reason FROM {j} "
        "WHERE reason IS NOT NULL ORDER BY row_number",
        [order_import.pk],
    )
    cursor.execute(
        f"SELECT CASE WHEN reason IS NULL THEN outcome ELSE 'rejected' END, COUNT(*) FROM {j} GROUP BY 1"  # noqa: S608
    )
    counts = {str(k): int(v) for k, v in cursor.fetchall()}
    order_import.created = counts.get("created", 0)
    order_import.changed = counts.get("changed", 0)
    order_import.unchanged = counts.get("unchanged", 0)
    order_import.rejected = counts.get("rejected", 0)


class _NotForCopy(Exception):
    """The file holds something COPY would misread."""


def _fast_load(cursor: Any, stream: IO[bytes], progress: Progress | None) -> int | None:
    """PostgreSQL's own CSV reader straight from the file, the way a raw COPY is: the
    header is checked here, the rest streams into the staging table in 1 MB blocks. Any
    row it cannot take (a wrong number of fields, a field over 200 characters, a NUL,
    bad UTF-8, a blank line) makes it give up, and None says to use the exact path, which
    refuses such rows one by one. Row numbers count records, the header being row 1."""
    start = stream.tell()
    first = stream.readline()
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    names = [h.strip().lower() for h in header]
    if (
        sorted(names) != sorted(set(names))
        or any(n not in COLUMNS for n in names)
        or any(n not in names for n in REQUIRED)
    ):
        return None  # the exact path says what is wrong with the header
    done = len(first)
    cursor.execute("SAVEPOINT order_fast_load")
    tail = b"\n"  # the header's end: a data line starts after a newline
    try:
        columns = ", ".join(names)
        # FORCE_NOT_NULL: an empty field is '' as on the exact path, not NULL.
        sql = f"COPY {STAGING} ({columns}) FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8', FORCE_NOT_NULL ({columns}))"
        with cursor.cursor.copy(sql) as copy:
            while block := stream.read(1 << 20):
                # A line of just \. ends COPY's input even in CSV: the rows after it would be
                # dropped without a word. Such a file takes the row-by-row path.
                if b"\n\\." in tail + block:
                    raise _NotForCopy
                tail = block[-1:]
                copy.write(block)
                done += len(block)
                if progress is not None:
                    progress(done)
    except (DatabaseError, psycopg.Error, _NotForCopy):  # the raw driver cursor raises the driver's own errors
        cursor.execute("ROLLBACK TO SAVEPOINT order_fast_load")
        stream.seek(start)
        return None
    cursor.execute("RELEASE SAVEPOINT order_fast_load")
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        cursor.execute(f"UPDATE {STAGING} SET {', '.join(f'{c} = ' + chr(39) * 2 for c in missing)}")  # noqa: S608
    cursor.execute(f"SELECT count(*) FROM {STAGING}")  # noqa: S608
    return int(cursor.fetchone()[0])


def import_orders(
    stream: IO[bytes], *, source: str, actor: User | None = None, progress: Progress | None = None
) -> ImportResult:
    """Import sales-order lines from a CSV byte stream (D-2.3). One transaction: the units
    and the report of refused rows are written together, or nothing is. A file that cannot
    be read at all is refused with a clear error (and nothing is written)."""
    if actor is not None:
        require(actor, Capability.IMPORT_ORDERS)
    postgres = connection.vendor == "postgresql"
    seekable = _seekable(stream)
    try:
        return _import(stream, source=source, actor=actor, progress=progress, postgres=postgres, seekable=seekable)
    except DatabaseError as exc:
        # Nothing of the import is written; keep a record that it was tried, and why.
        log.exception("order import of %s failed", source)
        OrderImport.objects.create(
            source=source[:200], started_by=actor, status=OrderImportStatus.FAILED, finished_at=now(),
            error=str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__,
        )  # fmt: skip
        raise Conflict(
            _(
                "The import could not be applied and nothing of it was written (another change to the same "
                "units at the same moment, or a fault on our side). Run it again; it is safe to repeat."
            )
        ) from exc


def _import(
    stream: IO[bytes], *, source: str, actor: User | None, progress: Progress | None, postgres: bool, seekable: bool
) -> ImportResult:
    with transaction.atomic():
        order_import = OrderImport.objects.create(source=source[:200], started_by=actor)
        with connection.cursor() as cursor:
            if postgres:
                # Units change only through this import while it runs (other imports,
                # transfers and moves wait; reads go on), so what it judged is what it writes.
                cursor.execute("LOCK TABLE installbase_asset IN SHARE ROW EXCLUSIVE MODE")
            _create_staging(cursor)
            loaded = _fast_load(cursor, stream, progress) if postgres and seekable else None
            if loaded is None:
                names, reader = _rows(stream, progress)
                loaded = _load(cursor, _staged(names, reader))
            order_import.rows = loaded
            if postgres:
                # Room to hash and sort in memory, and statistics of the staging rows, so the
                # planner joins a million rows by hashing, not by looping.
                cursor.execute("SET LOCAL work_mem = '256MB'")
                # Compiling the judging query's expressions would cost more than running them.
                cursor.execute("SET LOCAL jit = off")
                # The import is idempotent: should the server crash in the instant after the
                # commit, running it again gives the same result. So the commit need not
                # wait for its tens of megabytes of log to reach the disk.
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute(f"ANALYZE {STAGING}")
            _judge(cursor)
            _apply(cursor, order_import)
            cursor.execute(f"DROP TABLE {STAGING}")
            cursor.execute(f"DROP TABLE {JUDGED}")
        order_import.status = OrderImportStatus.DONE
        order_import.finished_at = now()
        order_import.save()
        audit.record(order_import, "imported", actor, ImportResult(order_import).summary)
    return ImportResult(order_import)


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def rejection_report(order_import: OrderImport) -> Iterator[str]:
    """The refused rows as CSV lines (header first), read from the database in batches."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "sales_order", "line", "serial", "reason"])
    yield out.getvalue()
    rows = OrderImportRejection.objects.filter(order_import=order_import).order_by("row_number")
    for row in rows.values_list("row_number", "sales_order", "order_line", "serial", "reason").iterator(2000):
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        yield out.getvalue()


__all__ = ["COLUMNS", "Asset", "ImportResult", "import_orders", "rejection_report"]
