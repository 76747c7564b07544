"""Persistence of the portal: branding, used one-time links, suggestions a
customer opened (deflections), auto-close reminders and satisfaction surveys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from casework.portal.domain import DEFAULT_COLOUR, SurveyKind


class PortalSettings(models.Model):
    """One row: how the portal looks and which survey it sends."""

    name = models.CharField(max_length=100, default="Support")
    logo_url = models.CharField(max_length=500, blank=True, default="")
    colour = models.CharField(max_length=7, default=DEFAULT_COLOUR)
    welcome = models.CharField(max_length=300, blank=True, default="How can we help?")
    survey_kind = models.CharField(
        max_length=4, choices=[(k.value, k.value.upper()) for k in SurveyKind], default=SurveyKind.CSAT
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "portal settings"
        verbose_name_plural = "portal settings"

    def __str__(self) -> str:
        return f"Portal: {self.name}"


class UsedToken(models.Model):
    """A one-time link that has been used: its SHA-256, so it cannot be used again."""

    digest = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=20)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)


class SuggestionOpen(models.Model):
    """A customer opened a suggested article while writing a case. If the same
    session then submits a case, `case_id` is set; if not, it is a deflection."""

    session_key = models.CharField(max_length=64, db_index=True)
    article_id = models.BigIntegerField()
    subject = models.CharField(max_length=300, blank=True, default="")
    contact_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)


class AutoCloseReminder(models.Model):
    """The reminder sent for one resolution of a case (a case resolved again gets another)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    resolved_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "resolved_at"], name="auto_close_reminder_once")
        ]


class Survey(models.Model):
    """The satisfaction survey of one case (one per case, even if it is reopened and closed again).
    Team, agent and case type are kept as they were at closure, for the averages."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="survey")
    kind = models.CharField(max_length=4, default=SurveyKind.CSAT)
    team = models.ForeignKey("iam.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_type = models.ForeignKey(
        "automation.CaseType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "answered_at"], name="survey_kind_answered")]

    def __str__(self) -> str:
        return f"survey of case {self.case_id}"
