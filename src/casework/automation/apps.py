from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "casework.automation"
    label = "automation"
