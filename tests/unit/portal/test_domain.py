"""Portal rules without a database: status words, scales, rate limits, colours, timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.portal.domain import (
    RATE_LIMITS,
    ScoreOutOfRange,
    check_score,
    contrast_ratio,
    customer_status,
    is_hex_colour,
    nps,
    reminder_at,
    survey_expires_at,
    text_colour_on,
)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("open", "We're working on it"),
        ("on_hold", "We're working on it"),
        ("pending", "Waiting for your reply"),
        ("resolved", "Solution proposed"),
        ("closed", "Closed"),
        ("new", "Received"),
    ],
)
def test_status_in_the_customers_words(status: str, words: str) -> None:
    assert customer_status(status).label == words


def test_every_case_status_has_customer_words() -> None:
    from casework.cases.domain import Status

    assert all(customer_status(s.value).label != "In progress" for s in Status)


def test_scales_of_csat_nps_and_ces() -> None:
    assert check_score("csat", 5) == 5
    assert check_score("nps", 0) == 0
    for kind, bad in (("csat", 6), ("csat", 0), ("nps", 11), ("ces", 8)):
        with pytest.raises(ScoreOutOfRange):
            check_score(kind, bad)


def test_net_promoter_score() -> None:
    assert nps([10, 9, 8, 3]) == 25.0
    assert nps([]) is None


def test_a_survey_is_valid_28_days() -> None:
    sent = datetime(2026, 1, 1, tzinfo=UTC)
    assert survey_expires_at(sent) == sent + timedelta(days=28)


def test_the_reminder_comes_a_day_before_auto_close() -> None:
    resolved = datetime(2026, 1, 1, tzinfo=UTC)
    assert reminder_at(resolved, 5) == resolved + timedelta(days=4)
    assert reminder_at(resolved, 1) == resolved + timedelta(hours=12)


def test_rate_limit_counts_attempts() -> None:
    rule = RATE_LIMITS["sign_in_link"]
    assert rule.allows(rule.limit - 1) and not rule.allows(rule.limit)


def test_text_on_the_brand_colour_stays_readable() -> None:
    assert text_colour_on("#0b5fff") == "#ffffff"
    assert text_colour_on("#ffe066") == "#111111"
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert is_hex_colour("#A1b2C3") and not is_hex_colour("red")
