"""Section suggestions for items that are not in the database (`digest sections
suggest`): the section model trained on the store's history and the editor's moves,
blended with the rule-based guesses, then feeds.yaml's section-scoped likes pinned
first, as a draft build would place them.

The model and the rules are digest.rank's; this module trains the model once and
applies both to each item. It reads no file and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from digest.rank import learn
from digest.rank.rules import Subject, matches, pin_sections
from digest.rank.sections import history_features, suggest
from digest.store import Store
from digest.types import Config, HistoryItem, SectionSuggestion

__all__ = ["Suggester", "section_suggester"]

Suggester = Callable[[HistoryItem], tuple[SectionSuggestion, ...]]


def section_suggester(store: Store, config: Config) -> Suggester:
    """A function giving an item's sections, best first, with the model trained now
    (None on a cold start: the rules alone then)."""
    model = learn.section_model(store, config)

    def sections_for(item: HistoryItem) -> tuple[SectionSuggestion, ...]:
        found = suggest(history_features(item), config, model)
        subject = Subject(titles=(item.title,), urls=item.links)
        return pin_sections(found, [r for r in config.rules if matches(r, subject)])

    return sections_for
