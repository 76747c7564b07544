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
from casework.core.prepared import kept_cursor, update_rows


def _bump() -> str:
    """Take the prefix's next value (`%s`: the prefix); no row back means the prefix
    has no sequence yet."""
    sequence = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    return f"UPDATE {sequence} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value"


def _numbering(case_id: int) -> tuple[str, list[Any]]:
    """On PostgreSQL, one statement bumps the sequence (making it for the prefix's
    first case) and stores the number on the case, returning it."""
    cases = connection.ops.quote_name(Case._meta.db_table)
    sequence = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    prefix = settings.CASE_NUMBER_PREFIX
    first = CaseNumberSequence._meta.get_field("last_value").get_default() + 1
    return (
        f"WITH n AS (INSERT INTO {sequence} (prefix, last_value) VALUES (%s, %s) "
        f"ON CONFLICT (prefix) DO UPDATE SET last_value = {sequence}.last_value + 1 RETURNING last_value) "
        f"UPDATE {cases} SET number = %s || n.last_value::text FROM n WHERE {cases}.id = %s RETURNING number",
        [prefix, first, number_stem(prefix), case_id],
    )


def take_number(case_id: int) -> str:
    """Give the new case `case_id` the next number, inside the caller's transaction."""
    prefix = settings.CASE_NUMBER_PREFIX
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # bump, read and store: one statement
            cursor.execute(*_numbering(case_id))
            return str(cursor.fetchone()[0])
        # SQLite has no UPDATE inside WITH; two statements, no round trips
        for _ in range(2):
            cursor.execute(_bump(), [prefix])
            row = cursor.fetchone()
            if row is not None:
                number = format_number(prefix, row[0])
                update_rows(Case, {"id": case_id}, number=number)
                return number
            CaseNumberSequence.objects.get_or_create(prefix=prefix)  # the first case with this prefix
    raise RuntimeError(f"no number sequence for {prefix!r}")


def _take_number_and_commit(case_id: int) -> str:
    """`take_number` and the COMMIT of the (outermost) transaction in one round trip
    on PostgreSQL: the sequence row's lock, which every other creation waits for,
    is released by the server right after the bump, never held across a round trip
    or this process's wait for its turn on a CPU. Django commits afterwards with
    nothing left to do, then runs the on-commit callbacks."""
    cursor = kept_cursor(connection)
    with connection.wrap_database_errors, connection.connection.pipeline():
        cursor.execute(*_numbering(case_id))
        connection.connection.execute("COMMIT", prepare=False)
    return str(cursor.fetchone()[0])


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


def number_last(case: Case, *, commit: bool = False) -> None:
    """Take the new case's number now, unless a handler read it already: the last
    write of its opening, so the sequence row is locked only until the commit.
    `commit`: the opening is the outermost transaction, and commits with it."""
    if case.__dict__["number"] is not None:
        return
    if commit and connection.vendor == "postgresql":
        case.number = _take_number_and_commit(case.pk)
    else:
        case.number = take_number(case.pk)


def reserve_numbers(count: int) -> int:
    """Reserve `count` consecutive numbers for a bulk import; returns the first."""
    prefix = settings.CASE_NUMBER_PREFIX
    with transaction.atomic():
        CaseNumberSequence.objects.get_or_create(prefix=prefix)
        CaseNumberSequence.objects.filter(prefix=prefix).update(last_value=F("last_value") + count)
        last = CaseNumberSequence.objects.get(prefix=prefix).last_value
    return last - count + 1
