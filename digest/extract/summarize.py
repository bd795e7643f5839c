"""One-paragraph summaries and teaser detection (pure: no I/O, no clock).

A summary is complete sentences, no markup, no boilerplate, cut at a sentence boundary
between ``min_words`` and ``max_words`` where the text allows. Where it comes from depends
on the kind of source: an arXiv abstract, podcast show notes, release notes, or for blogs
and news the feed text or the extracted article page, whichever is better
(:func:`choose_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain

from digest.extract.blocks import (
    ENDS_SENTENCE,
    MORE,
    WORD,
    Block,
    article_blocks,
    blocks,
    clean_blocks,
    footer_span,
    is_cut,
    iter_clean,
    plain_blocks,
    split_sentences,
    word_count,
)
from digest.sanitize import html_to_text
from digest.types import (
    Article,
    Entry,
    ExtractPolicy,
    Metadata,
    SourceKind,
    Summary,
    SummaryMethod,
)

__all__ = [
    "choose_text",
    "is_teaser",
    "needs_article",
    "summarize",
    "summarize_feed",
]

TEASER_WORDS = 80
OWN_TEXT_KINDS = frozenset({SourceKind.ARXIV, SourceKind.PODCAST, SourceKind.RELEASE})
_BOILERPLATE = re.compile(
    r"\b(?:cookies?|enable javascript|javascript is (?:disabled|required)|access denied"
    r"|are you a (?:robot|human)|captcha|403 forbidden|page not found|404 not found"
    r"|subscribers? only|already a subscriber|sign in to (?:continue|read)"
    r"|log in to (?:continue|read)|subscribe to (?:continue|read)|paywall)\b",
    re.I,
)
_ARXIV_PREFIX = re.compile(r"^\s*arXiv:\s*\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.I)
_RELEASE_SKIP = re.compile(
    r"^(?:\**\s*)(?:what'?s changed|new contributors?|full changelog|changelog|contributors"
    r"|release notes|assets|checksums?|install(?:ation)?|downloads?|breaking changes:?$"
    r"|@[\w-]+ made (?:their|his|her) first contribution)",
    re.I,
)
_ISSUE_HEAD = re.compile(r"^(?:#\d+|[0-9a-f]{7,40})\b[\s:–—-]*", re.I)
_PR_TAIL = re.compile(
    r"(?<!\s)(?:\s+(?:by\s+@[\w-]+\s+)?in\s+https?://\S+$|\s*\((?:#\d+|[0-9a-f]{7,40})\))",
    re.I,
)
_URL = re.compile(r"https?://\S+")
_SHOW_SKIP = re.compile(
    r"^(?:\(?\[?\d{1,2}:\d{2}|(?:sponsors?|support|subscribe|follow|links?|show notes"
    r"|transcripts?|credits|music|produced|chapters?|timestamps?|episode links)\b)",
    re.I,
)


def _sentences(items: Iterable[Block]) -> Iterator[tuple[str, bool]]:
    """Complete sentences, each with whether it ends its block. Bullets become sentences;
    a short unpunctuated line followed by more text is a heading or a label ("Training
    details", "Share this") and an unpunctuated tail after whole sentences was cut off:
    both are dropped."""
    blocks = iter(items)
    following = next(blocks, None)
    while following is not None:  # one block of lookahead: is this one the last?
        block, following = following, next(blocks, None)
        last = following is None
        sentences = split_sentences(block.text)
        for position, sentence in enumerate(sentences, 1):
            ends_block = position == len(sentences)
            if ENDS_SENTENCE.search(sentence):
                yield sentence, ends_block
            elif sentence.endswith(":"):
                continue  # introduces a list we do not show
            elif block.kind == "item" or (len(sentences) == 1 and (last or _long(sentence))):
                yield _as_sentence(sentence), ends_block


def _as_sentence(fragment: str) -> str:
    """ "fix crash" -> "Fix crash."; "iOS"/"i18n"-like first words keep their case."""
    first = fragment.split(None, 1)[0]
    if first.isalpha() and first.islower():
        fragment = fragment[0].upper() + fragment[1:]
    return fragment.rstrip(",;-–— ") + "."


def _long(sentence: str) -> bool:
    return word_count(sentence) >= 12


def _cut_words(sentence: str, max_words: int) -> str:
    words = sentence.split()
    if len(words) <= 1:  # CJK: no spaces, cut by characters
        return sentence[:max_words].rstrip() + "…"
    return " ".join(words[:max_words]).rstrip(",;:-–—") + "…"


def fit(items: Iterable[Block], min_words: int, max_words: int) -> str:
    """Whole sentences up to ``max_words``, stopping at the first paragraph end after
    ``min_words``; a first sentence longer than ``max_words`` is cut and ends with "…"."""
    chosen: list[str] = []
    total = 0
    for sentence, ends_block in _sentences(items):
        words = word_count(sentence)
        if total + words > max_words:
            if not chosen:
                return _cut_words(sentence, max_words)
            break
        chosen.append(sentence)
        total += words
        if ends_block and total >= min_words:
            break
    return " ".join(chosen)


# --- where the text comes from ----------------------------------------------


def _feed_blocks(entry: Entry) -> list[Block]:
    """Blocks of the richer of the entry's content and summary."""
    return _richer(entry)[0]


def _richer(entry: Entry) -> tuple[list[Block], int]:
    """Blocks of the richer of the entry's content and summary, and their words."""
    content, summary = blocks(entry.content_html), blocks(entry.summary_html)
    size, other = _words(content), _words(summary)
    return (content, size) if size >= other else (summary, other)


def _words(items: Iterable[Block]) -> int:
    return sum(word_count(b.text) for b in items)


def is_teaser(entry: Entry) -> bool:
    """The feed gives only the start of the post: short, cut off, or "read more"."""
    return _teaser(_feed_blocks(entry))


def _teaser(feed: list[Block]) -> bool:
    raw = " ".join(b.text for b in feed).strip()
    if not raw:
        return True
    if footer_span(raw) is not None or is_cut(raw):
        return True
    more = MORE.search(raw[-120:]) and MORE.search(raw)  # as in _strip_boilerplate
    if more and len(raw) - more.start() < 120:
        return True
    return word_count(raw) < TEASER_WORDS


def needs_article(entry: Entry, policy: ExtractPolicy) -> bool:
    """Whether to fetch the entry's page: the policy, else only for blog/news teasers."""
    if not entry.link or policy == ExtractPolicy.NEVER:
        return False
    if policy == ExtractPolicy.ALWAYS:
        return True
    return entry.kind not in OWN_TEXT_KINDS and is_teaser(entry)


def _related(feed: list[Block], article: list[Block]) -> bool:
    """The page talks about what the feed said (not a cookie wall or another post):
    enough of the shorter text's longer words appear in the other."""
    feed_words = {w.casefold() for b in feed for w in WORD.findall(b.text) if len(w) >= 4}
    page_words = {w.casefold() for b in article for w in WORD.findall(b.text) if len(w) >= 4}
    smaller = min(len(feed_words), len(page_words))
    return smaller < 8 or len(feed_words & page_words) / smaller >= 0.3


def _article_problem(feed: list[Block], article: list[Block], raw: str) -> str | None:
    words = _words(article)
    if words < 20 or (words < 150 and _BOILERPLATE.search(raw)) or not _related(feed, article):
        return "boilerplate"
    if words <= _words(feed):
        return "shorter_than_feed"
    return None


def choose_text(
    entry: Entry, article: Article | None, feed_blocks: list[Block] | None = None
) -> tuple[str, SummaryMethod, str | None]:
    """Clean text for a blog/news summary, where it came from, and why a fallback happened.

    The article wins only when it is real text, related to the feed's, and longer."""
    raw = _feed_blocks(entry) if feed_blocks is None else feed_blocks
    feed = clean_blocks(raw, entry.title)
    note: str | None = None
    if article is not None:
        page = clean_blocks(article_blocks(article.text), entry.title)
        note = _article_problem(feed, page, article.text)
        if note is None:
            return _join(page), SummaryMethod.ARTICLE, None
        note = f"article: {note}"
    if _words(feed):
        return _join(feed), SummaryMethod.FEED, note
    return entry.title.strip(), SummaryMethod.TITLE, note or "no text in the feed"


def _join(items: list[Block]) -> str:
    return "\n".join(f"- {b.text}" if b.kind == "item" else b.text for b in items)


def _arxiv_blocks(entry: Entry) -> list[Block]:
    text = html_to_text(entry.summary_html or entry.content_html)
    return [Block(_ARXIV_PREFIX.sub("", text))] if text else []


def _release_blocks(feed: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in feed:
        text = _ISSUE_HEAD.sub("", _PR_TAIL.sub("", _PR_TAIL.sub("", block.text)))
        text = _URL.sub("", text).strip(" :-–—*")
        if block.kind == "heading" or _RELEASE_SKIP.match(text) or word_count(text) < 2:
            continue
        out.append(Block(text, "item"))
    return out


def _show_note_blocks(feed: list[Block]) -> list[Block]:
    return [b for b in feed if not _SHOW_SKIP.match(b.text) and not _URL.fullmatch(b.text)]


def _source(
    entry: Entry, article: Article | None, feed: list[Block]
) -> tuple[Iterable[Block], SummaryMethod, str | None]:
    if entry.kind == SourceKind.ARXIV:
        return _arxiv_blocks(entry), SummaryMethod.ABSTRACT, None
    if entry.kind == SourceKind.PODCAST:
        return _show_note_blocks(feed), SummaryMethod.SHOW_NOTES, None
    if entry.kind == SourceKind.RELEASE:
        return _release_blocks(feed), SummaryMethod.RELEASE_NOTES, None
    if article is None:
        return _feed_text(entry, feed)
    text, method, note = choose_text(entry, article, feed)
    return plain_blocks(text), method, note


def _feed_text(
    entry: Entry, feed: list[Block]
) -> tuple[Iterable[Block], SummaryMethod, str | None]:
    """choose_text without an article, one block at a time: the blocks of
    ``plain_blocks(_join(clean_blocks(feed)))``, cleaning no more than is read."""
    cleaned = iter_clean(feed, entry.title)
    first = next(cleaned, None)
    if first is None:
        return [], SummaryMethod.TITLE, "no text in the feed"
    lines = (f"- {b.text}" if b.kind == "item" else b.text for b in chain([first], cleaned))
    return chain.from_iterable(map(plain_blocks, lines)), SummaryMethod.FEED, None


def summarize(
    entry: Entry,
    article: Article | None = None,
    *,
    min_words: int = 40,
    max_words: int = 90,
    note: str | None = None,
) -> Summary:
    """One paragraph about ``entry``; ``note`` (e.g. "article: extract_timeout") is kept.

    The paragraph ends at the first paragraph end of the source past ``min_words``; it
    never goes past ``max_words`` and never ends mid-sentence, unless a single sentence
    is longer than ``max_words`` (then it is cut and ends with "…")."""
    feed, feed_words = _richer(entry)  # once: the text and the metadata both read it
    return _summarize(entry, article, feed, feed_words, min_words, max_words, note)


def summarize_feed(entry: Entry, *, min_words: int = 40, max_words: int = 90) -> Summary | None:
    """``summarize(entry)`` from the feed alone, or None when a blog or news entry's
    feed has only a teaser (its page is worth fetching first, :func:`needs_article`):
    the feed's text is read once for both questions."""
    feed, feed_words = _richer(entry)
    if entry.kind not in OWN_TEXT_KINDS and _teaser(feed):
        return None
    return _summarize(entry, None, feed, feed_words, min_words, max_words, None)


def _summarize(
    entry: Entry,
    article: Article | None,
    feed: list[Block],
    feed_words: int,
    min_words: int,
    max_words: int,
    note: str | None,
) -> Summary:
    items, method, why = _source(entry, article, feed)
    text = (
        fit(iter_clean(items, entry.title), min_words, max_words)
        if method != SummaryMethod.TITLE
        else ""
    )
    if not text:
        why = why or f"no usable {method.value.replace('_', ' ')}"
        method, text = SummaryMethod.TITLE, " ".join(entry.title.split())
    language = article.language if method == SummaryMethod.ARTICLE and article else None
    notes = "; ".join(n for n in (note, why) if n) or None
    return Summary(
        entry_id=entry.id,
        text=text,
        method=method,
        words=word_count(text),
        language=language or entry.extra.get("language"),
        note=notes,
        meta=metadata(entry, article if method == SummaryMethod.ARTICLE else None, feed_words),
    )


READING_WORDS_PER_MINUTE = 230


def metadata(entry: Entry, article: Article | None, feed_words: int | None = None) -> Metadata:
    """Author, date, lead image, site name and reading time (or episode length):
    the article page's values where it was used, else the feed's (``feed_words``:
    the words of its richer text, when the caller has counted them)."""
    if article:
        words = word_count(article.text)
    else:
        words = _richer(entry)[1] if feed_words is None else feed_words
    podcast = entry.kind == SourceKind.PODCAST
    return Metadata(
        author=(article.author if article else None) or next(iter(entry.authors), None),
        date=(article.date if article else None)
        or (entry.published.date().isoformat() if entry.published else None),
        image=(article.image if article else None) or entry.image,
        site_name=(article.site_name if article else None) or entry.source_name,
        # A short feed text is a teaser, not the article: no reading time from it.
        reading_minutes=None
        if podcast or not words or (article is None and words < 150)
        else -(-words // READING_WORDS_PER_MINUTE),
        duration_seconds=entry.duration_seconds if podcast else None,
    )
