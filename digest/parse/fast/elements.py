"""The fast path's reading of XML elements as feedparser reads them: namespaces, the
xml:base it tracks, text, the children it allows, text constructs and inline XHTML.
Shared by the RSS and Atom readers (:mod:`.rss`, :mod:`.atom`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any
from xml.sax.saxutils import escape

from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri
from lxml import etree

from digest.parse.values import fix_text, join_uri

_Add = Callable[[dict[str, Any]], None]
# Each element's base URI as feedparser tracks it (see _bases); empty without xml:base.
_Bases = Mapping[Any, str]
_Read = tuple[dict[str, Any], list[dict[str, Any]]]  # the feed's values, its entries

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"
# feedburner:origLink is the article behind the proxy's tracking link; the same element
# in another proxy's namespace is left to feedparser (see _inert).
ORIG_LINK = "{http://rssnamespace.org/feedburner/ext/1.0}origLink"
# Tags compared in the readers' loops, built once (an f-string there is built at
# every comparison, for every child of every entry).
DC_DATE, DC_CREATOR, DC_SUBJECT = f"{DC}date", f"{DC}creator", f"{DC}subject"
# Media RSS's <media:content> (both of the namespace's spellings): digest reads its
# url, medium and type (an entry's image), which feedparser files as they are written.
MEDIA_CONTENT = frozenset({"{http://search.yahoo.com/mrss/}content",
                           "{http://search.yahoo.com/mrss}content"})  # fmt: skip
# <media:thumbnail>: its url (an attribute, else its text) is an entry's image too.
MEDIA_THUMBNAIL = frozenset({"{http://search.yahoo.com/mrss/}thumbnail",
                             "{http://search.yahoo.com/mrss}thumbnail"})  # fmt: skip
MEDIA = (*MEDIA_CONTENT, *MEDIA_THUMBNAIL)
# GeoRSS geometries: feedparser files them as the entry's "where", read nowhere.
_GEORSS = frozenset(f"{{http://www.georss.org/georss}}{t}" for t in ("point", "line", "polygon",
                                                                   "box"))  # fmt: skip
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
# feedparser's prefixes of the namespaces it knows, by lowercased URI as it matches them
# (its own table has mixed-case keys: Atom's is one, so atom:updated was taken for inert).
_KNOWN_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
# Podcasting 2.0 elements are read from the body by digest.parse.extras.podcast_tags,
# never from feedparser's entry, which files them under keys digest does not read.
_PODCAST_NS = ("podcastindex", "podcast-namespace")
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
# feedburner:browserFriendly, in RSS channels and Atom feeds: feedparser files it as
# the feed's "info", which digest never reads.
BROWSER_FRIENDLY = "{http://rssnamespace.org/feedburner/ext/1.0}browserFriendly"
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
# The document's namespace prefixes by URI (see _prefixes), while read_fast reads it.
_DECLARED: ContextVar[dict[str, list[str]] | None] = ContextVar("declared", default=None)


class _Unsure(Exception):
    """This feed is for feedparser."""


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
