"""The demo configuration loads and is valid."""

from __future__ import annotations

from casework.automation import demo
from casework.automation.models import CaseType, Macro, ServiceDefinition, TimeRule, Trigger
from casework.cases.demo import DemoContext
from tests.factories import TeamFactory


def test_the_demo_has_four_case_types_with_playbooks_rules_and_macros(db):
    ctx = DemoContext()
    for name in ("Support", "Billing", "Technical"):
        ctx.teams[name] = TeamFactory(name=name)
    demo.load_demo(ctx)
    assert sorted(CaseType.objects.values_list("name", flat=True)) == [
        "Billing dispute",
        "Onboarding blocker",
        "Product defect",
        "Refund request",
    ]
    assert all(t.playbooks.exists() for t in CaseType.objects.all())
    assert ServiceDefinition.objects.count() == 4
    assert Trigger.objects.count() == 3 and TimeRule.objects.count() == 1 and Macro.objects.count() == 2
