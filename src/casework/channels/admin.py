"""Admin screens of the email channel: mailboxes, notification templates (checked
against the sandbox), the quarantine (retry/discard), inbound log, deliveries,
burst blocks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from casework.channels import mailboxes, notifications, outbound, review
from casework.channels.models import (
    BurstBlock,
    InboundMessage,
    Mailbox,
    NotificationTemplate,
    OutboundDelivery,
    QuarantinedMessage,
)
from casework.core.admin_forms import StorableJSONAdmin
from casework.core.errors import CaseworkError


class MailboxForm(forms.ModelForm):
    smtp_password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    imap_password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)

    class Meta:
        model = Mailbox
        fields = list(mailboxes.MAILBOX_FIELDS)  # the same fields the API and services take

    def clean_address(self) -> str:
        return str(self.cleaned_data["address"]).strip().lower()


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["address", "display_name", "team", "inbound_method", "is_active", "is_default"]
    list_filter = ["inbound_method", "is_active"]
    fieldsets = [
        (None, {"fields": ["address", "display_name", "team", "inbound_method", "is_active", "is_default"]}),
        ("Outbound SMTP", {"fields": ["smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_tls"]}),
        (
            "IMAP polling",
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_user",
                    "imap_password",
                    "imap_ssl",
                    "imap_folder",
                    "imap_processed_folder",
                ]
            },
        ),
        ("Replies", {"fields": ["signature"]}),
    ]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["kind", "subject", "body_text", "body_html"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("subject", "body_text", "body_html"):
            try:
                notifications.check_template(data.get(name) or "", name)
            except CaseworkError as exc:
                self.add_error(name, exc.message)
        return data


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["kind", "subject", "updated_at"]


@admin.register(QuarantinedMessage)
class QuarantineAdmin(StorableJSONAdmin):
    list_display = ["id", "received_at", "source", "size", "state", "attempts", "error"]
    list_filter = ["state", "source"]
    readonly_fields = [f.name for f in QuarantinedMessage._meta.fields]
    actions = ["retry", "discard"]

    @admin.action(description="Take the selected messages in again")
    def retry(self, request: HttpRequest, queryset: QuerySet[QuarantinedMessage]) -> None:
        for item in queryset.filter(state=QuarantinedMessage.State.WAITING):
            result = review.retry_quarantined(request.user, item)
            self.message_user(request, f"#{item.pk}: {result.outcome} {result.case_number or ''}")

    @admin.action(description="Discard the selected messages")
    def discard(self, request: HttpRequest, queryset: QuerySet[QuarantinedMessage]) -> None:
        for item in queryset:
            review.discard_quarantined(request.user, item)
        self.message_user(request, "Discarded.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(InboundMessage)
class InboundAdmin(admin.ModelAdmin):
    list_display = ["received_at", "from_address", "subject", "outcome", "match_reason", "case"]
    list_filter = ["outcome", "source", "is_automatic"]
    search_fields = ["from_address", "subject", "message_id"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OutboundDelivery)
class DeliveryAdmin(StorableJSONAdmin):
    list_display = ["created_at", "kind", "case", "state", "attempts", "last_error"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in OutboundDelivery._meta.fields]
    actions = ["send_again"]

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundDelivery]) -> None:
        for delivery in queryset:
            outbound.resend(delivery.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(BurstBlock)
class BurstBlockAdmin(admin.ModelAdmin):
    list_display = ["sender", "normalised_subject", "count", "started_at", "until"]
    actions = ["lift"]

    @admin.action(description="Lift the selected blocks")
    def lift(self, request: HttpRequest, queryset: QuerySet[BurstBlock]) -> None:
        for block in queryset:
            review.lift_burst_block(request.user, block)
