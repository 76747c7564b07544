"""HTML routes of the routing area."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "routing"
urlpatterns: list[URLPattern | URLResolver] = []
