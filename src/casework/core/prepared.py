"""Querysets compiled to SQL once and run many times with new ids.

Django compiles a queryset on every run: for the 33-column case row that is half
a millisecond of Python, twenty times the query itself on SQLite. The write
paths (assignment, SLA clocks, triggers) read the same few shapes for every
case they touch. A `Prepared` keeps a shape's SQL per database and binds new ids;
rows come back through Django's own converters, as model instances (with their
select_related rows) or as values, just as the queryset would give them.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    QuerySet,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.signals import post_init, pre_init


def kept_cursor(connection: Any) -> Any:
    """A cursor of the connection's, for a statement whose rows are read before the
    next statement runs; the caller does not close it.

    Django makes and wraps a new cursor for every statement, about 30 µs of CPU,
    a third of what a short statement costs the application on PostgreSQL. The
    statements run here keep one per PostgreSQL connection, wrapped by Django as
    any other: its execute wrappers run, its errors are Django's, a broken
    transaction is refused. The connection is checked as Django checks it for a
    new cursor. SQLite (an INSERT's RETURNING holds its statement open until the
    cursor moves on) and logged queries (DEBUG, tests that count them) get a new
    cursor per statement, freed as the caller drops it."""
    if connection.queries_logged or connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    kept = getattr(connection, "_kept_cursor", None)
    if kept is None or kept.cursor.connection is not connection.connection:
        kept = connection._kept_cursor = connection.cursor()
    return kept


_SENTINEL = -7_300_000_000_000  # an id no row has: marks where each argument goes


def _beyond_64_bits(value: Any) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**63


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, ...], ...]  # for each argument, its places in params
    converters: dict[int, Any]
    compiler: Any
    make: Callable[[Any], Any]


class Prepared:
    """`build(*ids)` returns the queryset; call `.all(*ids)` or `.first(*ids)`. An
    argument is an id, or a string compared for equality with a text column."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *, arity: int | None = None) -> None:
        self._build = build
        self._arity = len(inspect.signature(build).parameters) if arity is None else arity
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        sentinels = [_SENTINEL - i for i in range(self._arity)]
        queryset = self._build(*sentinels)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for sentinel in sentinels:
            # A text column's filter sees the sentinel as its text (CharField.get_prep_value).
            where = tuple(i for i, p in enumerate(params) if p == sentinel or p == str(sentinel))
            if not where:
                raise ValueError(f"each argument must appear in the query ({sql})")
            slots.append(where)
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

    def all(self, *ids: int | str | None, using: str = "default") -> list[Any]:
        if any(map(_beyond_64_bits, ids)):
            return []  # no row has such an id (Django's own lookups say so); SQLite cannot bind it
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for places, value in zip(compiled.slots, ids, strict=True):
            for place in places:
                params[place] = value
        cursor = kept_cursor(connections[using])
        cursor.execute(compiled.sql, params)
        rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return [compiled.make(row) for row in rows]

    def first(self, *ids: int | str | None, using: str = "default") -> Any:
        found = self.all(*ids, using=using)
        return found[0] if found else None


# Longer lists are compiled on every run: a page holds at most a few hundred rows,
# and one kept statement per length up to this bounds what a process keeps.
MOST_PREPARED_IDS = 250


class PreparedIn:
    """A `Prepared` for a queryset over a list of ids or names (`build(values)`
    filters by `__in=values`): one compiled statement per list length, so a page
    of 50 cases reads its rows without compiling the query again."""

    def __init__(self, build: Callable[[list[Any]], QuerySet[Any]]) -> None:
        self._build = build
        self._by_length: dict[int, Prepared] = {}

    def all(self, ids: Sequence[int | str], using: str = "default") -> list[Any]:
        ids = [i for i in ids if not _beyond_64_bits(i)]  # they match no row
        if not ids:
            return []
        if len(ids) > MOST_PREPARED_IDS:
            return list(self._build(list(ids)).using(using))
        prepared = self._by_length.get(len(ids))
        if prepared is None:
            prepared = Prepared(lambda *each: self._build(list(each)), arity=len(ids))
            self._by_length[len(ids)] = prepared
        return prepared.all(*ids, using=using)


def _maker(queryset: QuerySet[Any], compiler: Any, alias: str) -> Callable[[Any], Any]:
    kind = queryset._iterable_class
    if kind is ModelIterable:
        info = compiler.klass_info
        model = info["model"]
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [s[0].target.attname for s in compiler.select[start:end]]
        # select_related rows are joined in and set on the instance as Django does it.
        related = get_related_populators(info, compiler.select, alias, queryset._fetch_mode)  # type: ignore[attr-defined]
        if not related:
            return lambda row: loaded(model, alias, names, row[start:end])

        def make(row: Any) -> Any:
            instance = loaded(model, alias, names, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            return instance

        return make
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


def loaded[M: Model](model: type[M], alias: str, names: Sequence[str], values: Sequence[Any]) -> M:
    """The instance `model.from_db(alias, names, values)` gives for a whole row (every
    concrete field, by attribute name), built without the constructor: its
    assignments through the field descriptors cost about 1 µs a field, 35 µs for a
    case, and the write path builds several per request. A model with listeners on
    its construction signals, or a partial row, goes through `from_db`."""
    if len(values) != len(model._meta.concrete_fields) or _construction_watched(model):
        return model.from_db(alias, names, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = alias
    return instance


def row_of(instance: Model) -> tuple[Any, ...]:
    """Every concrete field's value of `instance`, for a row kept in memory and handed
    out again (`instance_from_row`); JSON values are copies, so a later change to
    `instance` does not reach the kept row."""
    return tuple(_own(getattr(instance, name)) for name in _attnames(type(instance)))


def instance_from_row[M: Model](model: type[M], row: Sequence[Any], alias: str = "default") -> M:
    """A new instance of a row kept by `row_of`, as a read of the row would give it:
    each reader gets one of its own, JSON values included."""
    return loaded(model, alias, _attnames(model), [_own(value) for value in row])


def _own(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, list | dict) else value


_ATTNAMES: dict[type[Model], list[str]] = {}


def _attnames(model: type[Model]) -> list[str]:
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = [f.attname for f in model._meta.concrete_fields]
    return names


def _construction_watched(model: type[Model]) -> bool:
    if not pre_init.receivers and not post_init.receivers:  # the usual case, checked cheaply
        return False
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


_STATEMENTS: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _fields(model: type[Model], names: tuple[str, ...], using: str) -> tuple[list[Any], list[str]]:
    """The model's fields by attribute name, and their quoted column names."""
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    return fields, [connections[using].ops.quote_name(f.column) for f in fields]


def _bound(statement: tuple[str, list[Any]], values: tuple[Any, ...], using: str) -> tuple[str, list[Any]]:
    connection = connections[using]
    sql, fields = statement
    return sql, [
        v if isinstance(v, NewId) else f.get_db_prep_save(v, connection)
        for f, v in zip(fields, values, strict=True)
    ]


def _run(statement: tuple[str, list[Any]], values: tuple[Any, ...], using: str) -> Any:
    """The statement run on the connection's kept cursor (read it before the next one)."""
    sql, params = _bound(statement, values, using)
    cursor = kept_cursor(connections[using])
    cursor.execute(sql, params)
    return cursor


def insert_row(model: type[Model], using: str = "default", **values: Any) -> int:
    """Store one row and return its id, with the INSERT written once per model and
    set of columns. `values` are by attribute name (`case_id`, not `case`); other
    columns take their field's default. No model signals are sent: for rows nobody
    listens to (timeline events, capacity holds, routing records)."""
    return int(_run(*_insert_one(model, values, using), using).fetchone()[0])


def _insert_one(
    model: type[Model], values: dict[str, Any], using: str
) -> tuple[tuple[str, list[Any]], tuple[Any, ...]]:
    key = ("insert", using, model, tuple(values))
    statement = _STATEMENTS.get(key)
    if statement is None:
        fields, columns = _fields(model, (*values, *_defaulted(model, values)), using)
        marks = ", ".join(["%s"] * len(fields))
        table, pk = _table(model, using), _pk(model, using)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) RETURNING {pk}"
        statement = _STATEMENTS[key] = (sql, fields)
    return statement, (*values.values(), *(f.get_default() for f in statement[1][len(values) :]))


def _table(model: type[Model], using: str) -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


def _pk(model: type[Model], using: str) -> str:
    return connections[using].ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]


def _defaulted(model: type[Model], values: dict[str, Any]) -> list[str]:
    """The columns not given that have a default of their own."""
    given = set(values)
    return [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in given and f.name not in given and f.has_default()
    ]


def insert_rows(model: type[Model], rows: list[dict[str, Any]], using: str = "default") -> None:
    """Store several rows with the same columns in one INSERT (as `insert_row`,
    columns not given take their defaults)."""
    if len(rows) == 1:
        insert_row(model, using, **rows[0])
        return
    _run(*_insert_many(model, rows, using), using)


def _insert_many(
    model: type[Model], rows: list[dict[str, Any]], using: str
) -> tuple[tuple[str, list[Any]], tuple[Any, ...]]:
    names = tuple(rows[0])
    key = ("insert-many", using, model, names, len(rows))
    statement = _STATEMENTS.get(key)
    if statement is None:
        fields, columns = _fields(model, (*names, *_defaulted(model, rows[0])), using)
        marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        table = _table(model, using)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(rows))}"
        statement = _STATEMENTS[key] = (sql, fields * len(rows))
    per_row = len(statement[1]) // len(rows)  # the given columns, then the defaulted ones
    defaults = tuple(f.get_default() for f in statement[1][len(names) : per_row])
    return statement, tuple(v for row in rows for v in (*(row[name] for name in names), *defaults))


def upsert_row(model: type[Model], key: dict[str, Any], using: str = "default", **values: Any) -> None:
    """Store the row whose unique columns equal `key`: insert it (other columns take
    their defaults) or, when it exists, set `values` on it. One statement, written
    once per model and set of columns (INSERT ... ON CONFLICT, on both databases);
    names and values as for `insert_row`, and, likewise, no signals."""
    statement_key = ("upsert", using, model, tuple(key), tuple(values))
    statement = _STATEMENTS.get(statement_key)
    given = {**key, **values}
    if statement is None:
        fields, columns = _fields(model, (*given, *_defaulted(model, given)), using)
        table = _table(model, using)
        marks = ", ".join(["%s"] * len(fields))
        conflict = ", ".join(columns[: len(key)])
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[len(key) : len(given)])
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}"
        statement = _STATEMENTS[statement_key] = (sql, fields)
    row = (*given.values(), *(f.get_default() for f in statement[1][len(given) :]))
    _run(statement, row, using)


def update_rows(model: type[Model], where: dict[str, Any], using: str = "default", **values: Any) -> int:
    """Set columns of the rows whose columns equal `where` (not None); returns how
    many rows changed. The UPDATE is written once per model and set of columns;
    names and values as for `insert_row`, and, likewise, no signals."""
    return int(_run(*_update(model, where, values, using), using).rowcount)


def _update(
    model: type[Model], where: dict[str, Any], values: dict[str, Any], using: str
) -> tuple[tuple[str, list[Any]], tuple[Any, ...]]:
    key = ("update", using, model, tuple(values), tuple(where))
    statement = _STATEMENTS.get(key)
    if statement is None:
        fields, columns = _fields(model, (*values, *where), using)
        assignments = ", ".join(f"{c} = %s" for c in columns[: len(values)])
        conditions = " AND ".join(f"{c} = %s" for c in columns[len(values) :])
        table = _table(model, using)
        sql = f"UPDATE {table} SET {assignments} WHERE {conditions}"
        statement = _STATEMENTS[key] = (sql, fields)
    return statement, (*values.values(), *where.values())


class NewId:
    """The id of the row a batch of `Writes` makes (`Writes.insert_new`), given to
    the batch's other statements as a parameter; `value` once the batch is sent."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: int | None = None


class Writes:
    """Writes whose results nobody reads (no ids, no counts), sent together when
    the block ends: on PostgreSQL in one round trip (a pipeline), which costs more
    than such a write itself; on SQLite (no round trips) one after the other. Reads
    inside the block do not see them yet.

        with Writes() as writes:
            writes.update(Case, {"id": case.pk}, version=2)
            writes.insert(TimelineEvent, rows)

    One row of the batch may be new (`insert_new`): the statements given its id
    are sent on PostgreSQL as one statement with its INSERT (each a WITH query
    taking the id from it), since the driver costs about as much per statement as
    the database does. They run on one snapshot, so none of them may read what
    another of them writes; the batch's other statements are sent before them.
    """

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self._pending: list[tuple[str, list[Any]]] = []
        self._new: _NewRow | None = None

    def update(self, model: type[Model], where: dict[str, Any], **values: Any) -> None:
        if values:
            self._add(*_bound(*_update(model, where, values, self.using), self.using))

    def insert(self, model: type[Model], rows: list[dict[str, Any]]) -> None:
        for part in _chunks_of_same_columns(rows):
            self._add(*_bound(*_insert_many(model, part, self.using), self.using))

    def insert_new(self, model: type[Model], **values: Any) -> NewId:
        """Insert the batch's new row (as `insert_row`); its id, for the batch's other
        statements and, once the block ends, in `.value`."""
        if self._new is not None:
            raise ValueError("a batch of writes makes one new row")
        self._new = _NewRow(len(self._pending), NewId(), _pk(model, self.using))
        self._pending.append(_bound(*_insert_one(model, values, self.using), self.using))
        return self._new.id

    def statement(self, sql: str, params: list[Any]) -> None:
        """A statement written by the caller (`%s` placeholders), such as an upsert."""
        self._add(sql, params)

    def _add(self, sql: str, params: list[Any]) -> None:
        if any(isinstance(p, NewId) for p in params) and not sql.lstrip().upper().startswith("INSERT"):
            # Sent with the new row's INSERT, it would not see the row on PostgreSQL.
            raise ValueError(f"only an INSERT takes a batch's new id: {sql[:60]}")
        self._pending.append((sql, params))

    def __enter__(self) -> Writes:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        pending, self._pending = self._pending, []
        new, self._new = self._new, None
        if kind is not None or not pending:
            return
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            _one_by_one(connection, pending, new)
            return
        if new is not None:
            pending = _joined(pending, new)
        connection.ensure_connection()
        cursor = kept_cursor(connection)
        if len(pending) == 1:
            cursor.execute(*pending[0])
        else:
            # A pipeline: sent together, each statement bound on the server like any
            # other (so its plan is kept), errors raised as Django's.
            with connection.wrap_database_errors, connection.connection.pipeline():
                for sql, params in pending:
                    cursor.execute(sql, params)
        if new is not None:  # the joined statement, sent last, returns the id
            new.id.value = int(cursor.fetchone()[0])


@dataclass(frozen=True)
class _NewRow:
    at: int  # its INSERT's place in the batch
    id: NewId
    pk: str  # its primary key's column, quoted


def _one_by_one(connection: Any, pending: list[tuple[str, list[Any]]], new: _NewRow | None) -> None:
    """Each statement in turn, the new row's id put in as soon as it is known."""
    cursor = kept_cursor(connection)
    for at, (sql, params) in enumerate(pending):
        if new is not None and new.id.value is not None:
            params = [new.id.value if isinstance(p, NewId) else p for p in params]
        cursor.execute(sql, params)
        if new is not None and at == new.at:
            new.id.value = int(cursor.fetchone()[0])


def _joined(pending: list[tuple[str, list[Any]]], new: _NewRow) -> list[tuple[str, list[Any]]]:
    """The batch with the new row's INSERT and the statements given its id made one
    statement, sent last and returning the id; the other statements before it."""
    first = pending[new.at]
    parts, params = [f"w0 AS ({first[0]})"], list(first[1])
    others = []
    for at, (sql, values) in enumerate(pending):
        if at == new.at:
            continue
        if not any(isinstance(v, NewId) for v in values):
            others.append((sql, values))
            continue
        sql, values = _id_taken_from(sql, values, f"(SELECT {new.pk} FROM w0)")
        parts.append(f"w{len(parts)} AS ({sql})")
        params.extend(values)
    if len(parts) == 1:
        return [*others, first]
    return [*others, (f"WITH {', '.join(parts)} SELECT {new.pk} FROM w0", params)]


def _id_taken_from(sql: str, params: list[Any], source: str) -> tuple[str, list[Any]]:
    """`sql` with each `%s` whose parameter is the new id replaced by `source`."""
    pieces = sql.split("%s")
    if "%%" in sql or len(pieces) != len(params) + 1:
        raise ValueError(f"a statement given a new id has only %s placeholders: {sql}")
    text, kept = [pieces[0]], []
    for value, piece in zip(params, pieces[1:], strict=True):
        if isinstance(value, NewId):
            text.append(source)
        else:
            text.append("%s")
            kept.append(value)
        text.append(piece)
    return "".join(text), kept


def _chunks_of_same_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    chunks: list[list[dict[str, Any]]] = []
    for row in rows:
        if chunks and tuple(chunks[-1][0]) == tuple(row):
            chunks[-1].append(row)
        else:
            chunks.append([row])
    return chunks
