"""Fetched bytes + headers -> :class:`ParsedFeed`. feedparser stays inside this file.

feedparser only ever sees ``io.BytesIO(body)``: never a URL, a path or a ``str`` (it
would fetch or open those). Its own sanitiser is off (``sanitize_html=False``): every
HTML fragment is sanitised exactly once by :func:`digest.sanitize.clean_html`, and
every URL goes through :func:`digest.sanitize.safe_url`. JSON Feed, which feedparser 6
does not read, is parsed here with :mod:`json`. Podcasting 2.0 tags that feedparser
flattens to one value are read with lxml (no DTD, no entities, no network).

``parse_feed`` is pure and module-level, so it pickles for a worker process.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import feedparser

from digest.errors import ParseError
from digest.identity import arxiv_id, canonical_url, content_hash
from digest.sanitize import clean_html, html_to_text, safe_url, strip_control
from digest.types import Enclosure, EntryData, ParsedFeed, SourceKind

__all__ = ["parse_duration", "parse_feed"]

log = logging.getLogger("digest.parse")

_MAX_GUID = 512
_MAX_LINKS = 50
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_HTML_SNIFF_RE = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
_XML_SNIFF_RE = re.compile(rb"^\s*<(?:\?xml|rss|feed|rdf:rdf|channel)\b", re.I)
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.I)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_UTF8_NAMES = frozenset({"utf-8", "utf8", "ascii", "us-ascii"})
_HREF_RE = re.compile(r'\shref="([^"]+)"')
_SPACE_RE = re.compile(r"\s+")
_ANNOUNCE_RE = re.compile(r"Announce Type:\s*([a-z-]+)", re.I)
_ARXIV_PREFIX_RE = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.I)
_VERSION_RE = re.compile(r"v(\d+)(?:\.pdf)?$")
_RELEASE_RE = re.compile(r"^https?://(?:www\.)?github\.com/([^/]+/[^/]+)/releases/tag/([^?#]+)")
_PRERELEASE_RE = re.compile(r"(?:alpha|beta|rc|pre|dev|preview|nightly)", re.I)
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:ute)?s?)?)?"
    r"\s*(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec(?:ond)?s?)?)?$",
    re.I,
)
_ISO_DURATION_RE = re.compile(r"^P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)$", re.I)


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    kind: SourceKind = SourceKind.BLOG,
) -> ParsedFeed:
    """Parse one fetched feed body. Raises :class:`ParseError` with code ``empty``,
    ``not_a_feed`` or ``parse_error``; a readable but malformed feed parses with
    ``warnings``."""
    if not body.strip():
        raise ParseError(f"{url}: the response body is empty", code="empty")
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return _parse_json_feed(body, url, kind)
    warnings: list[str] = []
    if body[:1].isspace():  # whitespace before <?xml makes the strict parser give up
        body = body.lstrip()
    lowered = _settle_charset(body, lowered, warnings)
    lowered.setdefault("content-location", url)
    try:
        raw = feedparser.parse(
            io.BytesIO(body),
            response_headers=lowered,
            resolve_relative_uris=True,
            sanitize_html=False,
        )
    except Exception as e:  # feedparser's loose parser has many internal failure modes
        raise ParseError(f"{url}: feedparser failed", code="parse_error") from e
    _check_is_feed(raw, body, url)
    exc = raw.get("bozo_exception")
    if raw.get("bozo") and not isinstance(exc, feedparser.NonXMLContentType):
        warnings.append(f"feed is not well-formed: {type(exc).__name__}: {exc}")
    feed = raw.get("feed", {})
    pod = _podcast_tags(body) if b"podcastindex" in body or b"xmlns:podcast" in body else {}
    entries = [_entry(e, url, kind, pod, n) for n, e in enumerate(raw.get("entries", []), 1)]
    return ParsedFeed(
        url=url,
        title=_text(feed.get("title", ""), feed.get("title_detail")),
        link=safe_url(feed.get("link"), url),
        entries=_fold(entries, warnings),
        warnings=tuple(warnings),
        ttl_minutes=_int(feed.get("ttl")),
        new_feed_url=safe_url(feed.get("itunes_new-feed-url"), url),
    )


def _settle_charset(body: bytes, headers: dict[str, str], warnings: list[str]) -> dict[str, str]:
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
    warnings.append(f"charset conflict: declared {', '.join(wrong)} but the bytes are UTF-8")
    media = ctype.split(";", 1)[0].strip() or "application/xml"
    if media.startswith("text/"):
        media = "application/xml"  # RFC 3023 text/* would ignore the XML declaration
    return {**headers, "content-type": f"{media}; charset=utf-8"}


def _check_is_feed(raw: Any, body: bytes, url: str) -> None:
    if raw.get("version") or raw.get("entries"):
        return
    head = body[:4096]
    if _HTML_SNIFF_RE.search(head):
        raise ParseError(f"{url}: got an HTML page, not a feed", code="not_a_feed")
    if _XML_SNIFF_RE.match(head.lstrip(b"\xef\xbb\xbf")):
        exc = raw.get("bozo_exception")
        raise ParseError(f"{url}: unreadable feed: {type(exc).__name__}: {exc}", code="parse_error")
    raise ParseError(f"{url}: no feed found in the response", code="not_a_feed")


def _fold(entries: Iterable[EntryData | str], warnings: list[str]) -> tuple[EntryData, ...]:
    """Drop unidentifiable entries (their warning is the str) and repeated guids."""
    seen: dict[str, EntryData] = {}
    duplicates = 0
    for entry in entries:
        if isinstance(entry, str):
            warnings.append(entry)
        elif entry.guid in seen:
            duplicates += 1
        else:
            seen[entry.guid] = entry
    if duplicates:
        warnings.append(f"{duplicates} entries repeat an earlier id and were skipped")
    return tuple(seen.values())


def _entry(
    e: Mapping[str, Any],
    url: str,
    kind: SourceKind,
    pod: Mapping[str, dict[str, str]],
    position: int,
) -> EntryData | str:
    link = safe_url(e.get("link"), url)
    base = link or url
    title = _text(e.get("title", ""), e.get("title_detail"))
    published = _date(e.get("published_parsed") or e.get("created_parsed"))
    updated = _date(e.get("updated_parsed"))
    guid = _guid(e.get("id"), link, title, published or updated)
    if guid is None:
        return f"skipped entry {position}: it has no id, link or title"
    summary = _fragment(e.get("summary", ""), e.get("summary_detail"), base)
    contents = e.get("content") or []
    best = next(
        (c for c in contents if c.get("type") in _HTML_TYPES), contents[0] if contents else {}
    )
    content = _fragment(best.get("value", ""), best, base)
    ident = arxiv_id(link or "") or (
        arxiv_id(str(e.get("id", ""))) if kind is SourceKind.ARXIV else None
    )
    extra: dict[str, str] = {}
    authors = _authors(e.get("authors") or [], kind)
    categories = _unique(
        strip_control(str(t.get("term") or "")).strip() for t in e.get("tags") or []
    )
    if kind is SourceKind.ARXIV or (ident and "arxiv_announce_type" in e):
        summary = _arxiv_extra(e, summary, categories, extra)
        guid = f"arxiv:{ident}" if ident else guid
    enclosures = _enclosures(e.get("enclosures") or [], base)
    _podcast_extra(e, pod.get(str(e.get("id") or e.get("link") or title), {}), base, extra)
    _release_extra(link, str(e.get("id") or ""), url, extra)
    return EntryData(
        guid=guid, link=link, title=title, authors=authors,
        published=published or updated, updated=updated,
        summary_html=summary, content_html=content, categories=categories,
        enclosures=enclosures, image=_image(e, enclosures, base), arxiv_id=ident,
        duration_seconds=parse_duration(e.get("itunes_duration")),
        links=_outbound(content + summary, link), extra=extra,
    )  # fmt: skip


def _guid(raw_id: Any, link: str | None, title: str, when: datetime | None) -> str | None:
    guid = _SPACE_RE.sub(" ", strip_control(str(raw_id or ""))).strip()
    if guid:
        return guid if len(guid) <= _MAX_GUID else "sha256:" + content_hash(guid)
    if link:
        return canonical_url(link)
    if title:
        return "sha256:" + content_hash(title, when.isoformat() if when else "")
    return None


def _text(value: Any, detail: Mapping[str, Any] | None) -> str:
    text = strip_control(str(value or ""))
    if (detail or {}).get("type") in _HTML_TYPES or "<" in text:
        return html_to_text(text)
    return _SPACE_RE.sub(" ", text).strip()


def _fragment(value: Any, detail: Mapping[str, Any] | None, base: str) -> str:
    text = str(value or "")
    if not text.strip():
        return ""
    if (detail or {}).get("type", "text/html") not in _HTML_TYPES and "<" not in text:
        paragraphs = (p for p in re.split(r"\n\s*\n", text) if p.strip())
        return "".join(f"<p>{html.escape(_SPACE_RE.sub(' ', p).strip())}</p>" for p in paragraphs)
    return clean_html(text, base)


def _date(parsed: Any) -> datetime | None:
    """feedparser's struct_time is already UTC; impossible dates give None."""
    if not isinstance(parsed, time.struct_time | tuple) or len(parsed) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _authors(raw: Sequence[Mapping[str, Any]], kind: SourceKind) -> tuple[str, ...]:
    names: list[str] = []
    for author in raw:
        name = _SPACE_RE.sub(
            " ", strip_control(str(author.get("name") or author.get("email") or ""))
        ).strip()
        # rss.arxiv.org puts every author in one dc:creator, comma-separated.
        names.extend(
            n.strip() for n in name.split(",") if n.strip()
        ) if kind is SourceKind.ARXIV else names.append(name)
    return _unique(names)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
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
    """http(s) links in sanitised HTML (clean_html quotes every href), one per canonical URL."""
    seen = {canonical_url(own)} if own else set()
    links: list[str] = []
    for href in _HREF_RE.findall(fragments):
        target = html.unescape(href)
        key = canonical_url(target)
        if target.startswith(("http://", "https://")) and key not in seen:
            seen.add(key)
            links.append(target)
    return tuple(links[:_MAX_LINKS])


def parse_duration(value: Any) -> int | None:
    """Seconds from itunes:duration: ``SS``, ``MM:SS``, ``HH:MM:SS``, ``1h 2m 3s``, ``PT1H2M``."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if ":" in text:
            seconds = 0.0
            for part in text.split(":"):
                seconds = seconds * 60 + float(part or 0)
        elif iso := _ISO_DURATION_RE.match(text):
            h, m, s = (float(g or 0) for g in iso.groups())
            seconds = h * 3600 + m * 60 + s
        elif (unit := _DURATION_RE.match(text)) and any(unit.groups()):
            h, m, s = (float(g or 0) for g in unit.groups())
            seconds = h * 3600 + m * 60 + s
        else:
            seconds = float(text)
    except ValueError:
        return None
    return int(seconds) if 0 <= seconds < 1_000_000 else None


# --- kind-specific extras -------------------------------------------------


def _arxiv_extra(
    e: Mapping[str, Any], summary: str, categories: Sequence[str], extra: dict[str, str]
) -> str:
    """announce type, version and categories; returns the summary without its
    "arXiv:2401.12345v1 Announce Type: new Abstract:" preamble."""
    raw_summary = str(e.get("summary") or "")
    announce = e.get("arxiv_announce_type") or _first(_ANNOUNCE_RE.search(raw_summary))
    if announce:
        extra["announce_type"] = strip_control(str(announce)).strip().lower()
    for source in (str(e.get("id") or ""), str(e.get("link") or "")):
        if version := _first(_VERSION_RE.search(source)):
            extra["version"] = version
            break
    primary = (e.get("arxiv_primary_category") or {}).get("term") or (
        categories[0] if categories else ""
    )
    if primary:
        extra["primary_category"] = strip_control(str(primary))
    if categories:
        extra["categories"] = ",".join(categories)
    for key in ("comment", "journal_ref", "doi"):
        if value := e.get(f"arxiv_{key}"):
            extra[key] = _SPACE_RE.sub(" ", strip_control(str(value))).strip()
    return (
        _ARXIV_PREFIX_RE.sub("<p>", summary, count=1).replace("<p><p>", "<p>")
        if summary
        else summary
    )


def _first(match: re.Match[str] | None) -> str | None:
    return match.group(1) if match else None


def _podcast_extra(
    e: Mapping[str, Any], tags: Mapping[str, str], base: str, extra: dict[str, str]
) -> None:
    for key in ("episode", "season", "episodetype"):
        if value := _SPACE_RE.sub(" ", strip_control(str(e.get(f"itunes_{key}") or ""))).strip():
            extra["episode_type" if key == "episodetype" else key] = value
    for key, value in tags.items():
        safe = safe_url(value, base) if key.endswith("_url") else strip_control(value)
        if safe:
            extra[key] = safe


def _release_extra(link: str | None, raw_id: str, feed_url: str, extra: dict[str, str]) -> None:
    """GitHub releases: repository, tag, version, prerelease from the release link."""
    match = _RELEASE_RE.match(link or "")
    if match:
        repo, tag = match.group(1), unquote(match.group(2)).strip("/")
    elif raw_id.startswith("tag:github.com,2008:Repository/") and "/releases" in feed_url:
        feed_repo = re.match(r"^https?://(?:www\.)?github\.com/([^/]+/[^/]+)/releases", feed_url)
        if not feed_repo:
            return
        repo, tag = feed_repo.group(1), raw_id.rsplit("/", 1)[-1]
    else:
        return
    extra["repository"] = repo
    extra["tag"] = tag
    extra["version"] = tag[1:] if re.match(r"^v\d", tag) else tag
    extra["prerelease"] = "true" if _PRERELEASE_RE.search(tag) else "false"


_TRANSCRIPT_PREFERENCE = (
    "text/vtt",
    "application/x-subrip",
    "application/srt",
    "text/html",
    "application/json",
)


def _podcast_tags(body: bytes) -> dict[str, dict[str, str]]:
    """Podcasting 2.0 transcript/chapters/person per item, keyed by guid, link and title.
    lxml with entities, DTDs and network off; any failure just means no extras."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except (etree.Error, ValueError):
        return {}
    found: dict[str, dict[str, str]] = {}
    for item in root.iter("item") if root is not None else ():
        tags = _podcast_item(item)
        if tags:
            for key in ("guid", "link", "title"):
                text = (item.findtext(key) or "").strip()
                if text:
                    found.setdefault(text, tags)
    return found


def _podcast_item(item: Any) -> dict[str, str]:
    tags: dict[str, str] = {}
    transcripts: list[tuple[int, str, str]] = []
    persons: list[str] = []
    for child in item:
        tag = child.tag if isinstance(child.tag, str) else ""
        if "podcastindex" not in tag and "podcast-namespace" not in tag.lower():
            continue
        name, kind = tag.rsplit("}", 1)[-1], (child.get("type") or "").strip()
        if name == "transcript" and child.get("url"):
            rank = _TRANSCRIPT_PREFERENCE.index(kind) if kind in _TRANSCRIPT_PREFERENCE else 99
            transcripts.append((rank, child.get("url").strip(), kind))
        elif name == "chapters" and child.get("url") and "chapters_url" not in tags:
            tags["chapters_url"], tags["chapters_type"] = child.get("url").strip(), kind
        elif name == "person" and (child.text or "").strip():
            role = (child.get("role") or "").strip().lower()
            persons.append(child.text.strip() + (f" ({role})" if role else ""))
    if transcripts:
        _, tags["transcript_url"], tags["transcript_type"] = min(transcripts, key=lambda t: t[0])
    if persons:
        tags["persons"] = ", ".join(dict.fromkeys(persons))
    return {k: v for k, v in tags.items() if v}


# --- JSON Feed 1.0 / 1.1 --------------------------------------------------


def _parse_json_feed(body: bytes, url: str, kind: SourceKind) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ParseError(f"{url}: not valid JSON", code="parse_error") from e
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise ParseError(f"{url}: JSON but not a JSON Feed", code="not_a_feed")
    home = safe_url(_str(data.get("home_page_url")), url)
    warnings: list[str] = []
    items = data.get("items")
    if not isinstance(items, list):
        warnings.append("JSON Feed has no items list")
        items = []
    entries = [
        _json_entry(i, url, kind, n) if isinstance(i, dict) else f"skipped item {n}: not an object"
        for n, i in enumerate(items, 1)
    ]
    return ParsedFeed(
        url=url, title=_text(_str(data.get("title")), None), link=home,
        entries=_fold(entries, warnings), warnings=tuple(warnings),
        new_feed_url=None,
    )  # fmt: skip


def _json_entry(
    item: Mapping[str, Any], url: str, kind: SourceKind, position: int
) -> EntryData | str:
    """Map a JSON Feed item onto the feedparser-shaped dict _entry already understands."""
    authors = _list(item.get("authors")) or [item.get("author")]
    attachments = _list(item.get("attachments"))
    content_html, content_text = _str(item.get("content_html")), _str(item.get("content_text"))
    shaped: dict[str, Any] = {
        "id": _str(item.get("id")),
        "link": _str(item.get("url")) or _str(item.get("external_url")),
        "title": _str(item.get("title")),
        "title_detail": {"type": "text/plain"},
        "summary": _str(item.get("summary")),
        "summary_detail": {"type": "text/plain"},
        "content": [{"value": content_html, "type": "text/html"}] if content_html
        else [{"value": content_text, "type": "text/plain"}] if content_text else [],
        "published_parsed": _iso_date(item.get("date_published")),
        "updated_parsed": _iso_date(item.get("date_modified")),
        "authors": [a for a in authors if isinstance(a, dict)],
        "tags": [{"term": t} for t in _list(item.get("tags")) if isinstance(t, str)],
        "enclosures": [
            {"href": a.get("url"), "type": a.get("mime_type"), "length": a.get("size_in_bytes")}
            for a in attachments if isinstance(a, dict)
        ],
        "image": {"href": _str(item.get("image")) or _str(item.get("banner_image"))},
    }  # fmt: skip
    durations = [a.get("duration_in_seconds") for a in attachments if isinstance(a, dict)]
    shaped["itunes_duration"] = next(
        (str(d) for d in durations if isinstance(d, int | float)), None
    )
    return _entry(shaped, url, kind, {}, position)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _iso_date(value: Any) -> time.struct_time | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).timetuple()
