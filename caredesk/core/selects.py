"""Reading rows on the hot read paths without building the SQL each time.

Django compiles a queryset's SELECT anew on every evaluation: for the one-row reads every
page makes (the session, the signed-in user with their organisation), compiling costs
three to four times what sending the statement and reading the row does (measured in
benchmarks/RESULTS.md, issue 9). A ``Select`` is a queryset written once with ``Bind``
where the values go; Django compiles it once per database connection, and each call only
binds the values, runs the statement and turns the rows into model instances exactly as
the queryset would (the same converters, ``select_related`` objects filled in).

Only for statements whose shape never changes: what varies between calls must be a
``Bind``. Access rules stay where they are: a ``Select`` of owner-scoped rows is built
from the ``visible_*`` query like any other read.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # Django's own, unstubbed
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


class _Slot:
    """Where a bound value goes in the compiled statement's parameters."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Bind(Expression):
    """A value given when a ``Select`` runs, not when it is built.

    Used where a queryset takes a value (``filter(pk=Bind("pk", BigAutoField()))``); the
    field converts the value for the database as the lookup would have."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name)]


def _binds(node: Any) -> list[Bind]:
    """The ``Bind``s in a WHERE tree (its nodes, lookups and their expressions)."""
    if isinstance(node, Bind):
        return [node]
    children = list(getattr(node, "children", ()))
    if hasattr(node, "get_source_expressions"):
        children += node.get_source_expressions()
    return [bind for child in children if child is not None for bind in _binds(child)]


@dataclass
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    fields: dict[str, Field[Any, Any]]
    compiler: SQLCompiler
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]


class Select(Generic[M]):
    """A queryset compiled once per connection; ``select(**values)`` runs it."""

    def __init__(self, build: Callable[[], QuerySet[M]], using: str = "default") -> None:
        self._build = build
        self._using = using
        # One compiled statement per connection object: each thread has its own connection,
        # so nothing compiled is shared between threads.
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = weakref.WeakKeyDictionary()

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        queryset = self._build()
        compiler = queryset.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        fields = {bind.name: bind.output_field for bind in _binds(queryset.query.where)}
        klass_info = compiler.klass_info
        if klass_info is None or compiler.annotation_col_map:
            raise ValueError("A Select reads model rows without annotations.")
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        init_list = [column[0].target.attname for column in compiler.select[start:end]]
        populators = get_related_populators(klass_info, compiler.select, self._using)
        missing = {p.name for p in params if isinstance(p, _Slot)} - fields.keys()
        if missing:
            raise ValueError(f"Bind {sorted(missing)} only in filters, where its field is known.")
        return _Compiled(sql, tuple(params), fields, compiler, init_list, start, end, populators)

    def __call__(self, **values: Any) -> list[M]:
        connection = connections[self._using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        params: Sequence[Any] = [
            compiled.fields[p.name].get_db_prep_value(values[p.name], connection) if isinstance(p, _Slot) else p
            for p in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        compiler = compiled.compiler
        assert compiler.klass_info is not None  # checked in _compile
        model: type[M] = compiler.klass_info["model"]
        found = []
        for row in compiler.results_iter([rows]):
            obj = model.from_db(self._using, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found
