"""Knowledge base rules without Django: article states, who sees what, Markdown
rendered safely, and which articles suit a text."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

import nh3
from markdown_it import MarkdownIt


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# Any move between the three states is allowed; an archived article is just hidden.
STATUSES = tuple(s.value for s in ArticleStatus)

# Schemes a link in an article may use; anything else (javascript:, data:, vbscript:) is dropped.
SAFE_URL_SCHEMES = {"http", "https", "mailto", "tel"}
_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "img", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
}

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
)


def render_markdown(source: str) -> str:
    """Article Markdown to HTML a browser may show: raw HTML is escaped by the
    parser (html disabled), then nh3 keeps only known tags, attributes and URL
    schemes, so neither `<script>` nor a `javascript:` link survives."""
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(source: str) -> str:
    """The words of an article without markup, for the search index and excerpts."""
    return nh3.clean(render_markdown(source), tags=set()).strip()


def excerpt(source: str, length: int = 180) -> str:
    text = " ".join(plain_text(source).split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].strip("-") or "article"


def normalise_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    return sorted({t.strip().lower() for t in tags if t and t.strip()})[:20]


def is_visible(*, status: str, is_internal: bool, reader_is_staff: bool) -> bool:
    """Customers and visitors see published public articles; agents also internal ones.
    Drafts and archived articles are for the article editors only."""
    if status != ArticleStatus.PUBLISHED:
        return False
    return reader_is_staff or not is_internal


_STOP_WORDS = (
    "a an and are as at be but by can do does for from has have how i if in into is it its my no not "
    "of on or our please the their there this to us was we what when where which while why will with "
    "you your me hi hello thanks thank help need cannot can't doesn't isn't since after before"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())


def key_terms(text: str, limit: int = 6) -> list[str]:
    """The most telling words of a case or a subject: no stop words, longest first."""
    words = [w for w in re.findall(r"\w+", (text or "").lower()) if len(w) > 2 and w not in STOP_WORDS]
    unique = list(dict.fromkeys(words))
    return sorted(unique, key=lambda w: (-len(w), unique.index(w)))[:limit]


def rank_by_hits(hits: dict[int, int], limit: int) -> list[int]:
    """Article ids matching the most terms first (ties: the lower id, the older article)."""
    return [i for i, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
