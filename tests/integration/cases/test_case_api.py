"""The case API as an integrator meets it: create, read, change, list, search."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from casework.cases import services
from casework.cases.models import Case, Tag, TimelineEvent
from casework.core.actors import Actor
from tests.factories import ApiClient, ContactFactory, TeamFactory, UserFactory
from tests.round_trips import round_trips, statements_sent

pytestmark = pytest.mark.django_db


def test_open_case_with_a_new_contact_by_email(api: ApiClient, team) -> None:
    status, body, response = api.post(
        "/cases",
        {
            "title": "Invoice shows the wrong VAT",
            "priority": "high",
            "team": team.pk,
            "contact": {"email": "Maria@Example.com", "name": "Maria Schmidt"},
            "tags": ["Billing", "vip"],
        },
    )
    assert status == 201, body
    assert body["number"].startswith("CS-")
    assert body["status"] == "new" and body["priority"] == "high" and body["channel"] == "api"
    assert body["contact"]["email"] == "maria@example.com"
    assert body["tags"] == ["billing", "vip"]
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/cases/{body['number']}"
    kinds = [e["kind"] for e in api.get(f"/cases/{body['number']}/timeline")[1]]
    assert kinds == ["created"]


def test_same_idempotency_key_twice_yields_one_case(api: ApiClient, team) -> None:
    payload = {"title": "Printer jam", "team": team.pk}
    first = api.post("/cases", payload, **{"Idempotency-Key": "order-77"})
    second = api.post("/cases", payload, **{"Idempotency-Key": "order-77"})
    assert first[0] == second[0] == 201
    assert first[1]["number"] == second[1]["number"]
    assert Case.objects.count() == 1


def test_case_numbers_follow_each_other_without_gaps(api: ApiClient, team) -> None:
    numbers = [api.post("/cases", {"title": f"Case {i}", "team": team.pk})[1]["number"] for i in range(3)]
    values = [int(n.split("-")[1]) for n in numbers]
    assert values == list(range(values[0], values[0] + 3))


def test_a_new_prefix_starts_its_own_numbers(api: ApiClient, team, settings) -> None:
    api.post("/cases", {"title": "Before the change", "team": team.pk})
    settings.CASE_NUMBER_PREFIX = "INC"
    numbers = [api.post("/cases", {"title": f"Case {i}", "team": team.pk})[1]["number"] for i in range(2)]
    assert numbers == ["INC-1001", "INC-1002"]
    assert list(Case.objects.filter(number__in=numbers).values_list("title", flat=True).order_by("id")) == [
        "Case 0",
        "Case 1",
    ]


def test_stale_patch_gets_412_and_changes_nothing(api: ApiClient, team) -> None:
    number = api.post("/cases", {"title": "Slow dashboard", "team": team.pk})[1]["number"]
    ok = api.patch(f"/cases/{number}", {"priority": "urgent"}, **{"If-Match": '"1"'})
    assert ok[0] == 200 and ok[1]["version"] == 2 and ok[2]["ETag"] == '"2"'
    stale = api.patch(f"/cases/{number}", {"title": "Overwritten"}, **{"If-Match": '"1"'})
    assert stale[0] == 412
    assert stale[1]["field"] == "version" and stale[1]["current_version"] == 2
    stale_body = api.patch(f"/cases/{number}", {"title": "Overwritten", "version": 1})
    assert stale_body[0] == 412
    assert api.get(f"/cases/{number}")[1]["title"] == "Slow dashboard"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("new", "closed"),
        ("new", "new"),
        ("open", "closed"),
        ("pending", "closed"),
    ],
)
def test_invalid_transition_is_409_listing_the_allowed_ones(
    api: ApiClient, team, path: str, target: str
) -> None:
    number = api.post("/cases", {"title": "Transition test", "team": team.pk})[1]["number"]
    if path != "new":
        api.patch(f"/cases/{number}", {"status": path})
    status, body, _ = api.patch(f"/cases/{number}", {"status": target})
    if path == target:  # setting the current status again changes nothing
        assert status == 200
        return
    assert status == 409, body
    assert body["field"] == "status"
    assert target not in body["allowed"] and body["allowed"]


def test_final_case_refuses_every_status_change(api: ApiClient, team) -> None:
    number = api.post("/cases", {"title": "Cancel me", "team": team.pk})[1]["number"]
    assert api.patch(f"/cases/{number}", {"status": "cancelled"})[0] == 200
    for target in ("open", "new", "pending", "resolved", "closed"):
        status, body, _ = api.patch(f"/cases/{number}", {"status": target})
        assert status == 409 and body["allowed"] == []


def test_resolve_needs_summary_code_and_assignee(api: ApiClient, agent, team) -> None:
    number = api.post("/cases", {"title": "Needs fix", "team": team.pk})[1]["number"]
    status, body, _ = api.patch(f"/cases/{number}", {"status": "resolved"})
    assert status == 409
    assert {m.split(":")[0] for m in body["missing"]} == {"resolution_summary", "resolution_code", "assignee"}
    status, body, _ = api.patch(
        f"/cases/{number}",
        {
            "status": "resolved",
            "assignee": agent.pk,
            "resolution_code": "solved",
            "resolution_summary": "Replaced the cable",
        },
    )
    assert status == 200 and body["status"] == "resolved" and body["resolved_at"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"title": ', "body"),
        ('{"title": 5}', "title"),
        ('{"title": "ok", "colour": "red"}', "colour"),
        ('{"title": "ok", "priority": "critical"}', "priority"),
        ('{"title": "ok", "channel": "fax"}', "channel"),
        ('{"title": "ok", "team": "support"}', "team"),
        ('{"title": ""}', "title"),
        ('{"description": "no title"}', "title"),
        ('{"title": "ok", "contact": {"email": "not-an-address"}}', "contact"),
        ('{"title": "ok", "team": 999999}', "team"),
        ('{"title": "ok", "assignee": 999999}', "assignee"),
        ("[]", "body"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(api: ApiClient, raw: str, field: str) -> None:
    status, body, _ = api.post("/cases", raw=raw)
    assert 400 <= status < 500, body
    named = {e["field"] for e in body["errors"]} | {body["field"]}
    assert any(n and (n == field or n.startswith(field)) for n in named), body
    assert Case.objects.count() == 0


def test_ten_megabyte_body_is_refused_without_a_trace(api: ApiClient) -> None:
    status, body, _ = api.post("/cases", raw='{"title": "' + "a" * (10 * 1024 * 1024) + '"}')
    assert status == 413 and body["field"] == "body"
    assert Case.objects.count() == 0


def test_unknown_case_and_missing_token(api: ApiClient) -> None:
    assert api.get("/cases/CS-999999")[0] == 404
    anonymous = ApiClient.__new__(ApiClient)
    from django.test import Client

    anonymous.client = Client()
    status, body, _ = anonymous.get("/cases")
    assert status == 401 and body["field"] == "Authorization"


def test_reply_note_and_link(api: ApiClient, team) -> None:
    a = api.post("/cases", {"title": "Main", "team": team.pk})[1]["number"]
    b = api.post("/cases", {"title": "Same thing", "team": team.pk})[1]["number"]
    status, reply, _ = api.post(f"/cases/{a}/messages", {"text": "We are on it"})
    assert status == 201 and reply["direction"] == "outbound" and reply["visibility"] == "public"
    status, note, _ = api.post(f"/cases/{a}/notes", {"text": "Looks like the known bug"})
    assert status == 201 and note["visibility"] == "internal"
    assert api.post(f"/cases/{b}/links", {"case": a, "kind": "duplicate_of"})[0] == 201
    assert api.post(f"/cases/{b}/links", {"case": a, "kind": "duplicate_of"})[0] == 409
    assert api.post(f"/cases/{b}/links", {"case": b})[0] == 422
    case = api.get(f"/cases/{a}")[1]
    assert case["status"] == "open" and case["first_response_at"]
    kinds = [e["kind"] for e in api.get(f"/cases/{a}/timeline")[1]]
    assert kinds == ["created", "agent_reply", "status_changed", "note", "linked"]


def test_list_filters_sort_and_cursor_pages_are_stable_under_inserts(api: ApiClient, team, agent) -> None:
    numbers = [
        api.post("/cases", {"title": f"Case {i}", "team": team.pk, "priority": p})[1]["number"]
        for i, p in enumerate(["low", "urgent", "normal", "high", "urgent"])
    ]
    api.patch(f"/cases/{numbers[0]}", {"assignee": agent.pk})
    status, page, _ = api.get("/cases?sort=-priority&limit=2")
    assert status == 200
    assert [c["priority"] for c in page["items"]] == ["urgent", "urgent"]
    api.post("/cases", {"title": "Inserted meanwhile", "team": team.pk, "priority": "urgent"})
    rest = api.get(f"/cases?sort=-priority&limit=10&cursor={page['next_cursor']}")[1]
    seen = [c["number"] for c in page["items"] + rest["items"]]
    assert sorted(seen) == sorted(numbers) and len(set(seen)) == 5
    assert [c["number"] for c in api.get("/cases?assignee=me")[1]["items"]] == [numbers[0]]
    assert len(api.get("/cases?assignee=none")[1]["items"]) == 5
    assert len(api.get("/cases?status=new&status=open")[1]["items"]) == 6
    assert api.get("/cases?status=bogus")[0] == 422
    assert api.get("/cases?sort=colour")[1]["field"] == "sort"
    assert api.get("/cases?cursor=zzz")[1]["field"] == "cursor"


def test_full_text_search_over_title_description_and_messages(api: ApiClient, team) -> None:
    a = api.post("/cases", {"title": "Printer on fire", "description": "Smoke everywhere", "team": team.pk})[
        1
    ]["number"]
    b = api.post("/cases", {"title": "Login loop", "team": team.pk})[1]["number"]
    api.post(f"/cases/{b}/messages", {"text": "Please clear the cookies of your browser"})
    api.post(f"/cases/{a}/messages", {"text": "The extinguisher is on its way"})  # after a description
    assert [c["number"] for c in api.get("/cases?q=printer")[1]["items"]] == [a]
    assert [c["number"] for c in api.get("/cases?q=smoke")[1]["items"]] == [a]
    assert [c["number"] for c in api.get("/cases?q=extinguisher")[1]["items"]] == [a]
    assert [c["number"] for c in api.get("/cases?q=cookie")[1]["items"]] == [b]
    assert api.get("/cases?q=%22%29%28*%20OR")[0] == 200  # operator syntax is not an error


@pytest.mark.parametrize("few", [0, 500], ids=["common word: probed in list order", "rare word: looked up"])
def test_search_gives_the_same_ordered_pages_for_common_and_rare_words(
    api: ApiClient, team, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    from casework.core import search

    monkeypatch.setattr(search, "FEW_MATCHES", few)
    other = TeamFactory()
    numbers = [
        api.post("/cases", {"title": f"Invoice {i} wrong", "team": team.pk})[1]["number"] for i in range(5)
    ]
    api.post("/cases", {"title": "Printer jam", "team": team.pk})
    api.post("/cases", {"title": "Invoice of another team", "team": other.pk})  # not visible to the agent
    first = api.get("/cases?q=invoice&sort=-created&limit=3")[1]
    rest = api.get(f"/cases?q=invoice&sort=-created&limit=3&cursor={first['next_cursor']}")[1]
    assert [c["number"] for c in first["items"] + rest["items"]] == numbers[::-1]
    assert rest["next_cursor"] is None
    assert api.get("/cases?q=nothingmatches")[1]["items"] == []


def test_list_query_count_does_not_grow_with_the_page(api: ApiClient, team) -> None:
    contact = ContactFactory()
    for i in range(3):
        api.post(
            "/cases", {"title": f"Case {i}", "team": team.pk, "contact": contact.pk, "tags": ["a", f"t{i}"]}
        )
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/cases?limit=50")[1]["items"]) == 3
    for i in range(12):
        api.post(
            "/cases",
            {"title": f"More {i}", "team": team.pk, "contact": ContactFactory().pk, "tags": [f"x{i}"]},
        )
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/cases?limit=50")[1]["items"]) == 15
    assert len(many.captured_queries) == len(few.captured_queries)


def test_accounts_contacts_teams_users_crud(api_as, admin_user) -> None:
    api = api_as(admin_user)
    status, account, _ = api.post(
        "/accounts", {"name": "Northwind", "tier": "premium", "email_domains": ["northwind.example"]}
    )
    assert status == 201 and account["tier"] == "premium"
    assert api.post("/accounts", {"name": "X", "tier": "gold"})[1]["field"] == "tier"
    status, contact, _ = api.post(
        "/contacts",
        {"name": "Ann", "emails": ["ann@northwind.example", "ann@home.example"], "account": account["id"]},
    )
    assert status == 201 and contact["emails"] == ["ann@northwind.example", "ann@home.example"]
    assert api.post("/contacts", {"name": "Dup", "emails": ["ANN@northwind.example"]})[1]["field"] == "emails"
    assert (
        api.patch(f"/contacts/{contact['id']}", {"phone": "+49 1", "version": contact["version"]})[0] == 200
    )
    assert (
        api.patch(f"/contacts/{contact['id']}", {"phone": "+49 2", "version": contact["version"]})[0] == 412
    )
    status, team, _ = api.post("/teams", {"name": "Billing"})
    assert status == 201
    status, user, _ = api.post(
        "/users", {"email": "bea@staff.example", "role": "agent", "teams": [team["id"]]}
    )
    assert status == 201 and user["teams"] == [team["id"]]
    assert api.post("/users", {"email": "x@staff.example", "role": "wizard"})[1]["field"] == "role"
    assert api.patch(f"/users/{user['id']}", {"role": "lead"})[1]["role"] == "lead"
    assert [a["name"] for a in api.get("/accounts?q=north")[1]] == ["Northwind"]


def test_agents_cannot_manage_people(api: ApiClient) -> None:
    assert api.post("/teams", {"name": "Mine"})[0] == 403
    assert api.post("/users", {"email": "y@staff.example"})[0] == 403


def test_read_only_token_cannot_write(agent, team) -> None:
    from django.test import Client

    from casework.iam.services import create_token

    _, key = create_token(agent, "reports", scopes=("read",))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/cases").status_code == 200
    response = client.post("/api/v1/cases", {"title": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_timeline_events_are_never_updated_or_deleted(api: ApiClient, team) -> None:
    number = api.post("/cases", {"title": "Audit me", "team": team.pk})[1]["number"]
    event = TimelineEvent.objects.get(case__number=number)
    event.kind = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TimelineEvent.objects.filter(pk=event.pk).update(kind="x")
    with pytest.raises(TypeError):
        TimelineEvent.objects.filter(pk=event.pk).delete()


def test_openapi_is_served(api: ApiClient) -> None:
    status, spec, _ = api.get("/api/v1/openapi.json")
    assert status == 200 and "/api/v1/cases" in spec["paths"]
    assert "If-Match" in str(spec["paths"]["/api/v1/cases/{number}"]["patch"]["parameters"])


def test_agent_sees_own_teams_and_assigned_cases_only(api_as, lead) -> None:
    other_team = TeamFactory(name="Elsewhere")
    mine = TeamFactory(name="Mine")
    agent = UserFactory(role="agent", teams=[mine])
    lead_api = api_as(lead)
    foreign = lead_api.post("/cases", {"title": "Not yours", "team": other_team.pk})[1]["number"]
    assigned = lead_api.post(
        "/cases", {"title": "Yours by hand", "team": other_team.pk, "assignee": agent.pk}
    )[1]["number"]
    own = lead_api.post("/cases", {"title": "Team case", "team": mine.pk})[1]["number"]
    agent_api = api_as(agent)
    listed = {c["number"] for c in agent_api.get("/cases")[1]["items"]}
    assert listed == {assigned, own}
    assert agent_api.get(f"/cases/{foreign}")[0] == 404
    assert agent_api.patch(f"/cases/{foreign}", {"priority": "low"})[0] == 404
    assert len(lead_api.get("/cases")[1]["items"]) == 3


def test_every_listed_case_has_the_documented_shape(api: ApiClient, team) -> None:
    from casework.cases.schemas import CaseOut

    api.post("/cases", {"title": "Shape check", "team": team.pk, "contact": {"email": "shape@example.com"}})
    items = api.get("/cases")[1]["items"]
    assert items
    for item in items:
        assert set(item) == set(CaseOut.model_fields)
        CaseOut.model_validate(item)


def test_a_new_case_answers_in_the_documented_shape_as_a_read_does(api: ApiClient, team) -> None:
    """The new case's body is written out without schema validation: it must still
    carry every documented field, valid, and be what a read of the case returns."""
    from casework.accounts.models import Entitlement
    from casework.cases.schemas import CaseOut

    contact = ContactFactory()  # of an account, with a plan counted in cases (a decimal)
    Entitlement.objects.create(name="Plan", account=contact.account, unit="cases", total=5, remaining=5)
    status, created, _ = api.post(
        "/cases",
        {"title": "Shape of a new case", "team": team.pk, "tags": ["vip"], "contact": contact.pk},
    )
    assert status == 201
    assert set(created) == set(CaseOut.model_fields)
    CaseOut.model_validate(created)
    assert created["account"]["id"] == contact.account_id
    assert created["entitlement"]["name"] == "Plan" and created["entitlement"]["remaining"] == 4.0
    assert created == api.get(f"/cases/{created['number']}")[1]


def test_a_page_of_open_cases_is_read_in_four_statements(api: ApiClient, team) -> None:
    """The token with its user, the caller's teams, the page's ids, and the rows
    with their related names, tags and SLA clocks. No survey read: a case that
    never closed has none. On PostgreSQL no planner setting around the rows (two
    more statements, and a transaction)."""
    for i in range(3):
        api.post("/cases", {"title": f"Case {i}", "team": team.pk, "contact": ContactFactory().pk})
    with CaptureQueriesContext(connection) as page:
        items = api.get("/cases?limit=50")[1]["items"]
    assert [c["team"]["name"] for c in items] == [team.name] * 3
    assert all(c["contact"]["email"] for c in items)
    assert len(page.captured_queries) == 4


def test_a_new_case_links_its_tags_making_the_missing_ones_once(api: ApiClient, team) -> None:
    Tag.objects.create(name="billing")
    first = api.post(
        "/cases", {"title": "Refund", "team": team.pk, "tags": ["Billing", "new tag", "billing"]}
    )[1]
    second = api.post("/cases", {"title": "Refund again", "team": team.pk, "tags": ["new-tag"]})[1]
    assert first["tags"] == ["billing", "new-tag"] and second["tags"] == ["new-tag"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["billing", "new-tag"]
    assert api.get("/cases?tag=new-tag")[1]["items"][0]["number"] == second["number"]
    created = api.get(f"/cases/{first['number']}/timeline")[1][0]
    assert created["kind"] == "created" and created["data"]["tags"] == ["billing", "new-tag"]


def test_a_tag_made_after_the_names_were_kept_is_linked_all_the_same(
    api: ApiClient, team, django_capture_on_commit_callbacks
) -> None:
    """A process keeps the names of the tags its committed creations made sure of;
    a tag made elsewhere (here by a change to another case) is not among them,
    and is linked once made sure of."""
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/cases", {"title": "Keeps the name", "team": team.pk, "tags": ["billing"]})
    other = api.post("/cases", {"title": "Other", "team": team.pk})[1]
    changed = api.patch(f"/cases/{other['number']}", {"tags": ["refund"], "version": other["version"]})
    assert changed[0] == 200
    created = api.post("/cases", {"title": "Both", "team": team.pk, "tags": ["refund", "billing"]})[1]
    assert created["tags"] == ["billing", "refund"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["billing", "refund"]


def test_a_tag_made_by_a_rolled_back_creation_is_made_again(
    agent, team, django_capture_on_commit_callbacks
) -> None:
    """Only a committed creation's tags are kept as made: one rolled back took its
    new tag with it, and the next case with that tag makes it again."""

    class Abandon(Exception):
        pass

    actor = Actor.agent(agent)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Abandon), transaction.atomic():
            services.open_case(actor, title="Rolled back", team=team, tags=["ghost"])
            raise Abandon
        case = services.open_case(actor, title="Kept", team=team, tags=["ghost"])
    assert list(case.tags.values_list("name", flat=True)) == ["ghost"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["ghost"]


def test_opening_a_case_over_the_api_takes_a_fixed_few_round_trips(
    api: ApiClient, team, django_capture_on_commit_callbacks
) -> None:
    """Counted per database so that a read or write added to every creation shows:
    the row, its tags, the created event and the search entry go in one statement
    on PostgreSQL (a new tag adds one, in the same round trip). The
    number is the opening's last write: its lock on the sequence, which every other
    creation waits for, is held only from there to the commit."""
    contact = ContactFactory()
    with django_capture_on_commit_callbacks(execute=True):  # as if committed: the tags' names are kept
        api.post("/cases", {"title": "Warm-up", "team": team.pk, "contact": contact.pk, "tags": ["a", "b"]})
    with statements_sent() as sent:
        status, case, _ = api.post(
            "/cases", {"title": "Counted", "team": team.pk, "contact": contact.pk, "tags": ["a", "b"]}
        )
    assert status == 201 and case["tags"] == ["a", "b"]
    # Not counted: savepoints (the test's own transaction) and the configuration's
    # freshness check, which tests make on every read and a server once a second.
    counted = [(sql, piped) for sql, piped in sent if not re.search("SAVEPOINT|core_configstamp", sql)]
    listing = "\n".join(f"{'|' if piped else ' '} {sql[:90]}" for sql, piped in counted)
    # The token comes from memory after the warm-up's call (`authenticate_token`).
    assert not [sql for sql, _ in counted if "iam_apitoken" in sql], listing
    assert round_trips(counted) == (7 if connection.vendor == "postgresql" else 11), listing
    if connection.vendor == "postgresql":
        joined = [sql for sql, _ in counted if sql.startswith('WITH w0 AS (INSERT INTO "cases_case"')]
        assert len(joined) == 1 and all(
            t in joined[0] for t in ("cases_case_tags", "timelineevent", "searchdoc")
        )
        assert len(counted) == 7, listing
    # The contact holds no entitlement (kept like configuration): none is read.
    assert not [sql for sql, _ in counted if sql.startswith('SELECT "accounts_entitlement"')], listing
    writes = [sql for sql, _ in counted if re.match(r"\s*(WITH|INSERT|UPDATE|DELETE)\b", sql)]
    bump = next(i for i, sql in enumerate(writes) if "cases_casenumbersequence" in sql)
    assert all('"number"' in sql for sql in writes[bump + 1 :]), listing  # only the number after it
    assert Case.objects.get(number=case["number"]).title == "Counted"
