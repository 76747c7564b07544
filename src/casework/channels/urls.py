"""HTML routes of the email channel (mounted at /mail/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.channels import views

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = [
    path("case/<str:number>/panel", views.case_panel, name="case-panel"),
    path("case/<str:number>/deliveries/<int:delivery_id>/resend", views.resend, name="resend"),
    path("case/<str:number>/messages/<int:message_id>/move", views.move_message, name="move-message"),
    path("held/<int:inbound_id>/<str:decision>", views.held_decision, name="held-decision"),
    path("original/<int:inbound_id>", views.original, name="original"),
    path("quarantine/", views.quarantine, name="quarantine"),
]
