"""Querysets compiled once give the same rows as the queryset itself, and the
one-statement insert and update store what the ORM would store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from casework.accounts.models import Contact
from casework.cases.models import Case, Tag, TimelineEvent
from casework.core.models import SearchDocument
from casework.core.prepared import (
    MOST_PREPARED_IDS,
    Prepared,
    PreparedIn,
    Writes,
    insert_row,
    kept_cursor,
    update_rows,
    upsert_row,
)
from tests.round_trips import round_trips, statements_sent

BY_ID = Prepared(lambda pk: Case.objects.filter(pk=pk))
TITLES_OF_CONTACT = Prepared(
    lambda contact_id, except_id: (
        Case.objects.filter(contact_id=contact_id)
        .exclude(pk=except_id)
        .order_by("id")
        .values_list("title", flat=True)
    )
)
AS_DICTS = Prepared(lambda pk: Case.objects.filter(pk=pk).values("number", "custom_fields", "created_at"))


def test_a_prepared_read_gives_the_case_the_orm_gives(make_case: Any) -> None:
    case = make_case(title="Printer on fire")
    Case.objects.filter(pk=case.pk).update(custom_fields={"serial": "X-1"})
    expected = Case.objects.get(pk=case.pk)
    for _ in range(2):  # compiled on first use, reused after
        got = BY_ID.first(case.pk)
        assert got is not None and not got._state.adding
        assert [getattr(got, f.attname) for f in Case._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in Case._meta.concrete_fields
        ]
    assert got.created_at.tzinfo is not None and got.custom_fields == {"serial": "X-1"}
    assert BY_ID.first(case.pk + 10_000) is None


def test_a_read_case_is_saved_as_the_orms_would_be(make_case: Any) -> None:
    case = make_case(title="Before")
    got = BY_ID.first(case.pk)
    assert got == case and got._state.db == "default"
    got.title = "After"
    got.save(update_fields=["title"])  # an UPDATE of the row, not a second case
    assert list(Case.objects.values_list("title", flat=True)) == ["After"]


def test_a_model_whose_construction_is_watched_is_built_by_its_constructor(make_case: Any) -> None:
    case = make_case(title="Watched")
    seen: list[int] = []

    def watch(sender: Any, instance: Case, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_init.connect(watch, sender=Case)
    try:
        BY_ID.first(case.pk)
    finally:
        post_init.disconnect(watch, sender=Case)
    assert seen == [case.pk]


def test_each_argument_lands_in_its_own_place(make_case: Any) -> None:
    first = make_case(title="First")
    second = make_case(title="Second", contact=first.contact)
    make_case(title="Someone else's", contact=Contact.objects.create(name="Other customer"))
    assert TITLES_OF_CONTACT.all(first.contact_id, first.pk) == ["Second"]
    assert TITLES_OF_CONTACT.all(first.contact_id, second.pk) == ["First"]
    row = AS_DICTS.first(first.pk)
    assert row["number"] == first.number and isinstance(row["created_at"], datetime)


def test_related_rows_come_in_the_same_statement(make_case: Any, django_assert_num_queries: Any) -> None:
    with_team = make_case(title="Router down")
    without = make_case(title="No team", team=None)
    read = Prepared(lambda pk: Case.objects.select_related("team", "assignee").filter(pk=pk))
    read.first(with_team.pk)  # compiled on first use
    team_name = with_team.team.name
    with django_assert_num_queries(2):
        got, alone = read.first(with_team.pk), read.first(without.pk)
        assert got.team.name == team_name and got.assignee is None
        assert alone.team is None


def test_insert_and_update_store_what_the_orm_stores(make_case: Any) -> None:
    case = make_case()
    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    event_id = insert_row(
        TimelineEvent,
        case_id=case.pk,
        kind="note",
        actor_kind="system",
        actor_label="Test",
        visibility="internal",
        data={"why": "ü ✓", "n": [1, 2]},
        created_at=at,
    )
    event = TimelineEvent.objects.get(pk=event_id)
    assert (event.case_id, event.data, event.created_at, event.actor_user_id) == (
        case.pk,
        {"why": "ü ✓", "n": [1, 2]},
        at,
        None,
    )
    assert update_rows(Case, {"id": case.pk}, title="Renamed", custom_fields={"a": 1}, resolved_at=at) == 1
    case.refresh_from_db()
    assert (case.title, case.custom_fields, case.resolved_at) == ("Renamed", {"a": 1}, at)
    assert update_rows(Case, {"id": case.pk + 10_000}, title="Nobody") == 0


def test_an_inserted_row_takes_the_defaults_of_columns_not_given(make_case: Any) -> None:
    case = make_case()
    event = TimelineEvent.objects.get(
        pk=insert_row(TimelineEvent, case_id=case.pk, kind="note", actor_kind="system")
    )
    assert (event.visibility, event.data, event.actor_label, event.message_id) == ("internal", {}, "", None)
    assert event.created_at is not None


def test_writes_sent_together_store_every_row_in_order(make_case: Any) -> None:
    case = make_case(title="Before")
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    note = {"case_id": case.pk, "kind": "note", "actor_kind": "system", "visibility": "internal"}
    with statements_sent() as sent, Writes() as writes:
        writes.update(Case, {"id": case.pk}, title="After", custom_fields={"tier": "gold"})
        writes.insert(
            TimelineEvent,
            [
                {**note, "data": {"n": 1}, "created_at": at},
                {**note, "data": {"n": 2}, "created_at": at},
                {**note, "data": {"n": 3}, "created_at": at, "actor_label": "Other columns"},
            ],
        )
        writes.update(Case, {"id": case.pk}, title="After, twice")
        assert len(sent) == 0  # nothing leaves before the block ends
    case.refresh_from_db()
    assert (case.title, case.custom_fields) == ("After, twice", {"tier": "gold"})
    events = TimelineEvent.objects.filter(case=case, kind="note").order_by("id")
    assert [(e.data["n"], e.actor_label) for e in events] == [(1, ""), (2, ""), (3, "Other columns")]
    # PostgreSQL takes them in one round trip; SQLite has none to save.
    assert len(sent) == 4 and round_trips(sent) == (1 if connection.vendor == "postgresql" else 4)


def test_a_refused_write_in_a_batch_is_djangos_error_and_undoes_the_batch(make_case: Any) -> None:
    first, second = make_case(title="First"), make_case(title="Second")
    with pytest.raises(IntegrityError), transaction.atomic(), Writes() as writes:
        writes.update(Case, {"id": first.pk}, title="Changed")
        writes.update(Case, {"id": second.pk}, number=first.number)  # numbers are unique
    first.refresh_from_db()
    assert first.title == "First"


def test_a_new_row_and_the_rows_given_its_id_are_stored_together(make_case: Any) -> None:
    """The batch's new row and its dependants: on PostgreSQL one statement (after
    the batch's other writes, in the same round trip), on SQLite one by one."""
    other = make_case(title="Other")
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    event = {"kind": "created", "actor_kind": "system", "visibility": "public", "created_at": at}
    with statements_sent() as sent, Writes() as writes:
        writes.update(Case, {"id": other.pk}, title="Other, changed")
        new_id = writes.insert_new(Case, title="New", created_at=at, updated_at=at, status_changed_at=at)
        writes.insert(TimelineEvent, [{**event, "case_id": new_id, "data": {"n": n}} for n in (1, 2)])
        documents = SearchDocument._meta.db_table
        writes.statement(
            f"INSERT INTO {documents} (kind, object_id, title, body) VALUES (%s, %s, %s, %s)",
            ["case", new_id, "New", "its body"],
        )
        assert new_id.value is None  # nothing leaves before the block ends
    assert Case.objects.get(pk=new_id.value).title == "New"
    assert Case.objects.get(pk=other.pk).title == "Other, changed"
    assert [e.data["n"] for e in TimelineEvent.objects.filter(case_id=new_id.value).order_by("id")] == [1, 2]
    assert SearchDocument.objects.get(kind="case", object_id=new_id.value).body == "its body"
    postgresql = connection.vendor == "postgresql"
    assert len(sent) == (2 if postgresql else 4) and round_trips(sent) == (1 if postgresql else 4)


def test_a_refused_write_given_the_new_id_leaves_no_new_row(db: Any) -> None:
    before = Case.objects.count()
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic(), Writes() as writes:
        new_id = writes.insert_new(Case, title="New", created_at=at, updated_at=at, status_changed_at=at)
        event = {"case_id": new_id, "kind": None, "actor_kind": "system", "created_at": at}
        writes.insert(TimelineEvent, [event])  # an event has a kind
    assert Case.objects.count() == before


def test_only_an_insert_takes_the_new_id(db: Any) -> None:
    """On PostgreSQL an UPDATE sent with the INSERT would not see the new row and
    change nothing, where SQLite would change it: refused on both."""
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="INSERT"), Writes() as writes:
        new_id = writes.insert_new(Case, title="New", created_at=at, updated_at=at, status_changed_at=at)
        writes.update(Case, {"id": new_id}, title="Renamed")


def test_a_batch_makes_one_new_row(db: Any) -> None:
    writes = Writes()
    writes.insert_new(Tag, name="first")
    with pytest.raises(ValueError, match="one new row"):
        writes.insert_new(Tag, name="second")


def test_a_refused_single_write_is_djangos_error(make_case: Any) -> None:
    first, second = make_case(title="First"), make_case(title="Second")
    with pytest.raises(IntegrityError), transaction.atomic():
        update_rows(Case, {"id": second.pk}, number=first.number)  # numbers are unique
    second.refresh_from_db()
    assert second.number != first.number


@pytest.mark.django_db(transaction=True)  # the connection is closed, as between requests
def test_reads_go_on_after_the_connection_is_replaced(make_case: Any) -> None:
    """Statements share one cursor per PostgreSQL connection; when the connection
    is closed (a restarted server, an expired one), the next read opens a new
    connection with a cursor of its own."""
    case = make_case(title="Still here")
    assert BY_ID.first(case.pk).title == "Still here"
    before = kept_cursor(connection)
    if connection.vendor == "postgresql":
        assert kept_cursor(connection) is before
    connection.close()
    assert BY_ID.first(case.pk).title == "Still here"
    assert kept_cursor(connection) is not before


def test_counted_queries_each_get_their_own_logged_cursor(make_case: Any) -> None:
    case = make_case(title="Counted")
    with CaptureQueriesContext(connection) as queries:
        BY_ID.first(case.pk)
        BY_ID.first(case.pk)
    assert len(queries.captured_queries) == 2


def test_writes_of_a_failed_block_are_never_sent(make_case: Any) -> None:
    case = make_case(title="Kept")
    with pytest.raises(RuntimeError), Writes() as writes:
        writes.update(Case, {"id": case.pk}, title="Lost")
        raise RuntimeError("the change was refused")
    case.refresh_from_db()
    assert case.title == "Kept"


def test_an_argument_may_appear_more_than_once(make_case: Any) -> None:
    first = make_case(title="First")
    second = make_case(title="Second", contact=first.contact)
    same_contact_elsewhere = Prepared(
        lambda pk: (
            Case.objects.filter(contact_id=Subquery(Case.objects.filter(pk=pk).values("contact_id")[:1]))
            .exclude(pk=pk)
            .values_list("title", flat=True)
        )
    )
    assert same_contact_elsewhere.all(first.pk) == ["Second"]
    assert same_contact_elsewhere.all(second.pk) == ["First"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are kept on PostgreSQL only")
def test_postgresql_keeps_the_plan_of_a_statement_run_twice(make_case: Any) -> None:
    case = make_case(title="Planned once")
    for _ in range(3):
        assert BY_ID.first(case.pk).title == "Planned once"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%cases_case%"]
        )
        kept = [row[0] for row in cursor.fetchall()]
    assert any('"cases_case"."id" = $1' in sql for sql in kept)


OF_CASES = PreparedIn(lambda ids: Case.objects.filter(pk__in=ids).order_by("id").values("id", "title"))
TAGS_NAMED = Prepared(lambda name: Tag.objects.filter(name=name))


def test_a_prepared_list_of_ids_reads_those_rows_in_one_statement(make_case: Any) -> None:
    cases = [make_case(title=f"Case {i}") for i in range(4)]
    ids = [c.pk for c in cases]
    assert OF_CASES.all([]) == []
    assert OF_CASES.all(ids[:2]) == [{"id": ids[0], "title": "Case 0"}, {"id": ids[1], "title": "Case 1"}]
    # Another list of the same length: the kept statement with new ids.
    with CaptureQueriesContext(connection) as first:
        assert [r["title"] for r in OF_CASES.all(ids[2:])] == ["Case 2", "Case 3"]
    assert len(first.captured_queries) == 1
    assert [r["title"] for r in OF_CASES.all(list(reversed(ids)))] == ["Case 0", "Case 1", "Case 2", "Case 3"]
    assert [r["title"] for r in OF_CASES.all([ids[0], ids[0]])] == ["Case 0"]  # a repeated id, one row


def test_a_list_longer_than_kept_statements_is_read_all_the_same(make_case: Any) -> None:
    case = make_case(title="Among many")
    ids = [case.pk, *range(-MOST_PREPARED_IDS - 5, 0)]  # ids no case has
    assert OF_CASES.all(ids) == [{"id": case.pk, "title": "Among many"}]


def test_a_string_argument_binds_a_text_column(db: Any) -> None:
    Tag.objects.create(name="billing")
    Tag.objects.create(name="outage")
    for name in ("billing", "outage"):
        assert TAGS_NAMED.first(name).name == name
    assert TAGS_NAMED.first("nothing") is None
    assert [t.name for t in PreparedIn(lambda names: Tag.objects.filter(name__in=names)).all(["outage"])] == [
        "outage"
    ]


def test_an_upsert_inserts_the_row_then_sets_only_the_values_given(db: Any) -> None:
    key = {"kind": "case", "object_id": 41}
    upsert_row(SearchDocument, key, title="Printer jams")  # body takes its default
    upsert_row(SearchDocument, key, body="Tray 2 again")  # the title stays
    upsert_row(SearchDocument, key)  # nothing to set: the row is kept as it is
    (doc,) = SearchDocument.objects.filter(**key)
    assert (doc.title, doc.body) == ("Printer jams", "Tray 2 again")
    upsert_row(SearchDocument, {"kind": "case", "object_id": 42})
    assert SearchDocument.objects.get(kind="case", object_id=42).title == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database instead")
@pytest.mark.django_db(transaction=True)
def test_a_prepared_locking_read_holds_its_rows_until_commit(make_case: Any) -> None:
    import psycopg
    from django.db import transaction

    case = make_case(title="Locked")
    locking = Prepared(
        lambda pk: Case.objects.select_for_update(of=("self",)).select_related("team").filter(pk=pk)
    )
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        for _ in range(2):  # compiled on the first run, bound on the second
            with transaction.atomic():
                assert locking.first(case.pk).team is not None
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE NOWAIT", [case.pk])
            other.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE NOWAIT", [case.pk])
