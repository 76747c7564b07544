"""Django admin screens for calendars and policies (entitlements too), with the
same validation as the API: no overlapping intervals, targets > 0."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from casework.accounts.entitlements import validate as validate_entitlement
from casework.accounts.models import Entitlement
from casework.core import clock
from casework.core.admin_forms import StorableJSONAdmin
from casework.core.errors import CaseworkError
from casework.sla.calendars import policy_changed, validate_calendar, validate_policy
from casework.sla.models import BusinessCalendar, SlaClock, SlaPolicy


class ValidatedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Runs the area's own validation on the edited row, showing errors on their field."""

    check: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        row = self.instance
        for name, value in data.items():
            setattr(row, name, value)
        try:
            type(self).check(row)
        except CaseworkError as exc:
            field = exc.field if exc.field in self.fields else None
            raise ValidationError({field: exc.message} if field else exc.message) from None
        return data


class CalendarForm(ValidatedForm):
    check = staticmethod(validate_calendar)

    class Meta:
        model = BusinessCalendar
        fields = [
            "name",
            "time_zone",
            "hours",
            "holidays",
            "holiday_country",
            "holiday_subdivision",
            "is_24x7",
        ]


class PolicyForm(ValidatedForm):
    check = staticmethod(validate_policy)

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "is_active",
            "calendar",
            "priorities",
            "tiers",
            "entitlement_ids",
            "case_type_ids",
            "channels",
            "team_ids",
            "targets",
            "pause_statuses",
            "warn_percents",
            "breach_actions",
        ]


class EntitlementForm(ValidatedForm):
    check = staticmethod(validate_entitlement)

    class Meta:
        model = Entitlement
        fields = [
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
        ]


class VersionedAdmin(StorableJSONAdmin):
    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.version += 1  # calendars are cached per version
        if hasattr(obj, "updated_at"):
            obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)


@admin.register(BusinessCalendar)
class CalendarAdmin(VersionedAdmin):
    form = CalendarForm
    list_display = ["name", "time_zone", "is_24x7", "holiday_country"]


@admin.register(SlaPolicy)
class PolicyAdmin(VersionedAdmin):
    form = PolicyForm
    list_display = ["position", "name", "is_active", "calendar"]
    list_display_links = ["name"]
    ordering = ["position", "id"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            policy_changed(obj.pk)


class EntitlementAdmin(VersionedAdmin):
    form = EntitlementForm
    list_display = ["name", "account", "contact", "unit", "remaining", "restrict", "starts_on", "ends_on"]
    search_fields = ["name", "account__name", "contact__name"]


if not admin.site.is_registered(Entitlement):  # the accounts area may register its own screen
    admin.site.register(Entitlement, EntitlementAdmin)


@admin.register(SlaClock)
class ClockAdmin(StorableJSONAdmin):
    list_display = ["case", "metric", "state", "due_at", "breached_at", "met_at"]
    list_filter = ["metric", "state"]
    readonly_fields = [f.name for f in SlaClock._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False
