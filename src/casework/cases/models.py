"""Persistence of cases, their timeline, messages, attachments, tags and links."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone

from casework.cases.domain import LinkKind, Priority, Status


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    EMAIL = "email"
    PORTAL = "portal"
    CHAT = "chat"
    PHONE = "phone"
    API = "api"
    WEB = "web"  # created by an agent in the workspace


# While a new case's opening handlers run, the case has no number yet: taking it
# locks the prefix's sequence row to the commit, and every other creation waits
# on that lock, so it is taken last. Whoever reads the number before (a trigger's
# email, a webhook's payload) gets it taken then, through this hook.
number_on_demand: ContextVar[Callable[[Any], str | None] | None] = ContextVar(
    "number_on_demand", default=None
)


class _NumberAttribute(DeferredAttribute):
    """A data descriptor (it sets too), so that reads come here even with the value
    in the instance's dictionary."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        value = super().__get__(instance, cls)
        if value is None and instance is not None and (take := number_on_demand.get()) is not None:
            value = take(instance)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class CaseNumberField(models.CharField):
    """A case's number: taken on first read while the opening has not taken it yet."""

    descriptor_class = _NumberAttribute

    def deconstruct(self) -> Any:
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs  # the column is a plain one


class Case(models.Model):
    # Unique by a constraint, not `unique=True`: on PostgreSQL that adds a second
    # index for LIKE queries, which no lookup of a number makes.
    number = CaseNumberField(max_length=30, null=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=[(s.value, s.value) for s in Status], default=Status.NEW)
    priority = models.PositiveSmallIntegerField(
        choices=[(p.value, p.label) for p in Priority], default=Priority.NORMAL
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    # Foreign keys with db_index=False are indexed by Meta.indexes: by a composite
    # index that starts with them, or by a partial one when most cases have none.
    # Every index is written on every insert and on every change of the row.
    case_type = models.ForeignKey(
        "automation.CaseType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    service = models.ForeignKey(
        "automation.ServiceDefinition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    entitlement = models.ForeignKey(
        "accounts.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    team = models.ForeignKey(
        "iam.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="cases")
    custom_fields = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", db_index=False
    )
    is_major_issue = models.BooleanField(default=False)
    resolution_code = models.CharField(max_length=30, blank=True, default="")
    resolution_summary = models.TextField(blank=True, default="")
    # Why routing put the case where it is (rule, eligible agents, the winner's edge).
    assignment_reason = models.JSONField(default=dict, blank=True)
    # The earliest due time of the case's running SLA clocks, kept by the SLA area.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    # Not indexed: nothing lists cases by who opened them (a user is deactivated,
    # not deleted), and a new case writes each index of its row twice (the number
    # comes by an UPDATE).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number"], name="case_number_unique")]
        indexes = [
            # The queue views: open cases by priority or age, per team and per assignee.
            models.Index(fields=["status", "-priority", "-id"], name="case_status_prio"),
            models.Index(fields=["team", "status", "-priority", "-id"], name="case_team_status_prio"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="case_assignee_status"),
            models.Index(fields=["-updated_at", "-id"], name="case_updated"),
            # Leads' lists across every team, most urgent first (the workspace's "All open").
            models.Index(fields=["-priority", "-id"], name="case_priority"),
            models.Index(fields=["-created_at", "-id"], name="case_created"),
            models.Index(fields=["sla_due_at", "id"], name="case_sla_due"),
            models.Index(fields=["contact", "-created_at"], name="case_contact"),
            models.Index(fields=["account", "-created_at"], name="case_account"),
            # Set on few cases: indexed where set (a lookup by value still uses them).
            *(
                models.Index(fields=[name], name=f"case_{name}", condition=Q(**{f"{name}__isnull": False}))
                for name in ("case_type", "service", "entitlement", "parent")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def priority_label(self) -> str:
        return Priority(self.priority).label


class CaseNumberSequence(models.Model):
    """The last number given out per prefix; bumped inside the creating transaction,
    so a rolled-back creation gives its number back and numbers have no gaps."""

    prefix = models.CharField(max_length=20, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=1000)


class IdempotencyKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_once")]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("timeline events are never updated")

    def delete(self) -> Any:
        raise TypeError("timeline events are never deleted")


class Visibility(models.TextChoices):
    PUBLIC = "public"
    INTERNAL = "internal"


class Message(models.Model):
    """A communication on any channel: in from the customer, out from an agent, or an internal note."""

    class Direction(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"
        INTERNAL = "internal"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    author_label = models.CharField(max_length=200, blank=True, default="")
    from_address = models.CharField(max_length=320, blank=True, default="")
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500, blank=True, default="")
    text = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")  # sanitised on the way in
    external_id = models.CharField(max_length=500, blank=True, default="", db_index=True)  # e.g. Message-ID
    meta = models.JSONField(default=dict, blank=True)  # channel details (match reason, headers)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="message_case_time")]

    def __str__(self) -> str:
        return f"{self.direction} message on {self.case_id}"


class Attachment(models.Model):
    """A file on a message, stored once per content (the storage name is its SHA-256)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    storage_name = models.CharField(max_length=300)
    content_id = models.CharField(max_length=300, blank=True, default="")  # cid: for inline images
    is_inline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class TimelineEvent(models.Model):
    """One entry of a case's append-only history (the audit trail)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=40)
    actor_kind = models.CharField(max_length=12)  # agent, contact, automation, system
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200, blank=True, default="")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL)
    data = models.JSONField(default=dict, blank=True)  # e.g. {"field", "before", "after"}
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        # The case by the composite index; contact and message, set on few events, where set.
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="event_case_time"),
            models.Index(
                fields=["actor_contact"], name="event_contact", condition=Q(actor_contact__isnull=False)
            ),
            models.Index(fields=["message"], name="event_message", condition=Q(message__isnull=False)),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("timeline events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("timeline events are never deleted")


class CaseLink(models.Model):
    from_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links_in")
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in LinkKind])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case", "kind"], name="case_link_once"),
            models.CheckConstraint(
                condition=~models.Q(from_case=models.F("to_case")), name="case_link_not_self"
            ),
        ]


class SavedView(models.Model):
    """A named list of cases an agent built from the API's filters, with its sort and
    columns; private to its owner or shared with one team."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    # The /api/v1/cases query parameters: {"status": ["open"], "assignee": "me", "q": "..."}.
    filters = models.JSONField(default=dict, blank=True)
    sort = models.CharField(max_length=20, default="-updated")
    columns = models.JSONField(default=list, blank=True)
    shared_with_team = models.ForeignKey(
        "iam.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_once")]

    def __str__(self) -> str:
        return self.name
