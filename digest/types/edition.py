"""Values of a translated edition (issue #24) as the application layer hands them to
the review page and the CLI: each item's English source, the machine's draft, the
translator's text and where it stands."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from digest.types.kinds import TranslationStatus

# The issue title's key in an edition's log: one more unit beside the items, with an
# item's rules. No item has it: a story's key is "arxiv:..." or "url:...".
ISSUE_TITLE = "issue:title"


@dataclass(frozen=True)
class EditionWarning:
    """Something the translator should check in one field of an item: ``kind`` is
    ``glossary``, ``link``, ``short`` or ``placeholder`` (digest.translate's flags)."""

    kind: str
    field: str  # "title" | "summary"
    detail: str


class TranslationOrigin(StrEnum):
    """Who wrote a stored translation row."""

    MACHINE = "machine"  # the engine's draft of a field
    TRANSLATOR = "translator"  # the translator's text of a field
    REVIEW = "review"  # the translator checked the item as it stands (no text)


@dataclass(frozen=True)
class TranslationRecord:
    """One row of an edition's append-only log: a field's text by the machine or the
    translator, or a review mark, with the hash of the English text it was for."""

    draft_key: str
    language: str
    item_key: str
    field: str  # "title" | "summary"; "" for a review mark
    origin: TranslationOrigin
    text: str
    source_hash: str
    at: datetime
    flags: tuple[EditionWarning, ...] = ()
    editor: str = ""
    id: int | None = None


@dataclass(frozen=True)
class EditionItem:
    """One item of an edition. ``title`` and ``summary`` are what will be published:
    the translator's text where there is one, else the machine's. The issue title is
    one too (key ISSUE_TITLE, no handle, section or summary)."""

    key: str  # the English item's stable key
    handle: int  # its number (#N) in the English draft; 0 when the draft is gone
    section: str  # the section key
    section_title: str  # in the edition's language
    source_title: str
    source_summary: str  # English Markdown
    machine_title: str
    machine_summary: str
    title: str
    summary: str
    status: TranslationStatus
    warnings: tuple[EditionWarning, ...] = ()
    edited: bool = False  # the translator wrote some of the text
    version: int = 0  # the translator's actions on it so far: a stale page's guard
    source_hash: str = ""  # of the English title and summary
    translated: bool = False  # the machine (of some English text) or the translator wrote it

    @property
    def label(self) -> str:
        """How messages name it: "#3", or "the issue title"."""
        return "the issue title" if self.key == ISSUE_TITLE else f"#{self.handle}"


@dataclass(frozen=True)
class EditionSection:
    key: str
    title: str  # in the edition's language
    icon: str
    items: tuple[EditionItem, ...]


@dataclass(frozen=True)
class EditionView:
    """The edition of one English issue as the translator sees it."""

    language: str
    number: int  # the English issue's number (to be assigned, if not yet published)
    draft_key: str
    source_title: str  # the English issue's title
    date: datetime | None  # when the English issue was published; None before
    title: str  # the newsletter's name in this language
    sections: tuple[EditionSection, ...]  # in the English issue's order
    approved: bool
    published: bool
    issue_title: EditionItem  # the issue title as a unit: source_title, title, status...
    approved_at: datetime | None = None

    @property
    def items(self) -> tuple[EditionItem, ...]:
        return tuple(i for s in self.sections for i in s.items)

    @property
    def units(self) -> tuple[EditionItem, ...]:
        """Everything the translator answers for: the issue title, then the items."""
        return (self.issue_title, *self.items)

    @property
    def counts(self) -> dict[str, int]:
        """Items by status, every status present (0 when none)."""
        found = Counter(i.status.value for i in self.items)
        return {s.value: found.get(s.value, 0) for s in TranslationStatus}

    def item(self, key: str) -> EditionItem | None:
        """An item, or the issue title by ISSUE_TITLE."""
        return next((i for i in self.units if i.key == key), None)
