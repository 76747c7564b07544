"""HTML routes of the knowledge area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "knowledge"
urlpatterns: list[URLPattern | URLResolver] = []
