"""HTML routes of the sla area (mounted at /sla/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.sla import views

app_name = "sla"
urlpatterns: list[URLPattern | URLResolver] = [
    path("case/<str:number>/panel", views.case_panel, name="case_panel"),
]
