"""The only write path of the knowledge base: articles and their history,
categories, feedback, the log of fruitless searches, and articles on cases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from casework.cases import services as case_services
from casework.core import clock, search
from casework.core.actors import Actor
from casework.core.errors import InvalidInput, PermissionDenied, StaleVersion
from casework.iam.domain import Role, is_staff_role
from casework.knowledge.domain import (
    STATUSES,
    ArticleStatus,
    normalise_tags,
    plain_text,
    render_markdown,
    slugify,
)
from casework.knowledge.models import (
    Article,
    ArticleCaseLink,
    ArticleFeedback,
    ArticleVersion,
    Category,
    SearchGap,
)

SEARCH_KIND = "article"
EDITABLE = ("title", "body", "status", "is_internal", "category", "tags")


def require_editor(user: Any) -> None:
    """Agents, leads and admins write articles; partner agents and customers read them."""
    if user is None or not is_staff_role(user.role) or user.role == Role.PARTNER_AGENT:
        raise PermissionDenied("only agents, leads and admins manage knowledge articles")


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("an article needs a title", field="title")
    if len(title) > 200:
        raise InvalidInput("a title has at most 200 characters", field="title")
    return title


def _clean_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of {', '.join(STATUSES)}", field="status")
    return status


def _unique_slug(title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)
    slug, n = base, 1
    others = Article.objects.exclude(pk=exclude_pk) if exclude_pk is not None else Article.objects.all()
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _index(article: Article) -> None:
    body = plain_text(article.body) + ("\n" + " ".join(article.tags) if article.tags else "")
    search.index_document(SEARCH_KIND, article.pk, article.title, body)


def _snapshot(article: Article, by: Any, changed: Iterable[str]) -> None:
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        status=article.status,
        is_internal=article.is_internal,
        changed_fields=list(changed),
        changed_by=by,
        changed_at=article.updated_at,
    )


@transaction.atomic
def create_category(name: str, *, description: str = "", position: int = 0, by: Any = None) -> Category:
    if by is not None:
        require_editor(by)
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("a category needs a name", field="name")
    if Category.objects.filter(name__iexact=name).exists():
        raise InvalidInput(f"a category named {name!r} already exists", field="name")
    slug, n = slugify(name), 1
    while Category.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{slugify(name)}-{n}"
    return Category.objects.create(name=name, slug=slug, description=description, position=position)


@transaction.atomic
def create_article(
    by: Any,
    *,
    title: str,
    body: str = "",
    status: str = ArticleStatus.DRAFT,
    is_internal: bool = False,
    category: Category | None = None,
    tags: Iterable[str] = (),
    source_case_id: int | None = None,
) -> Article:
    if by is not None:
        require_editor(by)
    title = _clean_title(title)
    now = clock.now()
    article = Article.objects.create(
        title=title,
        slug=_unique_slug(title),
        body=body or "",
        body_html=render_markdown(body or ""),
        status=_clean_status(status),
        is_internal=bool(is_internal),
        category=category,
        tags=normalise_tags(list(tags)),
        created_by=by,
        updated_by=by,
        source_case_id=source_case_id,
        created_at=now,
        updated_at=now,
        published_at=now if status == ArticleStatus.PUBLISHED else None,
    )
    _snapshot(article, by, ["created"])
    _index(article)
    return article


@transaction.atomic
def update_article(
    by: Any, article: Article, changes: dict[str, Any], *, expected_version: int | None = None
) -> Article:
    """Change an article; every save that changes something keeps a version naming who and what."""
    require_editor(by)
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise InvalidInput(f"{unknown[0]} cannot be changed here", field=unknown[0])
    current = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion(
            f"the article was changed by someone else "
            f"(version {current.version}, you had {expected_version})",
            field="version",
            current_version=current.version,
        )
    clean: dict[str, Any] = {}
    if "title" in changes:
        clean["title"] = _clean_title(changes["title"])
    if "body" in changes:
        clean["body"] = changes["body"] or ""
    if "status" in changes:
        clean["status"] = _clean_status(changes["status"])
    if "is_internal" in changes:
        clean["is_internal"] = bool(changes["is_internal"])
    if "category" in changes:
        clean["category"] = changes["category"]
    if "tags" in changes:
        clean["tags"] = normalise_tags(list(changes["tags"] or []))
    changed = [k for k, v in clean.items() if getattr(current, k) != v]
    if not changed:
        return current
    for k in changed:
        setattr(current, k, clean[k])
    if "body" in changed:
        current.body_html = render_markdown(current.body)
    if "status" in changed and current.status == ArticleStatus.PUBLISHED and current.published_at is None:
        current.published_at = clock.now()
    current.version += 1
    current.updated_at = clock.now()
    current.updated_by = by
    current.save()
    _snapshot(current, by, changed)
    _index(current)
    return current


def record_view(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def record_feedback(article: Article, *, is_helpful: bool, comment: str = "", user: Any = None) -> None:
    ArticleFeedback.objects.create(
        article=article,
        is_helpful=is_helpful,
        comment=(comment or "").strip()[:2000],
        user=user if user is not None and user.is_authenticated else None,
        created_at=clock.now(),
    )
    counter = "helpful_yes" if is_helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})


def log_search_gap(query: str, *, source: str = "kb") -> None:
    query = " ".join((query or "").split())[:200]
    if query:
        SearchGap.objects.create(query=query, source=source[:20], created_at=clock.now())


def article_url(article: Article) -> str:
    return f"{settings.BASE_URL}/kb/{article.slug}"


@transaction.atomic
def link_article_to_case(by: Any, case: Any, article: Article) -> bool:
    """Link an article to a case (recorded on the case's timeline); False if it already was."""
    require_editor(by)
    try:
        with transaction.atomic():
            ArticleCaseLink.objects.create(
                article=article, case_id=case.pk, linked_by=by, created_at=clock.now()
            )
    except IntegrityError:
        return False
    case_services.record_event(
        case,
        "article_linked",
        Actor.agent(by),
        data={"article": {"id": article.pk, "title": article.title, "url": article_url(article)}},
    )
    return True


@transaction.atomic
def send_article_in_reply(by: Any, case: Any, article: Article, *, intro: str = "") -> Any:
    """Link the article and send it to the customer as a public reply on the case."""
    if article.is_internal or article.status != ArticleStatus.PUBLISHED:
        raise InvalidInput("only a published, public article can be sent to a customer", field="article")
    link_article_to_case(by, case, article)
    intro = intro.strip() or "This article should help:"
    text = f"{intro}\n\n{article.title}\n{article_url(article)}"
    return case_services.post_reply(Actor.agent(by), case, text=text)
