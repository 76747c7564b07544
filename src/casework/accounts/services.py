"""Writes for accounts and contacts; any staff member may create and edit them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from casework.accounts.models import Account, Contact, ContactEmail, Tier
from casework.core import clock
from casework.core.errors import InvalidInput, PermissionDenied, StaleVersion
from casework.core.prepared import Prepared
from casework.iam.domain import Role, is_staff_role


def _require_staff(user: Any) -> None:
    if user is not None and not is_staff_role(user.role):
        raise PermissionDenied("only staff may manage accounts and contacts")
    if user is not None and user.role == Role.PARTNER_AGENT:
        raise PermissionDenied("partner agents cannot manage accounts and contacts")


def clean_address(address: str, field: str = "email") -> str:
    address = (address or "").strip().lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise InvalidInput(f"{address!r} is not an email address", field=field) from None
    return address


def _clean_tier(tier: str) -> str:
    if tier not in Tier.values:
        raise InvalidInput(f"unknown tier {tier!r}; one of {', '.join(Tier.values)}", field="tier")
    return tier


def _clean_domains(domains: Iterable[str]) -> list[str]:
    clean = []
    for d in domains:
        d = d.strip().lower().lstrip("@")
        if not d or "." not in d or " " in d:
            raise InvalidInput(f"{d!r} is not a mail domain", field="email_domains")
        clean.append(d)
    return sorted(set(clean))


@transaction.atomic
def create_account(
    name: str,
    *,
    tier: str = Tier.STANDARD,
    parent: Account | None = None,
    email_domains: Iterable[str] = (),
    notes: str = "",
    by: Any = None,
) -> Account:
    _require_staff(by)
    name = name.strip()
    if not name:
        raise InvalidInput("an account needs a name", field="name")
    return Account.objects.create(
        name=name,
        tier=_clean_tier(tier),
        parent=parent,
        email_domains=_clean_domains(email_domains),
        notes=notes,
    )


@transaction.atomic
def update_account(
    account: Account, *, by: Any = None, expected_version: int | None = None, **changes: Any
) -> Account:
    _require_staff(by)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if expected_version is not None and expected_version != account.version:
        raise StaleVersion(
            f"the account changed since version {expected_version}",
            field="version",
            current_version=account.version,
        )
    if changes.get("name") is not None:
        if not changes["name"].strip():
            raise InvalidInput("an account needs a name", field="name")
        account.name = changes["name"].strip()
    if changes.get("tier") is not None:
        account.tier = _clean_tier(changes["tier"])
    if "parent" in changes:
        parent = changes["parent"]
        if parent is not None and _would_cycle(account, parent):
            raise InvalidInput("an account cannot be its own ancestor", field="parent")
        account.parent = parent
    if changes.get("email_domains") is not None:
        account.email_domains = _clean_domains(changes["email_domains"])
    if changes.get("notes") is not None:
        account.notes = changes["notes"]
    account.version += 1
    account.updated_at = clock.now()
    account.save()
    return account


def _would_cycle(account: Account, parent: Account) -> bool:
    seen = set()
    node: Account | None = parent
    while node is not None and node.pk not in seen:
        if node.pk == account.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def create_contact(
    *,
    name: str = "",
    emails: Iterable[str] = (),
    phone: str = "",
    account: Account | None = None,
    language: str = "",
    is_account_admin: bool = False,
    by: Any = None,
) -> Contact:
    _require_staff(by)
    addresses = [clean_address(e, "emails") for e in emails]
    taken = list(ContactEmail.objects.filter(address__in=addresses).values_list("address", flat=True))
    if taken:
        raise InvalidInput(f"{taken[0]} already belongs to another contact", field="emails")
    contact = Contact.objects.create(
        name=name.strip(),
        phone=phone.strip(),
        account=account,
        language=language,
        is_account_admin=is_account_admin,
    )
    for i, address in enumerate(dict.fromkeys(addresses)):
        ContactEmail.objects.create(contact=contact, address=address, is_primary=i == 0)
    return contact


@transaction.atomic
def update_contact(
    contact: Contact, *, by: Any = None, expected_version: int | None = None, **changes: Any
) -> Contact:
    _require_staff(by)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if expected_version is not None and expected_version != contact.version:
        raise StaleVersion(
            f"the contact changed since version {expected_version}",
            field="version",
            current_version=contact.version,
        )
    for field in ("name", "phone", "language"):
        if changes.get(field) is not None:
            setattr(contact, field, changes[field].strip())
    if "account" in changes:
        contact.account = changes["account"]
    if changes.get("is_account_admin") is not None:
        contact.is_account_admin = bool(changes["is_account_admin"])
    if changes.get("emails") is not None:
        addresses = list(dict.fromkeys(clean_address(e, "emails") for e in changes["emails"]))
        if not addresses:
            raise InvalidInput("a contact keeps at least one address", field="emails")
        taken = ContactEmail.objects.filter(address__in=addresses).exclude(contact=contact).first()
        if taken:
            raise InvalidInput(f"{taken.address} already belongs to another contact", field="emails")
        ContactEmail.objects.filter(contact=contact).exclude(address__in=addresses).delete()
        for i, address in enumerate(addresses):
            ContactEmail.objects.update_or_create(
                contact=contact, address=address, defaults={"is_primary": i == 0}
            )
    contact.version += 1
    contact.updated_at = clock.now()
    contact.save()
    return contact


def find_or_create_contact(
    address: str, *, name: str = "", account: Account | None = None
) -> tuple[Contact, bool]:
    """The contact owning `address`, or a new one (a customer writing in for the first time).

    Finding one, the usual case, is a single read with no transaction of its own.
    Two first messages from one address at once make one contact: the loser of the
    address's unique index takes the winner's."""
    address = clean_address(address)
    existing = _contact_with_address(address)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            contact = Contact.objects.create(name=name.strip()[:200], account=account)
            ContactEmail.objects.create(contact=contact, address=address, is_primary=True)
    except IntegrityError:
        existing = _contact_with_address(address)
        if existing is None:
            raise
        return existing, False
    return contact, True


# Every message and API-opened case looks its sender up by address.
_CONTACT_WITH_ADDRESS = Prepared(lambda address: Contact.objects.filter(emails__address=address))


def _contact_with_address(address: str) -> Contact | None:
    return _CONTACT_WITH_ADDRESS.first(address)  # type: ignore[no-any-return]


def add_email(contact: Contact, address: str, *, verified: bool = False) -> ContactEmail:
    address = clean_address(address)
    email, created = ContactEmail.objects.get_or_create(
        address=address, defaults={"contact": contact, "is_verified": verified}
    )
    if not created and email.contact_id != contact.pk:
        raise InvalidInput(f"{address} already belongs to another contact", field="email")
    return email


# --- portal sign-up (used by the portal area) ---------------------------------


@transaction.atomic
def verify_portal_address(address: str, user: Any, *, name: str = "") -> Contact:
    """The owner of `address` proved it (a verification or sign-in link): mark it
    verified, find or create its contact, link the portal user to it, and only
    now attach the contact to the account whose mail domain matches."""
    from casework.accounts.selectors import account_for_domain

    address = clean_address(address)
    contact, _ = find_or_create_contact(address, name=name)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.user_id is not None and contact.user_id != user.pk:
        raise InvalidInput(f"{address} belongs to another portal account", field="email")
    ContactEmail.objects.filter(address=address).update(is_verified=True)
    contact.user = user
    if contact.account_id is None:
        contact.account = account_for_domain(address.rsplit("@", 1)[-1])
    if name and not contact.name:
        contact.name = name.strip()[:200]
    contact.version += 1
    contact.updated_at = clock.now()
    contact.save()
    return contact
