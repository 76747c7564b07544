"""Read queries for accounts and contacts, scoped to what the caller may see.

A partner agent sees only the accounts and contacts of the cases of their
partner teams; other staff see all; customers see none through these.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.accounts.models import Account, Contact, ContactEmail, Entitlement
from casework.core.errors import NotFound
from casework.iam.domain import Role, is_staff_role


def _partner_team_ids(user) -> list[int]:  # type: ignore[no-untyped-def]
    from casework.iam.selectors import team_ids_of

    return team_ids_of(user)


def visible_accounts(user) -> QuerySet[Account]:  # type: ignore[no-untyped-def]
    if user is None or not is_staff_role(user.role):
        return Account.objects.none()
    if user.role == Role.PARTNER_AGENT:
        return Account.objects.filter(cases__team_id__in=_partner_team_ids(user)).distinct()
    return Account.objects.all()


def visible_contacts(user) -> QuerySet[Contact]:  # type: ignore[no-untyped-def]
    if user is None or not is_staff_role(user.role):
        return Contact.objects.none()
    if user.role == Role.PARTNER_AGENT:
        return Contact.objects.filter(cases__team_id__in=_partner_team_ids(user)).distinct()
    return Contact.objects.all()


def list_accounts(user, *, q: str = "") -> QuerySet[Account]:  # type: ignore[no-untyped-def]
    accounts = visible_accounts(user).select_related("parent").order_by("name", "id")
    if q:
        accounts = accounts.filter(name__icontains=q.strip())
    return accounts


def get_account(user, account_id: int) -> Account:  # type: ignore[no-untyped-def]
    try:
        return visible_accounts(user).select_related("parent").get(pk=account_id)
    except Account.DoesNotExist:
        raise NotFound(f"no account {account_id}", field="account") from None


def list_contacts(user, *, q: str = "", account_id: int | None = None) -> QuerySet[Contact]:  # type: ignore[no-untyped-def]
    contacts = (
        visible_contacts(user).select_related("account").prefetch_related("emails").order_by("name", "id")
    )
    if account_id:
        contacts = contacts.filter(account_id=account_id)
    if q:
        q = q.strip()
        contacts = contacts.filter(Q(name__icontains=q) | Q(emails__address__icontains=q.lower())).distinct()
    return contacts


def get_contact(user, contact_id: int) -> Contact:  # type: ignore[no-untyped-def]
    try:
        return visible_contacts(user).select_related("account").prefetch_related("emails").get(pk=contact_id)
    except Contact.DoesNotExist:
        raise NotFound(f"no contact {contact_id}", field="contact") from None


def find_contact_by_email(address: str) -> Contact | None:
    email = ContactEmail.objects.select_related("contact").filter(address=address.strip().lower()).first()
    return email.contact if email else None


def account_for_domain(domain: str) -> Account | None:
    """The account whose configured email domains include `domain` (first by id)."""
    domain = domain.strip().lower()
    if not domain:
        return None
    for account in Account.objects.exclude(email_domains=[]).only("id", "email_domains").order_by("id"):
        if domain in [d.lower() for d in account.email_domains or []]:
            return account
    return None


def entitlements_for(account_id: int | None, contact_id: int | None) -> QuerySet[Entitlement]:
    return Entitlement.objects.filter(
        Q(account_id=account_id, account_id__isnull=False)
        | Q(contact_id=contact_id, contact_id__isnull=False),
        is_active=True,
    )
