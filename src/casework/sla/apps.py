from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "casework.sla"
    label = "sla"
