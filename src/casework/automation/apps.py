from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "casework.automation"
    label = "automation"

    def ready(self) -> None:
        from casework.automation import engine, services
        from casework.automation.models import CaseType, Trigger
        from casework.cases import hooks
        from casework.cases.events import CaseChanged, CaseCreated, MessagePosted
        from casework.core import config_cache, events
        from casework.sla.events import ClockBreached, ClockWarned

        hooks.register(hooks.custom_field_validators, services.validate_custom_fields)
        hooks.register(hooks.resolution_checks, services.closure_gaps)
        events.subscribe(CaseCreated, engine.on_case_created)
        events.subscribe(CaseChanged, engine.on_case_changed)
        events.subscribe(MessagePosted, engine.on_message_posted)
        events.subscribe(ClockWarned, engine.on_clock_warned)
        events.subscribe(ClockBreached, engine.on_clock_breached)
        config_cache.watch(Trigger, CaseType)
