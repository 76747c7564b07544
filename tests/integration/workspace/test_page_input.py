"""What the agent's pages do with input no form of theirs would send: a NUL
character, digits `int()` refuses, ids and dates no column holds, a made-up
cursor, a `next` that is no page of the site. Each is refused with a message or
a 400 naming the field, and nothing is stored; none is a server error (each was
one, on SQLite or PostgreSQL)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from casework.cases.models import Case, SavedView

HUGE = "9" * 20
FAR_DATE = "9999-12-31T23:59:59-23:59"  # a date whose UTC moment is past year 9999


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/cases/CS-1%00/", "number"),
        ("/?tag=%00", "tag"),
        ("/search?q=printer%00", "q"),
        ("/contacts/lookup?q=a%00b", "q"),
        ("/kb/?q=%00", "q"),
    ],
)
def test_a_nul_character_in_an_address_is_a_400_naming_the_field(desk: Client, path: str, field: str) -> None:
    response = desk.get(path)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field} contains a NUL character")


def test_a_nul_character_in_a_form_stores_nothing(desk: Client, make_case: Any) -> None:
    case = make_case()
    before = Case.objects.count()
    response = desk.post(
        "/cases/new", {"title": "Printer\x00", "description": "d", "new_email": "a@b.example"}
    )
    assert response.status_code == 400 and b"title contains a NUL character" in response.content
    response = desk.post(f"/cases/{case.number}/messages", {"mode": "note", "text": "hi\x00"})
    assert response.status_code == 400
    assert Case.objects.count() == before and not case.messages.exists()


@pytest.mark.parametrize(
    "query",
    [
        "assignee=²",
        f"assignee={'1' * 5000}",
        f"team={HUGE}",
        f"account={HUGE}",
        f"contact={HUGE}",
        f"case_type={HUGE}",
        f"created_after={FAR_DATE}",
    ],
)
@pytest.mark.parametrize("layout", ["/", "/board"])
def test_a_list_filter_no_column_can_hold_is_refused_with_a_message(
    desk: Client, make_case: Any, layout: str, query: str
) -> None:
    make_case()
    response = desk.get(f"{layout}?{query}")
    assert response.status_code == 302, response.status_code
    assert desk.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "values", [[{"dt": "bad"}, 1], [{"dt": 5}, 1], ["x", "y"], [[1], [2]], [1, int(HUGE)], [1]]
)
def test_a_made_up_cursor_is_refused_with_a_message(desk: Client, make_case: Any, values: list[Any]) -> None:
    make_case()
    response = desk.get(f"/?sort=priority&cursor={_cursor(values)}")
    assert response.status_code == 302, response.status_code
    assert desk.get(response["Location"]).status_code == 200


def test_a_blank_filter_counts_as_none(desk: Client, make_case: Any) -> None:
    make_case(title="Printer on fire")
    assert desk.get("/?account=%20&contact=%20").status_code == 200


@pytest.mark.parametrize(
    "extra",
    [{"account": HUGE}, {"case_type": HUGE}, {"created_after": FAR_DATE}, {"team": "²"}, {"contact": " "}],
)
def test_a_view_that_could_not_run_is_not_saved(desk: Client, extra: dict[str, str]) -> None:
    response = desk.post("/views/save", {"name": "Mine", "sort": "-updated", **extra})
    assert response.status_code == 302
    if "contact" in extra:  # a blank contact is no filter
        assert "contact" not in SavedView.objects.get().filters
    else:
        assert not SavedView.objects.exists()
    assert desk.get("/views/counts").status_code == 200


@pytest.mark.parametrize("field", ["version", "assignee", "team"])
def test_digits_int_refuses_in_the_field_panel_are_no_server_error(
    desk: Client, make_case: Any, field: str
) -> None:
    case = make_case()
    form = {"status": "open", "orig_status": "new", "version": "1", field: "²", f"orig_{field}": ""}
    response = desk.post(f"/cases/{case.number}/fields", form)
    assert response.status_code < 500


def test_a_new_case_form_with_superscript_ids_is_no_server_error(desk: Client) -> None:
    assert desk.get("/cases/new?contact=²").status_code == 200
    response = desk.post("/cases/new", {"title": "Printer", "contact": "²", "team": "²"})
    assert response.status_code == 422
    assert not Case.objects.exists()


@pytest.mark.parametrize("target", ["abc", " ", "https://evil.example/", "//evil.example/x"])
def test_next_that_is_no_page_of_the_site_goes_home(desk: Client, make_case: Any, target: str) -> None:
    case = make_case()
    response = desk.post(
        "/cases/bulk", {"action": "priority", "value": "high", "case": case.number, "next": target}
    )
    assert (response.status_code, response["Location"]) == (302, "/")
    response = desk.post("/views/save", {"name": "", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_next_on_the_site_is_followed(desk: Client, make_case: Any) -> None:
    case = make_case()
    response = desk.post(
        "/cases/bulk", {"action": "priority", "value": "high", "case": case.number, "next": "/?view=mine"}
    )
    assert response["Location"] == "/?view=mine"


def test_a_saved_view_stored_with_a_filter_the_list_cannot_run_fails_no_page(
    desk: Client, agent: Any
) -> None:
    """One saved before its filters were checked: left out of the rail, refused when opened."""
    broken = SavedView.objects.create(name="Far", owner=agent, filters={"created_after": FAR_DATE})
    page = desk.get("/")
    assert page.status_code == 200 and b"Far" not in page.content
    assert desk.get("/views/counts").status_code == 200
    assert desk.get(f"/?view=saved-{broken.pk}").status_code == 302
    for key in ("saved-²", f"saved-{HUGE}"):
        assert desk.get(f"/?view={key}").status_code in (200, 302)
