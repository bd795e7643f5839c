"""What the templates see: an Issue with every string cleaned and every URL checked.

Templates never receive a raw :class:`~digest.types.Issue`; they get the views
below, so no template (shipped or an editor's override) can print a control
character or link a ``javascript:`` URL by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from digest.errors import PublishError
from digest.publish.i18n import Translator
from digest.publish.text import clean_text, output_url, slug
from digest.types import Config, Issue, IssueItem, IssueSection


@dataclass(frozen=True)
class LinkView:
    url: str
    role: str  # the LinkRole value, for CSS classes
    text: str  # the role in the newsletter's language
    label: str  # e.g. the source name; may be empty


@dataclass(frozen=True)
class ItemView:
    anchor: str
    title: str
    summary: str
    links: tuple[LinkView, ...]


@dataclass(frozen=True)
class SectionView:
    anchor: str
    title: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class IssueView:
    number: int
    title: str
    heading: str  # "Issue 12: Title" in the newsletter's language
    published: datetime
    updated: datetime
    published_text: str
    updated_text: str
    tag_id: str
    url: str  # absolute URL of the issue page
    path: str  # relative to the site root, e.g. "issues/12/index.html"
    sections: tuple[SectionView, ...]


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    author: str
    url: str  # absolute, ends with "/"
    host: str
    lang: str


def site_view(config: Config, t: Translator) -> SiteView:
    news = config.newsletter
    url = output_url(news.site_url.strip())
    if url is None or url.startswith("mailto:"):
        raise PublishError(
            f"newsletter site_url {news.site_url!r} is not an http(s) URL",
            hint="set newsletter.site_url in feeds.yaml, e.g. https://example.org/",
        )
    url = url if url.endswith("/") else url + "/"
    title = clean_text(news.title) or "digest"
    return SiteView(
        title=title,
        description=clean_text(news.description),
        author=clean_text(news.author) or title,
        url=url,
        host=(urlsplit(url).hostname or "localhost").lower(),
        lang=t.tag,
    )


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def tag_id(issue: Issue, host: str) -> str:
    """The issue's RFC 4151 ``tag:`` URI; the same for every republication.

    It uses only ``uid`` (never changes), the site host and the publication date
    of the immutable snapshot; a ``uid`` that already is a tag URI is kept.
    """
    if issue.uid.startswith("tag:"):
        return clean_text(issue.uid).replace(" ", "%20")
    day = _utc(issue.published).strftime("%Y-%m-%d")
    specific = quote(clean_text(issue.uid), safe="-._~!$&'()*+,;=:@/")
    return f"tag:{host},{day}:issue/{specific}"


def _item_view(item: IssueItem, anchor: str, t: Translator) -> ItemView:
    links = []
    for link in item.links:
        url = output_url(link.url)
        if url is None:
            continue  # dropped: only http(s) and mailto become links (RELIABILITY O3)
        role = str(link.role)
        links.append(
            LinkView(url=url, role=slug(role, "link"), text=t(role), label=clean_text(link.label))
        )
    return ItemView(
        anchor=anchor,
        title=clean_text(item.title),
        summary=clean_text(item.summary),
        links=tuple(links),
    )


def _unique(base: str, seen: set[str]) -> str:
    anchor, n = base, 2
    while anchor in seen:
        anchor, n = f"{base}-{n}", n + 1
    seen.add(anchor)
    return anchor


def _section_view(section: IssueSection, seen: set[str], t: Translator) -> SectionView:
    anchor = _unique(slug(section.key, "section"), seen)
    items = tuple(
        _item_view(item, _unique(f"{anchor}-{i}", seen), t)
        for i, item in enumerate(section.items, start=1)
    )
    return SectionView(anchor=anchor, title=clean_text(section.title), items=items)


def issue_view(issue: Issue, site: SiteView, t: Translator) -> IssueView:
    seen = {"top", "sections"}
    title = clean_text(issue.title)
    heading = f"{t('Issue')} {issue.number}" + (f": {title}" if title else "")
    path = f"issues/{issue.number}/index.html"
    return IssueView(
        number=issue.number,
        title=title,
        heading=heading,
        published=_utc(issue.published),
        updated=max(_utc(issue.updated), _utc(issue.published)),
        published_text=t.date(_utc(issue.published)),
        updated_text=t.date(_utc(issue.updated)),
        tag_id=tag_id(issue, site.host),
        url=f"{site.url}issues/{issue.number}/",
        path=path,
        sections=tuple(_section_view(s, seen, t) for s in issue.sections if s.items),
    )


def newest_first(issue: Issue, archive: Sequence[Issue]) -> list[Issue]:
    """The archive with ``issue`` in it exactly once (this version), newest first."""
    others = {i.number: i for i in archive if i.number != issue.number}
    others[issue.number] = issue
    return sorted(others.values(), key=lambda i: (_utc(i.published), i.number), reverse=True)


def rfc3339(value: datetime) -> str:
    return _utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")
