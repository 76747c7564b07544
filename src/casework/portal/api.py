"""/api/v1/surveys (satisfaction results for staff) and /api/v1/portal/deflections (for reporting)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from casework.core.api import Ref
from casework.core.api_input import Moment
from casework.iam.auth import require_staff
from casework.portal import selectors, surveys

router = Router(tags=["portal"])


class SurveyOut(Schema):
    id: int
    case: str | None
    kind: str
    score: int | None
    comment: str
    team: Ref | None
    agent: Ref | None
    case_type: Ref | None
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class Average(Schema):
    id: int
    name: str
    responses: int
    average: float
    nps: float | None = None


class SurveyResults(Schema):
    kind: str
    count: int
    average: float | None
    nps: float | None = None
    surveys: list[SurveyOut]
    by_team: list[Average]
    by_agent: list[Average]
    by_case_type: list[Average]


class DeflectionsOut(Schema):
    deflections: int
    since: datetime | None
    until: datetime | None


@router.get(
    "/surveys", response=SurveyResults, summary="Survey answers and averages per team, agent and case type"
)
def survey_results(
    request: HttpRequest, kind: Literal["csat", "nps", "ces"] = "csat", answered_only: bool = True
) -> dict[str, Any]:
    user = require_staff(request)
    return surveys.results(user, kind=kind, answered_only=answered_only)


@router.get(
    "/portal/deflections", response=DeflectionsOut, summary="Submit-form visits a suggested article answered"
)
def deflections(
    request: HttpRequest, since: Moment | None = None, until: Moment | None = None
) -> dict[str, Any]:
    require_staff(request)
    return {
        "deflections": selectors.deflection_count(since=since, until=until),
        "since": since,
        "until": until,
    }
