"""Persistence of the routing area: team settings, agents' state and skills,
capacity weights, routing rules, the queue, held capacity and the presence log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from casework.routing.domain import Presence, Strategy

DEFAULT_CAPACITY = 10


class TeamRouting(models.Model):
    """How a team (a queue) hands out its cases."""

    team = models.OneToOneField("iam.Team", on_delete=models.CASCADE, related_name="routing")
    strategy = models.CharField(
        max_length=20, choices=[(s.value, s.value) for s in Strategy], default=Strategy.SKILLS_CAPACITY
    )
    fallback_team = models.ForeignKey(
        "iam.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A case unassigned this long moves to the fallback team (0: never).
    overflow_minutes = models.PositiveIntegerField(default=0)
    # When an agent goes offline, their new, untouched cases go back to the queue.
    return_untouched_on_offline = models.BooleanField(default=True)
    # Round robin: the agent the team last gave a case to.
    last_round_robin_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team} ({self.strategy})"


class AgentState(models.Model):
    """An agent's capacity, presence and load. The row routing locks to take a unit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_state"
    )
    capacity = models.PositiveIntegerField(default=DEFAULT_CAPACITY)
    presence = models.CharField(
        max_length=10, choices=[(p.value, p.value) for p in Presence], default=Presence.OFFLINE
    )
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    # Units held by the agent's open cases (the sum of their CapacityHold rows).
    load = models.PositiveIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.presence} {self.load}/{self.capacity}"


class AgentSkill(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_skills"
    )
    name = models.CharField(max_length=50)
    level = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="agent_skill_once"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="skill_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.name}:{self.level}"


class CapacityWeight(models.Model):
    """Units a case weighs: by case type (wins) or by priority; 1 otherwise."""

    priority = models.CharField(max_length=10, blank=True, default="")
    case_type = models.ForeignKey(
        "automation.CaseType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    units = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.case_type or self.priority}: {self.units}"


class RoutingRule(models.Model):
    """Ordered, first match: conditions on the case → team, skills, priority adjustment."""

    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    conditions = models.JSONField(default=list, blank=True)
    team = models.ForeignKey("iam.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mandatory_skills = models.JSONField(default=dict, blank=True)
    optional_skills = models.JSONField(default=dict, blank=True)
    priority_adjustment = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class CaseRouting(models.Model):
    """Routing's memory of one case: the rule it matched, the skills it needs, and,
    while it waits unassigned, since when and at which priority (the queue)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="routing")
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Indexed by routing_queue, which starts with it.
    team = models.ForeignKey(
        "iam.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    priority = models.PositiveSmallIntegerField(default=2)
    units = models.PositiveIntegerField(default=1)  # capacity the case weighs, as last routed
    waiting_since = models.DateTimeField(null=True, blank=True)  # None: not in the queue
    last_decision = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["team", "-priority", "waiting_since"], name="routing_queue"),
            models.Index(fields=["rule"], name="routing_rule", condition=Q(rule__isnull=False)),
        ]


class CapacityHold(models.Model):
    """The units an open case holds of its assignee's capacity."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="capacity_hold")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)


class PresenceChange(models.Model):
    """Audit of presence changes (kept here, not on case timelines)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    before = models.CharField(max_length=10)
    after = models.CharField(max_length=10)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_label = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="presence_user_time")]
