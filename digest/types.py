"""Every type that passes between digest's stages.

The pipeline is ``config -> fetch -> parse -> store -> extract -> rank -> group ->
review -> publish``. Each hop hands over one of the frozen dataclasses below, so a
stage can be tested with hand-made values and no server, clock or database. All
datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from digest.errors import DigestError, ErrorCode, FetchError


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
    UNDO = "undo"  # revokes the decision whose id is its value; the log stays append-only
    MERGE = "merge"  # the item joins the story of the item whose key is its value
    SPLIT = "split"  # a merged item stands on its own again
    EDIT_LINKS = "edit_links"  # value: the item's links, one "role url" a line
    # The editor's words for the whole issue (item key ISSUE_WORDS) and an item's image.
    SET_TITLE = "set_title"
    SET_SUBJECT = "set_subject"
    SET_INTRO = "set_intro"
    SET_OUTRO = "set_outro"
    SET_IMAGE = "set_image"  # value: an image URL, "" to show none, None the feed's own
    SET_CAPTION = "set_caption"  # the image's caption; "" or None for none


# --- config ---------------------------------------------------------------
# The config dataclasses are also feeds.yaml's schema: each field's ``setting(...)``
# says how it is written there, its bounds and its help text. digest.config parses,
# validates, describes (`digest check`) and documents (docs/config.md) from it alone.


class Form(StrEnum):
    """How a config value is written when its annotation alone does not say."""

    URL = "url"  # an absolute http(s) URL
    SLUG = "slug"  # lower-case letters, digits, - and _
    MINUTES = "minutes"  # a duration: 90 (minutes), 30s, 30m, 6h, 1d or 1w
    SECONDS = "seconds"  # the same durations, kept in seconds
    WEEKDAY = "weekday"  # monday..sunday or 1..7
    CLOCK = "clock"  # "HH:MM"
    HOST = "host"  # host, IP address, host:port or [IPv6]:port
    LANGUAGE = "language"  # a language the publish stage has words for
    EMAIL = "email"  # an e-mail address
    ENV_NAME = "env_name"  # the name of an environment variable
    HEADER = "header"  # printable ASCII on one line: it goes into an HTTP header


@dataclass(frozen=True)
class Setting:
    """How one config field appears in feeds.yaml (see ``setting``)."""

    help: str
    key: str | None = None  # the YAML key when it differs from the attribute
    form: Form | None = None
    ge: float | None = None  # bounds, in the field's own unit
    gt: float | None = None
    le: float | None = None
    fallback: str | None = None  # when absent: the value of this other field
    default_doc: str | None = None  # a default computed at load time, in words


def setting(
    help: str,
    *,
    key: str | None = None,
    form: Form | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    fallback: str | None = None,
    default_doc: str | None = None,
) -> dict[str, Setting]:
    """``field(metadata=setting(...))``: declare a field as a feeds.yaml key. Fields
    without it (``Config.path``, ``Rule.like``) are derived, not written by the editor."""
    return {"setting": Setting(help, key, form, ge, gt, le, fallback, default_doc)}


@dataclass(frozen=True)
class LocalTitle:
    """A name in one language (a section's heading, the newsletter's name)."""

    language: str = field(metadata=setting("The language, e.g. pt-BR.", form=Form.LANGUAGE))
    title: str = field(metadata=setting("The name in that language."))


def localised(default: str, titles: Sequence[LocalTitle], language: str) -> str:
    """The title for ``language`` (``pt-BR``, ``pt_br`` alike), else ``default``."""
    wanted = language.replace("_", "-").casefold()
    found = (t.title for t in titles if t.language.replace("_", "-").casefold() == wanted)
    return next(found, default)


@dataclass(frozen=True)
class Newsletter:
    """What the newsletter is called and where it lives."""

    title: str = field(metadata=setting("The newsletter's name, in every issue and feed."))
    site_url: str = field(
        metadata=setting(
            "Where the published archive lives; links in feeds and e-mail.", form=Form.URL
        )
    )
    language: str = field(
        default="en",
        metadata=setting("Language of the issue's fixed words and dates.", form=Form.LANGUAGE),
    )
    description: str = field(default="", metadata=setting("One line under the title."))
    author: str = field(default="", metadata=setting("Who signs the newsletter."))
    intro: str = field(
        default="",
        metadata=setting("The editor's note opening every issue; each issue can change it."),
    )
    outro: str = field(
        default="",
        metadata=setting("The closing note (where to send suggestions); each issue can change it."),
    )
    signup_url: str | None = field(
        default=None,
        metadata=setting(
            "Where readers sign up for the e-mail (archive and feeds).", form=Form.URL
        ),
    )
    unsubscribe_url: str | None = field(
        default=None,
        metadata=setting("The e-mail's unsubscribe page: List-Unsubscribe and the footer.",
                         form=Form.URL),
    )  # fmt: skip
    unsubscribe_mailto: str | None = field(
        default=None,
        metadata=setting("An address that unsubscribes whoever writes to it.", form=Form.EMAIL),
    )
    sender_name: str = field(
        default="",
        metadata=setting("The e-mail's From name.", default_doc="the newsletter's title"),
    )
    sender_address: str | None = field(
        default=None,
        metadata=setting(
            "The e-mail's From address.",
            form=Form.EMAIL,
            default_doc="publish.smtp.sender, else noreply@ the site's host",
        ),
    )
    reply_to: str | None = field(
        default=None, metadata=setting("Where replies to the e-mail go.", form=Form.EMAIL)
    )
    titles: tuple[LocalTitle, ...] = field(
        default=(), metadata=setting("The newsletter's name in other languages.")
    )

    def title_in(self, language: str) -> str:
        return localised(self.title, self.titles, language)


@dataclass(frozen=True)
class SectionConfig:
    """A section of the issue. ``priority_cut`` marks "Honourable mentions":
    good items that did not make a main section, not a topic of its own."""

    key: str = field(
        metadata=setting("Stable identifier, used by sources and rules.", form=Form.SLUG)
    )
    title: str = field(metadata=setting("The heading in the issue."))
    aliases: tuple[str, ...] = field(
        default=(),
        metadata=setting("Other names (past titles, translations) that mean this section."),
    )
    quota: int = field(default=5, metadata=setting("Most items the draft puts here.", ge=0, le=100))
    priority_cut: bool = field(
        default=False,
        metadata=setting(
            "Honourable mentions: good items that did not make a main section, not a topic."
        ),
    )
    keywords: tuple[str, ...] = field(
        default=(),
        metadata=setting("Words that suggest this section before the model has learned."),
    )
    retired: bool = field(
        default=False,
        metadata=setting(
            "A section the editor stopped using: kept for history and past issues, never suggested."
        ),
    )
    icon: str = field(default="", metadata=setting("An emoji shown beside the heading, e.g. 📙."))
    titles: tuple[LocalTitle, ...] = field(
        default=(), metadata=setting("The heading in other languages (e.g. a pt-BR edition).")
    )

    def title_in(self, language: str) -> str:
        return localised(self.title, self.titles, language)

    def matches(self, name: str) -> bool:
        wanted = name.strip().casefold()
        return wanted in {self.key.casefold(), self.title.casefold()} | {
            a.casefold() for a in self.aliases
        } | {t.title.casefold() for t in self.titles}


@dataclass(frozen=True)
class Source:
    """One feed the newsletter reads."""

    url: str = field(metadata=setting("The feed's address; unique in the file.", form=Form.URL))
    name: str = field(metadata=setting("Shown to the editor and in rules.", fallback="url"))
    kind: SourceKind = field(metadata=setting("What the source publishes."))
    section: str | None = field(
        default=None, metadata=setting("The section its items go to first (a section key).")
    )
    weight: float = field(
        default=1.0,
        metadata=setting("Above 1 raises its items' scores, below 1 lowers them.", ge=0, le=10),
    )
    interval_minutes: int = field(
        default=60,
        metadata=setting("How often to fetch it.", key="interval", form=Form.MINUTES,
                         ge=1, le=4 * 7 * 24 * 60),
    )  # fmt: skip
    extract: ExtractPolicy = field(
        default=ExtractPolicy.AUTO,
        metadata=setting("When to fetch article pages: for teasers only, always or never."),
    )
    max_bytes: int | None = field(
        default=None,
        metadata=setting(
            "Byte cap for this feed instead of fetch.max_bytes (big podcasts).",
            ge=1, le=1 << 31, default_doc="fetch.max_bytes",
        ),
    )  # fmt: skip


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

    kind: RuleKind = field(
        metadata=setting(
            "Give exactly one: what a like (+5) or a dislike (-5) matches.", key="like|dislike"
        )
    )
    value: str = field(
        metadata=setting("A source name or feed URL, an author or title phrase, or a URL glob.")
    )
    like: bool = True
    section: str | None = field(
        default=None,
        metadata=setting(
            "A like pins items there; a dislike applies only to items suggested there."
        ),
    )


@dataclass(frozen=True)
class Topic:
    """A keyword or phrase whose presence moves a score up (weight > 0) or down."""

    phrase: str = field(metadata=setting("A word or phrase (case-insensitive, whole words)."))
    weight: float = field(
        default=1.0,
        metadata=setting("Points added when it appears (negative: less).", ge=-100, le=100),
    )


@dataclass(frozen=True)
class FetchSettings:
    """How feeds are fetched: bounds, politeness and the address guard."""

    concurrency: int = field(default=10, metadata=setting("Feeds fetched at once.", ge=1, le=256))
    per_host: int = field(
        default=2, metadata=setting("Requests at once to one host (arXiv: always 1).", ge=1, le=32)
    )
    timeout_seconds: float = field(
        default=10.0,
        metadata=setting(
            "Seconds of inactivity before a fetch fails.", key="timeout", gt=0, le=600
        ),
    )
    deadline_seconds: float = field(
        default=30.0,
        metadata=setting("Seconds for a whole fetch, however slowly the server drips.",
                         key="deadline", gt=0, le=3600),
    )  # fmt: skip
    max_bytes: int = field(
        default=10 * 1024 * 1024,
        metadata=setting("Decoded bytes per fetch (gzip bombs stop here).", ge=1, le=1 << 31),
    )
    max_entries: int = field(
        default=500,
        metadata=setting("Entries kept per feed per fetch, newest first; the rest are "
                         "counted in a warning.", ge=1, le=100_000),
    )  # fmt: skip
    max_redirects: int = field(
        default=5, metadata=setting("Redirects followed per fetch.", ge=0, le=20)
    )
    user_agent: str = field(
        default="digest/0.1 (+https://github.com/digest-newsletter/digest)",
        metadata=setting(
            "Product token sent as User-Agent; contact_url is appended.", form=Form.HEADER
        ),
    )
    allow_hosts: tuple[str, ...] = field(
        default=(),
        metadata=setting(
            "Private or loopback origins (host:port; a bare host means ports 80 and 443)"
            " that configured feeds and URLs the editor types may reach (the demo, tests).",
            form=Form.HOST,
        ),
    )
    allow_content_hosts: tuple[str, ...] = field(
        default=(),
        metadata=setting(
            "Private or loopback origins that URLs found in feed content (article pages,"
            " discovered feeds) may reach; allow_hosts never applies to them.",
            form=Form.HOST,
        ),
    )
    min_interval_minutes: int = field(
        default=15,
        metadata=setting("Never fetch a feed more often, whatever it asks.", key="min_interval",
                         form=Form.MINUTES, ge=1, le=24 * 60),
    )  # fmt: skip
    max_interval_minutes: int = field(
        default=24 * 60,
        metadata=setting("Never wait longer between fetches, even after errors.",
                         key="max_interval", form=Form.MINUTES, ge=1, le=4 * 7 * 24 * 60),
    )  # fmt: skip
    contact_url: str | None = field(
        default=None,
        metadata=setting("A page about the newsletter, added to the User-Agent.", form=Form.URL),
    )


@dataclass(frozen=True)
class ScheduleSettings:
    """When `digest run` builds the weekly draft (ISO weekday 1=Monday, HH:MM UTC)."""

    draft_weekday: int = field(
        default=1, metadata=setting("The day `digest run` builds the draft.", form=Form.WEEKDAY)
    )
    draft_time: str = field(
        default="08:00", metadata=setting("The time (UTC) it builds it.", form=Form.CLOCK)
    )
    tick_minutes: int = field(
        default=5,
        metadata=setting("How often `digest run` looks for due feeds.", key="tick",
                         form=Form.MINUTES, ge=1, le=24 * 60),
    )  # fmt: skip
    misfire_grace_seconds: int = field(
        default=3600,
        metadata=setting("A job missed by less than this still runs.", key="misfire_grace",
                         form=Form.SECONDS, ge=60, le=7 * 24 * 3600),
    )  # fmt: skip


@dataclass(frozen=True)
class SmtpSettings:
    """Where `digest publish --send` delivers the e-mail; the password is read from
    the environment variable ``password_env``, never from feeds.yaml."""

    host: str = field(metadata=setting("The mail server."))
    port: int = field(default=587, metadata=setting("Its port.", ge=1, le=65535))
    starttls: bool = field(default=True, metadata=setting("Upgrade the connection with STARTTLS."))
    user: str | None = field(default=None, metadata=setting("Login name, if it needs one."))
    password_env: str = field(
        default="DIGEST_SMTP_PASSWORD",
        metadata=setting("The environment variable holding the password.", form=Form.ENV_NAME),
    )
    sender: str = field(
        default="digest@localhost", metadata=setting("The From address.", form=Form.EMAIL)
    )
    recipients: tuple[str, ...] = field(
        default=(), metadata=setting("Where the issue is sent.", form=Form.EMAIL)
    )
    timeout_seconds: float = field(
        default=30.0, metadata=setting("Seconds before a send fails.", gt=0, le=600)
    )


@dataclass(frozen=True)
class PublishSettings:
    """Where and how issues are published."""

    output_dir: Path = field(
        default=Path("public"),
        metadata=setting("Folder of the published archive (relative to feeds.yaml)."),
    )
    templates_dir: Path | None = field(
        default=None,
        metadata=setting(
            "Templates that replace the shipped ones (relative to feeds.yaml).",
            default_doc="templates/ beside feeds.yaml, when it exists",
        ),
    )
    feed_items: int = field(
        default=20, metadata=setting("Issues in the Atom and JSON feeds.", ge=1, le=1000)
    )
    smtp: SmtpSettings | None = field(
        default=None, metadata=setting("E-mail delivery; without it --send fails.")
    )


@dataclass(frozen=True)
class RankSettings:
    """How candidates are scored."""

    window_days: int = field(
        default=7, metadata=setting("Days of entries a draft considers.", ge=1, le=365)
    )
    half_life_days: float = field(
        default=3.0, metadata=setting("Days after which freshness counts half.", gt=0, le=365)
    )
    topics: tuple[Topic, ...] = field(
        default=(), metadata=setting("Phrases that move scores up or down.")
    )
    summary_min_words: int = field(
        default=40,
        metadata=setting(
            "A summary ends at the first paragraph end past this many words.", ge=1, le=1000
        ),
    )
    summary_max_words: int = field(
        default=90,
        metadata=setting("Summaries keep whole sentences up to this many words.", ge=1, le=1000),
    )


@dataclass(frozen=True)
class Config:
    """The whole of feeds.yaml."""

    path: Path
    newsletter: Newsletter = field(metadata=setting("What the newsletter is."))
    sections: tuple[SectionConfig, ...] = field(
        metadata=setting("The sections in the order of an issue; at least one.", ge=1)
    )
    sources: tuple[Source, ...] = field(metadata=setting("The feeds to read."))
    fetch: FetchSettings = field(
        default_factory=FetchSettings, metadata=setting("How feeds are fetched.")
    )
    schedule: ScheduleSettings = field(
        default_factory=ScheduleSettings, metadata=setting("When `digest run` works.")
    )
    publish: PublishSettings = field(
        default_factory=PublishSettings, metadata=setting("Where issues are published.")
    )
    rank: RankSettings = field(
        default_factory=RankSettings, metadata=setting("How candidates are scored.")
    )
    rules: tuple[Rule, ...] = field(
        default=(), metadata=setting("The editor's standing likes and dislikes.")
    )

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
    handle: int = 0  # its number in this draft build (1, 2, ...); decisions never shift it
    merged: tuple[DraftItem, ...] = ()  # items the editor merged into this one's story
    image: str | None = None  # the lead image shown, after the editor's choice
    caption: str = ""  # the editor's caption for it


@dataclass(frozen=True)
class DraftSection:
    config: SectionConfig
    items: tuple[DraftItem, ...]


@dataclass(frozen=True)
class IssueWords:
    """The editor's words for one issue; empty means "the default" (feeds.yaml's
    intro and outro, the suggested title, the title as subject)."""

    title: str = ""
    subject: str = ""
    intro: str = ""
    outro: str = ""


@dataclass(frozen=True)
class Draft:
    key: str  # ISO week, e.g. "2026-W48"
    period_start: datetime
    period_end: datetime
    status: DraftStatus
    sections: tuple[DraftSection, ...]
    unplaced: tuple[DraftItem, ...] = ()  # over quota or rejected: one click away
    words: IssueWords = IssueWords()

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
class IssueImage:
    """An item's image, referenced by URL (never fetched or copied by digest)."""

    url: str
    alt: str
    caption: str = ""
    credit: str = ""  # who the image is from, e.g. the source's name


@dataclass(frozen=True)
class IssueItem:
    key: str
    title: str
    summary: str
    links: tuple[IssueLink, ...]
    url: str = ""  # the primary link, which the headline points at
    image: IssueImage | None = None


@dataclass(frozen=True)
class IssueSection:
    key: str
    title: str
    items: tuple[IssueItem, ...]
    icon: str = ""
    compact: bool = False  # honourable mentions: short notes, no images


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
    words: IssueWords = IssueWords()  # title and subject as published; intro, outro


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
    code: ErrorCode | None = None
    new_entries: int = 0
    error: DigestError | None = None  # the failure itself, as the stage returned it

    @classmethod
    def failed(cls, key: str, error: DigestError) -> Outcome:
        return cls(key, False, str(error), error.code, error=error)
