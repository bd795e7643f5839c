"""Wires the stages after the refresh (digest.app.refresh): summarise (extract), build
the weekly draft (group, rank, sections), review and publish. The CLI, the scheduler
and the web page all call these functions, so they behave the same everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from digest.app.refresh import ProgressFn
from digest.draft.review import ALL_ITEMS, apply_decisions, check_decision, make_issue
from digest.errors import DigestError, PublishError, ReviewError
from digest.extract.summarize import needs_article, summarize
from digest.fetch.http import fetch_pages, make_guard
from digest.store import Store
from digest.types import (
    Action,
    Article,
    Config,
    Decision,
    Draft,
    DraftItem,
    DraftStatus,
    Entry,
    FetchFailed,
    PublishedFiles,
    Summary,
)

if TYPE_CHECKING:
    from pathlib import Path

# Stages past the refresh (learn/sections: scikit-learn; extract: trafilatura; publish:
# jinja2 and babel) are imported where they are used, so a `digest fetch` stays lean.

log = logging.getLogger("digest.app.pipeline")

# --- extract ----------------------------------------------------------------


def summarise_pending(
    store: Store, config: Config, *, now: datetime, progress: ProgressFn | None = None
) -> int:
    """Give every entry of the window a summary, fetching article pages for teasers."""
    entries = store.entries_since(now - timedelta(days=config.rank.window_days))
    have = store.summaries_for(entries)
    todo = [e for e in entries if e.id not in have]
    if not todo:
        return 0
    articles = _articles_for(todo, config, progress)
    rank = config.rank
    store.save_summaries(
        [
            (e, _summary_for(e, articles.get(e.id), rank.summary_min_words, rank.summary_max_words),
             a.text if isinstance(a := articles.get(e.id), Article) else None)
            for e in todo
        ],
        now=now,
    )  # fmt: skip
    return len(todo)


def _summary_for(
    entry: Entry, article: Article | DigestError | None, min_words: int, max_words: int
) -> Summary:
    if isinstance(article, DigestError):
        note = f"article: {article.code}"
        return summarize(entry, None, min_words=min_words, max_words=max_words, note=note)
    return summarize(entry, article, min_words=min_words, max_words=max_words)


def _articles_for(
    entries: Sequence[Entry], config: Config, progress: ProgressFn | None
) -> dict[int, Article | DigestError]:
    wanted = [
        e for e in entries if (src := config.source(e.feed_url)) and needs_article(e, src.extract)
    ]
    if not wanted:
        return {}
    if progress:
        progress("articles", 0, len(wanted))
    pages = fetch_pages(
        [e.link or "" for e in wanted], config.fetch, guard=make_guard(config.fetch)
    )
    out: dict[int, Article | DigestError] = {}
    bodies = []
    for entry, page in zip(wanted, pages, strict=True):
        if isinstance(page, FetchFailed):
            out[entry.id] = page  # the FetchError itself
        else:
            bodies.append((entry, page))
    from digest.extract.article import extract_articles

    extracted = extract_articles(
        [(p.final_url, p.body, p.headers.get("content-type", "text/html")) for _, p in bodies]
    )
    for (entry, _), value in zip(bodies, extracted, strict=True):
        out[entry.id] = value
    if progress:
        progress("articles", len(wanted), len(wanted))
    return out


# --- draft ------------------------------------------------------------------


def week_of(now: datetime) -> tuple[str, datetime, datetime]:
    """ISO week key and its [Monday 00:00, next Monday) period in UTC."""
    year, week, weekday = now.isocalendar()
    start = (now - timedelta(days=weekday - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return f"{year}-W{week:02d}", start, start + timedelta(days=7)


def build_draft(store: Store, config: Config, *, now: datetime) -> Draft:
    """(Re)build this week's draft from the window's entries. Items the editor has
    decided on are kept even if they left the window; decisions are re-applied."""
    from digest.rank import learn
    from digest.rank.sections import fill_sections

    key, start, end = week_of(now)
    previous = store.load_draft(key, config.sections)
    if previous is not None and previous.status != DraftStatus.DRAFT:
        raise ReviewError(
            f"draft {key} is {previous.status.value}; it is not rebuilt",
            hint="run `digest draft reopen` to change it",
        )
    # The learned models (None on a cold start) and feeds.yaml's rules; issue memory
    # includes imported history (see digest.rank.learn and digest.store.history).
    candidates = learn.window_candidates(
        store, config, now=now, models=learn.train_models(store, config),
        featured=learn.featured(store),
    )  # fmt: skip
    draft = fill_sections(candidates, config, key=key, period_start=start, period_end=end)
    draft = _keep_decided(draft, previous, store.decisions(key))
    store.save_draft(draft, now=now)
    return current_draft(store, config, key=key)  # type: ignore[return-value]


def _keep_decided(draft: Draft, previous: Draft | None, decisions: Sequence[Decision]) -> Draft:
    """Items the editor decided on keep the place they had in the previous snapshot
    (new scores, models or rules never move them); ones that left the window stay."""
    if previous is None:
        return draft
    decided = {d.item_key for d in decisions}
    if ALL_ITEMS in decided:  # "approve all" decided every item placed at the time
        decided |= {i.key for s in previous.sections for i in s.items}
    old: dict[str, tuple[DraftItem, str | None]] = {i.key: (i, None) for i in previous.unplaced}
    old |= {i.key: (i, s.config.key) for s in previous.sections for i in s.items}
    fresh = {i.key: i for i in draft.items()}
    keep = {k: (replace(fresh.get(k, item), section=item.section), sec, item.position)
            for k, (item, sec) in old.items() if k in decided}  # fmt: skip
    sections = []
    for s in draft.sections:
        items = [i for i in s.items if i.key not in keep]
        for item, sec, position in sorted(keep.values(), key=lambda kept: kept[2]):
            if sec == s.config.key:
                items.insert(min(position, len(items)), item)
        renumbered = tuple(replace(i, position=n) for n, i in enumerate(items))
        sections.append(replace(s, items=renumbered))
    unplaced = [i for i in draft.unplaced if i.key not in keep]
    unplaced += [item for item, sec, _ in keep.values() if sec is None]
    return replace(draft, sections=tuple(sections), unplaced=tuple(unplaced))


def current_draft(store: Store, config: Config, *, key: str | None = None) -> Draft | None:
    """The draft as the editor left it (snapshot + decisions); the latest by default."""
    key = key or store.latest_draft_key()
    if key is None:
        return None
    snapshot = store.load_draft(key, config.sections)
    return apply_decisions(snapshot, store.decisions(key)) if snapshot else None


def require_draft(store: Store, config: Config, key: str | None = None) -> Draft:
    draft = current_draft(store, config, key=key)
    if draft is None:
        raise ReviewError("there is no draft yet", hint="run `digest draft build` first")
    return draft


def decide(
    store: Store,
    config: Config,
    action: Action,
    item_key: str,
    value: str | None = None,
    *,
    now: datetime,
    draft_key: str | None = None,
    expected_version: int | None = None,
    editor: str = "editor",
) -> Draft:
    """Record one editor decision and return the draft with it applied."""
    draft = require_draft(store, config, draft_key)
    check_decision(draft, config, action, item_key, value)
    if action == Action.MOVE and value is not None:
        value = config.section(value).key  # type: ignore[union-attr]
    store.add_decision(
        Decision(draft.key, item_key, action, value, now, editor),
        expected_version=expected_version,
    )
    return require_draft(store, config, draft.key)


def approve_draft(
    store: Store, config: Config, *, now: datetime, all_items: bool = False, key: str | None = None
) -> Draft:
    """Mark the draft approved; with ``all_items`` first approve every placed item."""
    draft = require_draft(store, config, key)
    if all_items:
        draft = decide(store, config, Action.APPROVE_ALL, ALL_ITEMS, now=now, draft_key=draft.key)
    store.set_draft_status(draft.key, DraftStatus.APPROVED, now=now)
    return require_draft(store, config, draft.key)


def reopen_draft(store: Store, config: Config, *, now: datetime, key: str | None = None) -> Draft:
    draft = require_draft(store, config, key)
    store.set_draft_status(draft.key, DraftStatus.DRAFT, now=now)
    return require_draft(store, config, draft.key)


def publish(
    store: Store,
    config: Config,
    *,
    now: datetime,
    out_dir: Path | None = None,
    key: str | None = None,
) -> PublishedFiles:
    """Snapshot the approved draft as an Issue (stable number and id) and render it."""
    from digest.publish import publish_issue

    draft = require_draft(store, config, key)
    previous = store.issue_for_draft(draft.key)
    number = previous.number if previous else store.next_issue_number()
    issue = make_issue(draft, config, number=number, now=now, previous=previous)
    store.save_issue(issue)
    store.set_draft_status(draft.key, DraftStatus.PUBLISHED, now=now)
    return publish_issue(issue, store.issues(), config, out_dir or config.publish.output_dir)


def send_issue(store: Store, config: Config, *, number: int | None = None) -> int:
    """E-mail the latest (or the given) published issue with feeds.yaml's smtp settings."""
    from digest.publish import build_email, send_email, smtp_password

    smtp = config.publish.smtp
    if smtp is None or not smtp.recipients:
        raise PublishError(
            "no smtp settings with recipients", hint="add publish.smtp to feeds.yaml"
        )
    issues = [i for i in store.issues() if number is None or i.number == number]
    if not issues:
        raise PublishError("no published issue to send", hint="run `digest publish` first")
    message = build_email(issues[0], config, sender=smtp.sender, recipients=smtp.recipients)
    send_email(message, smtp, smtp_password(smtp))
    return issues[0].number
