"""Article pages -> :class:`Article`, with trafilatura kept inside this file.

``extract_article`` runs trafilatura on bytes we fetched ourselves (never its downloader)
and turns its ``None`` into a typed :class:`ExtractError`. ``extract_articles`` runs a
batch in worker processes with a hard per-page time limit: a page that makes lxml or
trafilatura spin (RELIABILITY.md P11) has its worker killed and replaced, and ends as
``extract_timeout`` while the other pages still complete. Teaser detection and the
one-paragraph summaries live in :mod:`digest.extract.summarize` and are re-exported here.

The pool is :mod:`digest.workers` (shared with feed parsing): fresh interpreters, so
workers never fork the caller's threads, and each has an address-space cap.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Sequence
from typing import Any

import trafilatura
from trafilatura.utils import load_html

from digest.errors import ErrorCode, ExtractError
from digest.extract.summarize import choose_text, is_teaser, needs_article, summarize
from digest.types import Article
from digest.workers import Failed, run_all

__all__ = [
    "choose_text",
    "decode_html",
    "extract_article",
    "extract_articles",
    "is_teaser",
    "needs_article",
    "summarize",
]

log = logging.getLogger("digest.extract.article")

MAX_BYTES = 5_000_000
MIN_CHARS = 25  # below this trafilatura found a caption or a cookie line, not an article
WORKER_MEMORY_BYTES = 2 * 1024**3  # address-space cap per worker (a giant table must not OOM us)
HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml", "application/xml", "text/xml"})

# Chosen with bench/extract.py --explore over ../shared/corpus/pages: trafilatura's balanced
# mode with its fallback extractors on (fast=False) beat favor_precision (token F1 .972 vs .944,
# snippet F1 .957 vs .926) and fast=True (snippet F1 .944); comments are never article text and
# skipping them is also faster. Metadata comes from <meta> tags (see _metadata), not from
# with_metadata=True, which cost ~50% more time per page for fields the feed mostly has.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# WHATWG: these labels mean windows-1252 in HTML.
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "ascii", "us-ascii"})


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _header_charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    if label.lower() in _LATIN1_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str = "text/html") -> str:
    """Decode an HTML page: BOM, then strict UTF-8 (declarations often lie, UTF-8 rarely
    decodes by accident), then the HTTP and ``<meta>`` charsets, then windows-1252."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body.decode(bom_codec, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(body[:8192])
    labels = (_header_charset(content_type), meta.group(1).decode("ascii") if meta else None)
    for label in labels:
        codec = _codec(label)
        if codec and codec not in {"utf-8", "utf-16", "utf-32"}:
            return body.decode(codec, "replace")
    return body.decode("cp1252", "replace")


def check_page(body: bytes, content_type: str, max_bytes: int = MAX_BYTES) -> None:
    """Refuse what is not worth a worker: wrong type, PDFs, oversize bodies."""
    mime = _mime(content_type)
    if mime not in HTML_TYPES or body.lstrip()[:5] == b"%PDF-":
        raise ExtractError(f"not an HTML page ({mime or 'unknown type'})", code=ErrorCode.NOT_HTML)
    if len(body) > max_bytes:
        raise ExtractError(
            f"page is {len(body)} bytes, over the {max_bytes}-byte limit", code=ErrorCode.TOO_LARGE
        )


_TITLE_KEYS = ("og:title", "twitter:title", "dc.title")
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "dc.creator", "sailthru.author")
_DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date",
    "dc.date.issued", "pubdate", "publishdate", "parsely-pub-date", "sailthru.date",
)  # fmt: skip
_IMAGE_KEYS = ("og:image", "og:image:url", "twitter:image", "twitter:image:src")
_SITE_KEYS = ("og:site_name", "application-name")
_LANG_KEYS = ("og:locale", "content-language", "dc.language", "language")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _meta_tags(tree: Any) -> dict[str, str]:
    """``<meta>`` name/property -> content, first one wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        key = (key or element.get("http-equiv") or "").strip().lower()
        value = " ".join((element.get("content") or "").split())
        if key and value:
            found.setdefault(key, value)
    return found


def _first(meta: dict[str, str], keys: Sequence[str]) -> str | None:
    return next((meta[k] for k in keys if meta.get(k)), None)


def _element_text(tree: Any, path: str) -> str | None:
    found = tree.find(path)
    text = " ".join(found.text_content().split()) if found is not None else ""
    return text or None


def _page_date(tree: Any, meta: dict[str, str]) -> str | None:
    time_element = tree.find(".//time[@datetime]")
    stamp = _first(meta, _DATE_KEYS) or (
        time_element.get("datetime") if time_element is not None else None
    )
    match = _DATE.search(stamp or "")
    return match.group() if match else None


def _language(tree: Any, meta: dict[str, str]) -> str | None:
    value = tree.get("lang") or tree.get("xml:lang") or _first(meta, _LANG_KEYS) or ""
    match = re.match(r"[A-Za-z]{2,3}\b", value.strip().replace("_", "-"))
    return match.group().lower() if match else None


def _metadata(tree: Any, url: str, text: str) -> Article:
    """Page metadata from ``<meta>`` tags: trafilatura's own metadata pass (author and
    category heuristics, htmldate) costs about half of the extraction time, and the
    feed already gives us the entry's title, author and date."""
    meta = _meta_tags(tree)
    author = _first(meta, _AUTHOR_KEYS)
    return Article(
        url=url,
        text=text,
        title=_first(meta, _TITLE_KEYS) or _element_text(tree, ".//title"),
        author=None if author and "://" in author else author,
        date=_page_date(tree, meta),
        image=_first(meta, _IMAGE_KEYS),
        site_name=_first(meta, _SITE_KEYS),
        language=_language(tree, meta),
    )


def extract_article(
    body: bytes, url: str, *, content_type: str = "text/html", max_bytes: int = MAX_BYTES
) -> Article:
    """Main text and metadata of one article page, or :class:`ExtractError`."""
    check_page(body, content_type, max_bytes)
    try:
        tree = load_html(decode_html(body, content_type))
        doc: Any = (
            None
            if tree is None
            else trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS)
        )
    except (ValueError, TypeError, RecursionError) as e:  # lxml/trafilatura edge cases
        raise ExtractError("trafilatura failed on the page", code=ErrorCode.EXTRACT_FAILED) from e
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text) < MIN_CHARS:
        raise ExtractError("no article text found on the page", code=ErrorCode.EXTRACT_EMPTY)
    return _metadata(tree, url, text)


# --- the worker pool (digest.workers) -----------------------------------------

Job = tuple[str, bytes, str, int]  # url, body, content type, max bytes
Reply = Article | ExtractError  # the error itself: it pickles (see DigestError)


def _extract_job(job: Job) -> Reply:
    """Runs in a worker: the reply pickles, an ExtractError included."""
    url, body, content_type, max_bytes = job
    try:
        return extract_article(body, url, content_type=content_type, max_bytes=max_bytes)
    except ExtractError as e:
        e.url = e.url or url
        return e.detached()


def _to_result(reply: Reply | Failed, timeout: float) -> Article | ExtractError:
    if not isinstance(reply, Failed):
        return reply
    if reply.kind == "timeout":
        return ExtractError(f"extraction took over {timeout:g}s", code=ErrorCode.EXTRACT_TIMEOUT)
    return ExtractError(f"extraction failed: {reply.message}", code=ErrorCode.EXTRACT_FAILED)


def extract_articles(
    pages: Sequence[tuple[str, bytes, str]],
    *,
    workers: int = 2,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
) -> list[Article | ExtractError]:
    """Extract ``(url, body, content_type)`` pages in worker processes, in order.

    Each page gets ``timeout`` seconds of wall time; a page over it ends as
    ``ExtractError(code="extract_timeout")`` and its worker is replaced. Pages refused by
    :func:`check_page` never reach a worker."""
    results: dict[int, Article | ExtractError] = {}
    jobs: dict[int, Job] = {}
    for index, (url, body, content_type) in enumerate(pages):
        try:
            check_page(body, content_type, max_bytes)
        except ExtractError as e:
            results[index] = e
        else:
            jobs[index] = (url, body, content_type, max_bytes)
    if jobs:
        replies = run_all(_extract_job, list(jobs.values()), workers=workers, timeout=timeout,
                          memory_bytes=WORKER_MEMORY_BYTES, name="digest-extract")  # fmt: skip
        results.update((i, _to_result(r, timeout)) for i, r in zip(jobs, replies, strict=True))
    return [results[i] for i in range(len(pages))]
