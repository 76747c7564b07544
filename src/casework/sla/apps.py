from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "casework.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from casework.accounts import entitlements
        from casework.accounts.models import Entitlement
        from casework.cases import hooks
        from casework.cases.events import CaseChanged, CaseCreated, MessagePosted
        from casework.core import config_cache, events
        from casework.sla import selectors, services
        from casework.sla.models import BusinessCalendar, SlaPolicy

        # Atomic: a clock changes in the same transaction as the case change it reacts to.
        events.subscribe(CaseCreated, services.on_case_created)
        events.subscribe(CaseChanged, services.on_case_changed)
        events.subscribe(MessagePosted, services.on_message_posted)
        hooks.register(hooks.creation_checks, entitlements.check_new_case)
        hooks.register(hooks.case_extras, selectors.case_extras)
        hooks.case_row_columns[selectors.CLOCKS_COLUMN] = selectors.clocks_column
        config_cache.watch(SlaPolicy, BusinessCalendar, Entitlement)
