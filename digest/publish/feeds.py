"""Atom (RFC 4287) and JSON Feed 1.1 for the latest issues.

Both carry the same entries: one per issue, id = the issue's ``tag:`` URI (stable
across republication), content = the issue body as HTML. Atom is rendered from
``feed.atom.j2`` with XML autoescaping, so ``]]>``, ``&`` and ``<`` are escaped
(never wrapped in CDATA) and the views guarantee XML-valid characters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.publish.i18n import Translator
from digest.publish.render import render
from digest.publish.view import IssueView, SiteView, rfc3339

MAX_FEED_ITEMS = 100  # readers choke on huge feeds (RELIABILITY O6)
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class FeedEntry:
    issue: IssueView
    content: str  # HTML, escaped once more by the Atom template


def feed_entries(
    issues: Sequence[IssueView],
    site: SiteView,
    t: Translator,
    templates_dir: Path | None,
    limit: int,
) -> list[FeedEntry]:
    """The newest ``limit`` issues (1..100) with their HTML body."""
    count = max(1, min(limit, MAX_FEED_ITEMS))
    return [
        FeedEntry(issue, issue_content(issue, site, t, templates_dir)) for issue in issues[:count]
    ]


def issue_content(
    issue: IssueView, site: SiteView, t: Translator, templates_dir: Path | None
) -> str:
    return render(
        templates_dir,
        "issue.content.html.j2",
        issue=issue,
        site=site,
        t=t,
        toc=False,
        root=site.url,
    ).strip()


def atom_feed(
    entries: Sequence[FeedEntry], site: SiteView, t: Translator, templates_dir: Path | None
) -> str:
    updated = max(e.issue.updated for e in entries)
    return render(
        templates_dir,
        "feed.atom.j2",
        entries=entries,
        site=site,
        t=t,
        updated=updated,
        feed_id=f"{site.url}feed.atom",
    )


def json_feed(entries: Sequence[FeedEntry], site: SiteView) -> str:
    """JSON Feed 1.1 with the same ids and content as the Atom feed."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": site.title,
        "home_page_url": site.url,
        "feed_url": f"{site.url}feed.json",
        "language": site.lang,
        "authors": [{"name": site.author}],
        "items": [_json_item(e) for e in entries],
    }
    if site.description:
        feed["description"] = site.description
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def _json_item(entry: FeedEntry) -> dict[str, Any]:
    issue = entry.issue
    item: dict[str, Any] = {
        "id": issue.tag_id,
        "url": issue.url,
        "title": issue.heading,
        "content_html": entry.content,
        "date_published": rfc3339(issue.published),
        "date_modified": rfc3339(issue.updated),
    }
    if issue.description:
        item["summary"] = issue.description
    if issue.image:
        item["image"] = issue.image.url
    return item
