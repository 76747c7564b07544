"""Entitlements: what an account or contact is owed, chosen when a case opens.

Taken from ServiceNow and Dynamics (docs/sla.md): the most specific active
entitlement that covers the case wins (contact over account, a named service
or channel over "any"); units of cases or hours are decremented on creation
(given back when the case is cancelled) or on resolution; a "restrict"
entitlement refuses a new case at zero, otherwise the remaining count may go
negative.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet

from casework.accounts.models import Account, Contact, Entitlement, EntitlementCharge
from casework.core import clock, config_cache
from casework.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from casework.core.prepared import Prepared
from casework.iam.domain import is_staff_role, may_manage_configuration
from casework.sla.domain import EntitlementFacts, choose_entitlement

FIELDS = (
    "name",
    "account",
    "contact",
    "service",
    "channel",
    "starts_on",
    "ends_on",
    "unit",
    "total",
    "remaining",
    "decrement_on",
    "restrict",
    "tier",
    "is_active",
)


def _facts(e: Entitlement) -> EntitlementFacts:
    return EntitlementFacts(
        id=e.pk,
        account_id=e.account_id,
        contact_id=e.contact_id,
        service=e.service,
        channel=e.channel,
        starts_on=e.starts_on,
        ends_on=e.ends_on,
        is_active=e.is_active,
    )


# Every new case looks for its entitlement: the three shapes compiled once.
_OF_ACCOUNT = Prepared(
    lambda account: Entitlement.objects.filter(account_id=account, contact__isnull=True, is_active=True)
)
_OF_CONTACT = Prepared(lambda contact: Entitlement.objects.filter(contact_id=contact, is_active=True))
_OF_ACCOUNT_OR_CONTACT = Prepared(
    lambda account, contact: Entitlement.objects.filter(
        Q(account_id=account, contact__isnull=True) | Q(contact_id=contact), is_active=True
    )
)


MOST_KEPT_HOLDERS = 50_000  # beyond that many, every new case reads its entitlements


def _holders() -> tuple[frozenset[int], frozenset[int]] | None:
    """The accounts (for their account-wide entitlements) and the contacts that hold
    an active entitlement, or None when there are too many to keep. Kept as
    configuration: entitlements are made and changed by admins (`watch` in the SLA
    area's `ready`); the use of one updates its remaining count by queryset, which
    changes no holder. A customer who holds none, as most do where entitlements are
    sold to some accounts only, then opens a case with no read of them."""

    def load() -> tuple[frozenset[int], frozenset[int]] | None:
        rows = Entitlement.objects.filter(is_active=True).values_list("account_id", "contact_id")
        owners = list(rows[: MOST_KEPT_HOLDERS + 1])
        if len(owners) > MOST_KEPT_HOLDERS:
            return None
        accounts = frozenset(a for a, c in owners if c is None and a is not None)
        return accounts, frozenset(c for _, c in owners if c is not None)

    return config_cache.cached("accounts.entitlement_holders", load)


def find_for_case(
    *, account: Account | None, contact: Contact | None, service: str, channel: str, on: date
) -> Entitlement | None:
    """The entitlement a new case gets: the most specific one that covers it."""
    if account is None and contact is None:
        return None
    holders = _holders()
    if holders is not None:
        accounts, contacts = holders
        if (account is None or account.pk not in accounts) and (
            contact is None or contact.pk not in contacts
        ):
            return None
    if account is not None and contact is not None:
        found = _OF_ACCOUNT_OR_CONTACT.all(account.pk, contact.pk)
    elif account is not None:
        found = _OF_ACCOUNT.all(account.pk)
    else:
        found = _OF_CONTACT.all(contact.pk)  # type: ignore[union-attr]
    candidates = {e.pk: e for e in found}
    chosen = choose_entitlement(
        (_facts(e) for e in candidates.values()),
        account_id=account.pk if account is not None else None,
        contact_id=contact.pk if contact is not None else None,
        service=service,
        channel=channel,
        on=on,
    )
    return candidates[chosen.id] if chosen is not None else None


def _service_key(service: Any) -> str:
    return str(getattr(service, "key", "") or "") if service is not None else ""


def check_new_case(facts: dict[str, Any]) -> None:
    """A `cases.hooks.creation_checks` entry: choose the case's entitlement (stored by
    open_case from facts["entitlement"]) and refuse the case if it is restricted and used up."""
    entitlement = facts.get("entitlement")
    if entitlement is None:
        entitlement = find_for_case(
            account=facts.get("account"),
            contact=facts.get("contact"),
            service=_service_key(facts.get("service")),
            channel=str(facts.get("channel") or ""),
            on=clock.now().date(),
        )
    if entitlement is None:
        return
    if entitlement.restrict and entitlement.unit != Entitlement.Unit.NONE:
        # Locked until the creating transaction ends, so two cases cannot take the last unit.
        entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        if entitlement.remaining <= 0:
            raise Conflict(
                f"the entitlement “{entitlement.name}” has no {entitlement.unit} left "
                f"({entitlement.remaining} of {entitlement.total}); renew it or open the case without it",
                field="entitlement",
            )
    facts["entitlement"] = entitlement


def _units(entitlement: Entitlement, custom_fields: dict[str, Any] | None) -> Decimal:
    if entitlement.unit == Entitlement.Unit.CASES:
        return Decimal(1)
    if entitlement.unit == Entitlement.Unit.HOURS:
        # Hours are charged from the case's "hours_spent" custom field when it has one.
        try:
            return Decimal(str((custom_fields or {}).get("hours_spent", 0) or 0))
        except InvalidOperation:
            return Decimal(0)
    return Decimal(0)


def charge(
    entitlement_id: int, case_id: int, *, on: str, custom_fields: dict[str, Any] | None = None
) -> bool:
    """Take the case's units when `on` ("creation" or "resolution") is the entitlement's
    moment; once per case. Returns whether something was taken."""
    entitlement = Entitlement.objects.filter(pk=entitlement_id).first()
    if entitlement is None or entitlement.unit == Entitlement.Unit.NONE or entitlement.decrement_on != on:
        return False
    units = _units(entitlement, custom_fields)
    with transaction.atomic():
        if EntitlementCharge.objects.filter(entitlement=entitlement, case_id=case_id).exists():
            return False
        EntitlementCharge.objects.create(
            entitlement=entitlement, case_id=case_id, units=units, charged_at=clock.now()
        )
        Entitlement.objects.filter(pk=entitlement.pk).update(remaining=F("remaining") - units)
    return True


def give_back(entitlement_id: int, case_id: int) -> bool:
    """A cancelled case returns what its creation took."""
    with transaction.atomic():
        used = (
            EntitlementCharge.objects.select_for_update()
            .filter(entitlement_id=entitlement_id, case_id=case_id, returned_at__isnull=True)
            .first()
        )
        if used is None:
            return False
        used.returned_at = clock.now()
        used.save(update_fields=["returned_at"])
        Entitlement.objects.filter(pk=entitlement_id).update(remaining=F("remaining") + used.units)
    return True


# --- management (API and admin) ------------------------------------------------------------


def _require_manager(user: Any) -> None:
    if user is None or not may_manage_configuration(user.role):
        raise PermissionDenied("only leads and admins manage entitlements")


def list_entitlements(user: Any, *, account_id: int | None = None) -> QuerySet[Entitlement]:
    if user is None or not is_staff_role(user.role):
        raise PermissionDenied("only staff see entitlements")
    rows = Entitlement.objects.select_related("account", "contact").order_by("id")
    return rows.filter(account_id=account_id) if account_id is not None else rows


def get_entitlement(user: Any, entitlement_id: int) -> Entitlement:
    found = list_entitlements(user).filter(pk=entitlement_id).first()
    if found is None:
        raise NotFound(f"no entitlement {entitlement_id}", field="id")
    return found


def validate(e: Entitlement) -> None:
    if not (e.name or "").strip():
        raise InvalidInput("an entitlement needs a name", field="name")
    if e.account_id is None and e.contact_id is None:
        raise InvalidInput("an entitlement belongs to an account or a contact", field="account")
    if e.starts_on and e.ends_on and e.ends_on < e.starts_on:
        raise InvalidInput("it cannot end before it starts", field="ends_on")
    if e.unit not in Entitlement.Unit.values:
        raise InvalidInput(f"unit is one of {', '.join(Entitlement.Unit.values)}", field="unit")
    if e.decrement_on not in Entitlement.DecrementOn.values:
        raise InvalidInput(
            f"decrement_on is one of {', '.join(Entitlement.DecrementOn.values)}", field="decrement_on"
        )
    if Decimal(e.total) < 0:
        raise InvalidInput("total cannot be negative", field="total")


def save_entitlement(
    user: Any,
    values: dict[str, Any],
    *,
    entitlement: Entitlement | None = None,
    expected_version: int | None = None,
) -> Entitlement:
    """Create (entitlement=None) or change an entitlement; a new one starts with remaining = total."""
    _require_manager(user)
    unknown = [k for k in values if k not in FIELDS]
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    with transaction.atomic():
        if entitlement is None:
            row = Entitlement()
            if "remaining" not in values:
                values = {**values, "remaining": values.get("total", 0)}
        else:
            row = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
            if expected_version is not None and expected_version != row.version:
                raise StaleVersion(
                    f"the entitlement changed since version {expected_version}",
                    field="version",
                    current_version=row.version,
                )
            row.version += 1
        for name, value in values.items():
            setattr(row, name, value)
        validate(row)
        row.save()
    return row
