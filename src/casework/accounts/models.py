"""Accounts, contacts with several addresses, and what an account is entitled to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Tier(models.TextChoices):
    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


class Account(models.Model):
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    # Mail from these domains is attributed to this account, once the sender is verified.
    email_domains = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="account_name_ci")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    name = models.CharField(max_length=200, blank=True, default="")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    phone = models.CharField(max_length=50, blank=True, default="")
    language = models.CharField(max_length=10, blank=True, default="")
    # An account admin sees every case of their account in the portal.
    is_account_admin = models.BooleanField(default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.primary_email or f"contact {self.pk}"

    @property
    def primary_email(self) -> str:
        emails = list(self.emails.all())
        primary = [e for e in emails if e.is_primary] or emails
        return primary[0].address if primary else ""


class ContactEmail(models.Model):
    """One of a contact's addresses; an address belongs to one contact only."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(unique=True)  # stored lower-case
    is_primary = models.BooleanField(default=False)
    is_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.address


class Entitlement(models.Model):
    """What an account or contact is owed: validity, units left, the SLA it buys."""

    class Unit(models.TextChoices):
        NONE = "none"
        CASES = "cases"
        HOURS = "hours"

    class DecrementOn(models.TextChoices):
        CREATION = "creation"
        RESOLUTION = "resolution"

    name = models.CharField(max_length=200)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    service = models.CharField(max_length=100, blank=True, default="")  # product/service key; blank = any
    channel = models.CharField(max_length=20, blank=True, default="")  # blank = any
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.NONE)
    total = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    remaining = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    decrement_on = models.CharField(max_length=12, choices=DecrementOn.choices, default=DecrementOn.CREATION)
    restrict = models.BooleanField(default=False)  # refuse new cases at zero
    tier = models.CharField(max_length=20, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.name


class EntitlementCharge(models.Model):
    """One case's use of an entitlement; kept so a unit is taken once and given back once."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="charges")
    case_id = models.BigIntegerField()  # a plain id: accounts does not depend on cases
    units = models.DecimalField(max_digits=10, decimal_places=2)
    charged_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "case_id"], name="entitlement_charge_once")
        ]
