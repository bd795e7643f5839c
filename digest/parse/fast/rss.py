"""RSS 2.0 and RSS 1.0/0.90 (RDF) channels and items, with their iTunes and Media RSS
elements, into feedparser-shaped mappings."""

from __future__ import annotations

from typing import Any

from lxml import etree

from digest.parse.fast.elements import (
    _ARXIV_ENTRY,
    _GEORSS,
    ARXIV,
    ATOM,
    BROWSER_FRIENDLY,
    CONTENT,
    DC,
    DC_CREATOR,
    DC_DATE,
    DC_SUBJECT,
    MEDIA,
    MEDIA_CONTENT,
    MEDIA_THUMBNAIL,
    ORIG_LINK,
    RDF,
    _Add,
    _alternate,
    _Bases,
    _children,
    _detail,
    _Read,
    _stripped,
    _text,
    _Unsure,
)
from digest.parse.fast.extensions import (
    _arxiv,
    _media,
    _media_content,
    _media_thumbnail,
    _summary_from_content,
)
from digest.parse.values import feed_date, join_uri, link_fix, split_author

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
# Tags compared in the readers' loops, built once (see elements.DC_DATE).
DC_LANGUAGE, DC_TITLE = f"{DC}language", f"{DC}title"
ITUNES_SUMMARY, CONTENT_ENCODED = f"{ITUNES}summary", f"{CONTENT}encoded"
ATOM_LINK, ARXIV_ANNOUNCE = f"{ATOM}link", f"{ARXIV}announce_type"
_MRSS = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")
# feedparser reads media:title as a title (see _Title) and media:description as a
# description; media:credit and media:text it files where digest never reads.
MEDIA_TITLE = frozenset(f"{ns}title" for ns in _MRSS)
MEDIA_DESCRIPTION = frozenset(f"{ns}description" for ns in _MRSS)
_MEDIA_IGNORED = frozenset(f"{ns}{t}" for ns in _MRSS for t in ("credit", "text"))
# What an RSS item's media:content may hold: each filed as if it were the item's own.
_MEDIA_KIDS = MEDIA_TITLE | MEDIA_DESCRIPTION | _MEDIA_IGNORED | MEDIA_THUMBNAIL
# A channel's Media RSS elements, all filed where digest never reads (its tags...).
_MEDIA_CHANNEL = frozenset(f"{ns}{t}" for ns in _MRSS for t in ("category", "copyright",
                                                                "keywords"))  # fmt: skip
RDF_ABOUT = f"{RDF}about"
# RSS 1.0's namespace and RSS 0.90's, both of which feedparser files as none.
_RDF_RSS = frozenset({"{http://purl.org/rss/1.0/}", "{http://my.netscape.com/rdf/simple/0.9/}"})
ATOM_UPDATED, ATOM_PUBLISHED = f"{ATOM}updated", f"{ATOM}published"
# Podcasts' iTunes elements: those digest reads (feedparser files them as itunes_<name>,
# lowercased), and those whose keys digest never reads.
_ITUNES_READ = frozenset(f"{ITUNES}{t}" for t in ("duration", "episode", "season",
                                                  "episodeType"))  # fmt: skip
_ITUNES_IGNORED = frozenset(f"{ITUNES}{t}" for t in ("title", "subtitle", "explicit", "block",
                                                     "order", "type", "complete"))  # fmt: skip
# RSS authors (feedparser splits off an e-mail address: values.split_author); a channel's
# are the feed's, which its entries without one inherit.
_RSS_AUTHORS = frozenset({"author", "managingEditor", DC_CREATOR})
# Text elements feedparser files under keys digest never reads (webMaster and
# dc:publisher as the "publisher", feedburner:browserFriendly as the "info"): only
# their text is checked for markup.
_IGNORED_TEXT = frozenset({"webMaster", f"{DC}publisher", BROWSER_FRIENDLY})
_RSS_CHANNEL = frozenset({
    "title", "link", "description", "language", "copyright", "pubDate", "lastBuildDate",
    "category", "generator", "docs", "ttl", "image", "rating", "skipHours", "skipDays",
    "cloud", "item", f"{ATOM}link", f"{DC}language", f"{DC}rights", *_ITUNES_IGNORED,
    *_RSS_AUTHORS, *_IGNORED_TEXT, *MEDIA_THUMBNAIL, *_MEDIA_CHANNEL, "items", DC_DATE,
    *(f"{ITUNES}{t}" for t in ("author", "owner", "image", "category", "keywords", "summary",
                               "new-feed-url")),
})  # fmt: skip
_RSS_ITEM = frozenset({
    "title", "link", "guid", "pubDate", "description", "category", "comments", "enclosure",
    f"{CONTENT}encoded", "author", f"{DC}creator", f"{DC}publisher", f"{DC}date", DC_SUBJECT,
    f"{DC}language", ATOM_UPDATED,
    ATOM_PUBLISHED, f"{ATOM}link", ORIG_LINK, *_ARXIV_ENTRY, *MEDIA, *MEDIA_TITLE, DC_TITLE,
    *_GEORSS,
    *_ITUNES_READ, *_ITUNES_IGNORED, f"{ITUNES}author", f"{ITUNES}image", f"{ITUNES}keywords",
    f"{ITUNES}summary",
})  # fmt: skip


def _rss_author(el: Any) -> dict[str, str]:
    return split_author(_text(el))


def _rss(root: Any, add: _Add | None, bases: _Bases) -> _Read:
    channels = [c for c in root if c.tag == "channel"]
    if len(channels) != 1 or len([c for c in root if isinstance(c.tag, str)]) != 1:
        raise _Unsure
    feed: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    _rss_channel(channels[0], feed, add or entries.append, _Bodies(bases), bases)
    return feed, entries


def _rdf(root: Any, add: _Add | None, bases: _Bases) -> _Read:
    """RSS 1.0 (and 0.90): the items follow the channel, under rdf:RDF. feedparser
    takes both namespaces for no namespace at all, so their elements are renamed so
    (in place: nothing else reads this tree's RSS elements) and read as RSS 2.0's;
    an item's rdf:about is its id."""
    kids = list(root.iterchildren(etree.Element))
    ns = kids[0].tag[: -len("channel")] if kids and kids[0].tag.endswith("}channel") else ""
    if ns not in _RDF_RSS:
        raise _Unsure
    for el in kids:
        if el.tag not in (f"{ns}channel", f"{ns}item", f"{ns}image"):
            raise _Unsure  # a textinput, an extension
        for kid in (el, *el.iterchildren(f"{ns}*")):
            kid.tag = kid.tag[len(ns) :]
    feed: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    add = add or entries.append
    bodies = _Bodies(bases)
    _rss_channel(kids[0], feed, add, bodies, bases)
    for item in kids[1:]:
        if item.tag == "item":
            add(_rss_item(item, bodies, bases, _rdf_about(item)))
    return feed, entries


def _rdf_about(item: Any) -> str | None:
    """An RDF item's id: feedparser's copy of the attribute, as it is."""
    if any(name != RDF_ABOUT for name in item.attrib):
        raise _Unsure  # feedparser reads lastmod and href too
    return item.get(RDF_ABOUT) or None


def _rdf_items(el: Any) -> None:
    """A channel's <items>: an rdf:Seq of rdf:li, filed where digest never reads."""
    for seq in el.iterchildren(etree.Element):
        if seq.tag != f"{RDF}Seq" or any(li.tag != f"{RDF}li" or len(li) for li in seq):
            raise _Unsure


def _rss_channel(
    channel: Any, feed: dict[str, Any], add: _Add, bodies: _Bodies, bases: _Bases
) -> None:
    for el in _children(channel, _RSS_CHANNEL):
        tag = el.tag
        if tag == "item":
            add(_rss_item(el, bodies, bases))
        elif tag == "title":
            feed["title_detail"] = detail = _detail(el, "text", guess=True, bases=bases)
            feed["title"] = detail["value"]
        elif tag == "link":
            feed["link"] = link_fix(join_uri(bases.get(el, ""), _text(el)))
        elif tag == ATOM_LINK:
            _alternate(feed, el, bases)
        elif tag == "ttl":
            feed["ttl"] = _text(el)
        elif tag in ("description", ITUNES_SUMMARY):
            bodies.channel_summary(el)  # read nowhere, but it can sway the first item
        elif tag in _RSS_AUTHORS:
            feed.setdefault("authors", []).append(_rss_author(el))
        elif tag in MEDIA_THUMBNAIL:
            _media_thumbnail(el, bases)  # the feed's, read nowhere
        elif tag in _MEDIA_CHANNEL:
            if el.attrib and tag.endswith("}keywords"):
                raise _Unsure  # feedparser would fail on it
            _text(el)  # read nowhere
        elif tag in _IGNORED_TEXT:
            _text(el)
        elif tag == "items":
            _rdf_items(el)
        elif tag.startswith(ITUNES):
            _itunes_channel(feed, el)


class _Bodies:
    """feedparser's juggling of an RSS item's description, itunes:summary and
    content:encoded, in document order: the first description or itunes:summary is
    the summary; a later one, until a content:encoded, becomes a text/plain content.
    As everywhere in RSS, a text/plain value that looks like HTML is taken as HTML.
    Its "has content" flag is cleared only at an item's end, so a channel's summary
    and description can sway the first item."""

    def __init__(self, bases: _Bases) -> None:
        self.bases = bases
        self.has_content = False
        self.channel_has_summary = False

    def channel_summary(self, el: Any) -> None:
        if self.channel_has_summary and not self.has_content:
            self.has_content = True
        elif el.tag != "description":  # a channel's description is its subtitle
            self.channel_has_summary = True

    def summary(self, e: dict[str, Any], el: Any, default: str) -> None:
        if "summary" in e and not self.has_content:
            self.has_content = True
            e.setdefault("content", []).append(_detail(el, "text/plain", True, self.bases))
        else:
            e["summary_detail"] = detail = _detail(el, default, True, self.bases)
            e["summary"] = detail["value"]

    def content(self, e: dict[str, Any], el: Any) -> None:
        self.has_content = True
        e.setdefault("content", []).append(_detail(el, "text/html", True, self.bases))


def _itunes_channel(feed: dict[str, Any], el: Any) -> None:
    """A channel's iTunes element: its author and owner become the feed's authors
    (feedparser files the owner's name and e-mail over the last author)."""
    name = el.tag[len(ITUNES) :]
    if name == "author":
        feed.setdefault("authors", []).append(_rss_author(el))
    elif name == "owner":
        for kid in _children(el, frozenset({f"{ITUNES}name", f"{ITUNES}email"})):
            feed.setdefault("authors", [{}])[-1][kid.tag[len(ITUNES) :]] = _stripped(kid)
    elif name == "new-feed-url":
        feed["itunes_new-feed-url"] = _text(el)
    elif name == "category":  # the feed's own tags, read nowhere; may nest one level
        if any(kid.tag != el.tag or len(kid) for kid in el):
            raise _Unsure
    elif len(el):  # image, keywords and the ignored ones, read nowhere
        raise _Unsure


def _itunes_item(e: dict[str, Any], el: Any) -> None:
    """An item's iTunes element (not its summary), as feedparser files it."""
    name = el.tag[len(ITUNES) :]
    if el.tag in _ITUNES_READ:
        e[f"itunes_{name.lower()}"] = _text(el)
    elif name == "author":
        e.setdefault("authors", []).append(_rss_author(el))
    elif name == "image":
        if href := el.get("href") or el.get("url"):
            e["image"] = {"href": href.replace("&amp;", "&")}
    elif name == "keywords":
        for term in _text(el).split(","):
            if term.strip():
                tag = {"term": term.strip(), "scheme": "http://www.itunes.com/"}
                e.setdefault("tags", []).append(tag)
    elif len(el):  # an ignored one (_ITUNES_IGNORED) with child elements
        raise _Unsure


def _rss_item(
    item: Any, bodies: _Bodies, bases: _Bases, about: str | None = None
) -> dict[str, Any]:
    e: dict[str, Any] = {"id": about} if about else {}
    guid_is_link = titled = False
    for el in _children(item, _RSS_ITEM):
        tag = el.tag
        if tag == "title":  # the first non-empty one (or dc:title) is kept
            if not titled:  # (inlined _title: every item has a title)
                e["title_detail"] = detail = _detail(el, "text", guess=True, bases=bases)
                e["title"] = value = detail["value"]
                titled = bool(value)
        elif tag == "link":
            e["link"] = link_fix(join_uri(bases.get(el, ""), _text(el)))
        elif tag == "guid":
            guid_is_link = el.get("isPermaLink", el.get("ispermalink", "true")) == "true"
            value = _text(el)
            e["id"] = join_uri(bases.get(el, ""), value) if guid_is_link and value else value
        elif tag == "pubDate":
            e["published_parsed"] = feed_date(_text(el))
        elif tag == DC_DATE:
            e["updated_parsed"] = feed_date(_text(el))
        elif tag == "description":
            bodies.summary(e, el, "text/html")
        elif tag == ITUNES_SUMMARY:
            bodies.summary(e, el, "text/plain")
        elif tag == CONTENT_ENCODED:
            bodies.content(e, el)
        elif tag == DC_CREATOR:
            e.setdefault("authors", []).append(_rss_author(el))
        elif tag == "category":
            e.setdefault("tags", []).append({"term": _text(el), "scheme": el.get("domain")})
        elif tag == "enclosure":
            href = el.get("url") or el.get("href")
            e.setdefault("enclosures", []).append(
                {"href": href, "type": (el.get("type") or "").lower(), "length": el.get("length")}
            )
        elif tag == ATOM_LINK:
            _alternate(e, el, bases)
        elif tag == ORIG_LINK:
            e["feedburner_origlink"] = _text(el)
        elif tag.startswith(ITUNES):
            _itunes_item(e, el)
        elif tag in MEDIA_CONTENT:
            _media_content_of_item(e, el, bodies, bases, titled)
        elif tag in MEDIA:
            _media(e, el, bases)
        else:  # the rarer ones: after the common ones' comparisons
            titled = _rss_item_other(e, el, bases, titled)
    bodies.has_content = False  # feedparser clears it at each item's end
    if guid_is_link and "link" not in e and e.get("id"):
        e["link"] = e["id"]
    return _summary_from_content(e)


def _title(e: dict[str, Any], el: Any, bases: _Bases) -> bool:
    """Files an RSS item's <title>, dc:title or media:title, as feedparser does until
    a non-empty <title> or dc:title is filed (then it files none: its title_depth);
    whether this one was that."""
    e["title_detail"] = detail = _detail(el, "text", guess=True, bases=bases)
    e["title"] = detail["value"]
    return bool(detail["value"]) and el.tag not in MEDIA_TITLE


def _rss_item_other(e: dict[str, Any], el: Any, bases: _Bases, titled: bool) -> bool:
    """An RSS item's rarer elements; whether the item has its title now (see _title)."""
    tag = el.tag
    if tag == DC_TITLE or tag in MEDIA_TITLE:
        return titled or _title(e, el, bases)
    if tag == ATOM_UPDATED:  # as dc:date: feedparser keeps the last one
        e["updated_parsed"] = feed_date(_text(el))
    elif tag == ATOM_PUBLISHED:
        e["published_parsed"] = feed_date(_text(el))
    elif tag == "author":
        e.setdefault("authors", []).append(_rss_author(el))
    elif tag == DC_SUBJECT:  # feedparser's category
        e.setdefault("tags", []).append({"term": _text(el), "scheme": el.get("domain")})
    elif tag in _IGNORED_TEXT or tag == DC_LANGUAGE:
        _text(el)  # read nowhere (dc:language: the language of later details)
    elif tag in _GEORSS:
        _stripped(el)  # read nowhere
    else:
        _arxiv(e, el)
    return titled


def _media_content_of_item(
    e: dict[str, Any], el: Any, bodies: _Bodies, bases: _Bases, titled: bool
) -> None:
    """An RSS item's media:content: its attributes, then what it holds, each filed as
    the item's own (feedparser's context is the item), in document order. A value is
    filed only at the depth of the one before it or above (its property_depth_map):
    a title or summary the item already has is not replaced from in here, while its
    detail is; that is left to feedparser."""
    e.setdefault("media_content", []).append(_media_content(el, kids=True))
    for kid in _children(el, _MEDIA_KIDS) if len(el) else ():
        tag = kid.tag
        if tag in MEDIA_TITLE:
            if "title" in e and not titled:
                raise _Unsure
            if not titled:
                _title(e, kid, bases)
        elif tag in MEDIA_DESCRIPTION:
            if "summary" in e and bodies.has_content:
                raise _Unsure
            bodies.summary(e, kid, "text/html")
        elif tag in MEDIA_THUMBNAIL:
            e.setdefault("media_thumbnail", []).append(_media_thumbnail(kid, bases))
        else:
            _text(kid)  # media:credit, media:text: read nowhere
