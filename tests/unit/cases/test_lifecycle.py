"""The lifecycle table, read as a support lead would state the rules."""

from __future__ import annotations

import pytest

from casework.cases.domain import (
    FINAL,
    TRANSITIONS,
    ResolutionFacts,
    Status,
    TransitionRefused,
    allowed_targets,
    check_transition,
    normalise_tags,
    resolution_blockers,
    status_after_agent_attention,
    status_after_customer_message,
)

ALL_PAIRS = [(a, b) for a in Status for b in Status if a != b]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_move_not_in_the_table_is_refused_with_the_allowed_ones(
    current: Status, target: Status
) -> None:
    if "agent" in TRANSITIONS.get((current, target), frozenset()):
        check_transition(current, target, "agent")
        return
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current, target, "agent")
    assert refused.value.allowed == allowed_targets(current, "agent")
    assert target.value not in refused.value.allowed


def test_nothing_returns_to_new() -> None:
    assert not [pair for pair in TRANSITIONS if pair[1] == Status.NEW]


@pytest.mark.parametrize("final", sorted(FINAL))
def test_closed_and_cancelled_are_final(final: Status) -> None:
    assert allowed_targets(final, "agent") == []
    assert allowed_targets(final, "contact") == []


def test_customer_may_reopen_pending_and_resolved_and_accept_but_not_resolve() -> None:
    check_transition(Status.PENDING, Status.OPEN, "contact")
    check_transition(Status.RESOLVED, Status.OPEN, "contact")
    check_transition(Status.RESOLVED, Status.CLOSED, "contact")
    with pytest.raises(TransitionRefused):
        check_transition(Status.OPEN, Status.RESOLVED, "contact")
    with pytest.raises(TransitionRefused):
        check_transition(Status.OPEN, Status.PENDING, "contact")


def test_automation_cannot_close_a_case() -> None:
    with pytest.raises(TransitionRefused):
        check_transition(Status.RESOLVED, Status.CLOSED, "automation")


def test_customer_message_reopens_pending_and_resolved_only() -> None:
    assert status_after_customer_message(Status.PENDING) == Status.OPEN
    assert status_after_customer_message(Status.RESOLVED) == Status.OPEN
    assert status_after_customer_message(Status.ON_HOLD) == Status.ON_HOLD
    assert status_after_customer_message(Status.OPEN) == Status.OPEN
    assert status_after_customer_message(Status.CLOSED) is None
    assert status_after_customer_message(Status.CANCELLED) is None


def test_agent_attention_opens_a_new_case() -> None:
    assert status_after_agent_attention(Status.NEW) == Status.OPEN
    assert status_after_agent_attention(Status.PENDING) == Status.PENDING


def test_resolving_needs_summary_code_owner_and_criteria() -> None:
    missing = resolution_blockers(
        ResolutionFacts(False, "", "  ", ("refund_amount: required by Billing dispute",))
    )
    assert [m.split(":")[0] for m in missing] == [
        "resolution_summary",
        "resolution_code",
        "assignee",
        "refund_amount",
    ]
    assert resolution_blockers(ResolutionFacts(True, "solved", "Replaced the toner")) == []


def test_tags_are_normalised_once_each() -> None:
    assert normalise_tags(["VIP", " vip ", "Needs  Review", ""]) == ["vip", "needs-review"]
