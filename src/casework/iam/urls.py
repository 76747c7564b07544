"""HTML routes of the iam area: sign-in, sign-out, password change."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.iam import views

app_name = "iam"
urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
]
