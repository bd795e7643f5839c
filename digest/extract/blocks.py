"""A post's text as blocks and sentences (pure: no I/O, no clock).

Markup or plain text becomes paragraphs, headings and list items (:class:`Block`); the
boilerplate feeds add to a post ("Continue reading", WordPress's "The post X appeared
first on Y.", a cut-off mark, share and comment lines) is taken off each block; and a
text splits into sentences where an abbreviation does not end one. Every search here
is linear in its text: feed text comes from strangers (tests/test_summarize.py).
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from digest.sanitize import html_to_text, strip_control

__all__ = [
    "ENDS_SENTENCE",
    "MORE",
    "WORD",
    "Block",
    "article_blocks",
    "blocks",
    "clean_blocks",
    "footer_span",
    "is_cut",
    "iter_clean",
    "plain_blocks",
    "split_sentences",
    "word_count",
]

WORD = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\s\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+"
)
_TAG = re.compile(r"<[a-zA-Z/!]")
_BLOCK_TAG = re.compile(
    r"<(/?)(p|div|li|h[1-6]|br|tr|td|th|blockquote|pre|ul|ol|dl|dt|dd|section|article|"
    r"header|footer|aside|nav|figure|figcaption|table|hr)\b[^>]*>",
    re.IGNORECASE,
)
# WordPress's footer, "The post X appeared first on Y.", is found by its two literals:
# the one regex it used to be, r"\s*The post\s.+?\sappeared first on\s.+?(?:\.\s*|$)"
# (re.I | re.S), ran from every "The post" to the end of the text when no footer
# followed: quadratic, 2.7 s of CPU a search in 66 KB of "The post x ". footer_span finds
# what it matched, in one pass.
_FOOTER_START = re.compile(r"The post\s", re.I)
_FOOTER_MIDDLE = re.compile(r"\sappeared first on\s", re.I)
# (?<!\s) here and in summarize's _PR_TAIL: a run of whitespace is tried from its start only. A
# later start finds nothing the first did not, and each ran to the end of the run:
# quadratic (10 s for 30,000 spaces), were a text ever to keep such a run.
MORE = re.compile(
    r"(?<!\s)\s*[(\[]?\b(?:continue reading|read more|keep reading|read the (?:full|rest|whole)\b"
    r"|read full (?:story|article|post)|(?:view|see) (?:the )?full (?:post|article)"
    r"|weiterlesen|lire la suite|leer más|\(more…\))",
    re.I,
)
# The mark of a text cut off ("…", "[...]", "...") and the whitespace around it, read
# backwards from the end of the text: a search for it at the end,
# r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.{3,}|\[\s*\])\s*$", started at every dot of a
# run of dots and ran to its end (quadratic: 3 s a search in 24 KB of dots).
_CUT_BACKWARDS = re.compile(r"\s*(?:\]\s*(?:…|\.\.\.)\s*\[|…|\.{3,}|\]\s*\[)\s*")
_JUNK_LINE = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|leave a (?:comment|reply)|share(?: this)?"
    r"|share (?:on|via) \w+|tweet|like this|related(?: posts| articles)?|advertisement|sponsored"
    r"|facebook|twitter|linkedin|e-?mail|print|reddit|pinterest|whatsapp|mastodon|permalink"
    r"|subscribe\b.*|(?:tags?|filed under|posted in|categories)\b.*|share this:?.*)[:.!]?$",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:[-*•+·▪◦]|\d{1,3}[.)])\s+")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+")
ENDS_SENTENCE = re.compile(r"[.!?。！？…][\"'”’)\]]*$")
# A run of "." "!" "?" is tried from its first character only (the lookbehind): the
# later ones fail as it did, and trying each of them made a long run quadratic (4 s
# for 24 KB of dots).
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]+[\"'”’)\]]*\s+|[。！？]+[\"'”’」』)]*\s*")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr prof inc ltd co corp jr sr st no fig figs eq eqs al approx "
    "cf ca dept est gen gov jan feb mar apr jun jul aug sep sept oct nov dec mt ph.d u.s u.k "
    "op sec vol ref refs".split()
)


@dataclass(frozen=True)
class Block:
    """A paragraph-like piece of text; ``kind`` is "heading", "item" or "text"."""

    text: str
    kind: str = "text"


def word_count(text: str) -> int:
    """Words, counting each CJK character as one (those scripts use no spaces)."""
    return len(WORD.findall(text))


def plain_blocks(text: str) -> list[Block]:
    out: list[Block] = []
    for line in strip_control(htmllib.unescape(text)).splitlines():
        kind = "heading" if _MD_HEADING.match(line) else "item" if _BULLET.match(line) else "text"
        clean = " ".join(_MD_HEADING.sub("", _BULLET.sub("", line)).split()).strip("*_ ")
        if clean:
            out.append(Block(clean, kind))
    return out


def blocks(markup: str) -> list[Block]:
    """Split feed HTML (or plain/Markdown-ish text) into blocks at block-level tags."""
    if not markup.strip():
        return []
    if not _TAG.search(markup):
        return plain_blocks(markup)
    parts = _split_at_block_tags(markup)
    out = [Block(t) for t in [html_to_text(parts[0])] if t]
    for i in range(1, len(parts) - 2, 3):
        closing, tag, chunk = parts[i], parts[i + 1].lower(), parts[i + 2]
        text = html_to_text(chunk)
        if not text:
            continue
        heading = not closing and tag[0] == "h" and tag[1:].isdigit()
        out.append(
            Block(text, "heading" if heading else "item" if tag == "li" and not closing else "text")
        )
    return out


def _split_at_block_tags(markup: str) -> list[str]:
    """``_BLOCK_TAG.split(markup)``, kept out of the text after the last ">": no tag
    that ends with one starts there, and from every "<p" in it the search would run to
    the end (quadratic in markup that is not clean_html's)."""
    tail = markup.rfind(">") + 1
    parts = _BLOCK_TAG.split(markup[:tail])
    parts[-1] += markup[tail:]
    return parts


def article_blocks(text: str) -> list[Block]:
    return plain_blocks(text)


def _strip_boilerplate(text: str) -> tuple[str, bool]:
    """Text without trailing "read more"/"The post..." noise, and whether it was cut off.

    Every block of a post passes here, so each pattern is tried only where it can match
    (the last 120 characters, the last character): same result, a third of the time."""
    text = _drop_footers(text).strip()
    more = MORE.search(text[-120:]) and MORE.search(text)
    if more and len(text) - more.start() < 120:
        text = text[: more.start()].rstrip(" :-–—→»>|")
    mark = _cut_mark(text)
    return (text if mark is None else text[:mark]).strip(), mark is not None


def footer_span(text: str, pos: int = 0) -> tuple[int, int] | None:
    """The span of the first "The post X appeared first on Y." footer at or after
    ``pos``, with the whitespace before it (and after its full stop), or None.

    Only the first "The post" can start one: when no "appeared first on" follows it,
    none follows a later one. X and Y are at least a character each; the footer ends at the first
    full stop in Y, else at the end of the text (before a final newline)."""
    start = _FOOTER_START.search(text, pos)
    if start is None:
        return None
    middle = _FOOTER_MIDDLE.search(text, start.end() + 1)
    if middle is None or middle.end() == len(text):
        return None
    begin = start.start()
    while begin > pos and text[begin - 1].isspace():
        begin -= 1
    return begin, _footer_end(text, middle.end() + 1)


def _footer_end(text: str, after: int) -> int:
    """The end of a footer whose site name goes on at ``after``: past the first full
    stop from there and the whitespace after it, else the end of the text."""
    end = len(text)
    if text.endswith("\n") and end - 1 >= after:
        end -= 1  # "$": a final newline is left, as re leaves it
    stop = text.find(".", after, end)
    if stop == -1:
        return end
    end = stop + 1
    while end < len(text) and text[end].isspace():
        end += 1
    return end


def _drop_footers(text: str) -> str:
    """``text`` with each "The post X appeared first on Y." footer replaced by a space."""
    kept: list[str] = []
    pos = 0
    while (footer := footer_span(text, pos)) is not None:
        kept += (text[pos : footer[0]], " ")
        pos = footer[1]
    return "".join(kept) + text[pos:] if kept else text


def _cut_mark(text: str) -> int | None:
    """Where the mark of a text cut off ("…", "[...]") starts, with the whitespace
    before it, or None: only text ending in "…", "..." or "]" can have one."""
    if not text.rstrip().endswith(("…", "...", "]")):
        return None
    mark = _CUT_BACKWARDS.match(text[::-1])
    return None if mark is None else len(text) - mark.end()


def is_cut(text: str) -> bool:
    return _cut_mark(text) is not None


def clean_blocks(items: Iterable[Block], title: str = "") -> list[Block]:
    """Drop headings, junk lines ("Share", "3 Comments") and a repeated title; trim noise."""
    return list(iter_clean(items, title))


def iter_clean(items: Iterable[Block], title: str = "") -> Iterator[Block]:
    """:func:`clean_blocks` one block at a time: a summary needs the first few blocks
    of a post, and cleaning costs more than anything else a summary does."""
    for block in items:
        text, cut = _strip_boilerplate(block.text)
        if not text or block.kind == "heading" or _JUNK_LINE.match(text):
            continue
        if title and text.casefold() == title.strip().casefold():
            continue
        if cut:  # drop the unfinished last sentence; keep it if it is all there is
            sentences = split_sentences(text)
            whole = [s for s in sentences if ENDS_SENTENCE.search(s)]
            text = " ".join(whole) if whole else text + " …"
        yield Block(text, block.kind)


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether the last word of ``text[start:end]`` is an abbreviation or an initial."""
    word = _last_word(text, start, end).lstrip("(\"'“‘[").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _last_word(text: str, start: int, end: int) -> str:
    """``text[start:end].rsplit(None, 1)[-1]``, "" for blank text, reading back from
    ``end`` no further than the word: copying the sentence so far at every full stop
    was quadratic in a long run of abbreviations (4 s for "Use e.g. " * 40000)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    begin = end
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; abbreviations ("e.g.", "Dr.", initials) do not end one."""
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group()[0] in ".!?":
            nxt = text[match.end() : match.end() + 1]
            if nxt and nxt.islower():
                continue
            if match.group()[0] == "." and _is_abbreviation(text, start, match.start()):
                continue
        piece = text[start : match.end()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out
