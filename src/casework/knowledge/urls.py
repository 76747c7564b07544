"""HTML routes of the knowledge area (mounted at /kb/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.knowledge import views

app_name = "knowledge"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.kb_home, name="home"),
    path("manage/", views.manage, name="manage"),
    path("manage/new", views.manage_new, name="manage-new"),
    path("manage/<int:article_id>/edit", views.manage_edit, name="manage-edit"),
    path("case/<str:number>/panel", views.case_panel, name="case-panel"),
    path("case/<str:number>/link/<int:article_id>", views.case_link, name="case-link"),
    path("<slug:slug>", views.article, name="article"),
    path("<slug:slug>/feedback", views.feedback, name="feedback"),
]
