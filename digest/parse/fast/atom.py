"""Atom 1.0 feeds and entries, their people (as feedparser files them) and sources,
into feedparser-shaped mappings."""

from __future__ import annotations

from typing import Any

from lxml import etree

from digest.parse.fast.elements import (
    _ARXIV_ENTRY,
    _GEORSS,
    ARXIV_AFFILIATION,
    ATOM,
    BROWSER_FRIENDLY,
    DC,
    DC_CREATOR,
    MEDIA,
    ORIG_LINK,
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
from digest.parse.fast.extensions import _arxiv, _arxiv_text, _media, _summary_from_content
from digest.parse.values import feed_date, fix_text, join_uri, split_author

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
