"""API tokens: a user lists, makes and revokes their own; an admin anyone's. A
revoked token's next call gets 401; keys are shown once and never listed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.iam import services
from casework.iam.models import ApiToken
from tests.factories import ApiClient, UserFactory

pytestmark = pytest.mark.django_db


def _calls(key: str) -> int:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me").status_code


def test_a_user_makes_lists_and_revokes_their_own_tokens(api: ApiClient, agent: Any) -> None:
    status, made, _ = api.post("/tokens", {"name": "zapier", "read_only": True})
    assert status == 201 and made["key"].startswith("cwk_") and made["scopes"] == ["read"]
    assert made["prefix"] == made["key"][:12] and made["user"] == agent.pk
    assert _calls(made["key"]) == 200
    status, listed, _ = api.get("/tokens")
    assert status == 200 and [t["name"] for t in listed] == ["zapier", "tests"]  # newest first
    assert all("key" not in t for t in listed)
    status, _, _ = api.call("DELETE", f"/tokens/{made['id']}")
    assert status == 204
    assert _calls(made["key"]) == 401  # at once
    assert [t["name"] for t in api.get("/tokens")[1]] == ["tests"]
    assert api.call("DELETE", f"/tokens/{made['id']}")[0] == 404  # already revoked


def test_a_token_may_revoke_itself(api: ApiClient) -> None:
    own = ApiToken.objects.get(user=api.user, name="tests")
    assert api.call("DELETE", f"/tokens/{own.pk}")[0] == 204
    assert api.get("/me")[0] == 401


def test_another_users_tokens_are_an_admins_business(api: ApiClient, agent: Any, admin_user: Any) -> None:
    other = UserFactory(role="agent")
    token, key = services.create_token(other, "other's")
    status, body, _ = api.get(f"/tokens?user={other.pk}")
    assert status == 403 and body["code"] == "forbidden"
    status, body, _ = api.call("DELETE", f"/tokens/{token.pk}")
    assert status == 404 and body["field"] == "id"  # as if it did not exist
    assert api.post("/tokens", {"name": "for them", "user": other.pk})[0] == 403
    assert _calls(key) == 200
    admin = ApiClient(admin_user)
    assert [t["name"] for t in admin.get(f"/tokens?user={other.pk}")[1]] == ["other's"]
    status, made, _ = admin.post("/tokens", {"name": "made by the admin", "user": other.pk})
    assert status == 201 and made["user"] == other.pk and made["scopes"] == ["read", "write"]
    assert admin.call("DELETE", f"/tokens/{token.pk}")[0] == 204
    assert _calls(key) == 401 and _calls(made["key"]) == 200


def test_a_read_only_token_cannot_make_or_revoke_tokens(agent: Any) -> None:
    token, key = services.create_token(agent, "reports", scopes=("read",))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/tokens").status_code == 200
    response = client.delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 403 and response.json()["field"] == "Authorization"
    response = client.post("/api/v1/tokens", {"name": "more"}, content_type="application/json")
    assert response.status_code == 403
    assert _calls(key) == 200


def test_a_new_token_needs_a_name(api: ApiClient) -> None:
    status, body, _ = api.post("/tokens", {"name": ""})
    assert status == 422 and "name" in str(body)
    status, body, _ = api.post("/tokens", {"name": "x", "scopes": ["admin"]})
    assert status == 422 and "scopes" in str(body)  # unknown fields are refused
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["tests"]


def test_a_deactivated_users_tokens_stop_working(api: ApiClient, agent: Any, admin_user: Any) -> None:
    assert api.get("/me")[0] == 200
    assert ApiClient(admin_user).patch(f"/users/{agent.pk}", {"is_active": False})[0] == 200
    assert api.get("/me")[0] == 401
