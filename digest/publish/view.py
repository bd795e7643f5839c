"""What the templates see: an Issue with every string cleaned and every URL checked.

Templates never receive a raw :class:`~digest.types.Issue`; they get the views
below, so no template (shipped or an editor's override) can print a control
character or link a ``javascript:`` URL by accident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from digest.errors import PublishError
from digest.publish.i18n import Translator, language_name
from digest.publish.text import cap, clean_text, image_url, output_url, paragraphs, slug
from digest.types import Config, Issue, IssueImage, IssueItem, IssueSection

PREHEADER_MAX = 140  # what inboxes show after the subject
DESCRIPTION_MAX = 200  # link previews cut longer descriptions


@dataclass(frozen=True)
class LinkView:
    url: str
    role: str  # the LinkRole value, for CSS classes
    text: str  # where it goes, in the newsletter's language: "paper on arxiv.org"
    label: str  # e.g. the source name; may be empty


@dataclass(frozen=True)
class ImageView:
    url: str  # referenced, never fetched or copied
    alt: str
    caption: str
    credit: str


@dataclass(frozen=True)
class ItemView:
    anchor: str
    title: str
    summary: str
    links: tuple[LinkView, ...]
    url: str | None = None  # the headline's link
    image: ImageView | None = None

    @property
    def other_links(self) -> tuple[LinkView, ...]:
        """The links besides the headline's (a short note names each link once)."""
        return tuple(link for link in self.links if link.url != self.url)


@dataclass(frozen=True)
class SectionView:
    anchor: str
    title: str
    items: tuple[ItemView, ...]
    icon: str = ""
    compact: bool = False  # honourable mentions: one short paragraph each


@dataclass(frozen=True)
class IssueView:
    number: int
    title: str
    heading: str  # "Issue 12: Title" in the newsletter's language
    subject: str  # the e-mail's subject
    intro: tuple[str, ...]  # the editor's note, one string per paragraph
    outro: tuple[str, ...]
    preheader: str  # the line inboxes show after the subject
    description: str  # for link previews (Open Graph)
    image: ImageView | None  # the first item's image, for link previews
    published: datetime
    updated: datetime
    published_text: str
    updated_text: str
    tag_id: str
    url: str  # absolute URL of the issue page
    path: str  # relative to the site root, e.g. "issues/12/index.html"
    sections: tuple[SectionView, ...]


@dataclass(frozen=True)
class Alternate:
    """The same newsletter in another language (an edition, or the original): the
    pages link to it with ``hreflang`` (ADR 0018)."""

    lang: str
    url: str  # its site root, absolute, ends with "/"
    numbers: frozenset[int] = frozenset()  # the issues it has published
    name: str = ""  # the language's name in itself, for a visible link

    def issue_url(self, number: int) -> str | None:
        return f"{self.url}issues/{number}/" if number in self.numbers else None


def alternate(lang: str, url: str, numbers: frozenset[int]) -> Alternate | None:
    """An Alternate whose URL passed the output checks; None for any other URL."""
    checked = _http(url)
    if checked is None:
        return None
    root = checked if checked.endswith("/") else checked + "/"
    return Alternate(clean_text(lang), root, numbers, clean_text(language_name(lang)))


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    author: str
    url: str  # absolute, ends with "/"
    host: str
    lang: str
    signup_url: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    # section key -> (title in the newsletter's language, icon)
    sections: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # every language the newsletter is published in, this one too (empty: only one)
    alternates: tuple[Alternate, ...] = ()


def _http(url: str | None) -> str | None:
    checked = output_url(url or "")
    return checked if checked and not checked.startswith("mailto:") else None


def site_view(config: Config, t: Translator) -> SiteView:
    news = config.newsletter
    url = output_url(news.site_url.strip())
    if url is None or url.startswith("mailto:"):
        raise PublishError(
            f"newsletter site_url {news.site_url!r} is not an http(s) URL",
            hint="set newsletter.site_url in feeds.yaml, e.g. https://example.org/",
        )
    url = url if url.endswith("/") else url + "/"
    title = clean_text(news.title_in(t.tag)) or "digest"
    mailto = output_url(f"mailto:{news.unsubscribe_mailto}?subject=unsubscribe")
    return SiteView(
        title=title,
        description=clean_text(news.description),
        author=clean_text(news.author) or title,
        url=url,
        host=(urlsplit(url).hostname or "localhost").lower(),
        lang=t.tag,
        signup_url=_http(news.signup_url),
        unsubscribe_url=_http(news.unsubscribe_url),
        unsubscribe_mailto=mailto if news.unsubscribe_mailto else None,
        sections={
            s.key: (clean_text(s.title_in(t.tag)), clean_text(s.icon)) for s in config.sections
        },
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


def _place(url: str) -> str:
    """Where a link goes, as a reader recognises it: the host without ``www.``."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host or url.split(":", 1)[0]


def _item_view(item: IssueItem, anchor: str, t: Translator, *, compact: bool) -> ItemView:
    links = []
    for link in item.links:
        url = output_url(link.url)
        if url is None:
            continue  # dropped: only http(s) and mailto become links (RELIABILITY O3)
        role = str(link.role)
        text = t.link(role, _place(url))
        links.append(LinkView(url=url, role=slug(role, "link"), text=text,
                              label=clean_text(link.label)))  # fmt: skip
    headline = output_url(item.url) if item.url else None
    return ItemView(
        anchor=anchor,
        title=clean_text(item.title),
        summary=clean_text(item.summary),
        links=tuple(links),
        url=headline or (links[0].url if links else None),
        image=None if compact or item.image is None else _image_view(item.image),
    )


def _image_view(image: IssueImage) -> ImageView | None:
    url = image_url(image.url)
    if url is None:
        return None  # not http(s), or a literal private/loopback host
    return ImageView(
        url=url,
        alt=clean_text(image.alt),
        caption=clean_text(image.caption),
        credit=clean_text(image.credit),
    )


def _unique(base: str, seen: set[str]) -> str:
    anchor, n = base, 2
    while anchor in seen:
        anchor, n = f"{base}-{n}", n + 1
    seen.add(anchor)
    return anchor


def _section_view(
    section: IssueSection, seen: set[str], t: Translator, site: SiteView
) -> SectionView:
    anchor = _unique(slug(section.key, "section"), seen)
    items = tuple(
        _item_view(item, _unique(f"{anchor}-{i}", seen), t, compact=section.compact)
        for i, item in enumerate(section.items, start=1)
    )
    # feeds.yaml names the section in the newsletter's language; the snapshot's title
    # stays for sections that left feeds.yaml.
    title, icon = site.sections.get(section.key, (clean_text(section.title), section.icon))
    return SectionView(anchor, title, items, icon=clean_text(icon), compact=section.compact)


def _preheader(intro: Sequence[str], sections: Sequence[SectionView]) -> str:
    """The intro's first sentence, else the first items' titles."""
    if intro:
        return cap(intro[0].split(". ")[0].rstrip(".") + ".", PREHEADER_MAX)
    titles = [i.title for s in sections for i in s.items if i.title]
    return cap(" · ".join(titles), PREHEADER_MAX)


def issue_view(issue: Issue, site: SiteView, t: Translator) -> IssueView:
    seen = {"top", "sections", "intro", "outro"}
    title = clean_text(issue.title)
    heading = f"{t('Issue')} {issue.number}" + (f": {title}" if title else "")
    path = f"issues/{issue.number}/index.html"
    sections = tuple(_section_view(s, seen, t, site) for s in issue.sections if s.items)
    intro = paragraphs(issue.words.intro)
    preheader = _preheader(intro, sections)
    return IssueView(
        number=issue.number,
        title=title,
        heading=heading,
        subject=clean_text(issue.words.subject) or heading,
        intro=intro,
        outro=paragraphs(issue.words.outro),
        preheader=preheader,
        description=cap(preheader, DESCRIPTION_MAX),
        image=next((i.image for s in sections for i in s.items if i.image), None),
        published=_utc(issue.published),
        updated=max(_utc(issue.updated), _utc(issue.published)),
        published_text=t.date(_utc(issue.published)),
        updated_text=t.date(_utc(issue.updated)),
        tag_id=tag_id(issue, site.host),
        url=f"{site.url}issues/{issue.number}/",
        path=path,
        sections=sections,
    )


def newest_first(issue: Issue, archive: Sequence[Issue]) -> list[Issue]:
    """The archive with ``issue`` in it exactly once (this version), newest first."""
    others = {i.number: i for i in archive if i.number != issue.number}
    others[issue.number] = issue
    return sorted(others.values(), key=lambda i: (_utc(i.published), i.number), reverse=True)


def rfc3339(value: datetime) -> str:
    return _utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")
