"""HTML routes of the channels area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = []
