"""Casework's URL map: the API, the agent workspace, the portal, the knowledge base."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path

from casework.config.api import api


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("api/v1/", api.urls),
    path("healthz", health),
    # Static files straight from the package: one process needs no web server in front.
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
    path("admin/", admin.site.urls),
    path("portal/", include("casework.portal.urls")),
    path("kb/", include("casework.knowledge.urls")),
    path("mail/", include("casework.channels.urls")),
    path("sla/", include("casework.sla.urls")),
    path("routing/", include("casework.routing.urls")),
    path("automation/", include("casework.automation.urls")),
    path("reports/", include("casework.reporting.urls")),
    path("", include("casework.iam.urls")),
    path("", include("casework.cases.urls")),
]
