"""A fast path for the common case: well-formed UTF-8 RSS 2.0, RSS 1.0 (RDF) and Atom 1.0
that use only the elements listed here. lxml reads them into the same feedparser-shaped
mappings that :mod:`digest.parse.feed` normalises, so both paths share every rule after
that.

It is ~10x faster than feedparser on the same bytes and gives the same ParsedFeed, which
tests/test_parse_fast.py checks over every corpus feed it accepts. Anything it is not
sure of returns None, and feedparser (the tolerant parser) reads the feed instead: a
DOCTYPE, another encoding, an unknown element or namespace (of Media RSS, only
media:content and what it may hold, media:thumbnail, media:title and a channel's
media:category, copyright and keywords; of arXiv's, only what rss.arxiv.org's
listings and export.arxiv.org's API use; of iTunes', the common ones; Podcasting
2.0's without child elements; another namespace's elements that feedparser files
where digest never reads), an element repeated where feedparser would pick one, child
markup in a text element (but Atom's inline XHTML, rebuilt as feedparser rebuilds it),
or an order of elements where feedparser's bookkeeping (title and summary depths, an
author_detail shared by two people) would file a value we cannot predict.
Values get the same touches feedparser gives them (stripping, its URL join against
the xml:base it tracks, its mojibake and cp1252 repairs, its guess whether an RSS
title is HTML, its split of an e-mail address out of an RSS author).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any
from xml.sax.saxutils import escape

from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri
from lxml import etree

from digest.parse.values import (
    MAY_HOLD_C1,
    feed_date,
    fix_text,
    join_uri,
    link_fix,
    may_hold_c1,
    split_author,
)

__all__ = ["read_fast"]

_Add = Callable[[dict[str, Any]], None]
# Each element's base URI as feedparser tracks it (see _bases); empty without xml:base.
_Bases = Mapping[Any, str]
_Read = tuple[dict[str, Any], list[dict[str, Any]]]  # the feed's values, its entries
_NO_BASES: _Bases = {}

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
# feedburner:origLink is the article behind the proxy's tracking link; the same element
# in another proxy's namespace is left to feedparser (see _inert).
ORIG_LINK = "{http://rssnamespace.org/feedburner/ext/1.0}origLink"
# Tags compared in the readers' loops, built once (an f-string there is built at
# every comparison, for every child of every entry).
DC_DATE, DC_CREATOR, DC_SUBJECT = f"{DC}date", f"{DC}creator", f"{DC}subject"
DC_LANGUAGE, DC_TITLE = f"{DC}language", f"{DC}title"
ITUNES_SUMMARY, CONTENT_ENCODED = f"{ITUNES}summary", f"{CONTENT}encoded"
ATOM_LINK, ARXIV_ANNOUNCE = f"{ATOM}link", f"{ARXIV}announce_type"
# Media RSS's <media:content> (both of the namespace's spellings): digest reads its
# url, medium and type (an entry's image), which feedparser files as they are written.
MEDIA_CONTENT = frozenset({"{http://search.yahoo.com/mrss/}content",
                           "{http://search.yahoo.com/mrss}content"})  # fmt: skip
# <media:thumbnail>: its url (an attribute, else its text) is an entry's image too.
MEDIA_THUMBNAIL = frozenset({"{http://search.yahoo.com/mrss/}thumbnail",
                             "{http://search.yahoo.com/mrss}thumbnail"})  # fmt: skip
MEDIA = (*MEDIA_CONTENT, *MEDIA_THUMBNAIL)
_MRSS = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")
# feedparser reads media:title as a title (see _Title) and media:description as a
# description; media:credit and media:text it files where digest never reads.
MEDIA_TITLE = frozenset(f"{ns}title" for ns in _MRSS)
MEDIA_DESCRIPTION = frozenset(f"{ns}description" for ns in _MRSS)
_MEDIA_IGNORED = frozenset(f"{ns}{t}" for ns in _MRSS for t in ("credit", "text"))
# GeoRSS geometries: feedparser files them as the entry's "where", read nowhere.
_GEORSS = frozenset(f"{{http://www.georss.org/georss}}{t}" for t in ("point", "line", "polygon",
                                                                   "box"))  # fmt: skip
# What an RSS item's media:content may hold: each filed as if it were the item's own.
_MEDIA_KIDS = MEDIA_TITLE | MEDIA_DESCRIPTION | _MEDIA_IGNORED | MEDIA_THUMBNAIL
# A channel's Media RSS elements, all filed where digest never reads (its tags...).
_MEDIA_CHANNEL = frozenset(f"{ns}{t}" for ns in _MRSS for t in ("category", "copyright",
                                                                "keywords"))  # fmt: skip
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
RDF_ABOUT = f"{RDF}about"
# RSS 1.0's namespace and RSS 0.90's, both of which feedparser files as none.
_RDF_RSS = frozenset({"{http://purl.org/rss/1.0/}", "{http://my.netscape.com/rdf/simple/0.9/}"})
_XML_ATTRIBUTE = {XML_BASE: "xml:base", "{http://www.w3.org/XML/1998/namespace}lang": "xml:lang"}
# feedparser's prefixes of the namespaces it knows, by lowercased URI as it matches them
# (its own table has mixed-case keys: Atom's is one, so atom:updated was taken for inert).
_KNOWN_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
ATOM_UPDATED, ATOM_PUBLISHED = f"{ATOM}updated", f"{ATOM}published"
# Podcasting 2.0 elements are read from the body by digest.parse.extras.podcast_tags,
# never from feedparser's entry, which files them under keys digest does not read.
_PODCAST_NS = ("podcastindex", "podcast-namespace")
# What makes digest.parse.feed run podcast_tags (lowercased bytes: a superset).
_PODCAST_MARK_RE = re.compile(rb"podcastindex|xmlns:podcast")
# rss.arxiv.org's listings (RSS and Atom) add these to each entry: the announce type is
# read (arxiv_announce_type); feedparser files dc:rights under "rights", never read.
# export.arxiv.org's API (Atom) adds a comment, a journal reference, a DOI and the
# primary category, all read (arxiv_extra): feedparser files a text one as arxiv_<name>,
# the category (attributes only) as its attributes; and each author's affiliation.
_ARXIV_TEXT = frozenset(f"{ARXIV}{t}" for t in ("announce_type", "comment", "journal_ref", "doi"))
ARXIV_PRIMARY, ARXIV_AFFILIATION = f"{ARXIV}primary_category", f"{ARXIV}affiliation"
_ARXIV_ENTRY = frozenset({*_ARXIV_TEXT, ARXIV_PRIMARY, f"{DC}rights"})
# Keys (prefixes) of feedparser's entries that digest.parse reads beyond the core ones.
_READ_PREFIXES = ("itunes", "media", "podcast", "arxiv", "image", "enclosure", "link", "id",
                  "title", "summary", "content", "tags", "author", "published", "updated",
                  "created", "ttl")  # fmt: skip
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
BROWSER_FRIENDLY = "{http://rssnamespace.org/feedburner/ext/1.0}browserFriendly"
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
_ATOM_FEED = frozenset(
    f"{ATOM}{t}" for t in ("id", "title", "subtitle", "updated", "link", "author", "generator",
                           "icon", "logo", "rights", "category", "contributor", "entry")
) | {BROWSER_FRIENDLY}  # fmt: skip
_ATOM_ENTRY = frozenset(
    f"{ATOM}{t}" for t in ("id", "title", "link", "published", "updated", "summary", "content",
                           "author", "category", "contributor", "rights", "source")
) | {f"{DC}creator", ORIG_LINK, *_ARXIV_ENTRY, *MEDIA, *_GEORSS}  # fmt: skip
# The longest "author" string an Atom person may take its name from (see _People):
# real names are far shorter; a hostile one would be split again for each person.
_MAX_INHERITED = 1000
_NOT_IN_SOURCE = frozenset({"entry", "feed", "item", "channel", "rss", "RDF"})  # local names
_ATOM_PERSON = frozenset({f"{ATOM}name", f"{ATOM}email", f"{ATOM}uri", ARXIV_AFFILIATION})
_SINGLE = frozenset({
    "title", "link", "guid", "pubDate", "description", f"{CONTENT}encoded", f"{DC}date",
    "ttl", f"{ATOM}id", f"{ATOM}title", f"{ATOM}published", f"{ATOM}updated", ORIG_LINK,
    f"{ATOM}summary", f"{ATOM}content", *_ARXIV_TEXT, ARXIV_PRIMARY, f"{DC}rights",
})  # fmt: skip
_TEXT_TYPES = {None: "text/plain", "text": "text/plain", "text/plain": "text/plain",
               "html": "text/html", "text/html": "text/html"}  # fmt: skip
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XHTML = "{http://www.w3.org/1999/xhtml}"
_XHTML_TYPE = "application/xhtml+xml"
_QUOTE = {'"': "&quot;"}
_UTF8 = frozenset({"utf-8", "utf8"})
_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.I)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)

# A DOCTYPE (with any entity declarations) can only stand before the root element:
# searching the prolog alone saves scans of the whole body.
_PROLOG_OPAQUE = (b"<!DOCTYPE", b"<!doctype", b"<!ENTITY")
_ROOT_RE = re.compile(rb"<[A-Za-z]")
# "base", spaces, "=" in the lowercased bytes: an attribute of that name may be set
# ("database" in a text, not). A bounded run of spaces, so never a long rescan.
_BASE_SET_RE = re.compile(rb"base\s{0,31}=")
# collect_ids off: no table of xml:id values, which nothing here looks up (-17% CPU).
# The document's namespace prefixes by URI (see _prefixes), while read_fast reads it.
_DECLARED: ContextVar[dict[str, list[str]] | None] = ContextVar("declared", default=None)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, remove_pis=True, collect_ids=False)  # fmt: skip


class _Unsure(Exception):
    """This feed is for feedparser."""


def read_fast(
    body: bytes, headers: Mapping[str, str], add: Callable[[dict[str, Any]], None] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], Any] | None:
    """(feed, entries) as feedparser would give them, and the document's lxml tree
    (comments and processing instructions left out), or None: let feedparser read it.
    With ``add``, each entry goes to it as soon as it is read and ``entries`` stays
    empty (digest.parse.cap keeps only the newest: 100,000 never live at once)."""
    if not _plain_utf8(body, headers):
        return None
    root_at = m.start() if (m := _ROOT_RE.search(body)) else len(body)
    if any(mark in body[:root_at] for mark in _PROLOG_OPAQUE):
        return None
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    token = MAY_HOLD_C1.set(may_hold_c1(body))
    declared = _DECLARED.set(None)
    try:
        # xml:base (or a bare base attribute, which feedparser takes too) and inline
        # XHTML are rare enough that looking for them in the bytes first is cheaper
        # than walking the tree; feedparser lowercases names and types, so the bytes
        # are too (0.1 ms for a 150 KB feed; a case-blind regex took 0.5 ms).
        low = body.lower()
        bases = _bases(root) if _BASE_SET_RE.search(low) else _NO_BASES
        if b"xhtml" in low and not _declared_once(root, body):
            return None
        if root.tag == "rss" and root.get("version") == "2.0":
            feed, entries = _rss(root, add, bases)
        elif root.tag == f"{ATOM}feed":
            feed, entries = _atom(root, add, bases)
        elif root.tag == f"{RDF}RDF" and not _PODCAST_MARK_RE.search(low):
            # (digest.parse.extras.podcast_tags finds items by their bare name: once
            # renamed, an RDF tree's items would be found, not the body's own)
            feed, entries = _rdf(root, add, bases)
        else:
            return None
    except _Unsure:
        return None
    finally:
        MAY_HOLD_C1.reset(token)
        _DECLARED.reset(declared)
    return feed, entries, root


def _bases(root: Any) -> dict[Any, str]:
    """Every element's base URI as feedparser tracks it, quirks included: a base
    is made absolute against the one in force, and it is restored at an element's end
    only when its parent's was not empty, so the first xml:base under a parent
    without one stays in force for the elements after it (the next entries too)."""
    uri = ""
    stack: list[str] = []
    found: dict[Any, str] = {}
    joined: dict[tuple[str, str], str] = {}  # the same few pairs, for every element
    # Elements only (lxml filters); most have no attribute, so no base to read.
    for event, el in etree.iterwalk(root, events=("start", "end"), tag=etree.Element):
        if event == "end":
            stack.pop()
            if stack and stack[-1]:
                uri = stack[-1]
            continue
        given = (_base_attribute(el) if el.keys() else None) or uri
        if (joined_uri := joined.get((uri, given))) is None:
            joined_uri = joined[uri, given] = (
                (make_safe_absolute_uri(uri, given) or uri) if uri else _urljoin(uri, given)
            )
        uri = joined_uri
        stack.append(uri)
        found[el] = uri
    return found


def _base_attribute(el: Any) -> str | None:
    """xml:base, else a bare base attribute (feedparser reads both, in that order)."""
    xml, plain = None, []
    for name, value in el.attrib.items():
        if name == XML_BASE:
            xml = value
        elif name.rsplit("}", 1)[-1].lower() == "base":
            plain.append((name, value))
    if len(plain) > 1 or any(name.startswith("{") for name, _ in plain):
        raise _Unsure  # feedparser would file another namespace's "base" as "base" too
    return xml if xml is not None else (plain[0][1] if plain else None)


def _plain_utf8(body: bytes, headers: Mapping[str, str]) -> bool:
    """UTF-8 bytes that every label agrees are UTF-8 (or that carry no label)."""
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    labels = [m.group(1) for m in [_CHARSET_RE.search(ctype)] if m]
    labels += [m.group(1).decode("ascii") for m in [_DECL_RE.match(body)] if m]
    if any(label.lower() not in _UTF8 for label in labels):
        return False
    if body.isascii():  # one C pass, no copy: ASCII is UTF-8
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not body.startswith((b"\xff\xfe", b"\xfe\xff"))


def _text(el: Any) -> str:
    if len(el):  # child markup: feedparser rebuilds it, we do not
        raise _Unsure
    return fix_text(el.text or "")


def _stripped(el: Any) -> str:
    """A value feedparser keeps as written, only stripped (a person's name or e-mail,
    a GeoRSS geometry: it reads them as elements holding no text: no mojibake repair)."""
    if len(el):
        raise _Unsure
    return (el.text or "").strip()


def _children(el: Any, allowed: frozenset[str]) -> list[Any]:
    kids: list[Any] = []
    seen: set[str] = set()
    # Elements only (lxml filters); each .tag builds a new string, so it is read once.
    for kid in el.iterchildren(etree.Element):
        tag = kid.tag
        if tag in allowed:
            kids.append(kid)
        elif not _inert(kid):
            raise _Unsure
        if tag in _SINGLE:
            if tag in seen:
                raise _Unsure
            seen.add(tag)
    return kids


def _inert(el: Any) -> bool:
    """An extension element feedparser only files under its own key, which digest never
    reads: namespaced, no child elements, no feedparser handler for its name."""
    if len(el) or not el.tag.startswith("{"):
        return False
    uri, local = el.tag[1:].split("}", 1)
    lower = uri.lower()
    if local.lower() == "origlink" or "backend.userland.com/rss" in lower:
        return False  # a proxy's original link is read (digest.parse.extras)
    prefix = _KNOWN_PREFIXES.get(lower, el.prefix)
    if prefix is None:
        # An unknown namespace declared as the default (WordPress's <site xmlns=...>):
        # feedparser names the element by a prefix declared for that URI anywhere
        # before, else by its local name alone; each of those must be inert.
        names = [local, *(f"{p}_{local}" for p in _prefixes(el).get(uri, ()))]
        return all(_inert_name(name.lower(), lower) for name in names)
    return bool(prefix) and _inert_name(f"{prefix}_{local}".lower(), lower)


def _prefixes(el: Any) -> dict[str, list[str]]:
    """The document's prefixes by namespace URI, from one walk of its declarations
    (el.nsmap at each element would walk its ancestors' declarations every time)."""
    if (found := _DECLARED.get()) is None:
        found = {}
        root = el.getroottree().getroot()
        for _, (prefix, uri) in etree.iterwalk(root, events=("start-ns",)):
            if prefix:
                found.setdefault(uri, []).append(prefix)
        _DECLARED.set(found)
    return found


def _inert_name(name: str, uri: str) -> bool:
    if hasattr(_FeedParserMixin, f"_start_{name}") or hasattr(_FeedParserMixin, f"_end_{name}"):
        return False
    return not name.startswith(_READ_PREFIXES) or (
        name.startswith("podcast_") and any(ns in uri for ns in _PODCAST_NS)
    )


def _detail(el: Any, default: str, guess: bool, bases: _Bases) -> dict[str, Any]:
    """A feedparser content detail: value, type (RSS titles guessed), base."""
    if el.get("src") is not None or el.get("mode") is not None:
        raise _Unsure
    given = el.get("type", default).lower()
    if given in ("xhtml", _XHTML_TYPE) and not guess:  # Atom's inline XHTML
        return _content(_XHTML_TYPE, fix_text(_xhtml(el)), bases.get(el, ""))
    kind = _TEXT_TYPES.get(given)
    if kind is None:
        raise _Unsure
    value = _text(el)
    if guess and kind == "text/plain" and _FeedParserMixin.looks_like_html(value):
        kind = "text/html"
    return _content(kind, value, bases.get(el, ""))


def _content(kind: str, value: str, base: str) -> dict[str, Any]:
    """The detail's mapping, with one key feedparser has not: "controls", False when
    the value cannot hold a character sanitize.strip_control drops (the XML parser
    refused all of them; fix_text's mojibake repair can only make U+FFFE and U+FFFF),
    so clean_html need not scan a long body for them (4% of a feed's parse)."""
    controls = "\ufffe" in value or "\uffff" in value
    return {"type": kind, "value": value, "base": base, "controls": controls}


def _xhtml(el: Any) -> str:
    """Atom inline XHTML as feedparser rebuilds it from its parser's events: the
    wrapping div dropped, tag and attribute names lowercased, rel and type values too,
    attributes double-quoted, text escaped, every element closed (``<br></br>``).
    Anything else (another namespace inside, text beside the div) is for feedparser."""
    if (el.text or "").strip() or len(el) != 1:
        raise _Unsure
    div = el[0]
    if div.tag not in (f"{XHTML}div", f"{ATOM}div") or (div.tail or "").strip():
        raise _Unsure
    pieces = [escape(div.text or "")]
    _rebuild(div, pieces)
    return "".join(pieces)


def _rebuild(parent: Any, pieces: list[str]) -> None:
    for el in parent:
        tag = el.tag  # a new string at each read: read once
        if not isinstance(tag, str) or not tag.startswith((XHTML, ATOM)):
            raise _Unsure  # an entity left unexpanded, SVG, MathML...
        tag = tag.rsplit("}", 1)[1].lower()
        attrs = _attributes(el) if len(el.attrib) else ""  # most elements have none
        pieces += [f"<{tag}{attrs}>", _escaped(el.text)]
        _rebuild(el, pieces)
        pieces += [f"</{tag}>", _escaped(el.tail)]


def _escaped(text: str | None) -> str:
    return escape(text) if text else ""  # escape("") is three replace() calls


def _attributes(el: Any) -> str:
    names = [name.lower() for name in el.attrib]
    if len(set(names)) != len(names) or any(n.startswith("{") for n in names):
        raise _Unsure
    values = (v.lower() if n in ("rel", "type") else v
              for n, v in zip(names, el.attrib.values(), strict=True))  # fmt: skip
    return "".join(f' {n}="{escape(v, _QUOTE)}"' for n, v in zip(names, values, strict=True))


def _declared_once(root: Any, body: bytes) -> bool:
    """No namespace is declared again where it is already in force: feedparser copies
    such a declaration into inline XHTML as an attribute, lxml does not show it."""
    shown = len(root.nsmap)
    for el in root.iter():
        parent = el.getparent()
        if parent is not None and isinstance(el.tag, str):
            shown += sum(1 for k, v in el.nsmap.items() if parent.nsmap.get(k) != v)
    return body.count(b"xmlns") == shown


def _alternate(context: dict[str, Any], el: Any, bases: _Bases) -> None:
    """An Atom <link>: alternate HTML links set ``link`` (the last one wins)."""
    rel = (el.get("rel") or "alternate").lower()
    kind = (el.get("type") or ("application/atom+xml" if rel == "self" else "text/html")).lower()
    href = el.get("href")
    if href is None:
        raise _Unsure
    href = join_uri(bases.get(el, ""), href.strip())
    if rel == "alternate" and _FeedParserMixin.map_content_type(kind) in _HTML_TYPES:
        context["link"] = href
    elif rel == "enclosure":
        length = el.get("length")
        context.setdefault("enclosures", []).append({"href": href, "type": kind, "length": length})


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


def _media(e: dict[str, Any], el: Any, bases: _Bases) -> None:
    """An element of :data:`MEDIA`, filed as feedparser files it."""
    if el.tag in MEDIA_CONTENT:
        e.setdefault("media_content", []).append(_media_content(el))
    else:
        e.setdefault("media_thumbnail", []).append(_media_thumbnail(el, bases))


def _media_thumbnail(el: Any, bases: _Bases) -> dict[str, str]:
    """<media:thumbnail>'s attributes; without a url attribute, its text is the url,
    joined to the base in force (feedparser resolves a "url" element's text)."""
    found = _media_content(el)
    if "url" not in found and (text := _text(el)):
        found["url"] = join_uri(bases.get(el, ""), text)
    return found


def _media_content(el: Any, kids: bool = False) -> dict[str, str]:
    """<media:content>'s attributes as feedparser files them: names lowercased, as
    are the values of rel and type; xml:base and xml:lang under those names."""
    names = [_XML_ATTRIBUTE.get(name, name).lower() for name in el.attrib]
    if (len(el) and not kids) or len(set(names)) != len(names) or any(n[0] == "{" for n in names):
        raise _Unsure  # children feedparser would read; another namespace's attributes
    return {name: value.lower() if name in ("rel", "type") else value
            for name, value in zip(names, el.attrib.values(), strict=True)}  # fmt: skip


def _summary_from_content(e: dict[str, Any]) -> dict[str, Any]:
    """feedparser copies the content into a missing summary, without its detail."""
    if "summary" not in e and e.get("content"):
        e["summary"] = e["content"][0]["value"]
    return e


def _atom(root: Any, add: _Add | None, bases: _Bases) -> _Read:
    feed: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    add = add or entries.append
    people = _People()
    for el in _children(root, _ATOM_FEED):
        tag = el.tag[len(ATOM) :]
        if el.tag == BROWSER_FRIENDLY:
            _text(el)  # read nowhere
        elif tag == "entry":
            add(_atom_entry(el, bases))
        elif tag == "title":
            feed["title_detail"] = detail = _detail(el, "text", guess=False, bases=bases)
            feed["title"] = detail["value"]
        elif tag == "link":
            _alternate(feed, el, bases)
        elif tag == "author":
            feed.setdefault("authors", []).append(people.person(el))
        elif tag == "id":
            feed["id"] = join_uri(bases.get(el, ""), value) if (value := _text(el)) else value
    return _id_as_link(feed), entries


def _id_as_link(context: dict[str, Any]) -> dict[str, Any]:
    """feedparser takes an Atom id (a permalink unless it says otherwise) as the link
    when there is no alternate link."""
    if "link" not in context and context.get("id"):
        context["link"] = context["id"]
    return context


class _People:
    """feedparser's bookkeeping of the authors of one Atom context (feed or entry).
    Its "author" string: an Atom person's first value is filed over that string split
    as an RSS author (so a person with only an e-mail or a uri takes the name before
    it); at a person's end it becomes the person's "name (email)", else the person's
    own text, split as the person when the person has no value. And its author_detail:
    made by the first Atom value, or else it is the first person split from a text
    (dc:creator, an <author> with text only), which every later Atom value is then
    written into too; that case is left to feedparser."""

    __slots__ = ("aliased", "detail", "last")

    def __init__(self) -> None:
        self.last = ""
        self.detail = False  # author_detail is made
        self.aliased = False  # ... and it is a person split from a text

    def split(self, text: str) -> dict[str, str]:
        found = split_author(text)
        if found and not self.detail:
            self.detail = self.aliased = True
        return found

    def creator(self, el: Any) -> dict[str, str]:
        self.last = _text(el)
        return self.split(self.last)

    def person(self, el: Any) -> dict[str, str]:
        person: dict[str, str] = {}
        seen: set[str] = set()
        for kid in _children(el, _ATOM_PERSON):
            if kid.tag == ARXIV_AFFILIATION:  # the entry's arxiv_affiliation, read nowhere
                _arxiv_text(kid)
                continue
            key = {"name": "name", "email": "email", "uri": "href"}[kid.tag[len(ATOM) :]]
            if key in seen or self.aliased:
                raise _Unsure
            seen.add(key)
            self.detail = True
            if not person and self.last:
                if len(self.last) > _MAX_INHERITED:  # split again for every person after
                    raise _Unsure
                person.update(split_author(self.last))
            person[key] = _stripped(kid) if key != "href" else _text(kid)  # href: read nowhere
        name, email = person.get("name"), person.get("email")
        if name or email:  # nearly every person: its own text is not needed
            self.last = f"{name} ({email})" if name and email else name or email or ""
            return person
        self.last = own = fix_text("".join([el.text or "", *(kid.tail or "" for kid in el)]))
        return self.split(own) if own and not person else person


def _source(el: Any) -> None:
    """An Atom entry's <source> (the feed it was copied from): feedparser files all it
    holds under the entry's "source", read nowhere, while it resets the title depth
    (as an entry does, and an entry's title is single here). A nested entry or feed
    it would read as one: that is for feedparser."""
    if any(kid.tag.rsplit("}", 1)[-1] in _NOT_IN_SOURCE for kid in el.iter(etree.Element)):
        raise _Unsure


def _arxiv(e: dict[str, Any], el: Any) -> None:
    """An element of :data:`_ARXIV_ENTRY` (dc:rights is read nowhere)."""
    tag = el.tag
    if tag in _ARXIV_TEXT:
        e[f"arxiv_{tag[len(ARXIV) :]}"] = _arxiv_text(el)
    elif tag == ARXIV_PRIMARY:
        if not el.attrib or (el.text or "").strip():
            raise _Unsure  # feedparser would file its text, not a mapping
        e["arxiv_primary_category"] = _media_content(el)  # its attributes, as filed


def _arxiv_text(el: Any) -> str:
    if el.attrib:  # feedparser would file the attributes instead
        raise _Unsure
    return _text(el)


def _atom_entry(entry: Any, bases: _Bases) -> dict[str, Any]:
    e: dict[str, Any] = {}
    people: _People | None = None  # most entries have no author, or one
    for el in _children(entry, _ATOM_ENTRY):
        if not el.tag.startswith(ATOM):
            if el.tag == DC_CREATOR:
                people = people or _People()
                e.setdefault("authors", []).append(people.creator(el))
            elif el.tag == ORIG_LINK:
                e["feedburner_origlink"] = _text(el)
            elif el.tag in MEDIA:
                _media(e, el, bases)
            elif el.tag in _GEORSS:
                _stripped(el)  # read nowhere
            else:
                _arxiv(e, el)
            continue
        tag = el.tag[len(ATOM) :]
        if tag == "title":
            e["title_detail"] = detail = _detail(el, "text", guess=False, bases=bases)
            e["title"] = detail["value"]
        elif tag == "id":
            value = _text(el)
            e["id"] = join_uri(bases.get(el, ""), value) if value else value
        elif tag == "link":
            _alternate(e, el, bases)
        elif tag in ("published", "updated"):
            e[f"{tag}_parsed"] = feed_date(_text(el))
        elif tag == "summary":
            e["summary_detail"] = detail = _detail(el, "text", guess=False, bases=bases)
            e["summary"] = detail["value"]
        elif tag == "content":
            e["content"] = [_detail(el, "text", guess=False, bases=bases)]
        elif tag == "author":
            people = people or _People()
            e.setdefault("authors", []).append(people.person(el))
        elif tag == "category":
            term = el.get("term")
            e.setdefault("tags", []).append({"term": term, "scheme": el.get("scheme")})
        elif tag == "source":
            _source(el)
    return _summary_from_content(_id_as_link(e))
