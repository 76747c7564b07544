"""The routing and knowledge back office refuse null in a JSON setting that must
hold a value (a rule's conditions and skills, an article's tags) with an error on
that field; nothing is stored."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from casework.iam.models import User
from casework.knowledge.models import Article
from casework.routing.models import RoutingRule
from tests.factories import ApiClient


def _rule_form() -> dict[str, Any]:
    return {
        "position": "0",
        "name": "VIP",
        "is_active": "on",
        "conditions": json.dumps([]),
        "team": "",
        "mandatory_skills": json.dumps({}),
        "optional_skills": json.dumps({}),
        "priority_adjustment": "0",
        "created_at_0": "2026-11-24",
        "created_at_1": "10:00:00",
        "updated_at_0": "2026-11-24",
        "updated_at_1": "10:00:00",
    }


def _errors_on(html: str, field: str) -> bool:
    row = re.search(rf'<div class="form-row[^"]*field-{field}\b.*?</div>\s*</div>', html, re.S)
    return bool(row and "errorlist" in row.group(0))


@pytest.mark.parametrize("field", ["conditions", "mandatory_skills", "optional_skills"])
def test_null_in_a_routing_rule_is_a_form_error(back_office: Client, field: str) -> None:
    response = back_office.post("/admin/routing/routingrule/add/", {**_rule_form(), field: "null"})
    assert response.status_code == 200 and _errors_on(response.content.decode(), field)
    assert not RoutingRule.objects.exists()
    assert back_office.post("/admin/routing/routingrule/add/", _rule_form()).status_code == 302


def test_null_tags_on_an_article_are_a_form_error(back_office: Client) -> None:
    admin = User.objects.get(email="root@staff.example")
    status, made, _ = ApiClient(admin).post(
        "/articles", {"title": "Reset a password", "body": "Click reset.", "tags": ["login"]}
    )
    assert status == 201, made
    path = f"/admin/knowledge/article/{made['id']}/change/"
    form = {
        name: value
        for name, value in re.findall(
            r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', back_office.get(path).content.decode()
        )
    }
    response = back_office.post(path, {**form, "tags": "null"})
    assert response.status_code == 200 and _errors_on(response.content.decode(), "tags")
    assert Article.objects.get().tags == ["login"]
