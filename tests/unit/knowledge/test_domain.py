"""Knowledge rules without a database: safe Markdown, visibility, key terms."""

from __future__ import annotations

from casework.knowledge.domain import excerpt, is_visible, key_terms, rank_by_hits, render_markdown, slugify


def test_raw_html_is_shown_as_text_not_run() -> None:
    html = render_markdown("<script>alert(1)</script>\n\n<b onclick='x()'>bold</b>")
    assert "<script" not in html and "<b " not in html  # no element made from raw HTML
    assert "&lt;script&gt;" in html  # shown as text


def test_javascript_and_data_links_are_dropped_but_https_kept() -> None:
    html = render_markdown(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,x) [d](https://ok.example)"
    )
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html
    assert html.count("<a ") == 1
    assert 'href="https://ok.example"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_markdown_formatting_survives() -> None:
    assert render_markdown("**bold** and `code`") == "<p><strong>bold</strong> and <code>code</code></p>\n"


def test_only_published_articles_are_visible_and_internal_ones_to_staff_only() -> None:
    assert is_visible(status="published", is_internal=False, reader_is_staff=False)
    assert not is_visible(status="published", is_internal=True, reader_is_staff=False)
    assert is_visible(status="published", is_internal=True, reader_is_staff=True)
    assert not is_visible(status="archived", is_internal=False, reader_is_staff=True)
    assert not is_visible(status="draft", is_internal=False, reader_is_staff=True)


def test_key_terms_drop_stop_words_and_prefer_long_words() -> None:
    assert key_terms("Hi, my printer is not printing labels since the update") == [
        "printing", "printer", "labels", "update",
    ]  # fmt: skip


def test_ranking_prefers_articles_matching_more_terms() -> None:
    assert rank_by_hits({3: 1, 1: 2, 2: 2}, 2) == [1, 2]


def test_slug_and_excerpt() -> None:
    assert slugify("Réinitialiser le mot de passe!") == "reinitialiser-le-mot-de-passe"
    assert excerpt("word " * 100, 20).endswith("…")
