"""Back-office screens of the knowledge base (editing happens at /kb/manage/)."""

from __future__ import annotations

from django.contrib import admin

from casework.core.admin_forms import StorableJSONAdmin
from casework.knowledge.models import Article, Category, SearchGap


@admin.register(Category)
class CategoryAdmin(StorableJSONAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Article)
class ArticleAdmin(StorableJSONAdmin):
    list_display = ("title", "status", "is_internal", "category", "view_count", "updated_at")
    list_filter = ("status", "is_internal", "category")
    readonly_fields = ("title", "slug", "body", "body_html", "status", "version", "view_count")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # written at /kb/manage/ so that the history and search index follow


@admin.register(SearchGap)
class SearchGapAdmin(StorableJSONAdmin):
    list_display = ("query", "source", "created_at")
