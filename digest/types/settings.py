"""The config's setting blocks (fetch, schedule, e-mail, publish, rank) and the whole
``Config``; declared like digest.types.config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from digest.types.config import (
    EditionSettings,
    Form,
    Newsletter,
    Rule,
    SectionConfig,
    Source,
    Topic,
    setting,
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
    parse_workers: int = field(
        default=0,
        metadata=setting("Processes that parse every fetched feed, one per core to spend; 0 "
                         "parses what lxml reads in the refresh's own process (least memory) "
                         "and only the rest in workers.", ge=0, le=64),
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
            "Private or loopback origins (host:port) that configured feeds and URLs the"
            " editor types may reach (the demo, tests); a bare host lets through ports 80,"
            " 443 and the feeds configured on it, on their own ports only.",
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
    editions: tuple[EditionSettings, ...] = field(
        default=(), metadata=setting("Translated editions of every issue (e.g. pt-BR).")
    )

    def edition(self, language: str) -> EditionSettings | None:
        """The edition of ``language`` (pt-BR, pt_br, PT-BR alike)."""
        wanted = language.replace("_", "-").casefold()
        return next((e for e in self.editions if e.language.casefold() == wanted), None)

    def section(self, name: str) -> SectionConfig | None:
        """The section whose key, title or alias is ``name`` (case-insensitive)."""
        return next((s for s in self.sections if s.matches(name)), None)

    def source(self, url: str) -> Source | None:
        return next((s for s in self.sources if s.url == url), None)
