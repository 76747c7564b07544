"""The NinjaAPI that mounts every area's router under /api/v1."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from casework.accounts.api import router as accounts_router
from casework.automation.api import router as automation_router
from casework.cases.api import router as cases_router
from casework.channels.api import router as channels_router
from casework.core.api import document_errors, install_error_handlers
from casework.iam.api import router as iam_router
from casework.iam.auth import api_auth
from casework.knowledge.api import router as knowledge_router
from casework.portal.api import router as portal_router
from casework.reporting.api import router as reporting_router
from casework.routing.api import router as routing_router
from casework.sla.api import router as sla_router


class CaseworkAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(**kwargs))


api = CaseworkAPI(
    title="Casework API",
    version="1",
    description="Customer case management. Authenticate with `Authorization: Bearer <token>` "
    "(`casework token create --user EMAIL --name NAME`).",
    auth=api_auth,
    urls_namespace="api-v1",
)
install_error_handlers(api)

for router in (
    cases_router,
    accounts_router,
    iam_router,
    channels_router,
    sla_router,
    routing_router,
    automation_router,
    knowledge_router,
    portal_router,
    reporting_router,
):
    api.add_router("/", router)
