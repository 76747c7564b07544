"""Reads of automation, scoped to the caller: configuration, service choices,
tasks, macros and the preview of a rule's conditions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from casework.automation import domain, engine
from casework.automation.configuration import KINDS
from casework.automation.models import CaseTask, CaseType, Macro, ServiceDefinition, WebhookDelivery
from casework.cases.selectors import visible_cases
from casework.core import clock
from casework.core.errors import InvalidInput, NotFound


def list_config(kind: str, user: Any = None) -> QuerySet[Any]:
    model = KINDS[kind]
    qs = model._default_manager.all()
    if kind == "macros":
        qs = qs.filter(Q(owner__isnull=True) | Q(owner_id=getattr(user, "pk", None)))
    for related in ("default_team", "case_type", "team", "owner"):
        if any(f.name == related for f in model._meta.get_fields()):
            qs = qs.select_related(related)
    return qs


def get_config(kind: str, pk: int, user: Any = None) -> Any:
    obj = list_config(kind, user).filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"no {kind[:-1].replace('_', ' ')} {pk}", field="id")
    return obj


def all_documents() -> dict[str, list[dict[str, Any]]]:
    """Every configuration record as documents, in a stable order (for export)."""
    from casework.automation.configuration import to_document

    order = {
        "case_types": "key",
        "service_definitions": "key",
        "playbooks": "name",
        "triggers": "position",
        "time_rules": "position",
        "macros": "name",
        "webhooks": "name",
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in (
        "webhooks",
        "case_types",
        "service_definitions",
        "playbooks",
        "triggers",
        "time_rules",
        "macros",
    ):
        qs = KINDS[kind]._default_manager.all()
        qs = (
            qs.order_by(order[kind], "owner__email", "id")
            if kind == "macros"
            else qs.order_by(order[kind], "name")
        )
        out[kind] = [to_document(kind, obj) for obj in qs]
    return out


# --- for the portal and the new-case form ----------------------------------------------


def service_choices(*, customer: bool = False) -> QuerySet[ServiceDefinition]:
    """Active service definitions; a customer sees only the customer-visible ones."""
    qs = ServiceDefinition.objects.filter(is_active=True).select_related("case_type", "team")
    return qs.filter(customer_visible=True) if customer else qs


def case_type_choices() -> QuerySet[CaseType]:
    return CaseType.objects.filter(is_active=True)


def field_specs(case_type: Any, *, customer: bool = False) -> list[domain.FieldSpec]:
    """The form a case of this type shows (a customer sees only customer-visible fields)."""
    if case_type is None:
        return []
    specs = domain.parse_schema(case_type.fields_schema)
    return [s for s in specs if s.customer_visible] if customer else specs


# --- tasks and macros -------------------------------------------------------------------


def tasks_of_case(case: Any) -> QuerySet[CaseTask]:
    return CaseTask.objects.filter(case_id=case.pk).select_related("assignee", "team")


def get_task(case: Any, task_id: int) -> CaseTask:
    task = tasks_of_case(case).filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"no task {task_id} on {case.number}", field="task")
    return task


def my_tasks(user: Any, *, include_done: bool = False) -> QuerySet[CaseTask]:
    """Tasks for the user or for a team they are in, on cases they may see."""
    from casework.iam.selectors import team_ids_of

    qs = CaseTask.objects.filter(
        Q(assignee_id=user.pk) | Q(assignee__isnull=True, team_id__in=team_ids_of(user)),
        case_id__in=visible_cases(user).values("pk"),
    ).select_related("case", "team", "assignee")
    if not include_done:
        qs = qs.filter(status=CaseTask.Status.OPEN)
    return qs.order_by("due_at", "id")


def macros_for(user: Any) -> QuerySet[Macro]:
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk), is_active=True)


def get_macro(user: Any, macro_id: int) -> Macro:
    macro = macros_for(user).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(f"no macro {macro_id}", field="macro")
    return macro


def webhook_deliveries(limit: int = 50) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("webhook")[:limit]


# --- preview ---------------------------------------------------------------------------


def preview(user: Any, conditions: dict[str, Any], *, limit: int = 50) -> tuple[int, list[Any]]:
    """The open cases (visible to `user`) a condition set matches now: (count, first `limit`)."""
    try:
        parsed = domain.parse_conditions(conditions)
    except domain.RuleError as err:
        raise InvalidInput(err.message, field=err.path) from None
    # What the case is now can be matched; what changed, or a message's words, only at the event.
    parsed = domain.ConditionSet(
        all=tuple(c for c in parsed.all if domain.matchable_now(c)),
        any=tuple(c for c in parsed.any if domain.matchable_now(c)),
    )
    matching = engine.matching_cases(parsed, clock.now()).filter(pk__in=visible_cases(user).values("pk"))
    return matching.count(), list(matching.order_by("-priority", "-id")[:limit])
