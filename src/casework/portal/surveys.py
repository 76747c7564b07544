"""Satisfaction surveys: one per case, made when the case first closes, sent by
email link and shown in the portal, valid 28 days; results per case and
averages per team, agent and case type for staff."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.events import CaseChanged
from casework.core import clock, signing
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput, NotFound
from casework.core.notify import notify
from casework.core.prepared import PreparedIn
from casework.iam.domain import is_staff_role
from casework.portal import selectors
from casework.portal.domain import (
    SCALES,
    SURVEY_VALID_DAYS,
    ScoreOutOfRange,
    check_score,
    nps,
    survey_expires_at,
)
from casework.portal.models import Survey
from casework.portal.services import link

log = logging.getLogger(__name__)


def on_case_changed(event: CaseChanged) -> None:
    """After a change commits: a case that just closed gets its survey (once)."""
    before_after = event.changes.get("status")
    if before_after and before_after[1] == "closed":
        create_survey(event.case_id)


def survey_token(survey: Survey) -> str:
    return signing.make_token("survey", survey_id=survey.pk)


def survey_link(survey: Survey) -> str:
    return link(f"/portal/survey/{survey_token(survey)}")


def create_survey(case_id: int) -> Survey | None:
    """The case's survey, sent by email; None when the case already had one
    (a reopened case that closes again is not asked twice)."""
    if Survey.objects.filter(case_id=case_id).exists():
        return None
    case = case_selectors.get_case_by_id(case_id)
    now = clock.now()
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                case=case,
                kind=selectors.branding().survey_kind,
                team=case.team,
                agent=case.assignee,
                case_type=case.case_type,
                sent_at=now,
                expires_at=survey_expires_at(now),
            )
            case_services.record_event(
                case, "survey_sent", Actor.system(), data={"kind": survey.kind, "survey": survey.pk}
            )
            notify("survey", case.pk, link=survey_link(survey), survey_id=survey.pk, survey_kind=survey.kind)
    except IntegrityError:
        return None  # a concurrent close made it first
    return survey


def survey_from_token(token: str) -> Survey:
    data = signing.read_token(token, "survey", max_age_seconds=SURVEY_VALID_DAYS * 24 * 3600)
    survey_id = data.get("survey_id")
    if not isinstance(survey_id, int):
        raise NotFound("no such survey", field="token")
    survey = Survey.objects.select_related("case", "case__contact").filter(pk=survey_id).first()
    if survey is None:
        raise NotFound("no such survey", field="token")
    return survey


def is_open(survey: Survey, now: datetime | None = None) -> bool:
    return survey.answered_at is None and (now or clock.now()) < survey.expires_at


@transaction.atomic
def answer_survey(survey: Survey, *, score: Any, comment: str = "") -> Survey:
    current = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("case", "case__contact")
        .get(pk=survey.pk)
    )
    if current.answered_at is not None:
        raise Conflict("this survey has already been answered, thank you", field="score")
    if clock.now() >= current.expires_at:
        raise Conflict("this survey has closed", field="token")
    try:
        current.score = check_score(current.kind, int(score))
    except (TypeError, ValueError, ScoreOutOfRange) as exc:
        scale = SCALES[current.kind]
        raise InvalidInput(
            str(exc)
            if isinstance(exc, ScoreOutOfRange)
            else f"choose a score from {scale.low} to {scale.high}",
            field="score",
        ) from None
    current.comment = (comment or "").strip()[:4000]
    current.answered_at = clock.now()
    current.save(update_fields=["score", "comment", "answered_at"])
    actor = Actor.customer(current.case.contact) if current.case.contact else Actor.system("survey")
    case_services.record_event(
        current.case,
        "survey_answered",
        actor,
        data={"kind": current.kind, "score": current.score, "comment": current.comment},
    )
    return current


def open_survey_for_case(case: Any) -> Survey | None:
    survey = Survey.objects.filter(case_id=case.pk).first()
    return survey if survey is not None and is_open(survey) else None


# --- results -----------------------------------------------------------------


def survey_dict(s: Survey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "case": s.case.number,
        "kind": s.kind,
        "score": s.score,
        "comment": s.comment,
        "team": {"id": s.team_id, "name": s.team.name} if s.team else None,
        "agent": {"id": s.agent_id, "name": str(s.agent)} if s.agent else None,
        "case_type": {"id": s.case_type_id, "name": s.case_type.name} if s.case_type else None,
        "sent_at": s.sent_at,
        "expires_at": s.expires_at,
        "answered_at": s.answered_at,
    }


def _averages(rows: list[Survey], key: str, kind: str) -> list[dict[str, Any]]:
    groups: dict[Any, list[int]] = defaultdict(list)
    names: dict[Any, str] = {}
    for s in rows:
        ref = getattr(s, key)
        if ref is None or s.score is None:
            continue
        groups[ref.pk].append(s.score)
        names[ref.pk] = ref.name if hasattr(ref, "name") and ref.name else str(ref)
    out = []
    for pk, scores in sorted(groups.items(), key=lambda kv: names[kv[0]]):
        item: dict[str, Any] = {
            "id": pk,
            "name": names[pk],
            "responses": len(scores),
            "average": round(sum(scores) / len(scores), 2),
        }
        if kind == "nps":
            item["nps"] = nps(scores)
        out.append(item)
    return out


def results(user: Any, *, kind: str = "csat", answered_only: bool = True, limit: int = 200) -> dict[str, Any]:
    """Surveys of the cases this staff member may see, and the averages per team, agent and case type."""
    if user is None or not is_staff_role(user.role):
        return {
            "kind": kind,
            "count": 0,
            "average": None,
            "surveys": [],
            "by_team": [],
            "by_agent": [],
            "by_case_type": [],
        }
    if kind not in SCALES:
        raise InvalidInput("kind is csat, nps or ces", field="kind")
    surveys = Survey.objects.filter(kind=kind, case__in=case_selectors.visible_cases(user)).select_related(
        "case", "team", "agent", "case_type"
    )
    if answered_only:
        surveys = surveys.filter(answered_at__isnull=False)
    rows = list(surveys.order_by("-sent_at", "-id"))
    scores = [s.score for s in rows if s.score is not None]
    return {
        "kind": kind,
        "count": len(rows),
        "average": round(sum(scores) / len(scores), 2) if scores else None,
        "nps": nps(scores) if kind == "nps" else None,
        "surveys": [survey_dict(s) for s in rows[:limit]],
        "by_team": _averages(rows, "team", kind),
        "by_agent": _averages(rows, "agent", kind),
        "by_case_type": _averages(rows, "case_type", kind),
    }


_SURVEYS_OF_CASES = PreparedIn(
    lambda ids: Survey.objects.filter(case_id__in=ids).values(
        "case_id", "kind", "score", "comment", "answered_at"
    )
)


def case_extras(cases: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The survey result on each case's API representation: one query per page,
    none for a page of cases that never closed (a survey is sent on closing)."""
    closed = [c["id"] for c in cases if c["closed_at"] is not None or c["status"] == "closed"]
    rows = _SURVEYS_OF_CASES.all(closed) if closed else []
    return {
        s["case_id"]: {
            "survey": {
                "kind": s["kind"],
                "score": s["score"],
                "comment": s["comment"],
                "answered_at": s["answered_at"].isoformat() if s["answered_at"] else None,
            }
        }
        for s in rows
    }
