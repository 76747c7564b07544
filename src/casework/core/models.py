"""The search index shared by every area, and the configuration stamp."""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    """Text of one searchable object. On SQLite an FTS5 table mirrors it
    (see search.py); on PostgreSQL a GIN index over its tsvector serves it."""

    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    title = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_doc_unique")]
        # The full-text indexes are vendor-specific and made by migration 0002.


class ConfigStamp(models.Model):
    """One row whose random stamp changes with every configuration write, so each
    process knows when to read its cached configuration again (config_cache.py)."""

    stamp = models.CharField(max_length=32, default="")
