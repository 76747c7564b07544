"""/api/v1/articles: agents manage knowledge articles; /api/v1/kb/search-gaps for the KB owners."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Schema, Status
from pydantic import Field

from casework.core.api import Ref
from casework.core.api_input import Patch, Strict
from casework.core.errors import InvalidInput
from casework.iam.auth import require_staff, require_write
from casework.knowledge import selectors, services

router = Router(tags=["knowledge"])

StatusName = Literal["draft", "published", "archived"]


class ArticleCreate(Strict):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=200_000)
    status: StatusName = "draft"
    is_internal: bool = False
    category: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)


class ArticlePatch(Patch):
    clearable = frozenset({"category"})

    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, max_length=200_000)
    status: StatusName | None = None
    is_internal: bool | None = None
    category: int | None = None
    tags: list[str] | None = Field(None, max_length=20)


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    body: str
    body_html: str
    status: str
    is_internal: bool
    category: Ref | None
    tags: list[str]
    view_count: int
    helpful_yes: int
    helpful_no: int
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: Ref | None


class ArticleList(Schema):
    items: list[ArticleOut]
    count: int


class VersionOut(Schema):
    number: int
    title: str
    status: str
    is_internal: bool
    changed_fields: list[str]
    changed_by: Ref | None
    changed_at: datetime


class GapOut(Schema):
    query: str
    count: int


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def article_dict(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "slug": a.slug,
        "url": services.article_url(a),
        "body": a.body,
        "body_html": a.body_html,
        "status": a.status,
        "is_internal": a.is_internal,
        "category": _ref(a.category),
        "tags": a.tags or [],
        "view_count": a.view_count,
        "helpful_yes": a.helpful_yes,
        "helpful_no": a.helpful_no,
        "version": a.version,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "updated_by": _ref(a.updated_by),
    }


def _editor(request: HttpRequest) -> Any:
    user = require_staff(request)
    services.require_editor(user)
    return user


def _parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput('If-Match carries the article\'s ETag, e.g. "3"', field="If-Match")
    return int(raw)


@router.get("/articles", response=ArticleList, summary="List and search articles (every status)")
def list_articles(
    request: HttpRequest, q: str = "", status: StatusName | None = None, limit: int = 50
) -> dict[str, Any]:
    user = _editor(request)
    if not 1 <= limit <= 200:
        raise InvalidInput("limit is between 1 and 200", field="limit")
    found = selectors.search_manageable(user, q, status=status or "", limit=limit)
    return {"items": [article_dict(a) for a in found], "count": len(found)}


@router.post("/articles", response={201: ArticleOut}, summary="Write an article")
def create_article(
    request: HttpRequest, response: HttpResponse, payload: ArticleCreate
) -> Status[dict[str, Any]]:
    user = _editor(request)
    require_write(request)
    data = payload.model_dump()
    category = selectors.get_category_by_id(data.pop("category")) if data.get("category") else None
    data.pop("category", None)
    article = services.create_article(user, category=category, **data)
    response["ETag"] = f'"{article.version}"'
    return Status(201, article_dict(selectors.get_manageable_article(user, article.pk)))


@router.get("/articles/{article_id}", response=ArticleOut, summary="Read an article")
def read_article(request: HttpRequest, response: HttpResponse, article_id: int) -> dict[str, Any]:
    user = _editor(request)
    article = selectors.get_manageable_article(user, article_id)
    response["ETag"] = f'"{article.version}"'
    return article_dict(article)


@router.patch(
    "/articles/{article_id}", response=ArticleOut, summary="Change an article (kept in its history)"
)
def patch_article(
    request: HttpRequest,
    response: HttpResponse,
    article_id: int,
    payload: ArticlePatch,
    if_match: str | None = Header(None, alias="If-Match"),
) -> dict[str, Any]:
    user = _editor(request)
    require_write(request)
    article = selectors.get_manageable_article(user, article_id)
    changes = payload.model_dump(exclude_unset=True)
    if "category" in changes:
        changes["category"] = (
            selectors.get_category_by_id(changes["category"]) if changes["category"] else None
        )
    for key in ("title", "body", "status", "is_internal", "tags"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", field=key)
    updated = services.update_article(user, article, changes, expected_version=_parse_if_match(if_match))
    response["ETag"] = f'"{updated.version}"'
    return article_dict(selectors.get_manageable_article(user, updated.pk))


@router.get(
    "/articles/{article_id}/versions", response=list[VersionOut], summary="Who changed what, newest first"
)
def article_versions(request: HttpRequest, article_id: int) -> list[dict[str, Any]]:
    user = _editor(request)
    article = selectors.get_manageable_article(user, article_id)
    return [
        {
            "number": v.number,
            "title": v.title,
            "status": v.status,
            "is_internal": v.is_internal,
            "changed_fields": v.changed_fields,
            "changed_by": _ref(v.changed_by),
            "changed_at": v.changed_at,
        }
        for v in selectors.versions(article)
    ]


@router.get(
    "/kb/search-gaps", response=list[GapOut], summary="Searches of the knowledge base that found nothing"
)
def search_gaps(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    user = _editor(request)
    return selectors.search_gaps(user, limit=min(max(limit, 1), 200))
