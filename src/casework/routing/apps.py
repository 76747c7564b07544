from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "casework.routing"
    label = "routing"

    def ready(self) -> None:
        from casework.routing import services

        services.connect()
