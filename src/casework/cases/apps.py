from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casework.cases"
    label = "cases"

    def ready(self) -> None:
        from casework.cases import live

        live.connect()
