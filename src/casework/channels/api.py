"""/api/v1/mailboxes, /api/v1/mail/...: mailboxes, quarantine, raw MIME intake,
held messages, moving a mis-threaded message."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from casework.cases import message_moves
from casework.cases import selectors as case_selectors
from casework.channels import mailboxes, review, services
from casework.channels import selectors as sel
from casework.core.actors import Actor
from casework.core.api_input import Patch, Strict
from casework.core.errors import InvalidInput
from casework.iam import selectors as iam
from casework.iam.auth import require_staff, require_write

router = Router(tags=["email"])


class MailboxIn(Strict):
    address: str
    display_name: str = ""
    team: int | None = None
    inbound_method: str = "smtp"
    is_active: bool = True
    is_default: bool = False
    signature: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: bool = False
    imap_host: str = ""
    imap_port: int = 993
    imap_user: str = ""
    imap_password: str = ""
    imap_ssl: bool = True
    imap_folder: str = "INBOX"
    imap_processed_folder: str = ""


class MailboxPatch(Patch):
    clearable = frozenset({"team"})

    address: str | None = None
    display_name: str | None = None
    team: int | None = None
    inbound_method: str | None = None
    is_active: bool | None = None
    is_default: bool | None = None
    signature: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: bool | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_user: str | None = None
    imap_password: str | None = None
    imap_ssl: bool | None = None
    imap_folder: str | None = None
    imap_processed_folder: str | None = None


class MailboxOut(Schema):
    id: int
    address: str
    display_name: str
    team: int | None
    inbound_method: str
    is_active: bool
    is_default: bool
    signature: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password_set: bool  # the password itself is never shown
    smtp_tls: bool
    imap_host: str
    imap_port: int
    imap_user: str
    imap_ssl: bool
    imap_folder: str
    imap_processed_folder: str
    version: int


class QuarantineOut(Schema):
    id: int
    received_at: Any
    source: str
    size: int
    error: str
    state: str
    attempts: int
    recipients: list[str]


class IntakeOut(Schema):
    outcome: str
    case: str | None = None
    reason: str = ""
    inbound_id: int | None = None
    quarantine_id: int | None = None


class MoveIn(Strict):
    case: str = Field(description="the number of the case the message belongs to, e.g. CS-1042")
    reason: str = ""


class SplitIn(Strict):
    title: str = ""
    reason: str = ""


def _mailbox_dict(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "address": m.address,
        "display_name": m.display_name,
        "team": m.team_id,
        "inbound_method": m.inbound_method,
        "is_active": m.is_active,
        "is_default": m.is_default,
        "signature": m.signature,
        "smtp_host": m.smtp_host,
        "smtp_port": m.smtp_port,
        "smtp_user": m.smtp_user,
        "smtp_password_set": bool(m.smtp_password),
        "smtp_tls": m.smtp_tls,
        "imap_host": m.imap_host,
        "imap_port": m.imap_port,
        "imap_user": m.imap_user,
        "imap_ssl": m.imap_ssl,
        "imap_folder": m.imap_folder,
        "imap_processed_folder": m.imap_processed_folder,
        "version": m.version,
    }


def _with_team(data: dict[str, Any]) -> dict[str, Any]:
    if "team" in data:
        data["team"] = iam.get_team(data["team"]) if data["team"] is not None else None
    return data


def _intake_dict(result: services.IntakeResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "case": result.case_number,
        "reason": result.reason,
        "inbound_id": result.inbound_id,
        "quarantine_id": result.quarantine_id,
    }


@router.get("/mailboxes", response=list[MailboxOut], summary="List mailboxes")
def list_mailboxes(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_staff(request)
    return [_mailbox_dict(m) for m in sel.list_mailboxes(user)]


@router.post("/mailboxes", response={201: MailboxOut}, summary="Add a mailbox")
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    sel.require_config_manager(user)
    mailbox = mailboxes.create_mailbox(user, **_with_team(payload.model_dump()))
    return Status(201, _mailbox_dict(mailbox))


@router.get("/mailboxes/{mailbox_id}", response=MailboxOut, summary="Read a mailbox")
def read_mailbox(request: HttpRequest, mailbox_id: int) -> dict[str, Any]:
    return _mailbox_dict(sel.get_mailbox(require_staff(request), mailbox_id))


@router.patch("/mailboxes/{mailbox_id}", response=MailboxOut, summary="Change a mailbox")
def patch_mailbox(request: HttpRequest, mailbox_id: int, payload: MailboxPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    mailbox = sel.get_mailbox(user, mailbox_id)
    changes = payload.model_dump(exclude_unset=True)
    for key in ("address", "inbound_method", "smtp_port", "imap_port"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be empty", field=key)
    return _mailbox_dict(mailboxes.update_mailbox(user, mailbox, **_with_team(changes)))


@router.get("/mail/quarantine", response=list[QuarantineOut], summary="Messages that could not be taken in")
def list_quarantine(request: HttpRequest, state: str = "waiting") -> list[Any]:
    user = require_staff(request)
    if state not in {"waiting", "retried", "discarded", "all"}:
        raise InvalidInput("state is waiting, retried, discarded or all", field="state")
    return list(sel.quarantine(user, state=None if state == "all" else state)[:200])


@router.post(
    "/mail/quarantine/{item_id}/retry", response=IntakeOut, summary="Take a quarantined message in again"
)
def retry_quarantined(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    return _intake_dict(review.retry_quarantined(user, sel.get_quarantined(user, item_id)))


@router.post(
    "/mail/quarantine/{item_id}/discard", response={204: None}, summary="Discard a quarantined message"
)
def discard_quarantined(request: HttpRequest, item_id: int) -> Status[None]:
    user = require_staff(request)
    require_write(request)
    review.discard_quarantined(user, sel.get_quarantined(user, item_id))
    return Status(204, None)


@router.post(
    "/mail/inbound",
    response={201: IntakeOut, 200: IntakeOut},
    summary="Take in one raw message (body: message/rfc822), e.g. from a provider's inbound webhook",
    openapi_extra={
        "requestBody": {"content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
def inbound(request: HttpRequest, mailbox: str = "") -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    sel.require_config_manager(user)
    raw = request.body
    if not raw.strip():
        raise InvalidInput("the body is empty: send the raw message", field="body")
    content_type = (request.content_type or "").lower()
    if content_type not in {"message/rfc822", "application/octet-stream", "text/plain"}:
        raise InvalidInput("send the raw message with Content-Type: message/rfc822", field="Content-Type")
    target = sel.active_mailbox_for([mailbox]) if mailbox else None
    if mailbox and target is None:
        raise InvalidInput(f"no active mailbox {mailbox}", field="mailbox")
    result = services.take_in(raw, source="http", mailbox=target)
    return Status(200 if result.is_duplicate else 201, _intake_dict(result))


@router.post("/mail/held/{inbound_id}/accept", response=IntakeOut, summary="Post a held message to its case")
def accept_held(request: HttpRequest, inbound_id: int) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    return _intake_dict(review.accept_held(user, sel.get_inbound(user, inbound_id)))


@router.post("/mail/held/{inbound_id}/discard", response={204: None}, summary="Discard a held message")
def discard_held(request: HttpRequest, inbound_id: int) -> Status[None]:
    user = require_staff(request)
    require_write(request)
    review.discard_held(user, sel.get_inbound(user, inbound_id))
    return Status(204, None)


@router.post(
    "/mail/messages/{message_id}/move", response=dict, summary="Move a mis-threaded message to another case"
)
def move_message(request: HttpRequest, message_id: int, payload: MoveIn) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    target = case_selectors.get_case(user, payload.case, related=False)
    message = message_moves.move_message(Actor.agent(user), message_id, target, reason=payload.reason)
    return {"message": message.pk, "case": target.number}


@router.post(
    "/mail/messages/{message_id}/split", response={201: dict}, summary="Split a message into a new case"
)
def split_message(request: HttpRequest, message_id: int, payload: SplitIn) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    case = message_moves.split_message(
        Actor.agent(user), message_id, title=payload.title, reason=payload.reason
    )
    return Status(201, {"message": message_id, "case": case.number})
