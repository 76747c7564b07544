"""Files on a case's messages, stored once per content (content-addressed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from casework.cases.models import (
    Attachment,
    Case,
    Message,
)
from casework.core.errors import InvalidInput


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    is_inline: bool = False


def store_attachments(case: Case, message: Message, files: Sequence[NewAttachment]) -> list[Attachment]:
    stored = []
    limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
    for f in files:
        if len(f.content) > limit:
            raise InvalidInput(f"{f.filename} is larger than {limit} bytes", field="attachments")
        digest = hashlib.sha256(f.content).hexdigest()
        name = f"attachments/{digest[:2]}/{digest[2:4]}/{digest}"
        if not default_storage.exists(name):  # content-addressed: one copy per content
            default_storage.save(name, ContentFile(f.content))
        stored.append(
            Attachment.objects.create(
                case=case,
                message=message,
                filename=(f.filename or "attachment")[:255],
                content_type=f.content_type[:200],
                size=len(f.content),
                sha256=digest,
                storage_name=name,
                content_id=f.content_id[:300],
                is_inline=f.is_inline,
                created_at=message.created_at,
            )
        )
    return stored


def attachment_file(attachment: Attachment) -> Any:
    return default_storage.open(attachment.storage_name, "rb")
