"""HTML routes of the cases area: the agent workspace."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.cases import case_page, views

app_name = "cases"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="list"),
    path("board", views.case_list, {"layout": "board"}, name="board"),
    path("views/counts", views.view_counts, name="view-counts"),
    path("views/save", views.save_view, name="save-view"),
    path("views/<int:view_id>/delete", views.delete_view, name="delete-view"),
    path("cases/bulk", views.bulk_update, name="bulk"),
    path("cases/new", views.new_case, name="new"),
    path("contacts/lookup", views.contact_lookup, name="contact-lookup"),
    path("search", views.search, name="search"),
    path("events/stream", views.event_stream, name="events"),
    path("cases/<str:number>/", case_page.case_detail, name="case"),
    path("cases/<str:number>/timeline", case_page.case_timeline, name="timeline"),
    path("cases/<str:number>/header", case_page.case_header, name="header"),
    path("cases/<str:number>/messages", case_page.post_message, name="post-message"),
    path("cases/<str:number>/fields", case_page.update_fields, name="fields"),
    path("cases/<str:number>/fields/panel", case_page.fields_panel, name="fields-panel"),
    path("cases/<str:number>/status", case_page.move_status, name="move-status"),
    path("cases/<str:number>/assign-me", case_page.assign_to_me, name="assign-me"),
    path("cases/<str:number>/links", case_page.add_link, name="links"),
    path("cases/<str:number>/attachments/<int:attachment_id>", case_page.attachment, name="attachment"),
]
