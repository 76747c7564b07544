"""HTML routes of the cases area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "cases"
urlpatterns: list[URLPattern | URLResolver] = []
