"""HTML routes of the reporting area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "reporting"
urlpatterns: list[URLPattern | URLResolver] = []
