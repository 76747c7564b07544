from django.apps import AppConfig


class IamConfig(AppConfig):
    name = "casework.iam"
    label = "iam"
    verbose_name = "People and access"
