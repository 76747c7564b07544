"""Mailboxes: the addresses Casework receives and sends mail as, their
settings (SMTP and IMAP), and which one is the default. Only people who manage
configuration change them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.accounts import services as account_services
from casework.channels import domain
from casework.channels import selectors as sel
from casework.channels.models import Mailbox
from casework.core.errors import Conflict, InvalidInput

MAILBOX_FIELDS = (
    "address",
    "display_name",
    "team",
    "inbound_method",
    "is_active",
    "is_default",
    "signature",
    "smtp_host",
    "smtp_port",
    "smtp_user",
    "smtp_password",
    "smtp_tls",
    "imap_host",
    "imap_port",
    "imap_user",
    "imap_password",
    "imap_ssl",
    "imap_folder",
    "imap_processed_folder",
)


def _clean_mailbox(values: dict[str, Any], current: Mailbox | None) -> dict[str, Any]:
    unknown = [k for k in values if k not in MAILBOX_FIELDS]
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a mailbox setting", field=unknown[0])
    clean = dict(values)
    if "address" in clean:
        clean["address"] = account_services.clean_address(clean["address"], "address")
        taken = Mailbox.objects.filter(address=clean["address"])
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise Conflict(f"{clean['address']} is already a mailbox", field="address")
    if "inbound_method" in clean and clean["inbound_method"] not in Mailbox.Inbound.values:
        raise InvalidInput(
            f"inbound_method is one of {', '.join(Mailbox.Inbound.values)}", field="inbound_method"
        )
    for port in ("smtp_port", "imap_port"):
        if port in clean and not 1 <= int(clean[port]) <= 65535:
            raise InvalidInput("a port is between 1 and 65535", field=port)
    for text in ("display_name", "smtp_host", "smtp_user", "imap_host", "imap_user"):
        if text in clean:
            clean[text] = domain.safe_header_text(str(clean[text] or ""), 200)
    return clean


@transaction.atomic
def create_mailbox(by: Any, **values: Any) -> Mailbox:
    sel.require_config_manager(by)
    if not values.get("address"):
        raise InvalidInput("a mailbox needs an address", field="address")
    clean = _clean_mailbox(values, None)
    if clean.get("is_default"):
        Mailbox.objects.update(is_default=False)
    transaction.on_commit(sel.forget_mailboxes)
    sel.forget_mailboxes()
    return Mailbox.objects.create(**clean)


@transaction.atomic
def update_mailbox(by: Any, mailbox: Mailbox, **changes: Any) -> Mailbox:
    sel.require_config_manager(by)
    current = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    clean = _clean_mailbox(changes, current)
    if clean.get("is_default"):
        Mailbox.objects.exclude(pk=current.pk).update(is_default=False)
    for key, value in clean.items():
        setattr(current, key, value)
    current.version += 1
    current.save()
    sel.forget_mailboxes()
    transaction.on_commit(sel.forget_mailboxes)
    return current
