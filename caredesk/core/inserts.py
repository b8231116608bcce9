"""Inserting rows on the hot write paths without building the SQL each time.

``Model.objects.create()`` compiles its INSERT anew for every row: for a case, with its
forty columns, that is a fifth of the CPU time of opening one (measured in
benchmarks/RESULTS.md, issue 9). ``insert(obj)`` writes the same row with a statement
built once per model and database, converting each value exactly as Django's own insert
does (``pre_save`` for defaults such as ``auto_now``, ``get_db_prep_save`` for JSON, times
and the rest), and sets the primary key on the object. No ``pre_save``/``post_save``
signals are sent: it is for the models of caredesk's own use cases, which have none.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@cache
def _statement(model: type[Model], vendor: str, returning: bool) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.auto_field)  # the database numbers the row
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields


def insert(obj: M) -> M:
    """Write ``obj`` as a new row in the caller's transaction; its primary key is set."""
    returning = connection.features.can_return_columns_from_insert
    sql, fields = _statement(type(obj), connection.vendor, returning)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


@cache
def _unless_statement(model: type[Model], vendor: str, column: str) -> tuple[str, tuple[Field, ...]]:
    sql, fields = _statement(model, vendor, False)
    quote = connection.ops.quote_name
    return f"{sql} ON CONFLICT ({quote(column)}) DO NOTHING RETURNING {quote(model._meta.pk.column)}", fields


def insert_unless_exists(obj: Model, unique: str) -> bool:
    """Write ``obj`` unless a row with the same value of its unique field ``unique`` is
    there already: one statement (``ON CONFLICT DO NOTHING``), no savepoint, and the
    caller's transaction is never broken by the duplicate. True when written (its primary
    key is set)."""
    field = obj._meta.get_field(unique)
    if not isinstance(field, Field):
        raise TypeError(f"{unique} is not a column of {type(obj).__name__}")
    sql, fields = _unless_statement(type(obj), connection.vendor, field.column)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True
