"""The case page: header, customer panel, timeline, composer, field panel and
the conflict screen."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.cases import services
from casework.cases.selectors import get_case
from casework.core.actors import Actor
from tests.factories import TeamFactory, UserFactory

HX = {"HX-Request": "true"}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def field_form(html: str) -> dict[str, str]:
    """What the field panel would post as loaded, like a browser would."""
    form = {"version": hidden(html, "version")}
    for name in ("status", "priority", "assignee", "team", "tags", "resolution_code", "resolution_summary"):
        form[f"orig_{name}"] = form[name] = hidden(html, f"orig_{name}")
    return form


def test_case_page_answers_who_what_and_by_when(desk: Client, agent: Any, make_case: Any) -> None:
    case = make_case(title="Printer on fire", description="Smoke everywhere", tags=["hardware"])
    earlier = make_case(title="Earlier trouble")
    response = desk.get(f"/cases/{case.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Printer on fire" in html and "Casey Customer" in html
    assert earlier.number in html  # the customer's other cases
    assert "opened the case" in html
    for panel in ("sla", "routing", "automation", "kb", "mail"):
        assert f'hx-get="/{panel}/case/{case.number}/panel"' in html


def test_another_teams_case_is_not_found(desk: Client, make_case: Any) -> None:
    other = make_case(team=TeamFactory(name="Elsewhere"))
    assert desk.get(f"/cases/{other.number}/").status_code == 404


def test_reply_from_the_composer_lands_in_the_timeline(desk: Client, agent: Any, make_case: Any) -> None:
    case = make_case()
    response = desk.post(
        f"/cases/{case.number}/messages",
        {"mode": "reply", "text": "We are on it", "attachments": SimpleUploadedFile("log.txt", b"hello")},
        headers=HX,
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "composer-sent"
    html = response.content.decode()
    assert "We are on it" in html and "log.txt" in html
    assert re.search(r'id="case-header"[^>]*hx-swap-oob="true"', html)
    assert get_case(agent, case.number).status == "open"  # replying to a new case opens it
    attachment_url = re.search(r'href="(/cases/[^"]+/attachments/\d+)"', html).group(1)
    assert b"".join(desk.get(attachment_url).streaming_content) == b"hello"


def test_internal_note_is_marked_as_such(desk: Client, make_case: Any) -> None:
    case = make_case()
    desk.post(f"/cases/{case.number}/messages", {"mode": "note", "text": "Customer is a VIP"}, headers=HX)
    html = desk.get(f"/cases/{case.number}/timeline").content.decode()
    assert "Customer is a VIP" in html
    assert "msg-internal" in html and "Internal note" in html


def test_empty_reply_is_refused_with_a_reason(desk: Client, make_case: Any) -> None:
    case = make_case()
    response = desk.post(f"/cases/{case.number}/messages", {"mode": "reply", "text": " "}, headers=HX)
    assert response["HX-Retarget"] == "#composer-error"
    assert b"a reply needs text" in response.content


def test_saving_fields_changes_the_case(desk: Client, agent: Any, make_case: Any) -> None:
    case = make_case()
    form = field_form(desk.get(f"/cases/{case.number}/").content.decode())
    form.update(priority="urgent", assignee=str(agent.pk), tags="vip, billing")
    response = desk.post(f"/cases/{case.number}/fields", form, headers=HX)
    assert b"Saved." in response.content
    saved = get_case(agent, case.number)
    assert saved.priority_label == "urgent" and saved.assignee == agent
    assert sorted(t.name for t in saved.tags.all()) == ["billing", "vip"]


def test_a_stale_save_shows_what_changed_and_overwrites_nothing(
    desk: Client, agent: Any, team: Any, make_case: Any
) -> None:
    case = make_case()
    form = field_form(desk.get(f"/cases/{case.number}/").content.decode())
    colleague = UserFactory(name="Casey Colleague", role="agent", teams=[team])
    services.update_case(Actor.agent(colleague), case, {"priority": "high", "assignee": colleague})
    form.update(priority="low")
    conflict = desk.post(f"/cases/{case.number}/fields", form, headers=HX)
    html = conflict.content.decode()
    assert "Someone else changed this case" in html
    assert "Casey Colleague" in html and "high" in html
    current = get_case(agent, case.number)
    assert current.priority_label == "high" and current.assignee == colleague  # theirs kept
    # Re-applying sends only this agent's change on top of the current case.
    reapply = re.search(r'<form hx-post="/cases/[^"]+/fields"[^>]*>(.*?)</form>', html, re.S).group(1)
    values = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', reapply))
    desk.post(f"/cases/{case.number}/fields", values, headers=HX)
    final = get_case(agent, case.number)
    assert final.priority_label == "low" and final.assignee == colleague


def test_a_reply_in_between_is_not_a_conflict(desk: Client, agent: Any, make_case: Any) -> None:
    case = make_case()
    services.assign(Actor.agent(agent), case, assignee=agent)
    form = field_form(desk.get(f"/cases/{case.number}/").content.decode())
    services.add_note(Actor.agent(agent), case, text="in between")
    form.update(priority="high")
    response = desk.post(f"/cases/{case.number}/fields", form, headers=HX)
    assert b"Saved." in response.content


def test_assign_to_me_and_link_from_the_field_panel(desk: Client, agent: Any, make_case: Any) -> None:
    case, other = make_case(), make_case(title="Twin")
    desk.post(f"/cases/{case.number}/assign-me", headers=HX)
    assert get_case(agent, case.number).assignee == agent
    linked = desk.post(f"/cases/{case.number}/links", {"other": other.number, "kind": "related"}, headers=HX)
    assert b"Linked." in linked.content
    assert other.number.encode() in desk.get(f"/cases/{case.number}/").content


def test_case_page_queries_do_not_grow_with_the_timeline(desk: Client, agent: Any, make_case: Any) -> None:
    case = make_case()
    actor = Actor.agent(agent)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(f"/cases/{case.number}/").status_code == 200
        return len(queries)

    services.post_reply(actor, case, text="first", attachments=[services.NewAttachment("a.txt", b"a")])
    few = count()
    for i in range(15):
        services.post_reply(
            actor, case, text=f"reply {i}", attachments=[services.NewAttachment(f"{i}.txt", b"x")]
        )
        services.add_note(actor, case, text=f"note {i}")
        services.update_case(actor, case, {"priority": ["low", "high"][i % 2], "tags": [f"t{i}"]})
        make_case(title=f"other {i}")
    assert count() == few


def test_a_reply_shows_once_even_after_its_delivery_events(desk: Client, agent: Any, make_case: Any) -> None:
    from casework.cases.timeline import record_event

    case = make_case()
    message = services.post_reply(Actor.agent(agent), case, text="Replacement part is on its way")
    record_event(case, "email_queued", Actor.system("Email"), data={"to": ["x@example.com"]}, message=message)
    record_event(case, "email_sent", Actor.system("Email"), data={}, message=message)
    html = desk.get(f"/cases/{case.number}/").content.decode()
    assert html.count("Replacement part is on its way") == 1
