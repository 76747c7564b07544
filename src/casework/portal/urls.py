"""HTML routes of the portal area (mounted at /portal/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.portal import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-in/link", views.request_link, name="request-link"),
    path("sign-in/link/<str:token>", views.sign_in_by_link, name="sign-in-link"),
    path("sign-up", views.sign_up, name="sign-up"),
    path("verify/<str:token>", views.verify, name="verify"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new", views.case_new, name="case-new"),
    path("cases/new/suggestions", views.suggestions, name="suggestions"),
    path("suggestion/<int:article_id>", views.open_suggestion, name="open-suggestion"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply", views.case_reply, name="case-reply"),
    path("cases/<str:number>/accept", views.case_accept, name="case-accept"),
    path("cases/<str:number>/reject", views.case_reject, name="case-reject"),
    path("cases/<str:number>/attachments/<int:attachment_id>", views.case_attachment, name="attachment"),
    path("resolution/<str:token>/accept", views.resolution_accept, name="resolution-accept"),
    path("resolution/<str:token>/reject", views.resolution_reject, name="resolution-reject"),
    path("survey/<str:token>", views.survey, name="survey"),
    path("manage/branding", views.branding, name="branding"),
]
