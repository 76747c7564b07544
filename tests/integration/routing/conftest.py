"""Helpers for routing scenarios: put agents online with capacity and skills."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from casework.routing import services
from casework.routing.models import AgentState
from tests.factories import UserFactory


@pytest.fixture
def make_agent(db: Any, team: Any) -> Callable[..., Any]:
    """An agent of the team (by default), online, with capacity and skills."""

    def make(
        name: str,
        *,
        teams: list[Any] | None = None,
        capacity: int = 5,
        skills: dict[str, int] | None = None,
        presence: str = "online",
        role: str = "agent",
    ) -> Any:
        user = UserFactory(name=name, role=role, teams=teams if teams is not None else [team])
        AgentState.objects.update_or_create(user=user, defaults={"capacity": capacity, "presence": presence})
        if skills:
            services.set_skills(None, user, skills)
        return user

    return make


def load_of(user: Any) -> int:
    return AgentState.objects.get(user=user).load


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Routing tests make many agents; a cheap hasher keeps them quick (login still works)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
