"""HTML routes of the routing area (mounted at /routing/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.routing import views

app_name = "routing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.lead_view, name="lead"),
    path("presence/widget", views.presence_widget, name="presence_widget"),
    path("case/<str:number>/panel", views.case_panel, name="case_panel"),
    path("case/<str:number>/why", views.why_view, name="why"),
    path("case/<str:number>/reassign", views.reassign_view, name="reassign"),
]
