"""Full-text search behind one selector: SQLite FTS5 or PostgreSQL tsvector + GIN.

Writers call `index_document` in the same transaction as their change, so the
index never lags the data. Readers get a subquery of matching object ids to
combine with their own (permission-scoped) queryset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from casework.core.models import SearchDocument
from casework.core.prepared import NewId, Writes

_WORD = re.compile(r"\w+", re.UNICODE)
# Kinds with a full-text table on SQLite (core migration 0003: one table per kind,
# keyed by the object's id).
SEARCH_KINDS = ("case", "article")
MAX_TERMS = 12


def terms(query: str) -> list[str]:
    """The words of a query, without any operator syntax a user could inject."""
    return _WORD.findall(query.lower())[:MAX_TERMS]


def index_document(
    kind: str, object_id: int | NewId, title: str, body: str, *, writes: Writes | None = None
) -> None:
    """Add or replace an object's document: one INSERT ... ON CONFLICT DO UPDATE
    (the FTS triggers see an insert or an update, as with two statements). Written
    out once, in the syntax both databases share: the ORM's bulk_create built it
    again for every new case. With `writes`, sent with the caller's other writes."""
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    sql = (
        f"INSERT INTO {table} (kind, object_id, title, body) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (kind, object_id) DO UPDATE SET title = excluded.title, body = excluded.body"
    )
    params: list[Any] = [kind, object_id, title or "", body or ""]
    if writes is not None:
        writes.statement(sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def append_to_document(kind: str, object_id: int, text: str) -> None:
    """Add text (a new message) to an object's document: one UPDATE that appends in
    the database, instead of reading the whole conversation back to write it again
    (`||` joins text on both databases)."""
    if not text:
        SearchDocument.objects.get_or_create(kind=kind, object_id=object_id)
        return
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    with connection.cursor() as cursor:  # written out once, as index_document's upsert
        cursor.execute(
            f"UPDATE {table} SET body = CASE WHEN body = '' THEN %s ELSE body || %s END "
            "WHERE kind = %s AND object_id = %s",
            [text, "\n" + text, kind, object_id],
        )
        appended = cursor.rowcount
    if not appended:
        index_document(kind, object_id, "", text)


def bulk_index(kind: str, rows: Iterable[tuple[int, str, str]]) -> None:
    SearchDocument.objects.bulk_create(
        [SearchDocument(kind=kind, object_id=i, title=t, body=b) for i, t, b in rows],
        batch_size=2000,
    )


def remove_document(kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


# A query matching at most this many documents is answered from the list of its
# matches; above it, the listing walks its own order and tests each candidate.
FEW_MATCHES = 500


def filter_matching(queryset: QuerySet, kind: str, query: str) -> QuerySet:
    """`queryset` narrowed to the objects of `kind` whose title or body match every
    word of `query` (prefixes too).

    Two shapes, chosen by asking the index for up to FEW_MATCHES + 1 matches first:
    a rare word's few matches are looked up by id; a common word's thousands are
    probed while the database walks the index of the requested order (the first
    screen of "recently updated" holds a page of them), instead of fetching and
    sorting them all. The planners cannot tell the two apart from their statistics.
    """
    words = terms(query)
    if not words:
        return queryset.none()
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        vector = "d.search_tsv @@ to_tsquery('english'::regconfig, %s)"
        matches = f"SELECT d.object_id FROM core_searchdocument d WHERE d.kind = %s AND {vector}"
        # kind || '': the few first matches through the text index, not by walking
        # the (kind, object_id) index until the LIMIT is reached.
        first = f"SELECT d.object_id FROM core_searchdocument d WHERE (d.kind || '') = %s AND {vector}"
        params: tuple[str, ...] = (kind, tsquery)
        walking = f'"{table}"."id" IN ({matches})'
    else:
        fts = _fts_table(kind)
        matches = first = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"
        params = (_fts_query(words),)
        # Unary +: SQLite would otherwise drive by primary key from every match.
        walking = f'+"{table}"."id" IN ({matches})'
    with connection.cursor() as cursor:
        cursor.execute(f"{first} LIMIT {FEW_MATCHES + 1}", params)
        found = [row[0] for row in cursor.fetchall()]
    if len(found) <= FEW_MATCHES:
        return queryset.filter(id__in=found)
    return queryset.filter(RawSQL(walking, params, output_field=BooleanField()))


def _fts_table(kind: str) -> str:
    if kind not in SEARCH_KINDS:
        raise ValueError(f"no full-text table for {kind!r}; a new kind needs a migration")
    return f"core_search_fts_{kind}"


def _fts_query(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)
