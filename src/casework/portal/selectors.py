"""Reads for the portal, scoped to the signed-in customer: their contact, their
cases (the account's for an account admin), the services they may request,
the brand, and the deflection count for reporting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from casework.automation.models import ServiceDefinition
from casework.cases import selectors as case_selectors
from casework.cases.models import Case
from casework.core import search
from casework.core.errors import NotFound, PermissionDenied
from casework.iam.domain import Role
from casework.portal.models import AutoCloseReminder, PortalSettings, SuggestionOpen

BRANDING_CACHE_KEY = "portal:branding"


def branding() -> PortalSettings:
    """The portal's settings (one row, made with defaults on first use), cached briefly."""
    cached = cache.get(BRANDING_CACHE_KEY)
    if isinstance(cached, PortalSettings):
        return cached
    settings_row = PortalSettings.objects.order_by("pk").first() or PortalSettings.objects.create()
    cache.set(BRANDING_CACHE_KEY, settings_row, 60)
    return settings_row


def contact_of(user: Any) -> Any:
    """The customer's contact, once their address is verified (None before)."""
    if user is None or not user.is_authenticated or user.role != Role.CUSTOMER:
        return None
    try:
        return user.contact
    except Exception:  # RelatedObjectDoesNotExist: signed up, not yet verified
        return None


def require_contact(user: Any) -> Any:
    contact = contact_of(user)
    if contact is None:
        raise PermissionDenied("verify your email address first", field="email")
    return contact


def my_cases(user: Any, *, status: str = "", q: str = "") -> QuerySet[Case]:
    cases = case_selectors.visible_cases(user) if contact_of(user) is not None else Case.objects.none()
    if status == "open":
        cases = cases.exclude(status__in=["closed", "cancelled"])
    elif status == "closed":
        cases = cases.filter(status__in=["closed", "cancelled"])
    if q.strip():
        cases = search.filter_matching(cases, case_selectors.SEARCH_KIND, q)
    return cases.select_related("contact").order_by("-updated_at", "-id")


def my_case(user: Any, number: str) -> Case:
    if contact_of(user) is None:
        raise NotFound(f"no case {number}", field="number")
    return case_selectors.get_case(user, number)


def public_timeline(user: Any, case: Case) -> list[Any]:
    return list(case_selectors.timeline(user, case, public_only=True))


def customer_services() -> list[ServiceDefinition]:
    """What a customer may ask for: active, customer-visible service definitions."""
    return list(
        ServiceDefinition.objects.filter(is_active=True, customer_visible=True)
        .select_related("case_type")
        .order_by("name")
    )


def get_customer_service(service_id: int) -> ServiceDefinition:
    service = next((s for s in customer_services() if s.pk == service_id), None)
    if service is None:
        raise NotFound(f"no service {service_id}", field="service")
    return service


def customer_fields(service: ServiceDefinition | None) -> list[dict[str, Any]]:
    """The case type's fields a customer fills in, read defensively: the schema is
    a list of {key, label, type, required, customer_visible, options}."""
    case_type = getattr(service, "case_type", None) if service is not None else None
    schema = getattr(case_type, "fields_schema", None) or []
    fields = []
    for raw in schema if isinstance(schema, list) else []:
        if not isinstance(raw, dict) or not raw.get("key") or not raw.get("customer_visible"):
            continue
        options = raw.get("options") or []
        fields.append(
            {
                "key": str(raw["key"]),
                "label": str(raw.get("label") or raw["key"]),
                "type": str(raw.get("type") or "text"),
                "required": bool(raw.get("required")),
                "options": [
                    o if isinstance(o, dict) else {"value": str(o), "label": str(o)}
                    for o in (options if isinstance(options, list) else [])
                ],
                "help": str(raw.get("help") or ""),
            }
        )
    return fields


def deflection_count(*, since: datetime | None = None, until: datetime | None = None) -> int:
    """Submit-form visits where the customer opened a suggested article and did not
    submit a case afterwards (one per browser session)."""
    opens = SuggestionOpen.objects.all()
    if since is not None:
        opens = opens.filter(opened_at__gte=since)
    if until is not None:
        opens = opens.filter(opened_at__lt=until)
    submitted = opens.filter(case_id__isnull=False).values("session_key")
    return opens.exclude(session_key__in=submitted).values("session_key").distinct().count()


def resolved_cases_before(moment: datetime) -> QuerySet[Case]:
    """Resolved cases whose resolution was proposed before `moment` (the auto-close sweep)."""
    return Case.objects.filter(status="resolved", resolved_at__lte=moment).order_by("resolved_at", "id")


def reminder_sent(case: Case) -> bool:
    if case.resolved_at is None:
        return False
    return AutoCloseReminder.objects.filter(case=case, resolved_at=case.resolved_at).exists()
