"""Policy matching, targets and entitlement choice: hand-computed examples, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from casework.sla.domain import (
    Calendar,
    CaseFacts,
    EntitlementFacts,
    PolicyConditions,
    PolicyError,
    Target,
    check_warn_percents,
    choose_entitlement,
    due_at,
    first_match,
    parse_targets,
    warning_at,
    weekly_from_mapping,
)

OFFICE = Calendar(
    time_zone="UTC",
    weekly=weekly_from_mapping({d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}),
)
MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_first_matching_policy_wins_in_order() -> None:
    rules = [
        (PolicyConditions(tiers=("enterprise",), priorities=("urgent",)), "enterprise urgent"),
        (PolicyConditions(channels=("email",)), "email"),
        (PolicyConditions(), "everything else"),
    ]
    assert (
        first_match(rules, CaseFacts(priority="urgent", tier="enterprise", channel="email"))
        == "enterprise urgent"
    )
    assert first_match(rules, CaseFacts(priority="high", tier="enterprise", channel="email")) == "email"
    assert first_match(rules, CaseFacts(priority="high", channel="chat")) == "everything else"
    assert first_match(rules[:1], CaseFacts(priority="low")) is None


def test_policy_matches_entitlement_case_type_and_team() -> None:
    rule = PolicyConditions(entitlement_ids=(7,), case_type_ids=(3,), team_ids=(1, 2))
    assert rule.matches(CaseFacts(priority="normal", entitlement_id=7, case_type_id=3, team_id=2))
    assert not rule.matches(CaseFacts(priority="normal", entitlement_id=8, case_type_id=3, team_id=2))


def test_targets_are_positive_minutes_per_metric_and_priority() -> None:
    targets = parse_targets({"resolution": {"high": 480, "low": {"minutes": 2880, "business": False}}})
    assert targets["resolution"]["high"] == Target(480)
    assert targets["resolution"]["low"] == Target(2880, business=False)
    for bad in (
        {"resolution": {"high": 0}},
        {"resolution": {"high": -5}},
        {"reply": {"high": 5}},
        {"resolution": {"p1": 5}},
    ):
        with pytest.raises(PolicyError):
            parse_targets(bad)
    with pytest.raises(PolicyError):
        check_warn_percents([0, 75])
    assert check_warn_percents([75, 50, 75]) == (50, 75)


def test_business_and_calendar_targets() -> None:
    friday_16 = datetime(2026, 11, 27, 16, tzinfo=UTC)
    assert due_at(OFFICE, friday_16, Target(120)) == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert due_at(OFFICE, friday_16, Target(120, business=False)) == friday_16 + timedelta(hours=2)


def test_paused_time_moves_the_due_time_and_warnings_scale() -> None:
    assert due_at(OFFICE, MONDAY_9, Target(240), paused=timedelta(hours=2)) == MONDAY_9 + timedelta(hours=6)
    assert warning_at(OFFICE, MONDAY_9, Target(240), 75) == MONDAY_9 + timedelta(hours=3)
    assert warning_at(OFFICE, MONDAY_9, Target(240), 50) == MONDAY_9 + timedelta(hours=2)


def ent(id: int, **kw: object) -> EntitlementFacts:
    base: dict[str, object] = dict(
        account_id=1, contact_id=None, service="", channel="", starts_on=None, ends_on=None, is_active=True
    )
    base.update(kw)
    return EntitlementFacts(id=id, **base)  # type: ignore[arg-type]


def test_most_specific_entitlement_wins() -> None:
    today = date(2026, 11, 23)
    choices = [
        ent(1),
        ent(2, channel="email"),
        ent(3, service="vpn"),
        ent(4, contact_id=9, account_id=None),
        ent(5, contact_id=9, account_id=None, ends_on=date(2026, 1, 1)),
        ent(6, service="vpn", channel="email", starts_on=date(2027, 1, 1)),
    ]

    def pick(**kw: object) -> int | None:
        found = choose_entitlement(choices, on=today, **{"account_id": 1, "contact_id": None, **kw})  # type: ignore[arg-type]
        return found.id if found else None

    assert pick(service="vpn", channel="email") == 3  # service beats channel; 6 starts next year
    assert pick(service="", channel="email") == 2
    assert pick(service="", channel="chat") == 1
    assert pick(contact_id=9, service="vpn", channel="email") == 4  # the contact's own beats the account's
    assert pick(account_id=2, service="", channel="") is None
