"""Case types and service definitions (the shapes of cases); automation rules follow."""

from __future__ import annotations

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
