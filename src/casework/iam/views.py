"""Sign-in, sign-out and password change for the web (sessions + CSRF).

Failed sign-ins are limited per account and per address; the answer is the
same whether the account exists or not, so the form discloses nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from casework.core import ratelimit

PER_ACCOUNT = ratelimit.Limit("login-account", attempts=5, window_seconds=15 * 60)
PER_ADDRESS = ratelimit.Limit("login-address", attempts=20, window_seconds=15 * 60)
REFUSED = "That email and password do not match an account, or sign-in is paused after too many tries."
LIMITED = "Too many failed sign-ins. Wait a few minutes and try again."


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class SignInForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "invalid_login": REFUSED}

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "type": "email"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip().lower()
        address = client_address(self.request) if self.request else "unknown"
        if ratelimit.is_limited(PER_ACCOUNT, email) or ratelimit.is_limited(PER_ADDRESS, address):
            # Checked before the password, so a locked account cannot be probed either.
            raise ValidationError(LIMITED, code="rate_limited")
        try:
            cleaned = super().clean()
        except ValidationError:
            ratelimit.record_failure(PER_ACCOUNT, email)
            ratelimit.record_failure(PER_ADDRESS, address)
            raise
        ratelimit.reset(PER_ACCOUNT, email)
        return cleaned


class SignInView(auth_views.LoginView):
    template_name = "iam/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        limited = any(e.code == "rate_limited" for e in form.errors.as_data().get("__all__", []))
        response.status_code = 429 if limited else 200
        return response


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "iam/password_change.html"
    success_url = reverse_lazy("cases:list")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)
