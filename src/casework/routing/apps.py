from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "casework.routing"
    label = "routing"

    def ready(self) -> None:
        from casework.core import config_cache
        from casework.routing import services
        from casework.routing.models import AgentSkill, CapacityWeight, RoutingRule, TeamRouting

        services.connect()
        config_cache.watch(TeamRouting, RoutingRule, CapacityWeight, AgentSkill)
