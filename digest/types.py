"""Every type that passes between digest's stages.

The pipeline is ``config -> fetch -> parse -> store -> extract -> rank -> group ->
review -> publish``. Each hop hands over one of the frozen dataclasses below, so a
stage can be tested with hand-made values and no server, clock or database. All
datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class SourceKind(StrEnum):
    """What a source publishes; it decides parsing details and section hints."""

    BLOG = "blog"
    ARXIV = "arxiv"
    PODCAST = "podcast"
    RELEASE = "release"
    NEWS = "news"


class ExtractPolicy(StrEnum):
    """When to fetch an entry's article page: only for teasers, always, or never."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class LinkRole(StrEnum):
    """What a link of a story points at."""

    PAPER = "paper"
    CODE = "code"
    POST = "post"
    PODCAST = "podcast"
    RELEASE = "release"
    NEWS = "news"


class SummaryMethod(StrEnum):
    """Where an item's one-paragraph summary came from."""

    FEED = "feed"
    ABSTRACT = "abstract"
    ARTICLE = "article"
    SHOW_NOTES = "show_notes"
    RELEASE_NOTES = "release_notes"
    EDITOR = "editor"
    TITLE = "title"


class DraftStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class ItemStatus(StrEnum):
    """An item's review state inside a draft."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Action(StrEnum):
    """What an editor can do; each is stored as a Decision."""

    APPROVE = "approve"
    REJECT = "reject"
    RESET = "reset"
    MOVE = "move"
    REORDER = "reorder"
    EDIT_TITLE = "edit_title"
    EDIT_SUMMARY = "edit_summary"
    APPROVE_ALL = "approve_all"


# --- config ---------------------------------------------------------------


@dataclass(frozen=True)
class Newsletter:
    title: str
    site_url: str
    language: str = "en"
    description: str = ""
    author: str = ""


@dataclass(frozen=True)
class SectionConfig:
    """A section of the issue. ``priority_cut`` marks "Honourable mentions":
    good items that did not make a main section, not a topic of its own."""

    key: str
    title: str
    aliases: tuple[str, ...] = ()
    quota: int = 5
    priority_cut: bool = False
    keywords: tuple[str, ...] = ()
    # A section the editor stopped using: kept for history and past issues, never suggested.
    retired: bool = False

    def matches(self, name: str) -> bool:
        wanted = name.strip().casefold()
        return wanted in {self.key.casefold(), self.title.casefold()} | {
            a.casefold() for a in self.aliases
        }


@dataclass(frozen=True)
class Source:
    url: str
    name: str
    kind: SourceKind
    section: str | None = None
    weight: float = 1.0
    interval_minutes: int = 60
    extract: ExtractPolicy = ExtractPolicy.AUTO
    max_bytes: int | None = None


class RuleKind(StrEnum):
    """What an editor rule looks at (see digest.rank.rules)."""

    SOURCE = "source"  # the source's name or feed URL
    AUTHOR = "author"  # a phrase in an entry's authors
    TITLE = "title"  # a phrase in a title (case-insensitive, word boundary)
    URL = "url"  # a glob (*://*.example.com/*) or a substring of any link


@dataclass(frozen=True)
class Rule:
    """A standing like or dislike from feeds.yaml ``rules:``. With ``section`` a
    like pins matching items into that section; a dislike then applies only to
    items suggested for it."""

    kind: RuleKind
    value: str
    like: bool = True
    section: str | None = None


@dataclass(frozen=True)
class Topic:
    """A keyword or phrase whose presence moves a score up (weight > 0) or down."""

    phrase: str
    weight: float


@dataclass(frozen=True)
class FetchSettings:
    concurrency: int = 10
    per_host: int = 2
    timeout_seconds: float = 10.0
    deadline_seconds: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "digest/0.1 (+https://github.com/digest-newsletter/digest)"
    allow_hosts: tuple[str, ...] = ()
    min_interval_minutes: int = 15
    max_interval_minutes: int = 24 * 60


@dataclass(frozen=True)
class ScheduleSettings:
    """When `digest run` builds the weekly draft (ISO weekday 1=Monday, HH:MM UTC)."""

    draft_weekday: int = 1
    draft_time: str = "08:00"
    tick_minutes: int = 5
    misfire_grace_seconds: int = 3600


@dataclass(frozen=True)
class SmtpSettings:
    """Where `digest publish --send` delivers the e-mail; the password is read from
    the environment variable ``password_env``, never from feeds.yaml."""

    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password_env: str = "DIGEST_SMTP_PASSWORD"
    sender: str = "digest@localhost"
    recipients: tuple[str, ...] = ()
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class PublishSettings:
    output_dir: Path = Path("public")
    templates_dir: Path | None = None
    feed_items: int = 20
    smtp: SmtpSettings | None = None


@dataclass(frozen=True)
class RankSettings:
    window_days: int = 7
    half_life_days: float = 3.0
    topics: tuple[Topic, ...] = ()
    summary_min_words: int = 40
    summary_max_words: int = 90


@dataclass(frozen=True)
class Config:
    path: Path
    newsletter: Newsletter
    sections: tuple[SectionConfig, ...]
    sources: tuple[Source, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
    rank: RankSettings = field(default_factory=RankSettings)
    rules: tuple[Rule, ...] = ()

    def section(self, name: str) -> SectionConfig | None:
        """The section whose key, title or alias is ``name`` (case-insensitive)."""
        return next((s for s in self.sections if s.matches(name)), None)

    def source(self, url: str) -> Source | None:
        return next((s for s in self.sources if s.url == url), None)


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


@dataclass(frozen=True)
class FetchFailed:
    """A fetch that failed; ``code`` is one of errors.FETCH_CODES."""

    url: str
    code: str
    message: str
    status: int | None = None
    retry_after_seconds: float | None = None


FetchResult = Fetched | NotModified | FetchFailed


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
class ParsedFeed:
    url: str
    title: str
    link: str | None
    entries: tuple[EntryData, ...]
    warnings: tuple[str, ...] = ()
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


# --- rank -> group -> review ----------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One contribution to a score, shown to the editor."""

    label: str
    points: float


@dataclass(frozen=True)
class StoryLink:
    url: str
    role: LinkRole
    source_name: str


@dataclass(frozen=True)
class Story:
    """Entries from one or more feeds about one thing. ``key`` is stable across
    rebuilds, so editor decisions made on a story survive new fetches."""

    key: str
    entries: tuple[Entry, ...]
    links: tuple[StoryLink, ...]
    primary_link: str | None

    @property
    def lead(self) -> Entry:
        return self.entries[0]

    @property
    def source_count(self) -> int:
        return len({e.feed_url for e in self.entries})


@dataclass(frozen=True)
class SectionSuggestion:
    section: str
    confidence: float


# A first section suggestion below this (calibrated) probability is marked unsure in
# the draft, so the editor looks at those items first.
UNSURE_BELOW = 0.5


@dataclass(frozen=True)
class Candidate:
    story: Story
    summary: Summary
    score: float
    reasons: tuple[Reason, ...]
    suggestions: tuple[SectionSuggestion, ...]

    @property
    def key(self) -> str:
        return self.story.key

    @property
    def section(self) -> str:
        return self.suggestions[0].section

    @property
    def section_unsure(self) -> bool:
        """The first suggested section is more likely wrong than right."""
        return bool(self.suggestions) and self.suggestions[0].confidence < UNSURE_BELOW


@dataclass(frozen=True)
class HistoryItem:
    """One item of a past issue, labelled with the section the editor put it in;
    the section model learns from these."""

    issue: str
    date: _date | None
    section: str
    title: str
    summary: str
    links: tuple[str, ...] = ()
    kind: str | None = None


@dataclass(frozen=True)
class DraftItem:
    key: str
    section: str
    position: int
    title: str
    summary: str
    status: ItemStatus
    candidate: Candidate
    generated_title: str
    generated_summary: str
    version: int = 0  # bumped by each decision; guards against stale edits


@dataclass(frozen=True)
class DraftSection:
    config: SectionConfig
    items: tuple[DraftItem, ...]


@dataclass(frozen=True)
class Draft:
    key: str  # ISO week, e.g. "2026-W48"
    period_start: datetime
    period_end: datetime
    status: DraftStatus
    sections: tuple[DraftSection, ...]
    unplaced: tuple[DraftItem, ...] = ()  # over quota or rejected: one click away

    def items(self) -> tuple[DraftItem, ...]:
        return tuple(i for s in self.sections for i in s.items) + self.unplaced

    def item(self, key: str) -> DraftItem | None:
        return next((i for i in self.items() if i.key == key), None)


@dataclass(frozen=True)
class Decision:
    draft_key: str
    item_key: str
    action: Action
    value: str | None
    at: datetime
    editor: str = "editor"
    id: int | None = None


# --- publish --------------------------------------------------------------


@dataclass(frozen=True)
class IssueLink:
    url: str
    role: LinkRole
    label: str


@dataclass(frozen=True)
class IssueItem:
    key: str
    title: str
    summary: str
    links: tuple[IssueLink, ...]


@dataclass(frozen=True)
class IssueSection:
    key: str
    title: str
    items: tuple[IssueItem, ...]


@dataclass(frozen=True)
class Issue:
    """The approved, immutable snapshot that publish renders. ``uid`` never changes
    once assigned, so feed readers never see an issue twice."""

    number: int
    draft_key: str
    title: str
    published: datetime
    updated: datetime
    uid: str
    sections: tuple[IssueSection, ...]


@dataclass(frozen=True)
class PublishedFiles:
    html: Path
    markdown: Path
    index: Path
    atom: Path
    extra: tuple[Path, ...] = ()


# --- pipeline -------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The result for one feed or item in a batch: one failure never hides others."""

    key: str
    ok: bool
    detail: str = ""
    code: str | None = None
    new_entries: int = 0
