"""Fixtures of the automation tests: the billing dispute type with its playbook, an escalation team."""

from __future__ import annotations

from typing import Any

import pytest

from casework.automation import configuration
from tests.factories import TeamFactory, UserFactory

BILLING_FIELDS = [
    {"key": "invoice_number", "label": "Invoice number", "type": "text", "required": True},
    {"key": "refund_amount", "label": "Refund amount", "type": "number", "required_to_resolve": True},
    {
        "key": "reason",
        "label": "Reason",
        "type": "select",
        "options": ["double charge", "wrong amount", "other"],
    },
]
BILLING_STAGES = [
    {
        "name": "Investigate",
        "steps": [
            {"key": "check_invoice", "kind": "checklist", "title": "Check the invoice", "required": True},
            {"key": "amount", "kind": "fields", "title": "Agree the refund", "fields": ["refund_amount"]},
        ],
    },
    {
        "name": "Approve",
        "steps": [
            {"key": "finance_approval", "kind": "approval", "title": "Finance approval", "required": True}
        ],
    },
]


@pytest.fixture
def escalation_team(db: Any) -> Any:
    return TeamFactory(name="Escalation")


@pytest.fixture
def billing_dispute(db: Any, team: Any) -> Any:
    case_type = configuration.save_document(
        "case_types",
        {
            "key": "billing-dispute",
            "name": "Billing dispute",
            "default_team": team.name,
            "fields": BILLING_FIELDS,
        },
    )
    configuration.save_document(
        "playbooks", {"name": "Billing dispute", "case_type": "billing-dispute", "stages": BILLING_STAGES}
    )
    return case_type


@pytest.fixture
def other_agent(db: Any) -> Any:
    return UserFactory(email="other@staff.example", name="Otto Other", role="agent", teams=[TeamFactory()])
