"""Case numbers: human (`CS-1042`), unique, and without gaps under concurrent creation.

A number is taken inside the creating transaction by bumping the prefix's row in
`CaseNumberSequence`: PostgreSQL locks that row, SQLite the whole database, until
the commit, so concurrent creators never share a number and a rolled-back creation
gives its number back. Every other creation waits on that lock, so the opening
takes the number as late as it can: after its handlers (routing, SLA, triggers)
have run, unless one of them reads the number first (`taken_on_demand`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from casework.cases.domain import format_number, number_stem
from casework.cases.models import Case, CaseNumberSequence, number_on_demand
from casework.core.prepared import update_rows


def _bump() -> str:
    """Take the prefix's next value (`%s`: the prefix); no row back means the prefix
    has no sequence yet."""
    sequence = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    return f"UPDATE {sequence} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value"


def _numbering(case_id: int) -> tuple[str, list[Any]]:
    """On PostgreSQL, one statement bumps the sequence and stores the number on the
    case, returning it (no row: the prefix has no sequence yet)."""
    cases = connection.ops.quote_name(Case._meta.db_table)
    prefix = settings.CASE_NUMBER_PREFIX
    return (
        f"WITH n AS ({_bump()}) UPDATE {cases} SET number = %s || n.last_value::text "
        f"FROM n WHERE {cases}.id = %s RETURNING number",
        [prefix, number_stem(prefix), case_id],
    )


def take_number(case_id: int) -> str:
    """Give the new case `case_id` the next number, inside the caller's transaction."""
    prefix = settings.CASE_NUMBER_PREFIX
    with connection.cursor() as cursor:
        for _ in range(2):
            if connection.vendor == "postgresql":  # bump, read and store: one statement
                cursor.execute(*_numbering(case_id))
                row = cursor.fetchone()
                if row is not None:
                    return str(row[0])
            else:  # SQLite has no UPDATE inside WITH; two statements, no round trips
                cursor.execute(_bump(), [prefix])
                row = cursor.fetchone()
                if row is not None:
                    number = format_number(prefix, row[0])
                    update_rows(Case, {"id": case_id}, number=number)
                    return number
            CaseNumberSequence.objects.get_or_create(prefix=prefix)  # the first case with this prefix
    raise RuntimeError(f"no number sequence for {prefix!r}")


@contextmanager
def taken_on_demand(case: Case) -> Iterator[None]:
    """Inside the block, reading the number of the unnumbered new case `case` (this
    instance or any copy of it) takes it then; `case` gets it too. An opening
    inside another's handlers leaves the outer case to the outer block."""
    outer = number_on_demand.get()

    def take(instance: Any) -> str | None:
        if instance.pk != case.pk:
            return outer(instance) if outer is not None else None
        number = case.__dict__["number"]
        if number is None:
            number = case.__dict__["number"] = take_number(case.pk)
        instance.__dict__["number"] = number
        return number

    token = number_on_demand.set(take)
    try:
        yield
    finally:
        number_on_demand.reset(token)


def number_last(case: Case) -> None:
    """Take the new case's number now, unless a handler read it already: the last
    write of its opening, so the sequence row is locked only until the commit."""
    if case.__dict__["number"] is None:
        case.number = take_number(case.pk)


def reserve_numbers(count: int) -> int:
    """Reserve `count` consecutive numbers for a bulk import; returns the first."""
    prefix = settings.CASE_NUMBER_PREFIX
    with transaction.atomic():
        CaseNumberSequence.objects.get_or_create(prefix=prefix)
        CaseNumberSequence.objects.filter(prefix=prefix).update(last_value=F("last_value") + count)
        last = CaseNumberSequence.objects.get(prefix=prefix).last_value
    return last - count + 1
