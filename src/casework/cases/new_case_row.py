"""A new case's row, kept in memory while the handlers of its opening run.

Routing, SLA and automation each read the case they react to (`stored_case`).
For a case opened in this transaction, nobody else can see the row, let alone
change it, until the commit; what is stored is what the opening wrote, until a
write of this transaction changes it. So the opening keeps its row, and
`stored_case` answers from it: a copy per reader, as a read would give. The
related names the rules read with it (type, service, account tier, team, tags)
are kept too (`stored_names`), and the account and entitlement rows the opening
was given (`stored_related`). The first write in the transaction to any of those
tables (cases, the case's tag links, accounts, entitlements), by anyone, through
any cursor, ends it; later reads go to the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import JSONField

from casework.cases.models import Case
from casework.core.prepared import instance_from_row, loaded, row_of

_FIELDS = list(Case._meta.concrete_fields)
_NAMES = [f.attname for f in _FIELDS]
_JSON = [isinstance(f, JSONField) for f in _FIELDS]
_JSON_NAMES = [name for name, is_json in zip(_NAMES, _JSON, strict=True) if is_json]
_PLAIN_NAMES = [name for name in _NAMES if name not in _JSON_NAMES]
_ORDER = [*_PLAIN_NAMES, *_JSON_NAMES]  # of a kept row's values
# The related rows kept, as the rules read them with the case (`case_for_rules`).
RELATED = ("account", "entitlement")
_RELATED_FIELDS: dict[str, Any] = {name: Case._meta.get_field(name) for name in RELATED}
_TABLES = tuple(
    connection.ops.quote_name(m._meta.db_table)
    for m in (Case, Case.tags.through, *(f.related_model for f in _RELATED_FIELDS.values()))
)

NOT_KEPT: Any = object()  # `stored_related`'s answer when the row must be read


@dataclass(frozen=True)
class Names:
    """A case's related names as stored ("" where it has none); tags sorted."""

    case_type: str
    service: str
    account_tier: str
    team: str
    tags: tuple[str, ...]


class _Kept:
    def __init__(self, case: Case, tags: Iterable[str]) -> None:
        self.case_id = case.pk
        self.values = [getattr(case, name) for name in _PLAIN_NAMES]
        # JSON values as a read would give them: equal, and shared with nobody.
        self.json = [json.dumps(getattr(case, name)) for name in _JSON_NAMES]
        # The related rows the opening was given (none is read here).
        self.names = Names(
            case_type=case.case_type.name if case.case_type is not None else "",
            service=case.service.name if case.service is not None else "",
            account_tier=case.account.tier if case.account is not None else "",
            team=case.team.name if case.team is not None else "",
            tags=tuple(sorted(tags)),
        )
        # Each as its model and row, when the opening had the row at hand.
        self.related: dict[str, tuple[Any, tuple[Any, ...]] | None] = {}
        for name, field in _RELATED_FIELDS.items():
            if getattr(case, field.attname) is None:
                self.related[name] = None
            elif field.is_cached(case):
                row: Any = field.get_cached_value(case)
                self.related[name] = (type(row), row_of(row))
        self.current = True

    def copy(self) -> Case:
        """The case as a read of the stored row gives it (a copy for each handler)."""
        return loaded(Case, "default", _ORDER, [*self.values, *map(json.loads, self.json)])

    def watch(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.current and _may_write_cases(sql):
            self.current = False
        return execute(sql, params, many, context)


def _may_write_cases(sql: Any) -> bool:
    """A statement that may change a kept table: any but a plain SELECT naming one
    (a composed statement, unread, counts as one)."""
    if not isinstance(sql, str):
        return True
    return any(table in sql for table in _TABLES) and sql.lstrip()[:6].upper() != "SELECT"


_kept: ContextVar[_Kept | None] = ContextVar("new_case_row", default=None)


@contextmanager
def kept(case: Case, tags: Iterable[str]) -> Iterator[None]:
    """Inside the block, `stored` and `stored_names` answer for `case` (whose tags
    are `tags`) from memory while they may."""
    row = _Kept(case, tags)
    token = _kept.set(row)
    try:
        with connection.execute_wrapper(row.watch):
            yield
    finally:
        _kept.reset(token)


def stored(case_id: int) -> Case | None:
    """The kept row of the case `case_id` as stored now, or None: read it."""
    row = _current(case_id)
    return row.copy() if row is not None else None


def stored_names(case_id: int) -> Names | None:
    """The kept related names of the case `case_id` as stored now, or None: read them."""
    row = _current(case_id)
    return row.names if row is not None else None


def stored_related(case_id: int, name: str) -> Any:
    """A copy of the kept `name` row (one of RELATED) of the case `case_id` as
    stored now, None when the case has none, or NOT_KEPT: read it."""
    row = _current(case_id)
    if row is None or name not in row.related:
        return NOT_KEPT
    kept_row = row.related[name]
    if kept_row is None:
        return None
    model, values = kept_row
    return instance_from_row(model, values)  # an account's mail domains: the reader's own


def _current(case_id: int) -> _Kept | None:
    row = _kept.get()
    if row is None or not row.current or row.case_id != case_id:
        return None
    return row
