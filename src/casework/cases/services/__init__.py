"""The only write path for cases: open, update, change status, assign, reply,
note, receive a customer's message, link. Each call owns its transaction,
checks the caller's permission, writes the timeline event with the change and
publishes the domain event other areas react to.

One module per concept: `opening`, `changes` (fields, status, owner, links),
`conversation` (replies, notes, customer messages), with what they share in
`access`, `fields` and `attachments`. Other areas call them through this package.
"""

from casework.cases.services.attachments import NewAttachment, attachment_file
from casework.cases.services.changes import assign, change_status, link_cases, set_sla_due, update_case
from casework.cases.services.conversation import (
    accept_resolution,
    add_note,
    close_resolved,
    post_reply,
    receive_customer_message,
    reject_resolution,
)
from casework.cases.services.numbering import reserve_numbers
from casework.cases.services.opening import open_case
from casework.cases.timeline import record_event

__all__ = [
    "NewAttachment",
    "accept_resolution",
    "add_note",
    "assign",
    "attachment_file",
    "change_status",
    "close_resolved",
    "link_cases",
    "open_case",
    "post_reply",
    "receive_customer_message",
    "record_event",
    "reject_resolution",
    "reserve_numbers",
    "set_sla_due",
    "update_case",
]
