"""Values of the publish stage and of the application layer: the approved issue as
readers get it, the files published, and one item's outcome in a batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from digest.errors import DigestError, ErrorCode
from digest.types.draft import IssueWords
from digest.types.kinds import LinkRole

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
    words: IssueWords = field(default_factory=IssueWords)  # title, subject, intro, outro


@dataclass(frozen=True)
class PublishedFiles:
    html: Path
    markdown: Path
    index: Path
    atom: Path
    extra: tuple[Path, ...] = ()
    language: str = ""  # set for a translated edition
    editions: tuple[PublishedFiles, ...] = ()  # the editions published with this issue
    held: tuple[str, ...] = ()  # editions not published: not approved for this issue


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
