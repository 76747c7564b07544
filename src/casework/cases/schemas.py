"""JSON shapes of cases in the API. Input schemas forbid unknown fields, so a
typo is a 422 naming the field instead of being silently ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from casework.core.api import Ref
from casework.core.api_input import Email, Patch, Strict

PriorityName = Literal["urgent", "high", "normal", "low"]
StatusName = Literal["new", "open", "pending", "on_hold", "resolved", "closed", "cancelled"]
ChannelName = Literal["email", "portal", "chat", "phone", "api", "web"]


class ContactRef(Strict):
    email: Email
    name: str = Field("", max_length=200)


class CaseCreate(Strict):
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=100_000)
    priority: PriorityName = "normal"
    contact: int | ContactRef | None = None
    account: int | None = None
    team: int | None = None
    assignee: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    channel: ChannelName = "api"
    case_type: int | None = None
    service: int | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    language: str = Field("", max_length=10)
    parent: str | None = None


class CasePatch(Patch):
    clearable = frozenset({"team", "assignee", "account", "contact", "case_type", "service", "parent"})

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=100_000)
    priority: PriorityName | None = None
    status: StatusName | None = None
    team: int | None = None
    assignee: int | None = None
    account: int | None = None
    contact: int | None = None
    tags: list[str] | None = Field(None, max_length=50)
    channel: ChannelName | None = None
    case_type: int | None = None
    service: int | None = None
    custom_fields: dict[str, Any] | None = None
    language: str | None = Field(None, max_length=10)
    resolution_code: str | None = Field(None, max_length=30)
    resolution_summary: str | None = Field(None, max_length=20_000)
    parent: str | None = None
    version: int | None = Field(None, ge=1)


class MessageCreate(Strict):
    text: str = Field(..., min_length=1, max_length=200_000)
    html: str = Field("", max_length=400_000)
    cc: list[Email] = Field(default_factory=list, max_length=50)
    status: StatusName | None = None


class NoteCreate(Strict):
    text: str = Field(..., min_length=1, max_length=200_000)


class LinkCreate(Strict):
    case: str = Field(..., min_length=1, max_length=30)
    kind: Literal["related", "duplicate_of", "follow_up_of", "child_of"] = "related"


class UserRef(Schema):
    id: int
    name: str
    email: str


class ContactSummary(Schema):
    id: int
    name: str
    email: str


class AccountRef(Schema):
    id: int
    name: str
    tier: str


class CaseOut(Schema):
    number: str
    title: str
    description: str
    status: str
    priority: str
    channel: str
    team: Ref | None
    assignee: UserRef | None
    contact: ContactSummary | None
    account: AccountRef | None
    tags: list[str]
    case_type: Ref | None
    service: Ref | None
    custom_fields: dict[str, Any]
    language: str
    parent: str | None
    resolution_code: str
    resolution_summary: str
    assignment_reason: dict[str, Any]
    reopen_count: int
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_due_at: datetime | None
    sla: list[dict[str, Any]] = Field(default_factory=list)
    entitlement: dict[str, Any] | None = None
    survey: dict[str, Any] | None = None


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class MessageOut(Schema):
    id: int
    direction: str
    visibility: str
    channel: str
    author: str
    from_address: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str
    created_at: datetime
    attachments: list[AttachmentOut]
    meta: dict[str, Any]


class EventOut(Schema):
    id: int
    kind: str
    actor_kind: str
    actor: str
    visibility: str
    data: dict[str, Any]
    message: MessageOut | None
    created_at: datetime


class LinkOut(Schema):
    kind: str
    from_case: str
    to_case: str
    created_at: datetime
