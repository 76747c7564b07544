"""/api/v1/cases: open, list, read, change, reply, note, link."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from casework.accounts import selectors as accounts
from casework.accounts import services as account_services
from casework.cases import presenters, selectors, services
from casework.cases.schemas import (
    CaseCreate,
    CaseOut,
    CasePage,
    CasePatch,
    EventOut,
    LinkCreate,
    LinkOut,
    MessageCreate,
    MessageOut,
    NoteCreate,
)
from casework.core.actors import Actor
from casework.core.api_input import Moment
from casework.core.errors import InvalidInput
from casework.iam import selectors as iam
from casework.iam.auth import require_staff, require_write

router = Router(tags=["cases"])


def _etag(version: int) -> str:
    return f'"{version}"'


def _parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput('If-Match carries the case\'s ETag, e.g. "3"', field="If-Match")
    return int(raw)


def _related(user: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Turn ids in a request into the objects they name, each checked to exist."""
    out: dict[str, Any] = {}
    if "team" in payload:
        out["team"] = iam.get_team(payload["team"]) if payload["team"] is not None else None
    if "assignee" in payload:
        out["assignee"] = _user(payload["assignee"]) if payload["assignee"] is not None else None
    if "account" in payload:
        out["account"] = (
            accounts.get_account(user, payload["account"]) if payload["account"] is not None else None
        )
    if "contact" in payload:
        ref = payload["contact"]
        if ref is None:
            out["contact"] = None
        elif isinstance(ref, int):
            out["contact"] = accounts.get_contact(user, ref)
        else:
            out["contact"], _ = account_services.find_or_create_contact(
                ref["email"], name=ref.get("name", "")
            )
    for name in ("case_type", "service"):
        if name in payload:
            out[name] = selectors.related_object(name, payload[name]) if payload[name] is not None else None
    if "parent" in payload:
        out["parent"] = (
            selectors.get_case(user, payload["parent"], related=False) if payload["parent"] else None
        )
    return out


def _user(user_id: int) -> Any:
    try:
        return iam.get_user(user_id)
    except Exception:
        raise InvalidInput(f"no user {user_id}", field="assignee") from None


@router.post("/cases", response={201: CaseOut}, summary="Open a case")
def create_case(
    request: HttpRequest,
    payload: CaseCreate,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> HttpResponse:
    user = require_staff(request)
    require_write(request)
    data = payload.model_dump()
    related = _related(
        user,
        {k: data[k] for k in ("team", "assignee", "account", "contact", "case_type", "service", "parent")},
    )
    case = services.open_case(
        Actor.agent(user),
        title=data["title"],
        description=data["description"],
        priority=data["priority"],
        tags=data["tags"],
        channel=data["channel"],
        custom_fields=data["custom_fields"],
        language=data["language"],
        idempotency_key=idempotency_key,
        read_back=False,  # read below, as the API shows it
        **related,
    )
    # The caller made it: answer with it even when it falls outside their queues
    # (an agent opening a case without a team), instead of a 404 for a saved case.
    shown = _shaped(presenters.case_dicts_by_id([case.pk]))[0]
    response = _json(shown, status=201)
    response["ETag"] = _etag(shown["version"])
    response["Location"] = f"/api/v1/cases/{shown['number']}"
    return response


@router.get("/cases", response=CasePage, summary="List and search cases")
def list_cases(
    request: HttpRequest,
    status: list[str] = Query(None),
    priority: list[str] = Query(None),
    team: list[int] = Query(None),
    assignee: str | None = None,
    account: int | None = None,
    contact: int | None = None,
    tag: list[str] = Query(None),
    channel: list[str] = Query(None),
    case_type: list[int] = Query(None),
    created_after: Moment | None = None,
    created_before: Moment | None = None,
    updated_after: Moment | None = None,
    updated_before: Moment | None = None,
    sla_due_before: Moment | None = None,
    q: str = "",
    sort: str = "-updated",
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    user = require_staff(request)
    filters = selectors.CaseFilters(
        status=status or [],
        priority=priority or [],
        team=team or [],
        assignee=assignee,
        account=account,
        contact=contact,
        tag=tag or [],
        channel=channel or [],
        case_type=case_type or [],
        created_after=created_after,
        created_before=created_before,
        updated_after=updated_after,
        updated_before=updated_before,
        sla_due_before=sla_due_before,
        q=q,
    )
    page = selectors.list_case_ids(user, filters, sort=sort, limit=limit, cursor=cursor)
    items = _shaped(presenters.case_dicts_by_id(page.items))
    return _json({"items": items, "next_cursor": page.next_cursor})  # type: ignore[return-value]


_CASE_FIELDS = frozenset(CaseOut.model_fields)


def _shaped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The presenter's case dicts with the schema's every key: those an area's
    extras did not fill answer null, as the schema says."""
    for item in items:
        for name in _CASE_FIELDS.difference(item):
            item[name] = None
    return items


def _json(body: Any, status: int = 200) -> HttpResponse:
    """A response written out directly. For the hot paths (a queue's page, a new
    case): their dicts already have the schema's shape (`_shaped`), and validating
    them again field by field cost more than the JSON itself."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json"
    )


@router.get("/cases/{number}", response=CaseOut, summary="Read a case")
def read_case(request: HttpRequest, response: HttpResponse, number: str) -> dict[str, Any]:
    user = require_staff(request)
    case = selectors.get_case(user, number, related=False)
    shown = presenters.case_dict(case)
    response["ETag"] = _etag(shown["version"])
    return shown


@router.patch("/cases/{number}", response=CaseOut, summary="Change a case (optimistic locking)")
def patch_case(
    request: HttpRequest,
    response: HttpResponse,
    number: str,
    payload: CasePatch,
    if_match: str | None = Header(None, alias="If-Match"),
) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    case = selectors.get_case(user, number, related=False)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    header_version = _parse_if_match(if_match)
    expected = header_version if header_version is not None else version
    related = _related(
        user,
        {
            k: data.pop(k)
            for k in list(data)
            if k in {"team", "assignee", "account", "contact", "case_type", "service", "parent"}
        },
    )
    services.update_case(Actor.agent(user), case, {**data, **related}, expected_version=expected)
    case = selectors.get_case(user, number, related=False)
    shown = presenters.case_dict(case)
    response["ETag"] = _etag(shown["version"])
    return shown


@router.get("/cases/{number}/timeline", response=list[EventOut], summary="The case's history")
def case_timeline(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = require_staff(request)
    case = selectors.get_case(user, number, related=False)
    return [presenters.event_dict(e) for e in selectors.timeline(user, case)]


@router.post("/cases/{number}/messages", response={201: MessageOut}, summary="Reply to the customer")
def post_message(request: HttpRequest, number: str, payload: MessageCreate) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    case = selectors.get_case(user, number, related=False)
    message = services.post_reply(
        Actor.agent(user),
        case,
        text=payload.text,
        html=payload.html,
        cc=[str(c) for c in payload.cc],
        status=payload.status,
    )
    return Status(201, presenters.message_dict(message))


@router.post("/cases/{number}/notes", response={201: MessageOut}, summary="Add an internal note")
def post_note(request: HttpRequest, number: str, payload: NoteCreate) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    case = selectors.get_case(user, number, related=False)
    message = services.add_note(Actor.agent(user), case, text=payload.text)
    return Status(201, presenters.message_dict(message))


@router.post("/cases/{number}/links", response={201: LinkOut}, summary="Link to another case")
def post_link(request: HttpRequest, number: str, payload: LinkCreate) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    case = selectors.get_case(user, number, related=False)
    other = selectors.get_case(user, payload.case, related=False)
    link = services.link_cases(Actor.agent(user), case, other, payload.kind)
    return Status(
        201,
        {"kind": link.kind, "from_case": case.number, "to_case": other.number, "created_at": link.created_at},
    )


@router.get("/cases/{number}/links", response=list[LinkOut], summary="The case's links")
def list_links(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = require_staff(request)
    case = selectors.get_case(user, number, related=False)
    return [
        {
            "kind": link.kind,
            "from_case": link.from_case.number,
            "to_case": link.to_case.number,
            "created_at": link.created_at,
        }
        for link in selectors.links_of(case)
    ]
