"""Back-office screens for automation settings, validated by the same rules as the API and the
YAML file; triggers and time rules can be previewed (the open cases they match now) before saving."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin

from casework.automation import configuration, selectors
from casework.automation.models import (
    CaseTask,
    CaseType,
    Macro,
    Playbook,
    ServiceDefinition,
    TimeRule,
    Trigger,
    Webhook,
    WebhookDelivery,
)
from casework.core.admin_forms import StorableJSONAdmin
from casework.core.errors import CaseworkError
from casework.iam.domain import may_manage_configuration

FIELD_OF = {"fields": "fields_schema"}


class ConfigForm(forms.ModelForm):  # type: ignore[type-arg]
    kind = ""
    request_user: Any = None

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        doc = configuration.to_document(self.kind, self.instance)
        scratch = copy.copy(self.instance)
        try:
            configuration.apply_document(self.kind, scratch, doc)
        except CaseworkError as err:
            head = (err.field or "").split(".")[0]
            target = FIELD_OF.get(head, head)
            where = f" ({err.field})" if err.field else ""
            self.add_error(target if target in self.fields else None, f"{err.message}{where}")


class RuleForm(ConfigForm):
    preview_only = forms.BooleanField(
        required=False,
        label="Preview only",
        help_text="Show the open cases these conditions match now, without saving.",
    )

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors or not self.cleaned_data.get("preview_only"):
            return
        user = getattr(self, "request_user", None)
        try:
            count, cases = selectors.preview(user, self.instance.conditions, limit=10)
        except CaseworkError as err:
            self.add_error("conditions", err.message)
            return
        numbers = ", ".join(str(c.number) for c in cases) or "none"
        self.add_error("preview_only", f"Preview: {count} open cases match now ({numbers}). Untick to save.")


class LeadsManage(StorableJSONAdmin):
    """Team leads and admins define automation (DESIGN.md), without per-model Django permissions."""

    exclude = ("created_at",)

    def _may(self, request: Any) -> bool:
        user = request.user
        return bool(user.is_active and may_manage_configuration(getattr(user, "role", "")))

    def has_module_permission(self, request: Any) -> bool:
        return self._may(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: Any) -> bool:
        return self._may(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return self._may(request)


class RequestAwareAdmin(LeadsManage):
    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]
        return form


def _form(kind_name: str, base: type[forms.ModelForm] = ConfigForm) -> type[forms.ModelForm]:
    return type(f"{kind_name}Form", (base,), {"kind": kind_name})


@admin.register(CaseType)
class CaseTypeAdmin(LeadsManage):
    form = _form("case_types")
    list_display = ("name", "key", "default_team", "is_active")
    search_fields = ("name", "key")
    exclude = ("version", "created_at")  # type: ignore[assignment]


@admin.register(ServiceDefinition)
class ServiceDefinitionAdmin(LeadsManage):
    form = _form("service_definitions")
    list_display = ("name", "key", "case_type", "team", "customer_visible", "is_active")


@admin.register(Playbook)
class PlaybookAdmin(LeadsManage):
    form = _form("playbooks")
    list_display = ("name", "case_type", "is_active")


@admin.register(Trigger)
class TriggerAdmin(RequestAwareAdmin):
    form = _form("triggers", RuleForm)
    list_display = ("name", "event", "position", "is_active")
    list_filter = ("event", "is_active")
    ordering = ("position", "id")


@admin.register(TimeRule)
class TimeRuleAdmin(RequestAwareAdmin):
    form = _form("time_rules", RuleForm)
    list_display = ("name", "position", "is_active")


@admin.register(Macro)
class MacroAdmin(LeadsManage):
    form = _form("macros")
    list_display = ("name", "owner", "is_active")


@admin.register(Webhook)
class WebhookAdmin(LeadsManage):
    form = _form("webhooks")
    list_display = ("name", "url", "is_active")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LeadsManage):
    list_display = (
        "webhook",
        "case",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(CaseTask)
class CaseTaskAdmin(LeadsManage):
    list_display = ("title", "case", "assignee", "team", "status", "due_at")
    list_filter = ("status",)
    raw_id_fields = ("case", "assignee", "run")
