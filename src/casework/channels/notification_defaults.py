"""The notification templates Casework starts with (an admin edits them in the
admin screens; the first migration stores these). kind -> (subject, text, html)."""

from __future__ import annotations

DEFAULT_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "case_received": (
        "We received your request: {{ case.title }}",
        "Hello {{ case.contact_name|default:'there' }},\n\n"
        "Thank you for writing to us. Your request is case {{ case.number }}; "
        "reply to this email to add to it.\n\n"
        "Subject: {{ case.title }}\n",
        "<p>Hello {{ case.contact_name|default:'there' }},</p>"
        "<p>Thank you for writing to us. Your request is case <strong>{{ case.number }}</strong>; "
        "reply to this email to add to it.</p><p>Subject: {{ case.title }}</p>",
    ),
    "agent_reply": (
        "Re: {{ case.title }}",
        "{{ reply_text }}\n\n{% if signature %}-- \n{{ signature }}\n{% endif %}",
        "<div>{{ reply_text|linebreaksbr }}</div>"
        "{% if signature %}<p>-- <br>{{ signature|linebreaksbr }}</p>{% endif %}",
    ),
    "resolution_proposed": (
        "Is your request solved? {{ case.title }}",
        "Hello {{ case.contact_name|default:'there' }},\n\n"
        "We believe case {{ case.number }} is solved:\n{{ case.resolution_summary }}\n\n"
        "Yes, it is solved: {{ accept_url }}\nNo, it is not: {{ reject_url }}\n",
        "<p>Hello {{ case.contact_name|default:'there' }},</p>"
        "<p>We believe case <strong>{{ case.number }}</strong> is solved:</p>"
        "<blockquote>{{ case.resolution_summary|linebreaksbr }}</blockquote>"
        '<p><a href="{{ accept_url }}">Yes, it is solved</a> &middot; '
        '<a href="{{ reject_url }}">No, it is not</a></p>',
    ),
    "auto_close_reminder": (
        "Reminder: {{ case.title }} will close soon",
        "Hello {{ case.contact_name|default:'there' }},\n\n"
        "Case {{ case.number }} is waiting for your answer and will close automatically "
        "if we do not hear from you. Reply to this email to keep it open.\n",
        "",
    ),
}

GENERIC: tuple[str, str, str] = (
    "Update on {{ case.title|default:'your request' }}",
    "Hello,\n\nThere is an update ({{ kind }}){% if case.number %} on case {{ case.number }}{% endif %}.\n",
    "",
)
