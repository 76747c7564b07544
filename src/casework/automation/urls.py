"""HTML routes of the automation area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "automation"
urlpatterns: list[URLPattern | URLResolver] = []
