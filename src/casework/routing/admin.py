"""Back-office screens for routing: team settings, agents, skills, weights, rules."""

from __future__ import annotations

from django.contrib import admin

from casework.core.admin_forms import StorableJSONAdmin
from casework.routing.models import (
    AgentSkill,
    AgentState,
    CapacityWeight,
    PresenceChange,
    RoutingRule,
    TeamRouting,
)


@admin.register(TeamRouting)
class TeamRoutingAdmin(StorableJSONAdmin):
    list_display = ("team", "strategy", "fallback_team", "overflow_minutes", "return_untouched_on_offline")
    list_filter = ("strategy",)


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    fk_name = "user"
    extra = 1


@admin.register(AgentState)
class AgentStateAdmin(StorableJSONAdmin):
    list_display = ("user", "presence", "load", "capacity", "last_assigned_at")
    list_filter = ("presence",)
    search_fields = ("user__name", "user__email")
    readonly_fields = ("load", "last_assigned_at", "presence_changed_at")


@admin.register(AgentSkill)
class AgentSkillAdmin(StorableJSONAdmin):
    list_display = ("user", "name", "level")
    list_filter = ("name", "level")
    search_fields = ("user__name", "user__email", "name")


@admin.register(CapacityWeight)
class CapacityWeightAdmin(StorableJSONAdmin):
    list_display = ("priority", "case_type", "units")


@admin.register(RoutingRule)
class RoutingRuleAdmin(StorableJSONAdmin):
    list_display = ("position", "name", "is_active", "team", "priority_adjustment")
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    ordering = ("position", "id")


@admin.register(PresenceChange)
class PresenceChangeAdmin(StorableJSONAdmin):
    list_display = ("at", "user", "before", "after", "changed_by_label")
    list_filter = ("after",)
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # an audit log is not edited

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
