"""API tokens: a user lists, makes and revokes their own; an admin anyone's. A
revoked token's next call gets 401; keys are shown once and never listed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.core import clock
from casework.core.models import ConfigStamp
from casework.iam import services
from casework.iam.models import ApiToken, User
from tests.factories import PASSWORD, ApiClient, UserFactory

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


def test_a_token_for_an_unknown_user_names_the_field(api: ApiClient, admin_user: Any) -> None:
    admin = ApiClient(admin_user)
    status, body, _ = admin.post("/tokens", {"name": "x", "user": 999_999})
    assert status == 404 and body["field"] == "user"
    status, body, _ = admin.get("/tokens?user=999999")
    assert status == 404 and body["field"] == "user"
    assert ApiToken.objects.filter(name="x").count() == 0


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


# --- tokens kept per process ------------------------------------------------------


def _token_reads(client: Client) -> tuple[int, int]:
    """The status of a call and how many statements it sent that read or wrote tokens."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get("/api/v1/me").status_code
    return status, sum('"iam_apitoken"' in q["sql"] for q in queries.captured_queries)


def test_a_token_is_read_once_per_process(agent: Any, config_kept_for_a_minute: list[float]) -> None:
    _, key = services.create_token(agent, "zapier")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert _token_reads(client) == (200, 2)  # read, and its first use stored
    assert _token_reads(client) == (200, 0)
    assert _token_reads(Client(HTTP_AUTHORIZATION="Bearer cwk_unknown")) == (401, 1)
    assert _token_reads(Client(HTTP_AUTHORIZATION="Bearer cwk_unknown")) == (401, 1)  # never kept


def test_a_revocation_or_a_deactivation_applies_at_once_in_this_process(
    agent: Any, admin_user: Any, config_kept_for_a_minute: list[float]
) -> None:
    token, key = services.create_token(agent, "zapier")
    _, other_key = services.create_token(agent, "backup")
    assert _calls(key) == 200 and _calls(other_key) == 200
    services.revoke_token(token, by=agent)
    assert _calls(key) == 401 and _calls(other_key) == 200
    services.update_user(agent, by=admin_user, is_active=False)
    assert _calls(other_key) == 401


def test_a_sign_in_keeps_the_tokens_but_a_role_change_reaches_them(
    agent: Any, admin_user: Any, config_kept_for_a_minute: list[float]
) -> None:
    _, key = services.create_token(agent, "zapier")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert _token_reads(client) == (200, 2)
    Client().post("/login/", {"username": agent.email, "password": PASSWORD})  # stores the sign-in's time
    assert User.objects.get(pk=agent.pk).last_login is not None
    assert _token_reads(client) == (200, 0)
    services.update_user(agent, by=admin_user, role="lead")
    assert client.get("/api/v1/me").json()["role"] == "lead"


def test_a_revocation_in_another_process_applies_within_the_recheck_time(
    agent: Any, config_kept_for_a_minute: list[float], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # as if committed
        _, key = services.create_token(agent, "zapier")
    assert _calls(key) == 200
    # Another process revokes it and stores a new stamp, as its changed() does.
    ApiToken.objects.filter(name="zapier").update(revoked_at=timezone.now())
    ConfigStamp.objects.update(stamp="from-another-process")
    config_kept_for_a_minute[0] += 30
    assert _calls(key) == 200  # still within the recheck time
    config_kept_for_a_minute[0] += 31
    assert _calls(key) == 401


def test_each_call_gets_a_token_of_its_own_and_its_last_use_is_stored_once_a_minute(
    agent: Any, config_kept_for_a_minute: list[float]
) -> None:
    _, key = services.create_token(agent, "zapier", scopes=("read",))
    start = timezone.now()
    with clock.using(lambda: start):
        user, first = services.authenticate_token(key)  # type: ignore[misc]
    first.scopes.append("write")
    user.role = "admin"
    with clock.using(lambda: start + timedelta(seconds=59)):
        user, second = services.authenticate_token(key)  # type: ignore[misc]
    assert second is not first and second.scopes == ["read"] and user.role == "agent"
    assert ApiToken.objects.get(name="zapier").last_used_at == start  # not stored again within the minute
    later = start + timedelta(seconds=61)
    with clock.using(lambda: later):
        services.authenticate_token(key)
    assert ApiToken.objects.get(name="zapier").last_used_at == later
    with CaptureQueriesContext(connection) as queries, clock.using(lambda: later + timedelta(seconds=30)):
        assert services.authenticate_token(key) is not None
    assert not [q for q in queries.captured_queries if "iam_apitoken" in q["sql"]]
