from django.apps import AppConfig


class IamConfig(AppConfig):
    name = "casework.iam"
    label = "iam"
    verbose_name = "People and access"

    def ready(self) -> None:
        from casework.core import config_cache
        from casework.iam.models import PartnerOrganisation, Team

        config_cache.watch(Team, PartnerOrganisation)  # teams are kept per process (get_team)
