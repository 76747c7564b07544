from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "casework.knowledge"
    label = "knowledge"
