from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "casework.portal"
    label = "portal"
