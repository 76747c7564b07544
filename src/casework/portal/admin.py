"""Back-office screens of the portal: branding (also at /portal/manage/branding) and surveys."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from casework.portal.models import PortalSettings, Survey


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    list_display = ("name", "colour", "survey_kind", "updated_at")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "score", "sent_at", "answered_at")
    list_filter = ("kind",)
    readonly_fields = (
        "case",
        "kind",
        "team",
        "agent",
        "case_type",
        "score",
        "comment",
        "sent_at",
        "expires_at",
        "answered_at",
    )

    def has_add_permission(self, request: Any) -> bool:
        return False  # made when a case first closes, never written by hand
