"""Roles and what each may see: plain rules, no database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LEAD = "lead"
    AGENT = "agent"
    PARTNER_AGENT = "partner_agent"
    CUSTOMER = "customer"


STAFF_ROLES = frozenset({Role.ADMIN, Role.LEAD, Role.AGENT, Role.PARTNER_AGENT})


def sees_all_cases(role: str) -> bool:
    """Leads and admins see every case; agents their teams' and their own."""
    return role in {Role.ADMIN, Role.LEAD}


def sees_assigned_outside_teams(role: str) -> bool:
    """A partner agent sees only cases of their partner teams, even if assigned one elsewhere."""
    return role == Role.AGENT


def is_staff_role(role: str) -> bool:
    return role in STAFF_ROLES


def may_manage_configuration(role: str) -> bool:
    return role in {Role.ADMIN, Role.LEAD}


def may_manage_people(role: str) -> bool:
    return role == Role.ADMIN
