from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "casework.channels"
    label = "channels"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from casework.cases.events import MessagePosted
        from casework.channels import notifications, outbound, tasks
        from casework.core import events
        from casework.core.notify import Notification

        outbound.enqueue_send = tasks.enqueue_send
        events.subscribe(MessagePosted, outbound.on_message_posted, after_commit=True)
        events.subscribe(Notification, notifications.on_notification, after_commit=True)
