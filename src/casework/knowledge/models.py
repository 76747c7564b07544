"""Persistence of the knowledge base: categories, articles with their version
history, feedback, searches that found nothing, and links to cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from casework.knowledge.domain import STATUSES, ArticleStatus


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    body = models.TextField(blank=True, default="")  # Markdown, as the author wrote it
    body_html = models.TextField(blank=True, default="")  # rendered and sanitised on save
    status = models.CharField(
        max_length=10, choices=[(s, s) for s in STATUSES], default=ArticleStatus.DRAFT, db_index=True
    )
    is_internal = models.BooleanField(default=False)  # agents only
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    tags = models.JSONField(default=list, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_case_id = models.BigIntegerField(null=True, blank=True)  # "created from this case"
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "is_internal", "-updated_at"], name="article_status")]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """The article as one save left it, with who saved it: the history is never rewritten."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10)
    is_internal = models.BooleanField(default=False)
    changed_fields = models.JSONField(default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_once")]


class ArticleFeedback(models.Model):
    """One "Was this helpful?" answer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    is_helpful = models.BooleanField()
    comment = models.TextField(blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)


class SearchGap(models.Model):
    """A search of the knowledge base that found nothing: what the KB owners should write next."""

    query = models.CharField(max_length=200)
    source = models.CharField(max_length=20, default="kb")  # kb, portal-submit, api
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class ArticleCaseLink(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="case_links")
    case_id = models.BigIntegerField(db_index=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "case_id"], name="article_case_once")]
