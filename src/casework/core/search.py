"""Full-text search behind one selector: SQLite FTS5 or PostgreSQL tsvector + GIN.

Writers call `index_document` in the same transaction as their change, so the
index never lags the data. Readers get a subquery of matching object ids to
combine with their own (permission-scoped) queryset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Case, F, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from casework.core.models import SearchDocument

_WORD = re.compile(r"\w+", re.UNICODE)
# Kinds with a full-text table on SQLite (core migration 0003: one table per kind,
# keyed by the object's id).
SEARCH_KINDS = ("case", "article")
MAX_TERMS = 12


def terms(query: str) -> list[str]:
    """The words of a query, without any operator syntax a user could inject."""
    return _WORD.findall(query.lower())[:MAX_TERMS]


def index_document(kind: str, object_id: int, title: str, body: str) -> None:
    """Add or replace an object's document: one INSERT ... ON CONFLICT DO UPDATE
    (the FTS triggers see an insert or an update, as with two statements)."""
    SearchDocument.objects.bulk_create(
        [SearchDocument(kind=kind, object_id=object_id, title=title or "", body=body or "")],
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=["title", "body"],
    )


def append_to_document(kind: str, object_id: int, text: str) -> None:
    """Add text (a new message) to an object's document: one UPDATE that appends in
    the database, instead of reading the whole conversation back to write it again."""
    if not text:
        SearchDocument.objects.get_or_create(kind=kind, object_id=object_id)
        return
    appended = Concat(F("body"), Value("\n"), Value(text), output_field=TextField())
    body = Case(When(body="", then=Value(text)), default=appended, output_field=TextField())
    if not SearchDocument.objects.filter(kind=kind, object_id=object_id).update(body=body):
        index_document(kind, object_id, "", text)


def bulk_index(kind: str, rows: Iterable[tuple[int, str, str]]) -> None:
    SearchDocument.objects.bulk_create(
        [SearchDocument(kind=kind, object_id=i, title=t, body=b) for i, t, b in rows],
        batch_size=2000,
    )


def remove_document(kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


def matching_ids(kind: str, query: str) -> QuerySet | RawSQL:
    """Object ids of `kind` whose title or body match every word of `query` (prefixes too)."""
    words = terms(query)
    if not words:
        return SearchDocument.objects.none().values("object_id")
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector  # loads psycopg: PG only

        tsquery = " & ".join(f"{w}:*" for w in words)
        return (
            SearchDocument.objects.filter(kind=kind)
            .annotate(v=SearchVector("title", "body", config="english"))
            .filter(v=SearchQuery(tsquery, config="english", search_type="raw"))
            .values("object_id")
        )
    table = _fts_table(kind)
    return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", (_fts_query(words),))


def filter_matching(queryset: QuerySet, kind: str, query: str) -> QuerySet:
    """`queryset` narrowed to the objects of `kind` that match `query`."""
    words = terms(query)
    if not words:
        return queryset.none()
    if connection.vendor != "sqlite":
        return queryset.filter(id__in=matching_ids(kind, query))
    table = _fts_table(kind)
    # Unary + keeps SQLite from driving the query by primary key from every match
    # (11,000 lookups and a sort for a common word): it walks the index of the
    # requested order instead and stops at the page's end, probing the matches.
    return queryset.filter(
        RawSQL(
            f'+"{queryset.model._meta.db_table}"."id" IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)',
            (_fts_query(words),),
            output_field=BooleanField(),
        )
    )


def _fts_table(kind: str) -> str:
    if kind not in SEARCH_KINDS:
        raise ValueError(f"no full-text table for {kind!r}; a new kind needs a migration")
    return f"core_search_fts_{kind}"


def _fts_query(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)
