"""Article extraction (digest.extract.article): golden pages, decoding, refusals, and the worker
pool's hard time limit against hostile pages (RELIABILITY.md P11)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_summarize import make_entry

from digest.errors import ExtractError
from digest.extract.article import decode_html, extract_article, extract_articles, summarize
from digest.types import Article, SummaryMethod

PAGES = Path(__file__).parent / "golden" / "pages"
URL = "https://blog.lumen.example/posts/sparse-attention"
ARTICLE = (PAGES / "blog-article.html").read_bytes()
BOILERPLATE = (PAGES / "boilerplate.html").read_bytes()


def nested_divs(depth: int = 200_000) -> bytes:
    return (
        b"<html><body>" + b"<div>" * depth + b"<p>deep</p>" + b"</div>" * depth + b"</body></html>"
    )


def giant_table(rows: int = 150_000) -> bytes:
    """About 4.4 MB of table that keeps trafilatura busy for many seconds (trafilatura#704)."""
    return (
        b"<html><body><table>" + b"<tr><td>x</td><td>y</td></tr>" * rows + b"</table></body></html>"
    )


# --- one page -------------------------------------------------------------------


def test_golden_article_text_and_metadata() -> None:
    page = extract_article(ARTICLE, URL)
    assert page.title == "Sparse attention at long context: what we learned"
    assert page.author == "Priya Raman"
    assert page.date == "2026-11-20"
    assert page.site_name == "Lumen Labs Blog"
    assert page.image == "https://blog.lumen.example/img/sparse-attention.png"
    assert page.language == "en"
    assert "Adding a learned routing step" in page.text
    assert "The code, the benchmark and the checkpoints are available" in page.text
    for noise in (
        "Great write-up",  # comments
        "Leave a reply",
        "Accept all cookies",
        "Related posts",
        "Quantisation without tears",
        "Privacy policy",
        "Careers",
        "Share this",
        "window.analytics",
    ):
        assert noise not in page.text, noise


def test_golden_teaser_and_article_give_an_article_summary() -> None:
    teaser = make_entry(summary_html=(PAGES / "blog-teaser.html").read_text())
    summary = summarize(teaser, extract_article(ARTICLE, URL))
    assert summary.method == SummaryMethod.ARTICLE
    assert summary.text.startswith("Over the last six months")
    assert summary.text.endswith("alongside the weights.")


def test_boilerplate_page_keeps_the_feed_text() -> None:
    teaser = make_entry(summary_html=(PAGES / "blog-teaser.html").read_text())
    page = extract_article(BOILERPLATE, URL)  # trafilatura returns the paywall text
    summary = summarize(teaser, page)
    assert summary.method == SummaryMethod.FEED
    assert summary.note == "article: boilerplate"


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"%PDF-1.7\n...", "application/pdf", "not_html"),
        (b"%PDF-1.7\n...", "text/html", "not_html"),  # a PDF served as HTML
        (b"\x89PNG\r\n", "image/png", "not_html"),
        (
            b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
            "text/html",
            "extract_empty",
        ),
        (b"", "text/html; charset=utf-8", "extract_empty"),
        (b"<p>" + b"a" * 2_000 + b"</p>", "text/html", "too_large"),
    ],
    ids=["pdf", "pdf-as-html", "png", "nav-only", "empty", "too-large"],
)
def test_refusals_have_codes(body: bytes, content_type: str, code: str) -> None:
    with pytest.raises(ExtractError) as caught:
        extract_article(body, URL, content_type=content_type, max_bytes=1_000)
    assert caught.value.code == code


def test_default_size_cap_refuses_a_huge_page() -> None:
    huge = b"<html><body>" + b"<p>filler text</p>" * 300_000 + b"</body></html>"
    assert len(huge) > 5_000_000
    with pytest.raises(ExtractError) as caught:
        extract_article(huge, URL)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("Grüße".encode(), "text/html", "Grüße"),
        # the meta charset lies (readability's qq page): UTF-8 bytes win
        ('<meta charset="gb2312">新模型'.encode(), "text/html", "新模型"),
        (
            "<meta charset='windows-1250'>Sejm zagłosował".encode("cp1250"),
            "text/html",
            "zagłosował",
        ),
        ("Grüße “quoted”".encode("cp1252"), "text/html", "Grüße “quoted”"),  # undeclared
        ("café".encode("latin-1"), "text/html; charset=ISO-8859-1", "café"),
        ("\ufeffBOM".encode("utf-16"), "text/html", "BOM"),
    ],
    ids=["utf8", "lying-meta", "cp1250-meta", "cp1252-guess", "header-latin1", "utf16-bom"],
)
def test_decode_html(body: bytes, content_type: str, expected: str) -> None:
    assert expected in decode_html(body, content_type)


# --- the worker pool ----------------------------------------------------------------


def test_batch_keeps_order_and_reports_each_failure() -> None:
    pages = [
        (URL, ARTICLE, "text/html; charset=utf-8"),
        ("https://x.example/a.pdf", b"%PDF-1.4", "application/pdf"),
        ("https://x.example/empty", b"<html><body></body></html>", "text/html"),
        ("https://x.example/big", b"<p>" + b"x" * 6_000_000, "text/html"),
        (URL + "?again", ARTICLE, "text/html"),
    ]
    results = extract_articles(pages, workers=2, timeout=20)
    assert isinstance(results[0], Article) and results[0].url == URL
    assert isinstance(results[4], Article) and results[4].url == URL + "?again"
    codes = [r.code for r in results[1:4] if isinstance(r, ExtractError)]
    assert codes == ["not_html", "extract_empty", "too_large"]


def test_empty_batch() -> None:
    assert extract_articles([]) == []


@pytest.mark.slow
def test_hostile_pages_end_within_the_time_limit() -> None:
    """P11: a page that keeps trafilatura busy is killed at the limit, its worker is
    replaced, and the pages after it still complete (one worker forces the replacement)."""
    pages = [
        ("https://evil.example/table", giant_table(), "text/html"),
        ("https://evil.example/divs", nested_divs(), "text/html"),
        (URL, ARTICLE, "text/html"),
    ]
    started = time.monotonic()
    table, divs, good = extract_articles(pages, workers=1, timeout=1.5)
    elapsed = time.monotonic() - started
    assert isinstance(table, ExtractError) and table.code == "extract_timeout"
    # lxml caps nesting depth, so 200k divs end quickly; either outcome is bounded
    assert isinstance(divs, Article) or divs.code in {"extract_timeout", "extract_empty"}
    assert isinstance(good, Article)
    assert elapsed < 1.5 * 2 + 6  # two limits at most, plus worker start-up and the rest


def test_hostile_page_summary_keeps_feed_text_with_the_reason() -> None:
    teaser = make_entry(summary_html=(PAGES / "blog-teaser.html").read_text())
    [result] = extract_articles([(URL, b"%PDF-1.5 ...", "application/pdf")])
    assert isinstance(result, ExtractError)
    summary = summarize(teaser, None, note=f"article: {result.code}")
    assert summary.method == SummaryMethod.FEED
    assert summary.note == "article: not_html"
