from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "casework.channels"
    label = "channels"
