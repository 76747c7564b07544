from typing import Any

from django.apps import AppConfig


class IamConfig(AppConfig):
    name = "casework.iam"
    label = "iam"
    verbose_name = "People and access"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from casework.core import config_cache
        from casework.iam.models import ApiToken, PartnerOrganisation, Team, User

        # Kept per process: teams (get_team), and tokens with their users
        # (authenticate_token). A token's last use is stored without a save.
        config_cache.watch(Team, PartnerOrganisation, ApiToken)
        post_save.connect(_user_saved, sender=User, weak=False, dispatch_uid="config:User")
        post_delete.connect(_user_deleted, sender=User, weak=False, dispatch_uid="config-del:User")


def _user_saved(update_fields: Any = None, **_: Any) -> None:
    """A user's change reaches the tokens kept with them; a sign-in's time does not."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _changed()


def _user_deleted(**_: Any) -> None:
    _changed()


def _changed() -> None:
    from casework.core import config_cache

    config_cache.changed()
