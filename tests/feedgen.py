"""Small feeds written by the tests themselves (RSS 2.0 and Atom), and a helper
that writes a feeds.yaml for a loopback test server."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from ruamel.yaml import YAML

from digest.config import load_config
from digest.types import Config


@dataclass
class Item:
    title: str
    link: str
    description: str
    guid: str | None = None
    published: datetime | None = None
    categories: list[str] = field(default_factory=list)
    enclosure: str | None = None
    duration: str | None = None


def rss(title: str, items: list[Item], *, link: str = "https://example.org/") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">',
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>",
        "<description>test feed</description>",
    ]
    for i in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(i.title)}</title><link>{escape(i.link)}</link>")
        parts.append(f"<description>{escape(i.description)}</description>")
        parts.append(f"<guid>{escape(i.guid or i.link)}</guid>")
        if i.published:
            parts.append(f"<pubDate>{format_datetime(i.published)}</pubDate>")
        parts.extend(f"<category>{escape(c)}</category>" for c in i.categories)
        if i.enclosure:
            parts.append(f'<enclosure url="{escape(i.enclosure)}" type="audio/mpeg" length="1"/>')
        if i.duration:
            parts.append(f"<itunes:duration>{i.duration}</itunes:duration>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


def atom_releases(repo: str, tags: list[tuple[str, str, datetime]]) -> bytes:
    entries = "".join(
        f"<entry><id>tag:github.com,2008:Repository/1/{tag}</id>"
        f"<updated>{when.isoformat()}</updated>"
        f'<link rel="alternate" type="text/html" href="https://github.com/{repo}/releases/tag/{tag}"/>'
        f"<title>{escape(tag)}</title>"
        f'<content type="html">{escape(notes)}</content>'
        f"<author><name>bot</name></author></entry>"
        for tag, notes, when in tags
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>tag:github.com,2008:https://github.com/{repo}/releases</id>"
        f'<link rel="alternate" type="text/html" href="https://github.com/{repo}/releases"/>'
        f"<title>Release notes from {repo}</title><updated>2026-11-25T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def days_ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def origins(urls: Iterable[str]) -> list[str]:
    """The exact origins (host:port) of ``urls``, in order, each once."""
    return list(dict.fromkeys(f"{u.hostname}:{u.port or 80}" for u in map(urlsplit, urls)))


def write_config(
    directory: Path,
    sources: list[dict[str, Any]],
    *,
    allow: str | Sequence[str] | None = None,
    content: Sequence[str] | None = None,
    **extra: Any,
) -> Path:
    """feeds.yaml = the project's newsletter and sections + these sources.

    ``allow`` (fetch.allow_hosts) defaults to the exact origins of the sources;
    ``content`` (fetch.allow_content_hosts) defaults to the same origins, because the
    test servers serve article pages beside their feeds on purpose: pass ``content=[]``
    to test that feed links cannot reach loopback."""
    yaml = YAML(typ="rt")
    project = Path(__file__).resolve().parents[1] / "feeds.yaml"
    data = yaml.load(project.read_text(encoding="utf-8"))
    data["sources"] = sources
    feeds = origins(str(s["url"]) for s in sources if "url" in s)
    allowed = [allow] if isinstance(allow, str) else list(allow if allow is not None else feeds)
    data["fetch"]["allow_hosts"] = allowed
    data["fetch"]["allow_content_hosts"] = list(content if content is not None else allowed)
    data["fetch"]["deadline"] = 3
    data["fetch"]["timeout"] = 2
    for key, value in extra.items():
        data[key] = value
    path = directory / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def load(path: Path) -> Config:
    return load_config(path)
