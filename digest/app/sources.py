"""Managing sources: discover a feed from a page, add it to feeds.yaml keeping the
file's comments and order, and OPML 2.0 import/export.

Adding a feed costs one GET when the URL is the feed itself (two when a page has
to be read first); the feed's first fetch is stored right away, so the scheduler
does not fetch it again straight after. Later fetches are digest.app.refresh's; this
module never removes a source.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import html as lxml_html

from digest.app import refresh as refreshing
from digest.app.stream import parse_one
from digest.config import append_entries, load_config
from digest.errors import ConfigError, ErrorCode, FetchError, ParseError
from digest.fetch.guard import AddressGuard, Purpose
from digest.fetch.http import fetch_pages, make_guard
from digest.fetch.politeness import next_fetch_at
from digest.store import FeedHealth, Store
from digest.types import (
    Config,
    FeedState,
    Fetched,
    FetchSettings,
    ParsedFeed,
    Source,
    SourceKind,
)

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
)


@dataclass(frozen=True)
class Found:
    """A feed located and validated by `digest add`."""

    url: str
    fetched: Fetched
    parsed: ParsedFeed
    kind: SourceKind


def feed_links(page: str, base: str) -> list[str]:
    """Feed URLs a page advertises with <link rel="alternate" type="...">."""
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    links = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES and link.get("href"):
            links.append(urljoin(base, link.get("href", "")))
    return links


def guess_kind(url: str, parsed: ParsedFeed) -> SourceKind:
    host, path = urlsplit(url).hostname or "", urlsplit(url).path
    if host.endswith("arxiv.org"):
        return SourceKind.ARXIV
    if host in {"github.com", "gitlab.com"} and "releases" in path:
        return SourceKind.RELEASE
    if any(e.enclosures and e.enclosures[0].type.startswith("audio") for e in parsed.entries):
        return SourceKind.PODCAST
    return SourceKind.BLOG


def _get(url: str, config: Config, purpose: Purpose = Purpose.EDITOR) -> Fetched:
    guard = make_guard(config.fetch, purpose=purpose, feeds=[url])  # typed by the editor
    (result,) = fetch_pages([url], config.fetch, guard=guard)
    if isinstance(result, FetchError):
        raise result  # the fetch's own error: its code, message and url
    return result


def _parse(fetched: Fetched, max_entries: int) -> ParsedFeed | ParseError:
    """The body parsed under the refresh's time limit (P4 holds for `digest add`)."""
    job = (fetched.body, fetched.final_url, dict(fetched.headers), SourceKind.BLOG.value,
           max_entries)  # fmt: skip
    return parse_one(job, refreshing.PARSE_TIMEOUT)


def _found(fetched: Fetched, parsed: ParsedFeed) -> Found:
    return Found(fetched.final_url, fetched, parsed, guess_kind(fetched.final_url, parsed))


def discover(url: str, config: Config) -> Found:
    """The feed at ``url``, or the first feed the page at ``url`` links to."""
    first = _get(url, config)
    parsed = _parse(first, config.fetch.max_entries)
    if isinstance(parsed, ParsedFeed):
        return _found(first, parsed)
    if parsed.code in (ErrorCode.PARSE_TIMEOUT, ErrorCode.PARSER_CRASH):
        raise parsed  # a feed, but a hostile or broken one: not a page to search
    page = first.body.decode("utf-8", "replace")
    for candidate in feed_links(page, first.final_url)[:1]:
        fetched = _get(candidate, config, Purpose.CONTENT)  # the page chose it, not the editor
        parsed = _parse(fetched, config.fetch.max_entries)
        if isinstance(parsed, ParseError):
            raise parsed
        return _found(fetched, parsed)
    raise ParseError(
        f"{url} is not a feed and links to none", code=ErrorCode.NOT_A_FEED, url=url,
        hint="pass the feed's own URL (look for RSS or Atom on the site)",
    )  # fmt: skip


def append_sources(path: Path, sources: Sequence[dict[str, object]]) -> list[str]:
    """Append sources to feeds.yaml (comments and order kept, re-validated); returns
    the URLs added (already-present URLs are skipped)."""
    before = {s.url for s in load_config(path).sources}
    append_entries(path, "sources", sources, unique="url")
    return [url for url in dict.fromkeys(str(s["url"]) for s in sources) if url not in before]


def add_feed(
    config: Config, store: Store, url: str, *, now: datetime, kind: SourceKind | None = None,
    section: str | None = None, name: str | None = None,
) -> Source:  # fmt: skip
    """Discover, add to feeds.yaml, and store the first fetch (the only GET)."""
    found = discover(url, config)
    source = Source(
        url=found.url,
        name=name or found.parsed.title or found.url,
        kind=kind or found.kind,
        section=section,
    )
    entry: dict[str, object] = {"name": source.name, "url": source.url, "kind": source.kind.value,
             "section": section}  # fmt: skip
    if not append_sources(config.path, [entry]):
        raise ConfigError(f"{source.url} is already in {config.path}")
    store.sync_sources([*config.sources, source], now=now)
    when = next_fetch_at(found.fetched, FeedState(source.url), source, config.fetch, now=now)
    store.record_fetch(found.fetched, found.parsed, now=now, next_fetch_at=when)
    return source


@dataclass(frozen=True)
class Skipped:
    """An OPML outline that was not imported, and why."""

    label: str
    url: str
    why: str


@dataclass(frozen=True)
class OpmlImport:
    sources: tuple[dict[str, object], ...]
    skipped: tuple[Skipped, ...]


def read_opml(data: bytes, settings: FetchSettings | None = None) -> OpmlImport:
    """Sources from an OPML file, parsed with defusedxml (no entities, no DTDs), and
    every feed outline left out with the reason: not http(s) (``javascript:``,
    ``file:``), or an address the guard refuses (private, loopback, link-local such
    as 169.254.169.254, unless ``settings.allow_hosts`` allows it), checked without
    any network access."""
    try:
        root = SafeET.parse(io.BytesIO(data), forbid_dtd=True).getroot()
    except (SafeET.ParseError, DefusedXmlException) as e:
        raise ParseError("not a usable OPML file", code=ErrorCode.BAD_OPML,
                         hint="export it again from your feed reader") from e  # fmt: skip
    guard = make_guard(settings, purpose=Purpose.EDITOR) if settings else AddressGuard()
    sources: list[dict[str, object]] = []
    skipped: list[Skipped] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        name = outline.get("title") or outline.get("text") or url
        if not url:
            if len(outline) == 0:  # a folder holds outlines; an empty leaf is a mistake
                skipped.append(Skipped(name, "", "no xmlUrl"))
            continue
        why = _refused(url, guard)
        if why:
            skipped.append(Skipped(name, url, why))
            continue
        kind = outline.get("category", "").strip().lower()
        kind = kind if kind in {k.value for k in SourceKind} else "blog"
        sources.append({"name": name, "url": url, "kind": kind})
    return OpmlImport(tuple(sources), tuple(skipped))


def _refused(url: str, guard: AddressGuard) -> str | None:
    """Why the guard would refuse ``url``, judged from the URL alone (no DNS)."""
    try:
        guard.check_offline(url)
    except FetchError as e:
        return e.message
    return None


def feed_health(store: Store, config: Config, *, now: datetime) -> list[FeedHealth]:
    """`digest feeds` without writing: the stored health of feeds.yaml's sources, and
    a "never" row for each source no run has stored yet (the next run syncs them).
    The editor's added pages (``digest:...`` pseudo-feeds) are no feed: not listed."""
    stored = {h.url: h for h in store.feed_health(now=now)}
    configured = {s.url for s in config.sources}
    rows = [h for url, h in stored.items() if url in configured]
    rows += [_never_fetched(s) for s in config.sources if s.url not in stored]
    return sorted(rows, key=lambda h: h.name)


def _never_fetched(source: Source) -> FeedHealth:
    return FeedHealth(url=source.url, name=source.name, kind=source.kind.value, status="never",
                      enabled=True, last_success_at=None, last_error_code=None, last_error=None,
                      next_fetch_at=None, entries=0, entries_7d=0, error_count=0)  # fmt: skip


def export_opml(config: Config) -> bytes:
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = config.newsletter.title
    body = SubElement(root, "body")
    for s in config.sources:
        SubElement(body, "outline", type="rss", text=s.name, title=s.name, xmlUrl=s.url,
                   category=s.kind.value)  # fmt: skip
    data: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return data
