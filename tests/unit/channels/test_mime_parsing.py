"""Reading MIME without a database: bodies, charsets, sanitising."""

from __future__ import annotations

import pytest

from casework.channels import mime


def test_html_is_sanitised_remote_images_dropped_cid_images_kept() -> None:
    html = mime.sanitise_html(
        '<p onclick="x()">Hi<script>alert(1)</script></p><img src="http://t.example/p.gif">'
        '<img src="cid:logo@x"><a href="javascript:alert(1)">j</a><a href="https://ok.example">ok</a>'
        "<style>p{}</style><form><input></form>"
    )
    assert "script" not in html and "onclick" not in html and "t.example" not in html
    assert 'src="cid:logo@x"' in html and "javascript" not in html and "<form" not in html
    assert 'href="https://ok.example"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_text_version_of_html() -> None:
    assert mime.html_to_text("<p>A &amp; B</p><p>C<br>D</p>") == "A & B\nC\nD"


def test_empty_or_headerless_input_is_unreadable() -> None:
    with pytest.raises(mime.UnreadableMessage):
        mime.parse(b"")
    with pytest.raises(mime.UnreadableMessage):
        mime.parse(b"just words")


def test_display_name_is_encoded_without_line_breaks() -> None:
    value = mime.format_address("Zoë\r\nBcc: x@y", "support@casework.example")
    assert "\n" not in value and value.endswith("<support@casework.example>")
