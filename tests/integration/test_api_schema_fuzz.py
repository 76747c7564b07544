"""Every operation of the API, called with input generated from its own OpenAPI
schema (what the schema allows, and what it does not): no call is answered with
a server error, and every refusal is a JSON body naming its field.

The examples are derived from the schema alone (`derandomize`), so a run is
repeatable; a failure prints the request. Null for a field that cannot be
cleared, `false` for a number, a negative offset and an amount the column
cannot hold were each a 500 or a silent conversion before this test.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode

from casework.config.api import api
from casework.iam.models import User
from tests.factories import ApiClient

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/"
ERROR_KEYS = {"code", "message", "field", "errors"}  # the documented Error schema's required keys

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix=PREFIX))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], allow_x00=True, deterministic=True
)
# Revoking the test's own token would leave the rest of an operation's examples at 401,
# and a raw email is a body the generator cannot write (the gateway's tests send real ones).
schema = schema.exclude(path_regex=r"/tokens/\{").exclude(path_regex=r"/mail/inbound$")


@pytest.fixture
def client(admin_user: User, make_case: Any) -> Client:
    """An admin's token, and a few records for the generated ids to find."""
    for i in range(3):
        make_case(title=f"Printer {i}")
    return ApiClient(admin_user).client


def _send(client: Client, case: Any) -> Any:
    path = (
        case.formatted_path
        if case.formatted_path.startswith(PREFIX)
        else PREFIX + case.formatted_path.lstrip("/")
    )
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in {"authorization", "cookie"}}
    kwargs: dict[str, Any] = {"QUERY_STRING": _query(case.query or {}), "headers": headers}
    if not isinstance(case.body, NotSet):
        kwargs["content_type"] = case.media_type or "application/json"
        data = case.body if isinstance(case.body, str | bytes) else json.dumps(case.body)
        return client.generic(case.method, path, data, **kwargs)
    return client.generic(case.method, path, **kwargs)


def _query(params: dict[str, Any]) -> str:
    pairs = [
        (k, v) for k, values in params.items() for v in (values if isinstance(values, list) else [values])
    ]
    return urlencode([(k, json.dumps(v) if isinstance(v, bool | None) else v) for k, v in pairs])


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_input_is_a_server_error(case: Any, client: Client) -> None:
    response = _send(client, case)
    assert response.status_code < 500, case.as_curl_command()
    if 400 <= response.status_code < 500:
        assert response["Content-Type"].startswith("application/json"), (
            case.as_curl_command(),
            response.content[:300],
        )
        body = response.json()
        assert set(body) >= ERROR_KEYS and body["message"], (case.as_curl_command(), body)
