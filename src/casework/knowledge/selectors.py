"""Reads of the knowledge base, scoped to the reader: visitors and customers
see published public articles, agents also internal ones, editors everything."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL

from casework.core import search
from casework.core.errors import NotFound
from casework.core.planner import planner_settings
from casework.iam.domain import Role, is_staff_role
from casework.knowledge.domain import ArticleStatus, key_terms, rank_by_hits
from casework.knowledge.models import Article, ArticleCaseLink, ArticleVersion, Category, SearchGap
from casework.knowledge.services import SEARCH_KIND


def is_staff_reader(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and is_staff_role(user.role)


def is_editor(user: Any) -> bool:
    return is_staff_reader(user) and user.role != Role.PARTNER_AGENT


def readable_articles(user: Any) -> QuerySet[Article]:
    """Published articles this reader may open (archived and drafts are never found here)."""
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    if not is_staff_reader(user):
        articles = articles.filter(is_internal=False)
    return articles.select_related("category")


def manageable_articles(user: Any) -> QuerySet[Article]:
    if not is_editor(user):
        return Article.objects.none()
    return Article.objects.select_related("category", "updated_by")


def _matching(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    """The articles whose text matches every word of the query (prefixes too).

    SQLite: the articles' FTS5 table (core.search). PostgreSQL: the article's own stored tsvector
    (migration 0002) tested on the article row itself, so the GIN index yields
    the rows and no vector is recomputed at query time.
    """
    words = search.terms(query)
    if not words:
        return articles.none()
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return articles.filter(
            RawSQL(
                "knowledge_article.search_vector @@ to_tsquery('english'::regconfig, %s)",
                (tsquery,),
                output_field=BooleanField(),
            )
        )
    return search.filter_matching(articles, SEARCH_KIND, query)


def _text_index_first() -> AbstractContextManager[None]:
    """On PostgreSQL, price random reads as on SSD storage (random_page_cost 1.1
    instead of the spinning-disk default 4) for the search: the planner then
    reads matches through the GIN index instead of scanning and detoasting
    every article's vector, 10-20x faster for common words (bench/RESULTS.md)."""
    return planner_settings(random_page_cost="1.1")


def search_articles(user: Any, query: str, *, limit: int = 20, category: str = "") -> list[Article]:
    articles = readable_articles(user)
    if category:
        articles = articles.filter(category__slug=category)
    if not query.strip():
        return list(articles.order_by("-view_count", "title")[:limit])
    with _text_index_first():
        return list(_matching(articles, query).order_by("-view_count", "title")[:limit])


def search_manageable(user: Any, query: str = "", *, status: str = "", limit: int = 50) -> list[Article]:
    articles = manageable_articles(user)
    if status:
        articles = articles.filter(status=status)
    if not query.strip():
        return list(articles.order_by("-updated_at", "-id")[:limit])
    with _text_index_first():
        return list(_matching(articles, query).order_by("-updated_at", "-id")[:limit])


def get_readable_article(user: Any, slug: str) -> Article:
    article = readable_articles(user).filter(slug=slug).first()
    if article is None:
        raise NotFound(f"no article {slug}", field="slug")
    return article


def get_readable_article_by_id(user: Any, article_id: int) -> Article:
    article = readable_articles(user).filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"no article {article_id}", field="article")
    return article


def get_manageable_article(user: Any, article_id: int) -> Article:
    article = manageable_articles(user).filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"no article {article_id}", field="article")
    return article


def suggest_for_text(user: Any, text: str, *, limit: int = 5) -> list[Article]:
    """Articles sharing the most telling words with a subject or a case: one
    search per key term, ranked by how many terms each article matched."""
    hits: dict[int, int] = {}
    readable = readable_articles(user)
    with _text_index_first():
        for term in key_terms(text):
            ids = _matching(readable, term).values_list("id", flat=True)[:50]
            for article_id in ids:
                hits[article_id] = hits.get(article_id, 0) + 1
    order = rank_by_hits(hits, limit)
    by_id = {a.pk: a for a in readable.filter(pk__in=order)}
    return [by_id[i] for i in order if i in by_id]


def categories(user: Any) -> list[Category]:
    visible = Q(articles__status=ArticleStatus.PUBLISHED)
    if not is_staff_reader(user):
        visible &= Q(articles__is_internal=False)
    return list(Category.objects.annotate(article_count=Count("articles", filter=visible)))


def get_category(slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise NotFound(f"no category {slug}", field="category")
    return category


def get_category_by_id(category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound(f"no category {category_id}", field="category")
    return category


def versions(article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("changed_by").order_by("-number")


def search_gaps(user: Any, *, limit: int = 50) -> list[dict[str, Any]]:
    """The searches that found nothing, most frequent first, for the KB owners."""
    if not is_editor(user):
        return []
    rows = SearchGap.objects.values("query").annotate(count=Count("id")).order_by("-count", "query")[:limit]
    return [{"query": r["query"], "count": r["count"]} for r in rows]


def articles_linked_to_case(case_id: int) -> list[Article]:
    ids = ArticleCaseLink.objects.filter(case_id=case_id).values("article_id")
    return list(Article.objects.filter(pk__in=ids).order_by("title"))
