"""HTML routes of the automation area (mounted at /automation/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from casework.automation import views

app_name = "automation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("case/<str:number>/panel", views.case_panel, name="case-panel"),
    path("case/<str:number>/fields", views.save_fields, name="case-fields"),
    path("case/<str:number>/steps/<int:run_id>/<str:step_key>", views.complete_step, name="case-step"),
    path("case/<str:number>/tasks", views.add_task, name="case-task-add"),
    path("case/<str:number>/tasks/<int:task_id>/done", views.task_done, name="case-task-done"),
    path("case/<str:number>/macros/<int:macro_id>", views.apply_macro, name="case-macro"),
    path("tasks/", views.my_tasks, name="my-tasks"),
]
