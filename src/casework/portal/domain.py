"""The portal's rules without Django: a case's status in the customer's words,
survey scales, link lifetimes, rate limits, brand colours, auto-close timing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# --- status in the customer's words -------------------------------------------


@dataclass(frozen=True)
class CustomerStatus:
    label: str
    hint: str
    tone: str  # "active", "action", "done": how the badge looks


CUSTOMER_STATUS: dict[str, CustomerStatus] = {
    "new": CustomerStatus("Received", "We have your request and will pick it up shortly.", "active"),
    "open": CustomerStatus("We're working on it", "Someone on our team is handling your request.", "active"),
    "pending": CustomerStatus(
        "Waiting for your reply", "We asked you something: please reply below.", "action"
    ),
    "on_hold": CustomerStatus(
        "We're working on it", "We are waiting on a third party and will update you.", "active"
    ),
    "resolved": CustomerStatus("Solution proposed", "Please tell us whether this solves it.", "action"),
    "closed": CustomerStatus("Closed", "This request is finished. Write again to open a follow-up.", "done"),
    "cancelled": CustomerStatus("Cancelled", "This request was withdrawn.", "done"),
}


def customer_status(status: str) -> CustomerStatus:
    return CUSTOMER_STATUS.get(status, CustomerStatus("In progress", "", "active"))


def is_open_for_customer(status: str) -> bool:
    return status not in {"closed", "cancelled"}


# --- links sent by email -----------------------------------------------------

SIGN_IN_LINK_SECONDS = 15 * 60
VERIFY_LINK_SECONDS = 24 * 3600
RESOLUTION_LINK_SECONDS = 30 * 24 * 3600
SURVEY_VALID_DAYS = 28


# --- rate limits -------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` attempts per `window_seconds` for one key (an address or a client)."""

    limit: int
    window_seconds: int

    def allows(self, attempts_so_far: int) -> bool:
        return attempts_so_far < self.limit


RATE_LIMITS = {
    "sign_in": RateLimit(limit=5, window_seconds=15 * 60),
    "sign_up": RateLimit(limit=3, window_seconds=60 * 60),
    "sign_in_link": RateLimit(limit=3, window_seconds=15 * 60),
}
# A client (IP address) may try a few addresses, but not spray many.
CLIENT_MULTIPLIER = 4


# --- surveys -----------------------------------------------------------------


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


@dataclass(frozen=True)
class Scale:
    question: str
    low: int
    high: int
    low_label: str
    high_label: str


SCALES: dict[str, Scale] = {
    SurveyKind.CSAT: Scale(
        "How satisfied are you with how we handled your request?", 1, 5, "Very unsatisfied", "Very satisfied"
    ),
    SurveyKind.NPS: Scale(
        "How likely are you to recommend us to a friend or colleague?",
        0,
        10,
        "Not at all likely",
        "Extremely likely",
    ),
    SurveyKind.CES: Scale("How easy was it to get your issue resolved?", 1, 7, "Very difficult", "Very easy"),
}


class ScoreOutOfRange(ValueError):
    pass


def check_score(kind: str, score: int) -> int:
    scale = SCALES[kind]
    if not scale.low <= score <= scale.high:
        raise ScoreOutOfRange(f"a score is between {scale.low} and {scale.high}")
    return score


def survey_expires_at(sent_at: datetime) -> datetime:
    return sent_at + timedelta(days=SURVEY_VALID_DAYS)


def nps(scores: list[int]) -> float | None:
    """Net Promoter Score (Bain & Company): % promoters (9-10) minus % detractors (0-6)."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


# --- auto-close --------------------------------------------------------------


def auto_close_at(resolved_at: datetime, days: int) -> datetime:
    return resolved_at + timedelta(days=days)


def reminder_at(resolved_at: datetime, days: int) -> datetime:
    """One day before the auto-close (or half-way when the wait is a day or less)."""
    wait = timedelta(days=days)
    return resolved_at + (wait - timedelta(days=1) if days > 1 else wait / 2)


# --- branding ----------------------------------------------------------------

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#0b5fff"


def is_hex_colour(value: str) -> bool:
    return bool(_HEX.match(value or ""))


def _luminance(hex_colour: str) -> float:
    """Relative luminance as WCAG 2.x defines it."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background: str) -> str:
    """White or near-black text, whichever reads better on the brand colour (WCAG contrast)."""
    return (
        "#ffffff"
        if contrast_ratio(background, "#ffffff") >= contrast_ratio(background, "#111111")
        else "#111111"
    )


def link_colour_on_white(brand: str) -> str:
    """The brand colour for links when it has 4.5:1 contrast on white (WCAG AA), else a dark blue."""
    return brand if contrast_ratio(brand, "#ffffff") >= 4.5 else "#0b4fd6"
