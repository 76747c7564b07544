"""The portal's write path: portal accounts (sign-up with verification, sign-in
by password or one-time link, rate limits), a customer's actions on cases
(submit, reply, accept or reject a resolution), deflections, the auto-close
sweep and the brand. Case changes go through the cases services."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from casework.accounts import services as account_services
from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.services import NewAttachment
from casework.core import clock, signing
from casework.core.actors import Actor
from casework.core.errors import CaseworkError, InvalidInput, PermissionDenied
from casework.core.notify import notify
from casework.iam import selectors as iam_selectors
from casework.iam import services as iam_services
from casework.iam.domain import Role
from casework.portal import selectors
from casework.portal.domain import (
    CLIENT_MULTIPLIER,
    RATE_LIMITS,
    RESOLUTION_LINK_SECONDS,
    SIGN_IN_LINK_SECONDS,
    VERIFY_LINK_SECONDS,
    auto_close_at,
    is_hex_colour,
    reminder_at,
)
from casework.portal.models import AutoCloseReminder, PortalSettings, SuggestionOpen, UsedToken

log = logging.getLogger(__name__)

# One answer whether or not the address has an account, so the portal never tells who is a customer.
LINK_SENT = "If that address has an account, a sign-in link is on its way. It works once, for 15 minutes."
SIGN_UP_SENT = "Check your inbox: we sent a link to confirm your address."
BAD_CREDENTIALS = "That email and password do not match an account."


class TooManyAttempts(CaseworkError):
    status = 429
    code = "rate_limited"


# --- rate limits -------------------------------------------------------------


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def check_rate(action: str, address: str, client: str = "") -> None:
    """Count one attempt of `action` for the address and the client; refuse past the limit.
    Known and unknown addresses are counted alike."""
    rule = RATE_LIMITS[action]
    per_address = _count(f"portal:rl:{action}:a:{_digest(address.strip().lower())}", rule.window_seconds)
    per_client = _count(f"portal:rl:{action}:c:{_digest(client)}", rule.window_seconds) if client else 0
    if per_address > rule.limit or per_client > rule.limit * CLIENT_MULTIPLIER:
        raise TooManyAttempts("too many attempts: please wait a few minutes and try again", field="email")


# --- one-time links ------------------------------------------------------------


def link(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def _use_once(token: str, purpose: str) -> None:
    """Record the token as used; a second use is refused."""
    try:
        with transaction.atomic():
            UsedToken.objects.create(digest=_digest(token), purpose=purpose, used_at=clock.now())
    except IntegrityError:
        raise InvalidInput("this link has already been used", field="token") from None


def _send(subject: str, body: str, to: str) -> None:
    """Portal mail goes through Django's mail settings; a failure is logged, and the
    customer can ask for a sign-in link (which also verifies) again."""
    try:
        send_mail(subject, body, None, [to], fail_silently=False)
    except Exception:
        log.exception("could not send portal mail %r to %s", subject, to)


def _portal_name() -> str:
    return selectors.branding().name


# --- sign-up, verification, sign-in -------------------------------------------------


def sign_up(email: str, password: str, *, name: str = "", client: str = "") -> str:
    """Create a customer login and send the verification link. An address that
    already has a login gets a "you already have an account" mail instead; the
    answer on screen is the same either way."""
    check_rate("sign_up", email, client)
    address = account_services.clean_address(email)
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        raise InvalidInput("; ".join(exc.messages), field="password") from None
    existing = iam_selectors.find_user_by_email(address)
    if existing is not None:
        _send(
            f"Your {_portal_name()} account",
            "Someone (hopefully you) tried to sign up with this address, which already has an "
            f"account. Sign in at {link('/portal/sign-in')} or ask for a sign-in link there.",
            address,
        )
        return SIGN_UP_SENT
    with transaction.atomic():
        user = iam_services.create_user(
            address, role=Role.CUSTOMER, name=name.strip()[:200], password=password
        )
        token = signing.make_token("verify_email", user_id=user.pk, email=address)
    url = link(f"/portal/verify/{token}")
    _send(
        f"Confirm your address for {_portal_name()}",
        f"Welcome! Confirm your address to see your cases:\n\n{url}\n\n"
        "The link works once, for 24 hours. If you did not sign up, ignore this mail.",
        address,
    )
    return SIGN_UP_SENT


@transaction.atomic
def verify_email(token: str) -> Any:
    """Confirm the address of a sign-up: only now is the login linked to its contact
    (and through the mail domain to an account)."""
    data = signing.read_token(token, "verify_email", max_age_seconds=VERIFY_LINK_SECONDS)
    user = _active_customer(data.get("user_id"))
    if user.email != data.get("email"):
        raise InvalidInput("this link is not valid", field="token")
    _use_once(token, "verify_email")
    account_services.verify_portal_address(user.email, user, name=user.name)
    return user


def _active_customer(user_id: Any) -> Any:
    try:
        user = iam_selectors.get_user(int(user_id))
    except (TypeError, ValueError, CaseworkError):
        raise InvalidInput("this link is not valid", field="token") from None
    if not user.is_active or user.role != Role.CUSTOMER:
        raise InvalidInput("this link is not valid", field="token")
    return user


def sign_in(request: Any, email: str, password: str, *, client: str = "") -> Any:
    """The customer whose email and password match, or InvalidInput (the same for any mismatch)."""
    check_rate("sign_in", email, client)
    user = authenticate(request, username=email, password=password)
    if user is None or user.role != Role.CUSTOMER:
        raise InvalidInput(BAD_CREDENTIALS, field="email")
    return user


def request_sign_in_link(email: str, *, client: str = "") -> str:
    check_rate("sign_in_link", email, client)
    address = (email or "").strip().lower()
    user = iam_selectors.find_user_by_email(address) if "@" in address else None
    if user is not None and user.is_active and user.role == Role.CUSTOMER:
        token = signing.make_token("sign_in", user_id=user.pk, n=secrets.token_hex(6))
        url = link(f"/portal/sign-in/link/{token}")
        _send(
            f"Your sign-in link for {_portal_name()}",
            f"Sign in with this link:\n\n{url}\n\nIt works once, for 15 minutes. "
            "If you did not ask for it, ignore this mail.",
            user.email,
        )
    return LINK_SENT


@transaction.atomic
def consume_sign_in_link(token: str) -> Any:
    """The customer a sign-in link was sent to; the link then stops working. Using
    it proves the mailbox, so it also verifies the address."""
    data = signing.read_token(token, "sign_in", max_age_seconds=SIGN_IN_LINK_SECONDS)
    user = _active_customer(data.get("user_id"))
    _use_once(token, "sign_in")
    if selectors.contact_of(user) is None:
        account_services.verify_portal_address(user.email, user, name=user.name)
    return user


# --- a customer's cases ---------------------------------------------------------------


def _missing_required(fields: list[dict[str, Any]], values: dict[str, Any]) -> None:
    for f in fields:
        value = values.get(f["key"])
        chosen = (
            [str(v) for v in value]
            if isinstance(value, list)
            else []
            if value in (None, "")
            else [str(value)]
        )
        if f["required"] and not any(c.strip() for c in chosen):
            raise InvalidInput(f"{f['label']} is required", field=f"custom_fields.{f['key']}")
        allowed = [str(o.get("value")) for o in f["options"]]
        if allowed and any(c not in allowed for c in chosen):
            raise InvalidInput(f"{f['label']}: choose one of the options", field=f"custom_fields.{f['key']}")


def submit_case(
    user: Any,
    *,
    title: str,
    description: str = "",
    service_id: int | None = None,
    custom_fields: dict[str, Any] | None = None,
    attachments: Sequence[NewAttachment] = (),
    session_key: str = "",
) -> Any:
    """A customer opens a case from the portal form. Only the fields the case type
    shows customers are taken; suggestions opened in this session stop counting
    as deflections."""
    contact = selectors.require_contact(user)
    if not (description or "").strip():
        raise InvalidInput("tell us what happened", field="description")
    service = selectors.get_customer_service(service_id) if service_id else None
    fields = selectors.customer_fields(service)
    values = {f["key"]: (custom_fields or {}).get(f["key"]) for f in fields}
    _missing_required(fields, values)
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    with transaction.atomic():
        case = case_services.open_case(
            Actor.customer(contact, user=user),
            title=title,
            description=description,
            contact=contact,
            channel="portal",
            service=service,
            case_type=getattr(service, "case_type", None),
            custom_fields=values,
            attachments=attachments,
        )
        if session_key:
            SuggestionOpen.objects.filter(session_key=session_key, case_id__isnull=True).update(
                case_id=case.pk
            )
    return case


def reply(user: Any, number: str, *, text: str, attachments: Sequence[NewAttachment] = ()) -> Any:
    contact = selectors.require_contact(user)
    case = selectors.my_case(user, number)
    if not (text or "").strip() and not attachments:
        raise InvalidInput("write a message", field="text")
    landed, _ = case_services.receive_customer_message(
        contact, case, text=text, channel="portal", attachments=list(attachments), user=user
    )
    return landed


def accept(user: Any, number: str) -> Any:
    contact = selectors.require_contact(user)
    return case_services.accept_resolution(contact, selectors.my_case(user, number), user=user)


def reject(user: Any, number: str, *, reason: str) -> Any:
    contact = selectors.require_contact(user)
    return case_services.reject_resolution(contact, selectors.my_case(user, number), reason=reason, user=user)


def resolution_links(case_id: int) -> dict[str, str]:
    token = signing.make_token("resolution", case_id=case_id)
    return {
        "accept_link": link(f"/portal/resolution/{token}/accept"),
        "reject_link": link(f"/portal/resolution/{token}/reject"),
    }


def case_from_resolution_token(token: str) -> Any:
    data = signing.read_token(token, "resolution", max_age_seconds=RESOLUTION_LINK_SECONDS)
    try:
        return case_selectors.get_case_by_id(int(data["case_id"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("this link is not valid", field="token") from None


def accept_by_link(token: str) -> Any:
    """Accept from the signed link in the email: the link stands for the case's contact."""
    case = case_from_resolution_token(token)
    if case.contact is None:
        raise PermissionDenied("this case has no customer to accept it", field="token")
    return case_services.accept_resolution(case.contact, case, user=case.contact.user)


def reject_by_link(token: str, *, reason: str) -> Any:
    case = case_from_resolution_token(token)
    if case.contact is None:
        raise PermissionDenied("this case has no customer to reject it", field="token")
    return case_services.reject_resolution(case.contact, case, reason=reason, user=case.contact.user)


# --- deflection --------------------------------------------------------------------


def record_suggestion_open(
    session_key: str, article_id: int, *, subject: str = "", contact: Any = None
) -> None:
    """The customer opened a suggested article from the submit form."""
    if not session_key:
        return
    SuggestionOpen.objects.create(
        session_key=session_key,
        article_id=article_id,
        subject=(subject or "")[:300],
        contact_id=getattr(contact, "pk", None),
        opened_at=clock.now(),
    )


# --- auto-close ----------------------------------------------------------------------


def send_auto_close_reminders() -> int:
    """Remind the customer once per resolution, a day before the case closes by itself."""
    days = settings.AUTO_CLOSE_DAYS
    now = clock.now()
    sent = 0
    # The reminder is due when now >= reminder_at(resolved_at): resolved before now - (that offset).
    offset = reminder_at(now, days) - now
    for case in selectors.resolved_cases_before(now - offset):
        if case.resolved_at is None or auto_close_at(case.resolved_at, days) <= now:
            continue
        try:
            with transaction.atomic():
                AutoCloseReminder.objects.create(case=case, resolved_at=case.resolved_at, sent_at=now)
                links = resolution_links(case.pk)
                notify(
                    "auto_close_reminder",
                    case.pk,
                    close_at=auto_close_at(case.resolved_at, days).isoformat(),
                    accept_link=links["accept_link"],
                    reject_link=links["reject_link"],
                )
        except IntegrityError:
            continue  # reminded already (by this sweep before, or by a concurrent one)
        sent += 1
    return sent


def close_unanswered_resolutions() -> int:
    """Close the resolved cases whose customer did not answer within AUTO_CLOSE_DAYS."""
    now = clock.now()
    closed = 0
    for case in selectors.resolved_cases_before(now - (auto_close_at(now, settings.AUTO_CLOSE_DAYS) - now)):
        if case_services.close_resolved(case).status == "closed":
            closed += 1
    return closed


# --- branding --------------------------------------------------------------------------


@transaction.atomic
def update_branding(
    by: Any, *, name: str, colour: str, logo_url: str = "", welcome: str = "", survey_kind: str | None = None
) -> PortalSettings:
    if by is None or by.role != Role.ADMIN:
        raise PermissionDenied("only an admin may change the portal's look")
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("the portal needs a name", field="name")
    if not is_hex_colour(colour):
        raise InvalidInput("a colour is written like #0b5fff", field="colour")
    logo_url = (logo_url or "").strip()
    if logo_url and not (logo_url.startswith("https://") or logo_url.startswith("/")):
        raise InvalidInput("the logo is an https:// address or a path on this site", field="logo_url")
    row = selectors.branding()
    row = PortalSettings.objects.select_for_update().get(pk=row.pk)
    row.name, row.colour, row.logo_url = name[:100], colour.lower(), logo_url[:500]
    row.welcome = (welcome or "").strip()[:300]
    if survey_kind is not None:
        from casework.portal.domain import SurveyKind

        if survey_kind not in SurveyKind._value2member_map_:
            raise InvalidInput("the survey is csat, nps or ces", field="survey_kind")
        row.survey_kind = survey_kind
    row.updated_at = clock.now()
    row.save()
    cache.delete(selectors.BRANDING_CACHE_KEY)
    return row
