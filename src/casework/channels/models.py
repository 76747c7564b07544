"""Persistence of the email channel: mailboxes, every inbound message we were
handed (with why it landed where it did), quarantine, held messages, outbound
deliveries, bounces, burst blocks and the notification templates."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Mailbox(models.Model):
    """An address customers write to; replies on its cases go out through its SMTP settings."""

    class Inbound(models.TextChoices):
        SMTP = "smtp"  # the built-in gateway (casework mail-gateway)
        IMAP = "imap"  # casework mail-poll
        HTTP = "http"  # a provider's inbound webhook posting raw MIME

    address = models.EmailField(unique=True)  # stored lower-case
    display_name = models.CharField(max_length=200, blank=True, default="")
    team = models.ForeignKey("iam.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inbound_method = models.CharField(max_length=10, choices=Inbound.choices, default=Inbound.SMTP)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)  # sends notifications of cases from other channels
    signature = models.TextField(blank=True, default="")
    smtp_host = models.CharField(max_length=200, blank=True, default="")
    smtp_port = models.PositiveIntegerField(default=25)
    smtp_user = models.CharField(max_length=200, blank=True, default="")
    smtp_password = models.CharField(max_length=200, blank=True, default="")
    smtp_tls = models.BooleanField(default=False)  # STARTTLS
    imap_host = models.CharField(max_length=200, blank=True, default="")
    imap_port = models.PositiveIntegerField(default=993)
    imap_user = models.CharField(max_length=200, blank=True, default="")
    imap_password = models.CharField(max_length=200, blank=True, default="")
    imap_ssl = models.BooleanField(default=True)
    imap_folder = models.CharField(max_length=200, default="INBOX")
    imap_processed_folder = models.CharField(max_length=200, blank=True, default="")  # blank: flag \Seen
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["address"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.display_name} <{self.address}>" if self.display_name else self.address


class CaseMailbox(models.Model):
    """Which mailbox a case's conversation runs through (its replies' From)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="cases")


class InboundMessage(models.Model):
    """Every message handed to Casework, once per Message-ID, with its outcome."""

    class Outcome(models.TextChoices):
        RECEIVED = "received"  # stored by the gateway, not yet sorted (a task does it next)
        NEW_CASE = "new_case"
        POSTED = "posted"  # added to an existing case (or its follow-up)
        HELD = "held"  # a known thread, but the sender is not a participant: an agent decides
        BOUNCE = "bounce"  # a delivery-status notification about our own mail
        IGNORED = "ignored"  # our own mail coming back, or noise with no case to join
        BURST = "burst"  # the sender's burst limit stopped a new case
        DISCARDED = "discarded"  # a held message an agent rejected
        QUARANTINED = "quarantined"

    message_key = models.CharField(max_length=64, unique=True)  # sha256 of the normalised Message-ID
    message_id = models.CharField(max_length=500, blank=True, default="")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, default="smtp")
    from_address = models.CharField(max_length=320, blank=True, default="")
    from_name = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")
    normalised_subject = models.CharField(max_length=500, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    match_reason = models.CharField(max_length=200, blank=True, default="")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case_message = models.ForeignKey(
        "cases.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_automatic = models.BooleanField(default=False)  # auto-submitted, bulk, out-of-office...
    thread_root = models.CharField(max_length=64, blank=True, default="", db_index=True)  # Outlook
    raw_name = models.CharField(max_length=300, blank=True, default="")  # the original, in storage
    size = models.PositiveBigIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        "iam.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_time"),
            models.Index(fields=["case", "outcome"], name="inbound_case_outcome"),
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_time"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"


class QuarantinedMessage(models.Model):
    """A message that could not be taken in: kept whole until an admin retries or discards it."""

    class State(models.TextChoices):
        WAITING = "waiting"
        RETRIED = "retried"
        DISCARDED = "discarded"

    raw_name = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=10, default="smtp")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.JSONField(default=list, blank=True)
    error = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"quarantined #{self.pk}: {self.error[:60]}"


class OutboundDelivery(models.Model):
    """One email Casework sends: an agent's reply or a notification. The row is
    the source of truth; the task queue only carries the nudge to send it."""

    class State(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"
        BOUNCED = "bounced"

    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case_message = models.ForeignKey(
        "cases.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40, default="reply")  # reply or a notification kind
    message_id = models.CharField(max_length=300, unique=True)  # ours, with its HMAC
    in_reply_to = models.CharField(max_length=500, blank=True, default="")
    references = models.TextField(blank=True, default="")
    from_address = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500)
    text = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} ({self.state})"


class Bounce(models.Model):
    """A delivery-status notification matched to the delivery it reports on."""

    delivery = models.ForeignKey(OutboundDelivery, on_delete=models.CASCADE, related_name="bounces")
    recipient = models.CharField(max_length=320, blank=True, default="")
    status = models.CharField(max_length=20, blank=True, default="")  # e.g. 5.1.1
    diagnostic = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now)


class BurstBlock(models.Model):
    """A sender who sent too many messages with one subject too fast: no new cases from
    them until `until`. Admins see these (and may lift one)."""

    sender = models.CharField(max_length=320)
    normalised_subject = models.CharField(max_length=500, blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["sender", "until"], name="burst_sender_until")]

    def __str__(self) -> str:
        return f"{self.sender} until {self.until:%Y-%m-%d %H:%M}"


class NotificationTemplate(models.Model):
    """The words of one kind of email, editable by an admin (Django template syntax,
    rendered in a sandbox: see channels/notifications.py)."""

    kind = models.CharField(max_length=40, unique=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind
