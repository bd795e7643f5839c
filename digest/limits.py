"""How long a stored text may be: the one home of the field limits, enforced where
feed entries are stored (and built, by the parse worker) and on the editor's edits
(CLI and web form alike). A feed's 1 MB title would otherwise be stored, indexed and
published whole (issue #20.5)."""

from __future__ import annotations

import re
from dataclasses import replace

from digest.sanitize import clean_html
from digest.types import EntryData

__all__ = ["FIELD_LIMITS", "cap_entry", "cut_html", "cut_text", "over_limit"]

# Characters per field. "title" and "summary" are also the editor's limits (the web
# form's maxlength mirrors them); the HTML limits are generous: a long article's
# sanitised content is ~100 KB, an abstract ~2 KB.
FIELD_LIMITS: dict[str, int] = {
    "title": 500,
    "summary": 5_000,
    "author": 200,  # each author's name
    "authors": 50,  # names per entry
    "summary_html": 50_000,
    "content_html": 400_000,
}

ELLIPSIS = "…"
_OPEN_MARKUP_RE = re.compile(r"<[^>]*$|&[#\w]*$")  # a tag or reference cut in half


def cut_text(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut on a word boundary (when
    one is near) with an ellipsis, the whole at most ``limit`` long."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    space = head.rfind(" ")
    if space > limit // 2:  # a word boundary near the end: cut there, not mid-word
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def cut_html(html: str, limit: int) -> str:
    """Sanitised ``html`` cut to about ``limit`` characters: never inside a tag or a
    character reference, on a word boundary, with an ellipsis; the sanitiser then
    closes the elements left open (so the result may be a little longer)."""
    if len(html) <= limit:
        return html
    head = _OPEN_MARKUP_RE.sub("", html[: max(limit - 1, 0)])
    space = max(head.rfind(" "), head.rfind(">"))
    if space > limit // 2:
        head = head[: space + 1] if head[space] == ">" else head[:space]
    return clean_html(head.rstrip() + ELLIPSIS)


def _fits(entry: EntryData) -> bool:
    """Every field cap_entry cuts is within its limit."""
    return (
        len(entry.title) <= FIELD_LIMITS["title"]
        and len(entry.summary_html) <= FIELD_LIMITS["summary_html"]
        and len(entry.content_html) <= FIELD_LIMITS["content_html"]
        and len(entry.authors) <= FIELD_LIMITS["authors"]
        and all(len(a) <= FIELD_LIMITS["author"] for a in entry.authors)
    )


def over_limit(name: str, value: str) -> str | None:
    """Why ``value`` does not fit field ``name`` (None when it does): for the editor,
    whose text is refused rather than cut."""
    limit = FIELD_LIMITS[name]
    if len(value) <= limit:
        return None
    return f"the {name} is {len(value):,} characters long; at most {limit:,} fit"


def cap_entry(entry: EntryData) -> EntryData:
    """``entry`` with each text field cut to its limit; the same object when all fit,
    so the caller can tell (and keep keys taken from the uncut entry only then)."""
    if _fits(entry):  # nearly every entry: nothing to cut, no tuples to build
        return entry
    title = cut_text(entry.title, FIELD_LIMITS["title"])
    summary = cut_html(entry.summary_html, FIELD_LIMITS["summary_html"])
    content = cut_html(entry.content_html, FIELD_LIMITS["content_html"])
    authors = tuple(
        cut_text(a, FIELD_LIMITS["author"]) for a in entry.authors[: FIELD_LIMITS["authors"]]
    )
    if (title, summary, content, authors) == (
        entry.title,
        entry.summary_html,
        entry.content_html,
        entry.authors,
    ):
        return entry
    return replace(
        entry, title=title, summary_html=summary, content_html=content, authors=authors, keys=None
    )
