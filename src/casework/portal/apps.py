from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "casework.portal"
    label = "portal"
    verbose_name = "Customer portal"

    def ready(self) -> None:
        from casework.cases import hooks
        from casework.cases.events import CaseChanged
        from casework.core import events
        from casework.portal import surveys

        events.subscribe(CaseChanged, surveys.on_case_changed, after_commit=True)
        hooks.register(hooks.case_extras, surveys.case_extras)
