"""Case types and service definitions (the shapes of cases); automation rules follow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CaseType(models.Model):
    """What data a case of this kind carries and how it is resolved.

    `fields_schema` is a list of {key, label, type, required, default, help,
    options, customer_visible} validated by automation.domain.
    """

    name = models.CharField(max_length=100, unique=True)
    key = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    fields_schema = models.JSONField(default=list, blank=True)
    default_team = models.ForeignKey(
        "iam.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceDefinition(models.Model):
    """A request a customer can make for a product or service, mapped to a case type."""

    name = models.CharField(max_length=200, unique=True)
    key = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    case_type = models.ForeignKey(
        CaseType, null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    team = models.ForeignKey("iam.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer_visible = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Playbook(models.Model):
    """The ordered stages and steps a case of a type goes through.

    `stages` is a list of {name, steps: [{key, kind, title, text, required,
    team, assignee, due_hours, fields}]} validated by automation.domain; teams
    and people are named (team name, user email) so the file form is portable.
    """

    name = models.CharField(max_length=200, unique=True)
    case_type = models.ForeignKey(
        CaseType, null=True, blank=True, on_delete=models.CASCADE, related_name="playbooks"
    )
    description = models.TextField(blank=True, default="")
    stages = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlaybookRun(models.Model):
    """A playbook followed on one case: its progress is the steps completed."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="playbook_runs")
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "playbook"], name="playbook_run_once")]


class StepCompletion(models.Model):
    run = models.ForeignKey(PlaybookRun, on_delete=models.CASCADE, related_name="completions")
    step_key = models.CharField(max_length=100)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_label = models.CharField(max_length=200, blank=True, default="")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "step_key"], name="step_completed_once")]


class CaseTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"
        CANCELLED = "cancelled"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    team = models.ForeignKey("iam.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_tasks"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    is_required = models.BooleanField(default=False)
    run = models.ForeignKey(
        PlaybookRun, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    step_key = models.CharField(max_length=100, blank=True, default="")
    created_label = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_status"),
            models.Index(fields=["case", "status"], name="task_case_status"),
        ]

    def __str__(self) -> str:
        return self.title


class TriggerEvent(models.TextChoices):
    CASE_CREATED = "case_created"
    CASE_UPDATED = "case_updated"
    STATUS_CHANGED = "status_changed"
    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"


class Trigger(models.Model):
    """On an event, when the conditions hold, run the actions (in `position` order)."""

    name = models.CharField(max_length=200, unique=True)
    event = models.CharField(max_length=20, choices=TriggerEvent.choices)
    conditions = models.JSONField(default=dict, blank=True)  # {"all": [...], "any": [...]}
    actions = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["event", "is_active", "position"], name="trigger_event_active")]

    def __str__(self) -> str:
        return self.name


class TimeRule(models.Model):
    """Evaluated every few minutes over the cases that are not closed; fires once per occurrence."""

    name = models.CharField(max_length=200, unique=True)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class TimeRuleMarker(models.Model):
    """The rule has fired for this occurrence on this case; removed once the
    conditions stop holding, so a later occurrence fires again."""

    rule = models.ForeignKey(TimeRule, on_delete=models.CASCADE, related_name="markers")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "case"], name="time_rule_fires_once")]


class Macro(models.Model):
    """A reply template plus actions an agent applies in one click; `owner` null = shared."""

    name = models.CharField(max_length=200)
    reply = models.TextField(blank=True, default="")
    actions = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["name", "owner"], name="macro_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class Webhook(models.Model):
    name = models.CharField(max_length=200, unique=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One call of a webhook: the durable status row the retries and the sweep work from."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
