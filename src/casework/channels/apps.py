from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "casework.channels"
    label = "channels"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from casework.cases.events import MessagePosted
        from casework.cases.message_moves import MessageMoved
        from casework.channels import notifications, outbound, services, tasks
        from casework.core import events
        from casework.core.notify import Notification

        outbound.enqueue_send = tasks.enqueue_send
        services.enqueue_processing = tasks.enqueue_processing
        # Atomic, not after commit: the delivery row commits with the reply (or the
        # notification's cause), so a crash after commit loses nothing; the SMTP
        # send itself runs in a task nudged after commit.
        events.subscribe(MessagePosted, outbound.on_message_posted, after_commit=False)
        events.subscribe(Notification, outbound.guarded(notifications.on_notification), after_commit=False)
        events.subscribe(MessageMoved, services.on_message_moved, after_commit=False)
