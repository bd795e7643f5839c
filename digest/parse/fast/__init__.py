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
from typing import Any

from lxml import etree

from digest.parse.fast.atom import _atom
from digest.parse.fast.elements import _DECLARED, ATOM, RDF, _Bases, _bases, _declared_once, _Unsure
from digest.parse.fast.rss import _rdf, _rss
from digest.parse.values import MAY_HOLD_C1, may_hold_c1

__all__ = ["read_fast"]
_NO_BASES: _Bases = {}
# What makes digest.parse.feed run podcast_tags (lowercased bytes: a superset).
_PODCAST_MARK_RE = re.compile(rb"podcastindex|xmlns:podcast")
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
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, remove_pis=True, collect_ids=False)  # fmt: skip


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
