"""Nobody can lock the installation out of its own settings: the last active
admin can be neither deactivated nor given another role, by themselves or by
anyone, while any other admin can."""

from __future__ import annotations

import pytest

from casework.iam.models import User
from tests.factories import ApiClient, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "field"), [({"is_active": False}, "is_active"), ({"role": "agent"}, "role")]
)
def test_the_last_active_admin_stays_one(admin_user: User, change: dict, field: str) -> None:
    api = ApiClient(admin_user)
    status, body, _ = api.patch(f"/users/{admin_user.pk}", change)
    assert (status, body["field"]) == (409, field), body
    admin_user.refresh_from_db()
    assert admin_user.role == "admin" and admin_user.is_active
    assert api.get("/users")[0] == 200  # still allowed to manage people


def test_an_admin_may_step_down_while_another_admin_remains(admin_user: User) -> None:
    other = UserFactory(email="second@staff.example", role="admin")
    api = ApiClient(admin_user)
    status, body, _ = api.patch(f"/users/{other.pk}", {"role": "lead"})
    assert (status, body["role"]) == (200, "lead"), body
    assert api.patch(f"/users/{admin_user.pk}", {"is_active": False})[0] == 409  # now the last one
    other.refresh_from_db()
    assert other.role == "lead"
    status, _, _ = api.patch(f"/users/{other.pk}", {"role": "admin"})
    assert status == 200
    status, body, _ = api.patch(f"/users/{admin_user.pk}", {"is_active": False})
    assert (status, body["is_active"]) == (200, False), body
