"""Querysets compiled to SQL once and run many times with new ids.

Django compiles a queryset on every run: for the 33-column case row that is half
a millisecond of Python, twenty times the query itself on SQLite. The write
paths (assignment, SLA clocks, triggers) read the same few shapes for every
case they touch. A `Prepared` keeps a shape's SQL per database and binds new ids;
rows come back through Django's own converters, as model instances (without
select_related) or as values, just as the queryset would give them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    QuerySet,
    ValuesIterable,
    ValuesListIterable,
)

_SENTINEL = -7_300_000_000_000  # an id no row has: marks where each argument goes


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # for each argument, its index in params
    converters: dict[int, Any]
    compiler: Any
    make: Callable[[Any], Any]


class Prepared:
    """`build(*ids)` returns the queryset; call `.all(*ids)` or `.first(*ids)`."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._arity = len(inspect.signature(build).parameters)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        sentinels = [_SENTINEL - i for i in range(self._arity)]
        queryset = self._build(*sentinels)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for sentinel in sentinels:
            where = [i for i, p in enumerate(params) if p == sentinel]
            if len(where) != 1:
                raise ValueError(f"each argument must appear once in the query ({sql})")
            slots.append(where[0])
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            converters=compiler.get_converters(fields),
            compiler=compiler,
            make=_maker(queryset, compiler, alias),
        )
        self._compiled[alias] = compiled
        return compiled

    def all(self, *ids: int | None, using: str = "default") -> list[Any]:
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, ids, strict=True):
            params[slot] = value
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return [compiled.make(row) for row in rows]

    def first(self, *ids: int | None, using: str = "default") -> Any:
        found = self.all(*ids, using=using)
        return found[0] if found else None


def _maker(queryset: QuerySet[Any], compiler: Any, alias: str) -> Callable[[Any], Any]:
    kind = queryset._iterable_class
    if kind is ModelIterable:
        info = compiler.klass_info
        if info.get("related_klass_infos"):
            raise ValueError("select_related is not supported: read related rows by id")
        model = info["model"]
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [s[0].target.attname for s in compiler.select[start:end]]
        return lambda row: model.from_db(alias, names, row[start:end])
    if kind is FlatValuesListIterable:
        return lambda row: row[0]
    if kind is ValuesListIterable:
        return tuple
    if kind is ValuesIterable:
        query = queryset.query
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        return lambda row: dict(zip(names, row, strict=True))
    raise ValueError(f"{kind.__name__} querysets cannot be prepared")


_STATEMENTS: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _fields(model: type[Model], names: tuple[str, ...], using: str) -> tuple[list[Any], list[str]]:
    """The model's fields by attribute name, and their quoted column names."""
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    return fields, [connections[using].ops.quote_name(f.column) for f in fields]


def _run(statement: tuple[str, list[Any]], values: tuple[Any, ...], using: str) -> Any:
    connection = connections[using]
    sql, fields = statement
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    cursor = connection.cursor()
    cursor.execute(sql, params)
    return cursor


def insert_row(model: type[Model], using: str = "default", **values: Any) -> int:
    """Store one row and return its id, with the INSERT written once per model and
    set of columns. `values` are by attribute name (`case_id`, not `case`); other
    columns take their field's default. No model signals are sent: for rows nobody
    listens to (timeline events, capacity holds, routing records)."""
    key = ("insert", using, model, tuple(values))
    statement = _STATEMENTS.get(key)
    if statement is None:
        quote = connections[using].ops.quote_name
        fields, columns = _fields(model, (*values, *_defaulted(model, values)), using)
        table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))  # type: ignore[union-attr]
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) RETURNING {pk}"
        statement = _STATEMENTS[key] = (sql, fields)
    given = (*values.values(), *(f.get_default() for f in statement[1][len(values) :]))
    with _run(statement, given, using) as cursor:
        return int(cursor.fetchone()[0])


def _defaulted(model: type[Model], values: dict[str, Any]) -> list[str]:
    """The columns not given that have a default of their own."""
    given = set(values)
    return [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in given and f.name not in given and f.has_default()
    ]


def insert_rows(model: type[Model], rows: list[dict[str, Any]], using: str = "default") -> None:
    """Store several rows with the same columns in one INSERT (as `insert_row`)."""
    if len(rows) == 1:
        insert_row(model, using, **rows[0])
        return
    names = tuple(rows[0])
    key = ("insert-many", using, model, names, len(rows))
    statement = _STATEMENTS.get(key)
    if statement is None:
        fields, columns = _fields(model, names, using)
        marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        table = connections[using].ops.quote_name(model._meta.db_table)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(rows))}"
        statement = _STATEMENTS[key] = (sql, fields * len(rows))
    values = tuple(row[name] for row in rows for name in names)
    _run(statement, values, using).close()


def update_rows(model: type[Model], where: dict[str, Any], using: str = "default", **values: Any) -> int:
    """Set columns of the rows whose columns equal `where` (not None); returns how
    many rows changed. The UPDATE is written once per model and set of columns;
    names and values as for `insert_row`, and, likewise, no signals."""
    key = ("update", using, model, tuple(values), tuple(where))
    statement = _STATEMENTS.get(key)
    if statement is None:
        fields, columns = _fields(model, (*values, *where), using)
        assignments = ", ".join(f"{c} = %s" for c in columns[: len(values)])
        conditions = " AND ".join(f"{c} = %s" for c in columns[len(values) :])
        table = connections[using].ops.quote_name(model._meta.db_table)
        sql = f"UPDATE {table} SET {assignments} WHERE {conditions}"
        statement = _STATEMENTS[key] = (sql, fields)
    with _run(statement, (*values.values(), *where.values()), using) as cursor:
        return int(cursor.rowcount)
