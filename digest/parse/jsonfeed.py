"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1) read with :mod:`json`.

Items are mapped onto the dict shape feedparser gives, so one entry builder in
``digest.parse.feed`` normalises and sanitises both.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from feedparser.datetimes import _parse_date

from digest.errors import ErrorCode, ParseError

__all__ = ["JsonFeed", "read_json_feed"]

JsonFeed = tuple[dict[str, Any], list[dict[str, Any] | str]]


def read_json_feed(body: bytes, url: str) -> JsonFeed:
    """(feed dict, items) in feedparser's shape; an item that is not an object is a str
    warning. Raises ParseError ``parse_error`` (bad JSON) or ``not_a_feed``."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ParseError(f"{url}: not valid JSON", code=ErrorCode.PARSE_ERROR) from e
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise ParseError(f"{url}: JSON but not a JSON Feed", code=ErrorCode.NOT_A_FEED)
    feed = {
        "title": _str(data.get("title")),
        "title_detail": {"type": "text/plain"},
        "link": _str(data.get("home_page_url")),
        "authors": _authors(data),
    }
    items: list[dict[str, Any] | str] = [
        _item(i) if isinstance(i, dict) else f"skipped item {n}: not an object"
        for n, i in enumerate(_list(data.get("items")), 1)
    ]
    return feed, items


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    attachments = [a for a in _list(item.get("attachments")) if isinstance(a, dict)]
    content_html, content_text = _str(item.get("content_html")), _str(item.get("content_text"))
    content = (
        [{"value": content_html, "type": "text/html"}]
        if content_html
        else [{"value": content_text, "type": "text/plain"}]
        if content_text
        else []
    )
    durations = (a.get("duration_in_seconds") for a in attachments)
    return {
        "id": _str(item.get("id")),
        "link": _str(item.get("url")) or _str(item.get("external_url")),
        "title": _str(item.get("title")),
        "title_detail": {"type": "text/plain"},
        "summary": _str(item.get("summary")),
        "summary_detail": {"type": "text/plain"},
        "content": content,
        "published_parsed": _date(item.get("date_published")),
        "updated_parsed": _date(item.get("date_modified")),
        "authors": _authors(item),
        "tags": [{"term": t} for t in _list(item.get("tags")) if isinstance(t, str)],
        "enclosures": [
            {"href": a.get("url"), "type": a.get("mime_type"), "length": a.get("size_in_bytes")}
            for a in attachments
        ],
        "image": {"href": _str(item.get("image")) or _str(item.get("banner_image"))},
        "itunes_duration": next((str(d) for d in durations if isinstance(d, int | float)), None),
    }


def _authors(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """1.1 has an ``authors`` list, 1.0 a single ``author`` object."""
    authors = _list(obj.get("authors")) or [obj.get("author")]
    return [a for a in authors if isinstance(a, dict)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _date(value: Any) -> time.struct_time | None:
    """RFC 3339 -> UTC struct_time, like feedparser's ``*_parsed`` values. Real
    generators also write RFC 822 ("Mon, 02 Jan 2023 10:00:00 GMT") and the other
    forms RSS feeds use: those are read as feedparser reads an RSS date (ADR 0011)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        lenient: time.struct_time | None = _parse_date(value.strip())
        return lenient
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).timetuple()
    except (OverflowError, ValueError):
        return None
