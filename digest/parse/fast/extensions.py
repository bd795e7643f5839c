"""Extensions both formats carry, read as feedparser files them: Media RSS (an entry's
image), arXiv's elements, and a summary taken from the content."""

from __future__ import annotations

from typing import Any

from digest.parse.fast.elements import (
    _ARXIV_TEXT,
    ARXIV,
    ARXIV_PRIMARY,
    MEDIA_CONTENT,
    XML_BASE,
    _Bases,
    _text,
    _Unsure,
)
from digest.parse.values import join_uri

_XML_ATTRIBUTE = {XML_BASE: "xml:base", "{http://www.w3.org/XML/1998/namespace}lang": "xml:lang"}


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
