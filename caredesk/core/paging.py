"""Keyset ("seek") paging: stable order and a cost that does not grow with the table.

A page is fetched with ``WHERE (sort, id) > (last_sort, last_id) ORDER BY sort, id
LIMIT n+1``; with an index on ``(sort, id)`` that is an index range scan wherever the
page is. Offsets would re-read every skipped row and shift when rows are added.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext as _

from caredesk.core.errors import ValidationFailed

M = TypeVar("M", bound=models.Model)


@dataclass
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode(value: Any, pk: int) -> str:
    if value is None:
        payload = ["n", None, pk]  # a nullable column's row without a value
    elif isinstance(value, datetime):
        payload = ["dt", value.isoformat(), pk]
    else:
        payload = ["v", value, pk]
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, pk = json.loads(raw)
        if kind == "dt":
            value = datetime.fromisoformat(value)
        elif kind == "n":
            if value is not None:
                raise ValueError(value)
        elif kind != "v" or not isinstance(value, str | int):
            raise ValueError(kind)
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk < 2**62:
            raise ValueError(pk)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise _bad_cursor() from None
    return value, pk


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(_("The page cursor is not valid."), fields={"cursor": _("Not a valid cursor.")})


def _checked(model: type[models.Model], field: str, value: Any) -> Any:
    """The cursor's sort value as the column's type. A cursor is client input: one made for
    another column, or by hand, must answer 400, not fail inside the database."""
    column = model._meta.get_field(field)
    if value is None:
        if not getattr(column, "null", False):
            raise _bad_cursor()
        return None
    if isinstance(column, models.DateTimeField) != isinstance(value, datetime):
        raise _bad_cursor()
    try:
        value = column.to_python(value)  # type: ignore[union-attr]
    except (ValidationError, TypeError, ValueError):
        raise _bad_cursor() from None
    if isinstance(column, models.IntegerField) and not -(2**31) <= value < 2**31:
        raise _bad_cursor()
    if isinstance(column, models.CharField | models.TextField) and not isinstance(value, str):
        raise _bad_cursor()
    if isinstance(value, str) and (len(value) > 1000 or "\x00" in value):
        raise _bad_cursor()
    return value


def keyset_page(
    queryset: models.QuerySet[M],
    *,
    field: str,
    descending: bool,
    cursor: str | None,
    limit: int,
    branches: list[models.QuerySet[M]] | None = None,
) -> Page[M]:
    """One page of ``queryset`` ordered by ``field`` then primary key, after ``cursor``.

    ``branches``, when given, are querysets whose union is ``queryset``: each is paged on
    its own (an index range each) and the page is taken from their union, in one
    statement, where the database can order and limit the parts of a UNION.

    A nullable ``field`` is paged by ``_nullable_page``."""
    if getattr(queryset.model._meta.get_field(field), "null", False):
        return _nullable_page(queryset, field=field, descending=descending, cursor=cursor, limit=limit)
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    after = None
    if cursor:
        value, pk = _decode(cursor)
        value = _checked(queryset.model, field, value)
        op = "lt" if descending else "gt"
        after = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})

    def shaped(qs: models.QuerySet[M]) -> models.QuerySet[M]:
        qs = qs.order_by(*order)
        return qs.filter(after) if after is not None else qs

    if branches and len(branches) > 1 and connection.features.supports_slicing_ordering_in_compound:
        parts = [shaped(branch)[: limit + 1] for branch in branches]
        order_in_union = [o.replace("pk", "id") for o in order]  # a UNION is ordered by column names
        rows = list(parts[0].union(*parts[1:]).order_by(*order_in_union)[: limit + 1])
    else:
        rows = list(shaped(branches[0] if branches and len(branches) == 1 else queryset)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(getattr(last, field), last.pk)
    return Page(items=rows, next_cursor=next_cursor)


def _nullable_page(
    queryset: models.QuerySet[M], *, field: str, descending: bool, cursor: str | None, limit: int
) -> Page[M]:
    """Keyset paging over a nullable column, in the order PostgreSQL's index keeps it: rows
    without a value after all others ascending, before them descending. The list is two
    segments, the rows with a value (an index range from the cursor's value, then by id)
    and the rows without (by id: ``IS NULL`` is an index condition too), read one after
    the other; a page that crosses from one to the other costs a second query. A single
    condition with ``OR field IS NULL`` would not be an index range."""
    op = "lt" if descending else "gt"
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    valued = queryset.filter(**{f"{field}__isnull": False}).order_by(*order)
    empty = queryset.filter(**{f"{field}__isnull": True}).order_by("-pk" if descending else "pk")
    segments = [empty, valued] if descending else [valued, empty]
    if cursor:
        value, pk = _decode(cursor)
        value = _checked(queryset.model, field, value)
        if value is None:
            empty = empty.filter(**{f"pk__{op}": pk})
            segments = [empty, valued] if descending else [empty]
        else:
            bound = "lte" if descending else "gte"
            valued = valued.filter(**{f"{field}__{bound}": value}).filter(
                Q(**{f"{field}__{op}": value}) | Q(**{f"pk__{op}": pk})
            )
            segments = [valued] if descending else [valued, empty]
    rows: list[M] = []
    for segment in segments:
        rows += list(segment[: limit + 1 - len(rows)])
        if len(rows) > limit:
            break
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(getattr(last, field), last.pk)
    return Page(items=rows, next_cursor=next_cursor)
