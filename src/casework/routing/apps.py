from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "casework.routing"
    label = "routing"
