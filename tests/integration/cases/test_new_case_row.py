"""While a case is being opened, the handlers that react to it read its row from
memory, as the database would give it, until a write of the transaction changes
the case; then from the database again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casework.cases import selectors
from casework.cases.events import CaseCreated
from casework.cases.models import Case
from casework.cases.services import numbering
from casework.core import events
from casework.core.prepared import update_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_opening() -> Iterator[Callable[..., None]]:
    """Run handlers of one's own after the other areas' on every case opened."""
    added: list[Any] = []

    def add(*handlers: Any) -> None:
        for handler in handlers:
            events.subscribe(CaseCreated, handler)
            added.append(handler)

    yield add
    for handler in added:
        events.unsubscribe(CaseCreated, handler)


def test_the_handlers_read_the_new_case_as_stored_without_a_query(make_case: Any, on_opening: Any) -> None:
    seen: list[tuple[Case, int]] = []

    def read(event: CaseCreated) -> None:
        with CaptureQueriesContext(connection) as queries:
            case = selectors.stored_case(event.case_id)
        assert case is not None
        seen.append((case, len(queries)))

    on_opening(read)
    opened = make_case(title="Scanner offline", tags=["hardware"], custom_fields={})
    case, queries = seen[0]
    assert queries == 0
    stored = Case.objects.get(pk=opened.pk)
    for field in Case._meta.concrete_fields:  # every column as a read gives it
        if field.attname != "number":  # taken after the handlers, or when one reads it (test_triggers)
            assert getattr(case, field.attname) == getattr(stored, field.attname), field.name


def test_a_write_to_the_case_sends_later_reads_to_the_database(make_case: Any, on_opening: Any) -> None:
    titles: list[str] = []

    def retitle(event: CaseCreated) -> None:
        update_rows(Case, {"id": event.case_id}, title="Retitled by a rule")

    def read_before(event: CaseCreated) -> None:
        titles.append(selectors.stored_case(event.case_id).title)  # type: ignore[union-attr]

    def read_after(event: CaseCreated) -> None:
        read_before(event)

    on_opening(read_before, retitle, read_after)
    make_case(title="Printer jam")
    assert titles == ["Printer jam", "Retitled by a rule"]


def test_each_reader_gets_its_own_copy(make_case: Any, on_opening: Any) -> None:
    copies: list[Case] = []

    def meddle(event: CaseCreated) -> None:
        case = selectors.stored_case(event.case_id)
        assert case is not None
        case.title = "Changed in memory only"
        case.assignment_reason["why"] = "not stored"
        copies.append(case)

    def read(event: CaseCreated) -> None:
        copies.append(selectors.stored_case(event.case_id))  # type: ignore[arg-type]

    on_opening(meddle, read)
    make_case(title="Laptop will not boot")
    assert copies[1].title == "Laptop will not boot" and copies[1].assignment_reason == {}


def test_other_cases_and_reads_after_the_opening_go_to_the_database(make_case: Any, on_opening: Any) -> None:
    other = make_case(title="Older case")
    reads: list[int] = []

    def read_other(event: CaseCreated) -> None:
        with CaptureQueriesContext(connection) as queries:
            assert selectors.stored_case(other.pk).title == "Older case"  # type: ignore[union-attr]
        reads.append(len(queries))

    on_opening(read_other)
    opened = make_case(title="Newer case")
    with CaptureQueriesContext(connection) as after:
        assert selectors.stored_case(opened.pk).title == "Newer case"  # type: ignore[union-attr]
    assert reads[-1] == 1 and len(after) == 1


def test_the_rules_see_the_new_cases_related_names_without_a_query(
    make_case: Any, on_opening: Any, team: Any
) -> None:
    seen: list[tuple[Any, int]] = []

    def read(event: CaseCreated) -> None:
        with CaptureQueriesContext(connection) as queries:
            names = selectors.stored_names(event.case_id)
        seen.append((names, len(queries)))

    on_opening(read)
    opened = make_case(title="Badge reader", team=team, tags=["hardware", "access"])
    names, queries = seen[0]
    assert queries == 0
    stored = Case.objects.select_related("team", "account", "case_type", "service").get(pk=opened.pk)
    assert names == selectors.Names(
        case_type=stored.case_type.name if stored.case_type else "",
        service=stored.service.name if stored.service else "",
        account_tier=stored.account.tier if stored.account else "",
        team=stored.team.name,  # type: ignore[union-attr]
        tags=("access", "hardware"),
    )
    assert names.team == team.name and stored.account is not None and names.account_tier


def test_a_change_of_tags_sends_later_name_reads_to_the_database(make_case: Any, on_opening: Any) -> None:
    seen: list[Any] = []

    def retag(event: CaseCreated) -> None:
        Case.objects.get(pk=event.case_id).tags.clear()

    def read_before(event: CaseCreated) -> None:
        seen.append(selectors.stored_names(event.case_id))

    def read_after(event: CaseCreated) -> None:
        read_before(event)

    on_opening(read_before, retag, read_after)
    make_case(title="Printer jam", tags=["printer"])
    assert seen[0] is not None and seen[0].tags == ("printer",)
    assert seen[1] is None  # read from the database, where the tag is gone


def test_a_handler_may_save_its_copy_as_a_read_case(make_case: Any, on_opening: Any) -> None:
    def retitle(event: CaseCreated) -> None:
        case = selectors.stored_case(event.case_id)
        assert case is not None
        case.title = "Saved by a handler"
        case.save(update_fields=["title"])

    on_opening(retitle)
    opened = make_case(title="Monitor flickers")
    assert Case.objects.filter(title__in=["Monitor flickers", "Saved by a handler"]).count() == 1
    assert Case.objects.get(pk=opened.pk).title == "Saved by a handler"


def test_the_rules_get_the_new_cases_account_without_a_query(make_case: Any, on_opening: Any) -> None:
    seen: list[tuple[Case, int]] = []

    def read(event: CaseCreated) -> None:
        with CaptureQueriesContext(connection) as queries:
            case = selectors.case_for_rules(event.case_id, "account", "entitlement")
        seen.append((case, len(queries)))

    def meddle(event: CaseCreated) -> None:  # a reader's copy is its own
        selectors.case_for_rules(event.case_id, "account").account.email_domains.append("meddled.example")  # type: ignore[union-attr]

    on_opening(meddle, read)
    opened = make_case(title="Invoice missing")
    case, queries = seen[0]
    assert queries == 0
    stored = Case.objects.select_related("account").get(pk=opened.pk)
    assert stored.account is not None and case.account is not None and case.entitlement is None
    for field in type(stored.account)._meta.concrete_fields:
        assert getattr(case.account, field.attname) == getattr(stored.account, field.attname), field.name


def test_a_write_to_the_account_sends_later_reads_to_the_database(make_case: Any, on_opening: Any) -> None:
    tiers: list[tuple[str, int]] = []

    def upgrade(event: CaseCreated) -> None:
        case = selectors.case_for_rules(event.case_id, "account")
        type(case.account).objects.filter(pk=case.account_id).update(tier="premium")

    def read(event: CaseCreated) -> None:
        with CaptureQueriesContext(connection) as queries:
            tier = selectors.case_for_rules(event.case_id, "account").account.tier  # type: ignore[union-attr]
        tiers.append((tier, len(queries)))

    on_opening(upgrade, read)
    make_case(title="Upgrade")
    assert tiers[0][0] == "premium" and tiers[0][1] > 0


def test_a_number_read_inside_another_cases_opening_is_taken_for_its_own_case(team: Any) -> None:
    """Openings can nest (a handler opening a case): reading either unnumbered
    case's number inside both takes that case's own number, and only once."""
    with transaction.atomic():
        outer, inner = (Case.objects.create(title=title, team=team) for title in ("Outer", "Inner"))
        with numbering.taken_on_demand(outer), numbering.taken_on_demand(inner):
            outer_number = Case.objects.get(pk=outer.pk).number
            inner_number = Case.objects.get(pk=inner.pk).number
            assert outer_number and inner_number and outer_number != inner_number
            assert Case.objects.get(pk=outer.pk).number == outer_number  # stored, not taken again
        numbering.number_last(outer)  # the outer opening's last step: already numbered
        assert (outer.number, inner.number) == (outer_number, inner_number)
