"""Train the ranker's models from what the store holds, and rank a window with them.

* :func:`section_model` learns which section the editor puts things in, from
  imported history, published issues (each item's final section) and items the
  editor approved or moved in drafts not yet published.
* :func:`relevance_model` learns what the editor picks, one linear model as
  arxiv-sanity-lite trains one per tag: approved items are positives; rejected
  items, and items placed in a published draft but left unapproved (shown, not
  chosen), are negatives.

Both return None until there is enough to learn from; rank then uses the cold-start
rules alone. Nothing is cached: `bench/rank.py` times the section model (features, a
first fit for the temperature, the final fit) on 1,000 and 50,000 history items;
history older than six half-lives (312 issues) is left out, which bounds it.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from digest.draft.group import group_stories
from digest.draft.review import apply_decisions, named_items
from digest.rank.history import parse_history
from digest.rank.rules import apply_rules
from digest.rank.score import rank
from digest.rank.sections import (
    Features,
    RelevanceModel,
    SectionModel,
    features_of,
    fill_sections,
)
from digest.store import Store
from digest.store.history import draft_keys, history_featured, history_items, save_history
from digest.types import (
    Action,
    Candidate,
    Config,
    Decision,
    Draft,
    DraftItem,
    HistoryItem,
    ItemStatus,
    Rule,
)

__all__ = [
    "Change",
    "Imported",
    "Models",
    "featured",
    "import_history",
    "labelled_items",
    "relevance_examples",
    "relevance_model",
    "reviewed_drafts",
    "rule_changes",
    "section_model",
    "train_models",
    "window_candidates",
]

log = logging.getLogger("digest.rank.learn")


@dataclass(frozen=True)
class Models:
    section: SectionModel | None = None
    relevance: RelevanceModel | None = None


def train_models(store: Store, config: Config) -> Models:
    started = time.perf_counter()
    drafts = list(reviewed_drafts(store, config))  # read once for both models
    models = Models(section_model(store, config, drafts), relevance_model(store, config, drafts))
    log.info(
        "trained section model (%s) and relevance model (%s) in %.2f s",
        models.section.size if models.section else "none",
        "yes" if models.relevance else "none",
        time.perf_counter() - started,
    )
    return models


def featured(store: Store) -> dict[str, int]:
    """Issue memory: digest's published issues over imported history."""
    return {**history_featured(store.db), **store.featured()}


# --- reading decisions ------------------------------------------------------------


def reviewed_drafts(store: Store, config: Config) -> Iterator[tuple[Draft, bool]]:
    """Every stored draft as the editor left it, and whether it became an issue; of
    each, the items placed or decided on (the others are neither approved, moved,
    rejected nor shown), so a draft costs its decisions, not its candidates."""
    by_draft: dict[str, list[Decision]] = defaultdict(list)
    for decision in store.decisions():
        by_draft[decision.draft_key].append(decision)
    published = {i.draft_key for i in store.issues()}
    for key, _ in draft_keys(store.db):
        # the placed items and those decided on: an untouched candidate labels nothing
        decisions = by_draft.get(key, [])
        snapshot = store.load_draft(key, config.sections, only=named_items(decisions))
        if snapshot is not None:
            yield apply_decisions(snapshot, decisions), key in published


def _drafts(
    store: Store, config: Config, drafts: Sequence[tuple[Draft, bool]] | None
) -> Iterable[tuple[Draft, bool]]:
    return reviewed_drafts(store, config) if drafts is None else drafts


def labelled_items(
    store: Store, config: Config, drafts: Sequence[tuple[Draft, bool]] | None = None
) -> list[HistoryItem]:
    """History + published issues + approved or moved items of unpublished drafts."""
    items = history_items(store.db)
    for issue in reversed(store.issues()):
        when = issue.published.date()
        for section in issue.sections:
            for it in section.items:
                links = tuple(link.url for link in it.links)
                items.append(
                    HistoryItem(str(issue.number), when, section.key, it.title, it.summary, links)
                )
    moved = {(d.draft_key, d.item_key) for d in store.decisions() if d.action == Action.MOVE}
    for draft, was_published in _drafts(store, config, drafts):
        if was_published:
            continue  # its issue above holds the final sections
        for item in draft.items():
            decided = item.status == ItemStatus.APPROVED or (draft.key, item.key) in moved
            if decided and item.status != ItemStatus.REJECTED:
                items.append(_draft_history(draft, item))
    return items


def _draft_history(draft: Draft, item: DraftItem) -> HistoryItem:
    story = item.candidate.story
    return HistoryItem(
        issue=draft.key,
        date=draft.period_start.date(),
        section=item.section,
        title=item.title,
        summary=item.summary,
        links=tuple(link.url for link in story.links),
        kind=str(story.lead.kind) if story.entries else None,
    )


def relevance_examples(
    store: Store, config: Config, drafts: Sequence[tuple[Draft, bool]] | None = None
) -> tuple[list[Features], list[Features]]:
    """(approved, rejected) items, read the way rank reads a story."""
    approved: list[Features] = []
    rejected: list[Features] = []
    for draft, was_published in _drafts(store, config, drafts):
        placed = {i.key for s in draft.sections for i in s.items}
        for item in draft.items():
            if item.status == ItemStatus.APPROVED:
                approved.append(_features(item))
            elif item.status == ItemStatus.REJECTED or (was_published and item.key in placed):
                rejected.append(_features(item))
    return approved, rejected


def _features(item: DraftItem) -> Features:
    c = item.candidate
    if c.story.entries:
        return features_of(c.story, c.summary)
    return Features(item.generated_title, item.generated_summary)


# --- models -----------------------------------------------------------------------


def section_model(
    store: Store, config: Config, drafts: Sequence[tuple[Draft, bool]] | None = None
) -> SectionModel | None:
    return SectionModel.train(labelled_items(store, config, drafts), config)


def relevance_model(
    store: Store, config: Config, drafts: Sequence[tuple[Draft, bool]] | None = None
) -> RelevanceModel | None:
    approved, rejected = relevance_examples(store, config, drafts)
    return RelevanceModel.train(approved, rejected)


# --- ranking a window ---------------------------------------------------------------


def window_candidates(
    store: Store,
    config: Config,
    *,
    now: datetime,
    models: Models,
    featured: Mapping[str, int],
    rules: Sequence[Rule] | None = None,
) -> list[Candidate]:
    """The window ending at ``now`` (entries first seen by then), grouped, ranked with
    the models and the rules (``config.rules`` unless given). Saves nothing."""
    # without their content (a hundred megabytes a week at 2,000 feeds): only choosing
    # the lead of a story of several entries reads it, and asks for those alone
    entries = store.entries_since(now - timedelta(days=config.rank.window_days), content=False)
    entries = [e for e in entries if e.first_seen <= now]
    stories = group_stories(
        entries, now=now, texts=lambda some: store.entry_texts(e.id for e in some)
    )
    candidates = rank(
        stories,
        store.summaries_for(entries),
        config,
        now=now,
        featured=featured,
        model=models.relevance,
        section_model=models.section,
    )
    return apply_rules(candidates, config.rules if rules is None else rules)


# --- what a new rule would change -------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One item of a past week whose placement a trial rule changes (None = unplaced)."""

    draft_key: str
    item_key: str
    title: str
    before: str | None
    after: str | None


def rule_changes(
    store: Store, config: Config, rule: Rule, *, now: datetime, weeks: int = 4
) -> tuple[list[str], list[Change]]:
    """Rebuild each draft built in the last ``weeks`` weeks in memory, as of its last
    build, with and without ``rule``; the editor's decisions are replayed on both.
    Returns the draft keys looked at and the items that would change place."""
    models = train_models(store, config)
    memory = featured(store)
    issues = {i.draft_key: i.number for i in store.issues()}
    keys, changes = [], []
    for key, built in draft_keys(store.db, since=now - timedelta(weeks=weeks)):
        snapshot = store.load_draft(key, config.sections)
        if snapshot is None:
            continue
        keys.append(key)
        # the week's own issue (and later ones) did not exist when it was built
        cutoff = issues.get(key)
        seen = {k: n for k, n in memory.items() if cutoff is None or n < cutoff}
        decisions = store.decisions(key)
        placed = []
        for rules in (config.rules, (*config.rules, rule)):
            cands = window_candidates(
                store, config, now=built, models=models, featured=seen, rules=rules
            )
            draft = fill_sections(
                cands, config, key=key, period_start=snapshot.period_start,
                period_end=snapshot.period_end,
            )  # fmt: skip
            placed.append(_placement(apply_decisions(draft, decisions)))
        before, after = placed
        for item_key in sorted(set(before) | set(after)):
            was, now_in = before.get(item_key), after.get(item_key)
            if was is None or now_in is None or was[0] != now_in[0]:
                title = (now_in or was)[1]  # type: ignore[index]
                changes.append(Change(key, item_key, title, _sec(was), _sec(now_in)))
    return keys, changes


def _placement(draft: Draft) -> dict[str, tuple[str | None, str]]:
    """item key -> (placed section or None, title) for every item of the draft."""
    found: dict[str, tuple[str | None, str]] = {i.key: (None, i.title) for i in draft.unplaced}
    for section in draft.sections:
        for item in section.items:
            found[item.key] = (section.config.key, item.title)
    return found


def _sec(value: tuple[str | None, str] | None) -> str | None:
    return value[0] if value else None


# --- importing history --------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """What `digest history import` did: counts, unknown sections, bad lines."""

    read: int
    stored: int  # items in a configured section (new or updated)
    new: int
    issues: int
    unknown: Mapping[str, int]  # section name as written -> items left out
    problems: tuple[str, ...]  # "file:line: why"


def import_history(store: Store, config: Config, path: Path, *, now: datetime) -> Imported:
    """Parse a history file or folder and store items whose section matches a
    configured key, title or alias (case-insensitive), labelled with its key."""
    items, problems = parse_history(path)
    known: list[HistoryItem] = []
    unknown: Counter[str] = Counter()
    for item in items:
        section = config.section(item.section)
        if section is None:
            unknown[item.section] += 1
        else:
            known.append(replace(item, section=section.key))
    new = save_history(store.db, known, source_file=str(path), now=now)
    return Imported(
        read=len(items),
        stored=len(known),
        new=new,
        issues=len({i.issue for i in known}),
        unknown=dict(unknown.most_common()),
        problems=tuple(problems),
    )
