"""Configuration read once per process: a change here applies at once, one made
by another process within the recheck time, and a rolled-back one never."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from casework.core.models import ConfigStamp
from casework.routing import selectors, services
from casework.routing.models import RoutingRule


def _rule(name: str) -> dict[str, Any]:
    return {"name": name, "conditions": [{"field": "text", "op": "contains", "value": "invoice"}]}


def rule_names() -> list[str]:
    return [r.name for r in selectors.active_rules()]


def test_a_rule_a_lead_adds_applies_at_once_in_this_process(
    db: Any, config_kept_for_a_minute: list[float]
) -> None:
    assert rule_names() == []
    services.create_rule(None, _rule("Invoices to billing"))
    assert rule_names() == ["Invoices to billing"]
    services.reorder_rules(None, [])  # a queryset update, announced by hand
    assert rule_names() == ["Invoices to billing"]


def test_a_change_made_by_another_process_applies_within_the_recheck_time(
    db: Any, config_kept_for_a_minute: list[float], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # as if committed
        services.create_rule(None, _rule("Invoices to billing"))
    assert rule_names() == ["Invoices to billing"]
    # Another process renames the rule and stores a new stamp, as its changed() does.
    RoutingRule.objects.update(name="Invoices to finance")
    ConfigStamp.objects.update(stamp="from-another-process")
    config_kept_for_a_minute[0] += 30
    assert rule_names() == ["Invoices to billing"]  # still within the recheck time
    config_kept_for_a_minute[0] += 31
    assert rule_names() == ["Invoices to finance"]


def test_a_rolled_back_change_is_never_used(db: Any, config_kept_for_a_minute: list[float]) -> None:
    assert rule_names() == []
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_rule(None, _rule("Never saved"))
        assert rule_names() == ["Never saved"]  # the writer sees its own change
        raise RuntimeError("the request failed")
    assert rule_names() == []
