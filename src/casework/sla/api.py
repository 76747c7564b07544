"""/api/v1: business calendars, SLA policies, entitlements and a case's SLA clocks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from casework.accounts import entitlements
from casework.accounts import selectors as accounts
from casework.cases import selectors as case_selectors
from casework.core.api_input import Amount, Day, Patch, Strict
from casework.iam.auth import require_staff, require_write
from casework.sla import calendars, selectors

router = Router(tags=["sla"])


# --- calendars ----------------------------------------------------------------------------


class CalendarIn(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    time_zone: str = "UTC"
    hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    holidays: list[Day] = Field(default_factory=list)
    holiday_country: str = Field("", max_length=2)
    holiday_subdivision: str = Field("", max_length=10)
    is_24x7: bool = False


class CalendarPatch(Patch):
    name: str | None = Field(None, min_length=1, max_length=100)
    time_zone: str | None = None
    hours: dict[str, list[list[str]]] | None = None
    holidays: list[Day] | None = None
    holiday_country: str | None = Field(None, max_length=2)
    holiday_subdivision: str | None = Field(None, max_length=10)
    is_24x7: bool | None = None
    version: int | None = None


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    hours: dict[str, Any]
    holidays: list[str]
    holiday_country: str
    holiday_subdivision: str
    is_24x7: bool
    version: int


def _calendar(row: Any) -> dict[str, Any]:
    return {f: getattr(row, f) for f in ("id", *calendars.CALENDAR_FIELDS, "version")}


def _calendar_values(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("holidays") is not None:
        data["holidays"] = [d.isoformat() for d in data["holidays"]]
    return data


@router.get("/calendars", response=list[CalendarOut], summary="Business calendars")
def list_calendars(request: HttpRequest) -> list[dict[str, Any]]:
    return [_calendar(c) for c in calendars.list_calendars(require_staff(request))]


@router.post("/calendars", response={201: CalendarOut}, summary="Add a business calendar")
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    row = calendars.save_calendar(user, _calendar_values(payload.model_dump()))
    return Status(201, _calendar(row))


@router.get("/calendars/{calendar_id}", response=CalendarOut, summary="A business calendar")
def read_calendar(request: HttpRequest, calendar_id: int) -> dict[str, Any]:
    return _calendar(calendars.get_calendar(require_staff(request), calendar_id))


@router.patch("/calendars/{calendar_id}", response=CalendarOut, summary="Change a business calendar")
def patch_calendar(request: HttpRequest, calendar_id: int, payload: CalendarPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    row = calendars.get_calendar(user, calendar_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    row = calendars.save_calendar(user, _calendar_values(data), calendar=row, expected_version=version)
    return _calendar(row)


# --- policies -----------------------------------------------------------------------------

Target = int | dict[str, Any]


class BreachActions(Strict):
    notify: bool = True
    raise_priority: Literal["", "low", "normal", "high", "urgent"] = ""
    move_to_team: int | None = None
    run_automation: bool = True


class PolicyIn(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    position: int = Field(100, ge=0)
    is_active: bool = True
    calendar: int | None = None
    priorities: list[str] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)
    entitlement_ids: list[int] = Field(default_factory=list)
    case_type_ids: list[int] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    team_ids: list[int] = Field(default_factory=list)
    targets: dict[str, dict[str, Target]]
    pause_statuses: list[str] = Field(default_factory=lambda: ["pending", "on_hold"])
    warn_percents: list[int] = Field(default_factory=lambda: [50, 75])
    breach_actions: BreachActions = Field(default_factory=BreachActions)


class PolicyPatch(Patch):
    clearable = frozenset({"calendar"})

    name: str | None = Field(None, min_length=1, max_length=100)
    position: int | None = Field(None, ge=0)
    is_active: bool | None = None
    calendar: int | None = None
    priorities: list[str] | None = None
    tiers: list[str] | None = None
    entitlement_ids: list[int] | None = None
    case_type_ids: list[int] | None = None
    channels: list[str] | None = None
    team_ids: list[int] | None = None
    targets: dict[str, dict[str, Target]] | None = None
    pause_statuses: list[str] | None = None
    warn_percents: list[int] | None = None
    breach_actions: BreachActions | None = None
    version: int | None = None


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    calendar: int | None
    priorities: list[str]
    tiers: list[str]
    entitlement_ids: list[int]
    case_type_ids: list[int]
    channels: list[str]
    team_ids: list[int]
    targets: dict[str, Any]
    pause_statuses: list[str]
    warn_percents: list[int]
    breach_actions: dict[str, Any]
    version: int


def _policy(row: Any) -> dict[str, Any]:
    out = {f: getattr(row, f) for f in ("id", *calendars.POLICY_FIELDS, "version") if f != "calendar"}
    out["calendar"] = row.calendar_id
    return out


def _policy_values(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "calendar" in data:
        data["calendar"] = calendars.get_calendar(user, data["calendar"]) if data["calendar"] else None
    return data


@router.get("/sla-policies", response=list[PolicyOut], summary="SLA policies, in the order they apply")
def list_policies(request: HttpRequest) -> list[dict[str, Any]]:
    return [_policy(p) for p in calendars.list_policies(require_staff(request))]


@router.post("/sla-policies", response={201: PolicyOut}, summary="Add an SLA policy")
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    row = calendars.save_policy(user, _policy_values(user, payload.model_dump()))
    return Status(201, _policy(row))


@router.get("/sla-policies/{policy_id}", response=PolicyOut, summary="An SLA policy")
def read_policy(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    return _policy(calendars.get_policy(require_staff(request), policy_id))


@router.patch("/sla-policies/{policy_id}", response=PolicyOut, summary="Change an SLA policy")
def patch_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    row = calendars.get_policy(user, policy_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    row = calendars.save_policy(user, _policy_values(user, data), policy=row, expected_version=version)
    return _policy(row)


# --- entitlements -------------------------------------------------------------------------

Unit = Literal["none", "cases", "hours"]
DecrementOn = Literal["creation", "resolution"]


# As the columns hold them (10 digits, 2 after the point): more would not be stored.
Units = Annotated[Amount, Field(max_digits=10, decimal_places=2)]


class EntitlementIn(Strict):
    name: str = Field(..., min_length=1, max_length=200)
    account: int | None = None
    contact: int | None = None
    service: str = Field("", max_length=100)
    channel: str = Field("", max_length=20)
    starts_on: Day | None = None
    ends_on: Day | None = None
    unit: Unit = "none"
    total: Units = Decimal(0)
    remaining: Units | None = None
    decrement_on: DecrementOn = "creation"
    restrict: bool = False
    tier: str = Field("", max_length=20)
    is_active: bool = True


class EntitlementPatch(Patch):
    clearable = frozenset({"account", "contact", "starts_on", "ends_on", "remaining"})

    name: str | None = Field(None, min_length=1, max_length=200)
    account: int | None = None
    contact: int | None = None
    service: str | None = Field(None, max_length=100)
    channel: str | None = Field(None, max_length=20)
    starts_on: Day | None = None
    ends_on: Day | None = None
    unit: Unit | None = None
    total: Units | None = None
    remaining: Units | None = None
    decrement_on: DecrementOn | None = None
    restrict: bool | None = None
    tier: str | None = Field(None, max_length=20)
    is_active: bool | None = None
    version: int | None = None


class EntitlementOut(Schema):
    id: int
    name: str
    account: int | None
    contact: int | None
    service: str
    channel: str
    starts_on: date | None
    ends_on: date | None
    unit: str
    total: float
    remaining: float
    decrement_on: str
    restrict: bool
    tier: str
    is_active: bool
    version: int


def _entitlement(e: Any) -> dict[str, Any]:
    out = {
        f: getattr(e, f) for f in ("id", *entitlements.FIELDS, "version") if f not in ("account", "contact")
    }
    out.update(account=e.account_id, contact=e.contact_id, total=float(e.total), remaining=float(e.remaining))
    return out


def _entitlement_values(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("remaining", 0) is None:
        data.pop("remaining")
    if "account" in data:
        data["account"] = accounts.get_account(user, data["account"]) if data["account"] else None
    if "contact" in data:
        data["contact"] = accounts.get_contact(user, data["contact"]) if data["contact"] else None
    return data


@router.get("/entitlements", response=list[EntitlementOut], summary="Entitlements")
def list_entitlements(request: HttpRequest, account: int | None = None) -> list[dict[str, Any]]:
    return [
        _entitlement(e) for e in entitlements.list_entitlements(require_staff(request), account_id=account)
    ]


@router.post("/entitlements", response={201: EntitlementOut}, summary="Add an entitlement")
def create_entitlement(request: HttpRequest, payload: EntitlementIn) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    row = entitlements.save_entitlement(user, _entitlement_values(user, payload.model_dump()))
    return Status(201, _entitlement(row))


@router.get("/entitlements/{entitlement_id}", response=EntitlementOut, summary="An entitlement")
def read_entitlement(request: HttpRequest, entitlement_id: int) -> dict[str, Any]:
    return _entitlement(entitlements.get_entitlement(require_staff(request), entitlement_id))


@router.patch("/entitlements/{entitlement_id}", response=EntitlementOut, summary="Change an entitlement")
def patch_entitlement(request: HttpRequest, entitlement_id: int, payload: EntitlementPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    row = entitlements.get_entitlement(user, entitlement_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    row = entitlements.save_entitlement(
        user, _entitlement_values(user, data), entitlement=row, expected_version=version
    )
    return _entitlement(row)


# --- a case's clocks ------------------------------------------------------------------------


class HistoryOut(Schema):
    kind: str
    at: datetime
    data: dict[str, Any]


class ClockOut(Schema):
    metric: str
    state: str
    cycle: int
    policy: str | None
    target_minutes: int
    business_time: bool
    started_at: datetime
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    paused_seconds: int
    history: list[HistoryOut]


@router.get("/cases/{number}/sla", response=list[ClockOut], summary="The case's SLA clocks and their history")
def case_sla(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    case = case_selectors.get_case(require_staff(request), number, related=False)
    return selectors.clocks_with_history(case)
