from django.apps import AppConfig


class IamConfig(AppConfig):
    name = "casework.iam"
    label = "iam"
    verbose_name = "People and access"

    def ready(self) -> None:
        from casework.core import config_cache
        from casework.iam.models import ApiToken, PartnerOrganisation, Team, User

        # Kept per process: teams (get_team), and tokens with their users
        # (authenticate_token). A token's last use is stored without a save; a
        # sign-in's time (`last_login`) changes nothing a token needs.
        config_cache.watch(Team, PartnerOrganisation, ApiToken)
        config_cache.watch(User, ignoring={"last_login"})
