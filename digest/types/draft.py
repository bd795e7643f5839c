"""Values of the rank and draft stages: reasons, stories, candidates, the draft, its
items and the editor's decisions, and past issues as labelled history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as _date
from datetime import datetime

from digest.types.config import SectionConfig
from digest.types.feeds import Entry, Summary
from digest.types.kinds import Action, DraftStatus, ItemStatus, LinkRole

# --- rank -> draft ----------------------------------------------------------


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
