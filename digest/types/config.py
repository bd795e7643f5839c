"""feeds.yaml's schema, declared once: the config dataclasses and their ``setting(...)``
metadata (how each field is written, its bounds and its help text). digest.config
parses, validates, describes and documents from it alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from digest.types.kinds import EngineName, ExtractPolicy, SourceKind, TitlePolicy

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
class EditionSettings:
    """A translated edition of every issue (issue #24): the English issue stays the
    source of truth; section headings come from each section's ``titles``."""

    language: str = field(
        metadata=setting("The edition's language, e.g. pt-BR.", form=Form.LANGUAGE)
    )
    engine: EngineName = field(
        default=EngineName.BUNDLED,
        metadata=setting("The machine translation engine that drafts it (bundled: offline)."),
    )
    engine_url: str | None = field(
        default=None,
        metadata=setting("The LibreTranslate server, for engine: libretranslate.", form=Form.URL),
    )
    glossary: Path | None = field(
        default=None,
        metadata=setting(
            "Your terms, merged over the shipped glossary of the language (relative to feeds.yaml)."
        ),
    )
    titles: TitlePolicy = field(
        default=TitlePolicy.KEEP,
        metadata=setting(
            "Item titles and the issue title stay in the original (keep) or are translated."
        ),
    )
    title: str = field(
        default="",
        metadata=setting(
            "The newsletter's name in this edition.",
            default_doc="newsletter.titles for the language, else newsletter.title",
        ),
    )
    description: str = field(
        default="",
        metadata=setting("One line under the title.", default_doc="newsletter.description"),
    )
    intro: str = field(default="", metadata=setting("The opening note of every issue (Markdown)."))
    outro: str = field(default="", metadata=setting("The closing note of every issue (Markdown)."))
    path: str = field(
        default="",
        metadata=setting(
            "The edition's folder in the published archive.",
            form=Form.SLUG,
            default_doc="the language in lower case, e.g. pt-br",
        ),
    )
    recipients: tuple[str, ...] = field(
        default=(),
        metadata=setting(
            "Where `digest publish --send` sends this edition (with publish.smtp).",
            form=Form.EMAIL,
        ),
    )
