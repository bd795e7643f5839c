"""Values of the fetch, parse and store stages: a feed's fetch state and result, what
the parser gives, a stored entry, an article and its summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from digest.errors import FetchError
from digest.types.kinds import SourceKind, SummaryMethod

# --- fetch ----------------------------------------------------------------


@dataclass(frozen=True)
class FeedState:
    """What the store remembers about a feed between fetches."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    next_fetch_at: datetime | None = None
    error_count: int = 0
    last_error_code: str | None = None
    last_error: str | None = None
    last_success_at: datetime | None = None
    status: str = "never"  # never | ok | error | gone
    moved_to: str | None = None  # a permanent move adopted after it repeated

    @property
    def fetch_url(self) -> str:
        return self.moved_to or self.url


@dataclass(frozen=True)
class Fetched:
    """A 200 response, fully read within the byte cap and deadline."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    max_age_seconds: float | None = None


@dataclass(frozen=True)
class NotModified:
    """A 304: nothing to parse; validators may still have changed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    max_age_seconds: float | None = None


# A failed fetch is the FetchError itself (code from errors.FETCH_CODES, ``url``,
# ``status``, ``retry_after``), returned as a value: one way to fail, never rebuilt.
FetchResult = Fetched | NotModified | FetchError


# --- parse ----------------------------------------------------------------


@dataclass(frozen=True)
class Enclosure:
    url: str
    type: str = ""
    length: int | None = None


@dataclass(frozen=True)
class EntryKeys:
    """An entry's canonical link (or ``guid:...``), content hash and search-index text."""

    canonical: str
    content_hash: str
    search_text: str


@dataclass(frozen=True)
class EntryData:
    """One entry as the feed gave it, normalised and sanitised, not yet stored."""

    guid: str
    link: str | None
    title: str
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    summary_html: str = ""
    content_html: str = ""
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    image: str | None = None
    arxiv_id: str | None = None
    duration_seconds: int | None = None
    links: tuple[str, ...] = ()  # outbound links found in the content (story grouping)
    extra: Mapping[str, str] = field(default_factory=dict)
    # What the store files the entry under, taken by a parse worker so the storing
    # process does less per entry (identity.entry_keys); None: the store takes them.
    keys: EntryKeys | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ParseWarning:
    """Something the parser recovered from; ``code`` is one of errors.WARNING_CODES.
    Warnings are stored against the feed (status "warning"), not dropped."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class ParsedFeed:
    url: str
    title: str
    link: str | None
    entries: tuple[EntryData, ...]
    warnings: tuple[ParseWarning, ...] = ()
    ttl_minutes: int | None = None
    new_feed_url: str | None = None


# --- store -> extract, rank -----------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A stored entry. ``rank_time`` is min(published, first_seen), capped at now."""

    id: int
    feed_url: str
    source_name: str
    kind: SourceKind
    guid: str
    link: str | None
    canonical: str
    title: str
    authors: tuple[str, ...]
    published: datetime | None
    first_seen: datetime
    rank_time: datetime
    summary_html: str
    content_html: str
    content_hash: str
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    image: str | None = None
    arxiv_id: str | None = None
    duration_seconds: int | None = None
    links: tuple[str, ...] = ()
    section_hint: str | None = None
    source_weight: float = 1.0
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    """Text extracted from an entry's article page."""

    url: str
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    image: str | None = None
    site_name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Metadata:
    """What an editor wants to know about a candidate besides its text."""

    author: str | None = None
    date: str | None = None
    image: str | None = None
    site_name: str | None = None
    reading_minutes: int | None = None
    duration_seconds: int | None = None  # podcast episodes

    def describe(self) -> str:
        """One line for the editor: "by A · 2026-11-24 · Lab blog · 6 min read"."""
        parts = [f"by {self.author}" if self.author else "", self.date or "", self.site_name or ""]
        if self.reading_minutes:
            parts.append(f"{self.reading_minutes} min read")
        if self.duration_seconds:
            parts.append(f"{-(-self.duration_seconds // 60)} min episode")
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Summary:
    entry_id: int
    text: str
    method: SummaryMethod
    words: int
    language: str | None = None
    note: str | None = None  # why a fallback happened, e.g. "article: not_html"
    meta: Metadata = field(default_factory=Metadata)
