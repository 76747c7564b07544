"""HTML routes of the iam area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "iam"
urlpatterns: list[URLPattern | URLResolver] = []
