"""feedparser on the fetched bytes, then one normalised, sanitised EntryData per entry.

feedparser only ever sees ``io.BytesIO(body)``: never a URL, a path or a ``str`` (it
would fetch or open those). Its own sanitiser is off (``sanitize_html=False``): every
HTML fragment is sanitised exactly once by :func:`digest.sanitize.clean_html`, and
every URL goes through :func:`digest.sanitize.safe_url`.
"""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import feedparser

from digest.errors import ErrorCode, ParseError, WarningCode
from digest.identity import arxiv_id, canonical_url, content_hash, fallback_id, make_keys
from digest.parse.cap import Newest
from digest.parse.extras import (
    arxiv_extra,
    derived_title,
    episode_link,
    original_link,
    parse_duration,
    podcast_extra,
    podcast_tags,
    release_extra,
    release_link,
)
from digest.parse.fast import read_fast
from digest.parse.jsonfeed import read_json_feed
from digest.sanitize import clean_html, decode_entities, html_to_text, safe_url, strip_control
from digest.types import Enclosure, EntryData, ParsedFeed, ParseWarning, SourceKind

__all__ = ["NeedsFeedparser", "parse_feed"]

_MAX_GUID = 512
_MAX_LINKS = 50
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_HTML_SNIFF_RE = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
_XML_SNIFF_RE = re.compile(rb"^\s*<(?:\?xml|rss|feed|rdf:rdf|channel)\b", re.I)
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.I)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_UTF8_NAMES = frozenset({"utf-8", "utf8", "ascii", "us-ascii"})
_HREF_RE = re.compile(r' href="([^"]+)"')  # nh3 writes one space before each attribute
_SPACE_RE = re.compile(r"\s+")
_DECLARED_RE = re.compile(rb"<!ENTITY\s+([A-Za-z_][\w.-]*)")  # general entities, not %


class NeedsFeedparser(Exception):
    """Raised by ``parse_feed(..., use_feedparser=False)``: the fast path cannot read this
    body, and feedparser, whose regexes can spin on hostile input (RELIABILITY P4),
    should read it where it can be killed."""


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    kind: SourceKind = SourceKind.BLOG,
    fast: bool = True,
    max_entries: int | None = None,
    use_feedparser: bool = True,
) -> ParsedFeed:
    """Parse one fetched feed body. Raises :class:`ParseError` with code ``empty``,
    ``not_a_feed`` or ``parse_error``; a readable but malformed feed parses with
    ``warnings``. With ``fast``, plain RSS 2.0 and Atom 1.0 are read by lxml
    (:mod:`digest.parse.fast`, same result); anything else, and ``fast=False``, by
    feedparser. With ``max_entries``, only the newest entries are kept (the rest are
    counted in an ``entries_capped`` warning). Without ``use_feedparser``, a body the fast
    path and the JSON Feed reader cannot read raises :class:`NeedsFeedparser`."""
    if not body.strip():
        raise ParseError(f"{url}: the response body is empty", code=ErrorCode.EMPTY)
    warnings: list[ParseWarning] = []
    pod: Mapping[str, dict[str, str]] = {}
    feed: Mapping[str, Any]
    items: list[Any]
    keep: Newest
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        feed, items = read_json_feed(body, url)
        keep = Newest(max_entries)
        keep.extend(items)
        del items
    else:
        feed, keep, tree = _read_xml(
            body, url, headers or {}, warnings, fast, max_entries, use_feedparser
        )
        if b"podcastindex" in body or b"xmlns:podcast" in body:
            pod = podcast_tags(body, tree)
        del tree  # the document's tree is freed before the entries are built, as before
    if capped := keep.warning():
        warnings.append(capped)
    declared = _dtd_entities(body)
    entries = [
        _entry(e, url, kind, pod, n, declared) if isinstance(e, Mapping) else e
        for n, e in keep.kept()
    ]
    if authors := _authors(feed.get("authors") or [], kind, declared):  # Atom: entries inherit
        entries = [_with_authors(e, authors) for e in entries]
    return ParsedFeed(
        url=url,
        title=_text(feed.get("title", ""), feed.get("title_detail"), declared),
        link=safe_url(feed.get("link"), url),
        entries=_fold(entries, warnings),
        warnings=tuple(warnings),
        ttl_minutes=_int(feed.get("ttl")),
        new_feed_url=safe_url(feed.get("itunes_new-feed-url"), url),
    )


def _dtd_entities(body: bytes) -> frozenset[str]:
    """Entities the document's DTD declares: never expanded (billion laughs), so a
    reference to one left in a text value is not text and is dropped."""
    if b"<!ENTITY" not in body:
        return frozenset()
    return frozenset(m.decode("ascii", "replace") for m in _DECLARED_RE.findall(body))


def _read_xml(
    body: bytes,
    url: str,
    headers: Mapping[str, str],
    warnings: list[ParseWarning],
    fast: bool,
    limit: int | None,
    fallback: bool = True,
) -> tuple[Mapping[str, Any], Newest, Any]:
    """The feed's values, its ``limit`` newest raw entries and, when the fast path
    read it, its lxml tree (else None)."""
    if body[:1].isspace():  # whitespace before <?xml makes the strict parser give up
        body = body.lstrip()
    if fast:
        keep = Newest(limit)  # the fast path may give up halfway: then this one is dropped
        if (found := read_fast(body, headers, keep.add)) is not None:
            return found[0], keep, found[2]
    if not fallback:
        raise NeedsFeedparser(url)
    lowered = {k.lower(): v for k, v in headers.items()}
    body = _repair_utf8(body, warnings)
    lowered = _settle_charset(body, lowered, warnings)
    # No content-location on purpose: feedparser would resolve guids against it, and a
    # guid must not change when the feed moves. Relative links are resolved by us.
    try:
        raw = feedparser.parse(
            io.BytesIO(body),
            response_headers=lowered,
            # Both off: clean_html sanitises and resolves (with the same xml:base) in
            # one pass; feedparser's two sgmllib passes were 2/3 of its time.
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as e:  # feedparser's loose parser has many internal failure modes
        raise ParseError(f"{url}: feedparser failed", code=ErrorCode.PARSE_ERROR) from e
    _check_is_feed(raw, body, url)
    exc = raw.get("bozo_exception")
    if raw.get("bozo") and not isinstance(exc, feedparser.NonXMLContentType):
        warnings.append(_bozo_warning(exc, raw.get("encoding")))
    keep = Newest(limit)
    keep.extend(raw.get("entries", []))
    return raw.get("feed", {}), keep, None


def _bozo_warning(exc: Any, encoding: Any) -> ParseWarning:
    """feedparser's "bozo" exception as a coded warning: a charset it overrode, or XML
    it read past an error (a truncated feed, a stray ``&``...)."""
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown):
        return ParseWarning(WarningCode.CHARSET_OVERRIDE, f"read as {encoding or 'unknown'}: {exc}")
    return ParseWarning(
        WarningCode.NOT_WELL_FORMED, f"feed is not well-formed: {type(exc).__name__}: {exc}"
    )


def _repair_utf8(body: bytes, warnings: list[ParseWarning]) -> bytes:
    """UTF-8 text with a few stray bytes stays UTF-8 (the strays become U+FFFD): read
    as a legacy charset instead, every other non-ASCII letter would turn to mojibake
    ("SÃ£o Paulo"). A real legacy text has no (or few) valid multi-byte sequences."""
    if body.isascii() or body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return body
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad  # valid non-ASCII letters
    if good < bad or bad > max(3, good // 10):
        return body
    warnings.append(
        ParseWarning(
            WarningCode.RECOVERED_WITH_LOSSES, f"{bad} stray byte(s) not UTF-8, replaced by U+FFFD"
        )
    )
    return text.encode("utf-8")


def _with_authors(entry: EntryData | str, authors: tuple[str, ...]) -> EntryData | str:
    return (
        replace(entry, authors=authors)
        if isinstance(entry, EntryData) and not entry.authors
        else entry
    )


def _settle_charset(
    body: bytes, headers: dict[str, str], warnings: list[ParseWarning]
) -> dict[str, str]:
    """Bytes that decode as UTF-8 (with non-ASCII or under a UTF-16/32 label) are UTF-8,
    whatever the header or the XML declaration claim: a legacy-encoded text almost
    never happens to be valid UTF-8, and trusting the label would store mojibake."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        return headers
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return headers
    ctype = headers.get("content-type", "")
    header = _CHARSET_RE.search(ctype)
    decl = _XML_DECL_RE.match(body)
    claims = [header.group(1)] if header else []
    claims += [decl.group(1).decode("ascii")] if decl else []
    wrong = [c for c in claims if c.lower().replace("_", "-") not in _UTF8_NAMES]
    if not wrong or (body.isascii() and not any(c.lower().startswith("utf-") for c in wrong)):
        return headers
    message = f"declared {', '.join(wrong)} but the bytes are UTF-8; read as UTF-8"
    warnings.append(ParseWarning(WarningCode.CHARSET_OVERRIDE, message))
    media = ctype.split(";", 1)[0].strip() or "application/xml"
    if media.startswith("text/"):
        media = "application/xml"  # RFC 3023 text/* would ignore the XML declaration
    return {**headers, "content-type": f"{media}; charset=utf-8"}


def _check_is_feed(raw: Any, body: bytes, url: str) -> None:
    if raw.get("version") or raw.get("entries"):
        return
    head = body[:4096]
    if _HTML_SNIFF_RE.search(head):
        raise ParseError(f"{url}: got an HTML page, not a feed", code=ErrorCode.NOT_A_FEED)
    if _XML_SNIFF_RE.match(head.lstrip(b"\xef\xbb\xbf")):
        exc = raw.get("bozo_exception")
        raise ParseError(
            f"{url}: unreadable feed: {type(exc).__name__}: {exc}", code=ErrorCode.PARSE_ERROR
        )
    raise ParseError(f"{url}: no feed found in the response", code=ErrorCode.NOT_A_FEED)


def _fold(
    entries: Iterable[EntryData | str], warnings: list[ParseWarning]
) -> tuple[EntryData, ...]:
    """Drop unidentifiable entries (their warning is the str) and repeated guids."""
    seen: dict[str, EntryData] = {}
    duplicates = 0
    for entry in entries:
        if isinstance(entry, str):
            warnings.append(ParseWarning(WarningCode.SKIPPED_ENTRIES, entry))
        elif entry.guid in seen:
            duplicates += 1
        else:
            seen[entry.guid] = entry
    if duplicates:
        message = f"{duplicates} entries repeat an earlier id and were skipped"
        warnings.append(ParseWarning(WarningCode.DUPLICATE_IDS, message))
    return tuple(seen.values())


def _entry(
    e: Mapping[str, Any],
    url: str,
    kind: SourceKind,
    pod: Mapping[str, dict[str, str]],
    position: int,
    declared: frozenset[str] = frozenset(),
) -> EntryData | str:
    """One feedparser-shaped entry -> EntryData, or a warning when it has no identity."""
    raw_link = e.get("link")
    # feedparser copies a permalink guid into a missing link: only trust it if absolute.
    link = safe_url(raw_link, None if raw_link == e.get("id") else url)
    # A proxy's original link (feedburner:origLink...) is the article, not a tracker.
    link = safe_url(original_link(e), link or url) or link
    base = link or url
    title = _text(e.get("title", ""), e.get("title_detail"), declared)
    published = _date(e.get("published_parsed") or e.get("created_parsed"))
    # Not e.get(): FeedParserDict answers "updated" with "published" when it is missing.
    updated = _date(dict.get(e, "updated_parsed") if isinstance(e, dict) else None)
    guid = _guid(e.get("id"), link, title, published or updated)
    if guid is None:
        return f"skipped entry {position}: it has no id, link or title"
    summary, content = _bodies(e, base)
    ident = arxiv_id(link or "")
    if kind is SourceKind.ARXIV:
        ident = ident or arxiv_id(str(e.get("id", "")))
    categories = _unique(
        strip_control(str(t.get("term") or "")).strip() for t in e.get("tags") or []
    )
    extra: dict[str, str] = {}
    if kind is SourceKind.ARXIV or (ident and "arxiv_announce_type" in e):
        summary = arxiv_extra(e, summary, categories, extra)
        guid = f"arxiv:{ident}" if ident else guid  # v1, v2... of a paper are one entry
    podcast_extra(e, pod.get(str(e.get("id") or raw_link or title), {}), base, extra)
    release_extra(link, str(e.get("id") or ""), url, extra)
    enclosures = _enclosures(e.get("enclosures") or [], base)
    # After the guid: a page the feed did not give changes where it links, not who it is.
    link = release_link(link, extra) or link or episode_link(enclosures)
    if not title and (title := derived_title(summary or content)):
        extra["title_derived"] = "true"  # the editor sees it was not the feed's
    # The store's keys are taken here, in the parse worker, not in the storing process.
    keys = make_keys(link, guid, title, summary, content)
    # An Atom entry with content only has that content as its summary too: scan it once.
    bodies = content if content == summary else content + summary
    return EntryData(
        guid=guid, link=link, title=title,
        authors=_authors(e.get("authors") or [], kind, declared),
        published=published or updated, updated=updated,
        summary_html=summary, content_html=content, categories=categories,
        enclosures=enclosures, image=_image(e, enclosures, base), arxiv_id=ident,
        duration_seconds=parse_duration(e.get("itunes_duration")),
        links=_outbound(bodies, keys.canonical if link else None), extra=extra,
        keys=keys,
    )  # fmt: skip


def _bodies(e: Mapping[str, Any], base: str) -> tuple[str, str]:
    """(summary, content) sanitised; of several contents the first HTML one wins."""
    summary = _fragment(e.get("summary", ""), e.get("summary_detail"), base)
    contents = e.get("content") or []
    html_first = [c for c in contents if c.get("type") in _HTML_TYPES] + list(contents)
    best = html_first[0] if html_first else {}
    value = best.get("value", "")
    if value and value == e.get("summary") and e.get("summary_detail") is None:
        # feedparser copied the content into the missing summary: sanitise it once
        # (the summary was sanitised as HTML under the entry's base).
        if best.get("type") in _HTML_TYPES and not best.get("base"):
            return summary, summary
    return summary, _fragment(value, best, base)


def _guid(raw_id: Any, link: str | None, title: str, when: datetime | None) -> str | None:
    guid = _SPACE_RE.sub(" ", strip_control(str(raw_id or ""))).strip()
    if guid:
        return guid if len(guid) <= _MAX_GUID else "sha256:" + content_hash(guid)
    if link:
        return fallback_id(link)
    if title:
        return "sha256:" + content_hash(title, when.isoformat() if when else "")
    return None


def _text(
    value: Any, detail: Mapping[str, Any] | None, declared: frozenset[str] = frozenset()
) -> str:
    """Plain text of a title: HTML is read as HTML; in plain text, references left
    after XML parsing are decoded once (sanitize.decode_entities)."""
    text = strip_control(str(value or ""))
    if (detail or {}).get("type") in _HTML_TYPES:
        return html_to_text(text)
    decoded = decode_entities(text, declared)  # the same str when there is no "&"
    if decoded is not text:  # a decoded reference may be a control character
        decoded = strip_control(decoded)
    return _SPACE_RE.sub(" ", decoded).strip()


def _fragment(value: Any, detail: Mapping[str, Any] | None, base: str) -> str:
    """Sanitised HTML; plain text is escaped into paragraphs. Relative links resolve
    against the fragment's xml:base (feedparser records it in the detail) or ``base``."""
    text = str(value or "")
    if not text.strip():
        return ""
    detail = detail or {}
    if detail.get("type", "text/html") not in _HTML_TYPES:
        paragraphs = (p for p in re.split(r"\n\s*\n", text) if p.strip())
        return "".join(f"<p>{html.escape(_SPACE_RE.sub(' ', p).strip())}</p>" for p in paragraphs)
    base = safe_url(detail.get("base"), base) or base
    return clean_html(text, base, controls=detail.get("controls", True))


def _date(parsed: Any) -> datetime | None:
    """feedparser's struct_time is already UTC; impossible dates give None."""
    if not isinstance(parsed, time.struct_time | tuple) or len(parsed) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _authors(
    raw: Sequence[Mapping[str, Any]], kind: SourceKind, declared: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    names: list[str] = []
    for author in raw:
        name = str(author.get("name") or author.get("email") or "")
        name = strip_control(decode_entities(name, declared))
        if kind is SourceKind.ARXIV:  # rss.arxiv.org puts all authors in one dc:creator
            names.extend(name.split(","))
        else:
            names.append(name)
    return _unique(_SPACE_RE.sub(" ", n).strip() for n in names)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence order."""
    return tuple(dict.fromkeys(v for v in values if v))


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _enclosures(raw: Iterable[Mapping[str, Any]], base: str) -> tuple[Enclosure, ...]:
    found: dict[str, Enclosure] = {}
    for enc in raw:
        href = safe_url(enc.get("href") or enc.get("url"), base)
        if href and href not in found:
            kind = strip_control(str(enc.get("type") or "")).strip()[:100]
            found[href] = Enclosure(url=href, type=kind, length=_int(enc.get("length")))
    return tuple(found.values())


def _image(e: Mapping[str, Any], enclosures: Sequence[Enclosure], base: str) -> str | None:
    candidates = [(e.get("image") or {}).get("href")]
    candidates += [t.get("url") for t in e.get("media_thumbnail") or []]
    candidates += [m.get("url") for m in e.get("media_content") or [] if m.get("medium") == "image"
                   or str(m.get("type", "")).startswith("image/")]  # fmt: skip
    candidates += [x.url for x in enclosures if x.type.startswith("image/")]
    return next((u for u in (safe_url(c, base) for c in candidates if c) if u), None)


def _outbound(fragments: str, own: str | None) -> tuple[str, ...]:
    """http(s) links in sanitised HTML (clean_html quotes every href), one per canonical
    URL and none to the entry itself (``own``: its link's canonical form)."""
    seen = {own} if own else set()
    links: list[str] = []
    for href in dict.fromkeys(_HREF_RE.findall(fragments)):  # a repeated href once
        target = html.unescape(href) if "&" in href else href
        if not target.startswith(("http://", "https://")):
            continue
        key = canonical_url(target)
        if key not in seen:
            seen.add(key)
            links.append(target)
    return tuple(links[:_MAX_LINKS])
