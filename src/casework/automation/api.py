"""/api/v1 routes of automation: configuration CRUD, case tasks, macros and the rule preview.

Configuration is read and written in its document form (names, not ids: the
same shape as the YAML file of `casework config export`).
"""

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from casework.automation import configuration, selectors, services
from casework.cases import selectors as case_selectors
from casework.cases.presenters import case_dicts
from casework.core.actors import Actor
from casework.core.api_input import Moment, Patch, Strict
from casework.iam import selectors as iam
from casework.iam.auth import require_staff, require_write

router = Router(tags=["automation"])


class CaseTypeIn(Strict):
    key: str = Field(min_length=1, max_length=100, pattern=r"^[-a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    default_team: str | None = None
    fields: list[dict[str, Any]] = []
    is_active: bool = True


class ServiceDefinitionIn(Strict):
    key: str = Field(min_length=1, max_length=100, pattern=r"^[-a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    case_type: str | None = None
    team: str | None = None
    customer_visible: bool = True
    is_active: bool = True


class PlaybookIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    case_type: str | None = None
    description: str = ""
    stages: list[dict[str, Any]] = []
    is_active: bool = True


class TriggerIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    event: str
    description: str = ""
    position: int = Field(0, ge=0)
    conditions: dict[str, Any] = {}
    actions: list[dict[str, Any]] = []
    is_active: bool = True


class TimeRuleIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    position: int = Field(0, ge=0)
    conditions: dict[str, Any] = {}
    actions: list[dict[str, Any]] = []
    is_active: bool = True


class MacroIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    reply: str = ""
    actions: list[dict[str, Any]] = []
    personal: bool = False
    is_active: bool = True


class WebhookIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=500)
    secret: str | None = None
    is_active: bool = True


def _checked(field: FieldInfo) -> Any:
    """A field's type with its checks (lengths, bounds) attached."""
    return Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation


def _patch_model(model: type[Strict]) -> type[Patch]:
    """The same fields with the same checks, each optional: PATCH sends only what
    changes. A field that may be null when created may be cleared."""
    fields = {name: (_checked(f) | None, None) for name, f in model.model_fields.items()}
    patch = create_model(f"{model.__name__}Patch", __base__=Patch, **fields)  # type: ignore[call-overload]
    patch.clearable = frozenset(name for name, f in model.model_fields.items() if f.default is None)
    return patch  # type: ignore[no-any-return]


RESOURCES: list[tuple[str, str, type[Strict]]] = [
    ("case-types", "case_types", CaseTypeIn),
    ("service-definitions", "service_definitions", ServiceDefinitionIn),
    ("playbooks", "playbooks", PlaybookIn),
    ("triggers", "triggers", TriggerIn),
    ("time-rules", "time_rules", TimeRuleIn),
    ("macros", "macros", MacroIn),
    ("webhooks", "webhooks", WebhookIn),
]


def _document(kind: str, obj: Any) -> dict[str, Any]:
    doc = configuration.to_document(kind, obj)
    doc["id"] = obj.pk
    if kind == "macros":
        doc["personal"] = obj.owner_id is not None
    return doc


def _to_service(kind: str, user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if kind == "macros" and "personal" in data:
        personal = data.pop("personal")
        data["owner"] = user.email if personal else None
    return data


def _register(path: str, kind: str, schema: type[Strict]) -> None:
    patch_schema = _patch_model(schema)
    label = kind.replace("_", " ")

    @router.get(f"/{path}", summary=f"List {label}", operation_id=f"list_{kind}")
    def list_items(request: HttpRequest) -> dict[str, Any]:
        user = require_staff(request)
        return {"items": [_document(kind, o) for o in selectors.list_config(kind, user)]}

    @router.post(
        f"/{path}", response={201: dict}, summary=f"Create one of the {label}", operation_id=f"create_{kind}"
    )
    def create_item(request: HttpRequest, payload: schema) -> Status[dict[str, Any]]:  # type: ignore[valid-type]
        user = require_staff(request)
        require_write(request)
        data = _to_service(kind, user, payload.model_dump())  # type: ignore[attr-defined]
        obj = configuration.create_config(user, kind, data)
        return Status(201, _document(kind, obj))

    @router.get(f"/{path}/{{item_id}}", summary=f"Read one of the {label}", operation_id=f"get_{kind}")
    def get_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
        user = require_staff(request)
        return _document(kind, selectors.get_config(kind, item_id, user))

    @router.patch(f"/{path}/{{item_id}}", summary=f"Change one of the {label}", operation_id=f"patch_{kind}")
    def patch_item(request: HttpRequest, item_id: int, payload: patch_schema) -> dict[str, Any]:  # type: ignore[valid-type]
        user = require_staff(request)
        require_write(request)
        obj = selectors.get_config(kind, item_id, user)
        data = _to_service(kind, user, payload.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        return _document(kind, configuration.update_config(user, kind, obj, data))

    @router.delete(
        f"/{path}/{{item_id}}",
        response={204: None},
        summary=f"Delete one of the {label}",
        operation_id=f"delete_{kind}",
    )
    def delete_item(request: HttpRequest, item_id: int) -> Status[None]:
        user = require_staff(request)
        require_write(request)
        configuration.delete_config(user, kind, selectors.get_config(kind, item_id, user))
        return Status(204, None)


# --- preview ----------------------------------------------------------------------------


class PreviewIn(Strict):
    conditions: dict[str, Any]
    limit: int = Field(20, ge=1, le=200)


@router.post("/triggers/preview", summary="The open cases a condition set matches now")
def preview(request: HttpRequest, payload: PreviewIn) -> dict[str, Any]:
    user = require_staff(request)
    count, cases = selectors.preview(user, payload.conditions, limit=payload.limit)
    return {
        "count": count,
        "cases": [{"number": c.number, "title": c.title, "status": c.status} for c in cases],
    }


# --- macros on a case -------------------------------------------------------------------


@router.post("/cases/{number}/macros/{macro_id}", summary="Apply a macro: its reply and its actions")
def apply_macro(request: HttpRequest, number: str, macro_id: int) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    case = case_selectors.get_case(user, number)
    macro = selectors.get_macro(user, macro_id)
    result = services.apply_macro(Actor.agent(user), case, macro)
    case = case_selectors.get_case(user, number)
    return {"case": case_dicts([case])[0], **result}


# --- tasks ------------------------------------------------------------------------------


class TaskIn(Strict):
    title: str = Field(min_length=1, max_length=300)
    assignee: int | None = None
    team: int | None = None
    due_at: Moment | None = None
    required: bool = False


class TaskPatch(Patch):
    clearable = frozenset({"assignee", "team", "due_at"})

    title: str | None = Field(None, min_length=1, max_length=300)
    status: Literal["open", "done", "cancelled"] | None = None
    assignee: int | None = None
    team: int | None = None
    due_at: Moment | None = None


def _task(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "title": t.title,
        "status": t.status,
        "required": t.is_required,
        "assignee": {"id": t.assignee_id, "name": t.assignee.name} if t.assignee_id else None,
        "team": {"id": t.team_id, "name": t.team.name} if t.team_id else None,
        "due_at": t.due_at,
        "step": t.step_key or None,
        "created_at": t.created_at,
        "completed_at": t.completed_at,
    }


def _people(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if out.get("assignee") is not None:
        try:
            out["assignee"] = iam.get_user(out["assignee"])
        except Exception:
            from casework.core.errors import InvalidInput

            raise InvalidInput(f"no user {out['assignee']}", field="assignee") from None
    if out.get("team") is not None:
        out["team"] = iam.get_team(out["team"])
    return out


@router.get("/cases/{number}/tasks", summary="The case's tasks")
def case_tasks(request: HttpRequest, number: str) -> dict[str, Any]:
    user = require_staff(request)
    case = case_selectors.get_case(user, number, related=False)
    return {"items": [_task(t) for t in selectors.tasks_of_case(case)]}


@router.post("/cases/{number}/tasks", response={201: dict}, summary="Add a task to the case")
def add_task(request: HttpRequest, number: str, payload: TaskIn) -> Status[dict[str, Any]]:
    user = require_staff(request)
    require_write(request)
    case = case_selectors.get_case(user, number, related=False)
    data = _people(payload.model_dump())
    task = services.create_task(Actor.agent(user), case, **data)
    return Status(201, _task(selectors.get_task(case, task.pk)))


@router.patch("/cases/{number}/tasks/{task_id}", summary="Complete, reopen or re-plan a task")
def change_task(request: HttpRequest, number: str, task_id: int, payload: TaskPatch) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    case = case_selectors.get_case(user, number, related=False)
    task = selectors.get_task(case, task_id)
    data = _people(payload.model_dump(exclude_unset=True))
    services.change_task(Actor.agent(user), task, **data)
    return _task(selectors.get_task(case, task_id))


@router.get("/tasks/mine", summary="My open tasks (mine and my teams' unassigned ones)")
def my_tasks(request: HttpRequest) -> dict[str, Any]:
    user = require_staff(request)
    return {"items": [_task(t) | {"case": t.case.number} for t in selectors.my_tasks(user)]}


# --- playbooks on a case ------------------------------------------------------------------


@router.get("/cases/{number}/playbooks", summary="The case's playbooks with progress")
def case_playbooks(request: HttpRequest, number: str) -> dict[str, Any]:
    user = require_staff(request)
    case = case_selectors.get_case(user, number, related=False)
    runs = services.playbook_progress(case)
    for run in runs:
        for stage in run["stages"]:
            for step in stage["steps"]:
                step["task"] = step["task"].pk if step["task"] is not None else None
    return {"items": runs}


@router.post("/cases/{number}/playbooks/{run_id}/steps/{step_key}", summary="Complete a playbook step")
def complete_step(request: HttpRequest, number: str, run_id: int, step_key: str) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    case = case_selectors.get_case(user, number, related=False)
    done = services.complete_step(Actor.agent(user), case, run_id, step_key)
    return {"step": done.step_key, "completed_at": done.completed_at, "completed_by": done.completed_label}


# Registered last, so fixed paths such as /triggers/preview are matched before /triggers/{id}.
for _path, _kind, _schema in RESOURCES:
    _register(_path, _kind, _schema)
