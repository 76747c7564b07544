"""/api/v1/accounts and /api/v1/contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from casework.accounts import selectors, services
from casework.core.api_input import Email, Offset, Patch, Strict
from casework.iam.auth import require_staff, require_write

router = Router(tags=["accounts"])


class AccountOut(Schema):
    id: int
    name: str
    tier: str
    parent: int | None
    email_domains: list[str]
    notes: str
    version: int
    created_at: datetime


class AccountCreate(Strict):
    name: str = Field(..., min_length=1, max_length=200)
    tier: str = "standard"
    parent: int | None = None
    email_domains: list[str] = Field(default_factory=list, max_length=50)
    notes: str = ""


class AccountPatch(Patch):
    clearable = frozenset({"parent"})

    name: str | None = Field(None, min_length=1, max_length=200)
    tier: str | None = None
    parent: int | None = None
    email_domains: list[str] | None = None
    notes: str | None = None
    version: int | None = None


class ContactOut(Schema):
    id: int
    name: str
    emails: list[str]
    phone: str
    account: int | None
    language: str
    is_account_admin: bool
    version: int
    created_at: datetime


class ContactCreate(Strict):
    name: str = Field("", max_length=200)
    emails: list[Email] = Field(..., min_length=1, max_length=20)
    phone: str = Field("", max_length=50)
    account: int | None = None
    language: str = Field("", max_length=10)
    is_account_admin: bool = False


class ContactPatch(Patch):
    clearable = frozenset({"account"})

    name: str | None = Field(None, max_length=200)
    emails: list[Email] | None = Field(None, min_length=1, max_length=20)
    phone: str | None = Field(None, max_length=50)
    account: int | None = None
    language: str | None = Field(None, max_length=10)
    is_account_admin: bool | None = None
    version: int | None = None


def account_dict(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "tier": a.tier,
        "parent": a.parent_id,
        "email_domains": a.email_domains,
        "notes": a.notes,
        "version": a.version,
        "created_at": a.created_at,
    }


def contact_dict(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "emails": [e.address for e in c.emails.all()],
        "phone": c.phone,
        "account": c.account_id,
        "language": c.language,
        "is_account_admin": c.is_account_admin,
        "version": c.version,
        "created_at": c.created_at,
    }


@router.get("/accounts", response=list[AccountOut])
def list_accounts(
    request: HttpRequest, q: str = "", limit: int = Query(100, ge=1, le=500), offset: Offset = 0
) -> list[dict[str, Any]]:
    user = require_staff(request)
    return [account_dict(a) for a in selectors.list_accounts(user, q=q)[offset : offset + limit]]


@router.post("/accounts", response={201: AccountOut})
def create_account(request: HttpRequest, payload: AccountCreate) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    parent = selectors.get_account(user, payload.parent) if payload.parent else None
    account = services.create_account(
        payload.name,
        tier=payload.tier,
        parent=parent,
        email_domains=payload.email_domains,
        notes=payload.notes,
        by=user,
    )
    return Status(201, account_dict(account))


@router.get("/accounts/{account_id}", response=AccountOut)
def read_account(request: HttpRequest, account_id: int) -> dict[str, Any]:
    return account_dict(selectors.get_account(require_staff(request), account_id))


@router.patch("/accounts/{account_id}", response=AccountOut)
def patch_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    if "parent" in changes:
        changes["parent"] = selectors.get_account(user, changes["parent"]) if changes["parent"] else None
    account = services.update_account(
        selectors.get_account(user, account_id), by=user, expected_version=version, **changes
    )
    return account_dict(account)


@router.get("/contacts", response=list[ContactOut])
def list_contacts(
    request: HttpRequest,
    q: str = "",
    account: int | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    user = require_staff(request)
    return [
        contact_dict(c)
        for c in selectors.list_contacts(user, q=q, account_id=account)[offset : offset + limit]
    ]


@router.post("/contacts", response={201: ContactOut})
def create_contact(request: HttpRequest, payload: ContactCreate) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    account = selectors.get_account(user, payload.account) if payload.account else None
    contact = services.create_contact(
        name=payload.name,
        emails=[str(e) for e in payload.emails],
        phone=payload.phone,
        account=account,
        language=payload.language,
        is_account_admin=payload.is_account_admin,
        by=user,
    )
    return Status(201, contact_dict(selectors.get_contact(user, contact.pk)))


@router.get("/contacts/{contact_id}", response=ContactOut)
def read_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return contact_dict(selectors.get_contact(require_staff(request), contact_id))


@router.patch("/contacts/{contact_id}", response=ContactOut)
def patch_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    if "account" in changes:
        changes["account"] = selectors.get_account(user, changes["account"]) if changes["account"] else None
    if "emails" in changes and changes["emails"] is not None:
        changes["emails"] = [str(e) for e in changes["emails"]]
    services.update_contact(
        selectors.get_contact(user, contact_id), by=user, expected_version=version, **changes
    )
    return contact_dict(selectors.get_contact(user, contact_id))
