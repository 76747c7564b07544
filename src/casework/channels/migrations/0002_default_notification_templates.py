"""Stores the starting notification templates, so an admin finds them ready to edit."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    from casework.channels.notification_defaults import DEFAULT_TEMPLATES

    NotificationTemplate = apps.get_model("channels", "NotificationTemplate")
    for kind, (subject, text, html) in DEFAULT_TEMPLATES.items():
        NotificationTemplate.objects.get_or_create(
            kind=kind, defaults={"subject": subject, "body_text": text, "body_html": html}
        )


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_email_channel")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
