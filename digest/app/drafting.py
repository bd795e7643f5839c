"""Build the draft and review it: (re)build this week's draft from the ranked
window, read it as the editor left it, record decisions, approve and reopen.

The review rules themselves are pure (digest.draft.review); this module loads what
they need from the store and saves what they decide. It does not publish
(digest.app.publishing) and renders nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from digest.draft.review import (
    ALL_ITEMS,
    apply_decisions,
    check_decision,
    keep_decided,
    named_items,
    undoable,
)
from digest.errors import ReviewError
from digest.store import Store
from digest.types import Action, Config, Decision, Draft, DraftStatus

__all__ = [
    "approve_draft",
    "build_draft",
    "current_draft",
    "decide",
    "reopen_draft",
    "require_draft",
    "undo",
    "week_of",
]

# The rank stage (scikit-learn) is imported where a draft is built, so the commands
# that only read or decide on a draft stay quick to start.


def week_of(now: datetime) -> tuple[str, datetime, datetime]:
    """ISO week key and its [Monday 00:00, next Monday) period in UTC."""
    year, week, weekday = now.isocalendar()
    start = (now - timedelta(days=weekday - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return f"{year}-W{week:02d}", start, start + timedelta(days=7)


def build_draft(store: Store, config: Config, *, now: datetime) -> Draft:
    """(Re)build this week's draft from the window's entries. Items the editor has
    decided on are kept even if they left the window; decisions are re-applied."""
    with _no_collector_pauses():
        return _build(store, config, now=now)


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """A build makes a few hundred thousand objects that live until it ends (entries,
    stories, candidates, items) and almost no cycles; the cyclic collector walked them
    over and over, a third of a 30,000-candidate build. It runs again afterwards (and
    a pause inside a pause leaves it to the outer one)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(store: Store, config: Config, *, now: datetime) -> Draft:
    from digest.rank import learn
    from digest.rank.sections import fill_sections

    key, start, end = week_of(now)
    decisions = store.decisions(key)
    # keep_decided needs the items decided on, not every candidate of the last build
    previous = store.load_draft(key, config.sections, only=named_items(decisions))
    if previous is not None and previous.status != DraftStatus.DRAFT:
        raise ReviewError(
            f"draft {key} is {previous.status.value}; it is not rebuilt",
            hint="run `digest draft reopen` to change it",
        )
    # The learned models (None on a cold start) and feeds.yaml's rules; issue memory
    # includes imported history (see digest.rank.learn and digest.store.history).
    candidates = learn.window_candidates(
        store, config, now=now, models=learn.train_models(store, config),
        featured=_featured_elsewhere(store, key),
    )  # fmt: skip
    draft = fill_sections(candidates, config, key=key, period_start=start, period_end=end)
    draft = keep_decided(draft, previous, decisions)
    store.save_draft(draft, now=now, sections=config.sections)  # read back from memory
    return current_draft(store, config, key=key)  # type: ignore[return-value]


def _featured_elsewhere(store: Store, draft_key: str) -> dict[str, int]:
    """Issue memory without this draft's own issue: a reopened draft's items are not
    "already featured" by the issue they are in."""
    from digest.rank import learn

    own = store.issue_for_draft(draft_key)
    memory = learn.featured(store)
    return memory if own is None else {k: n for k, n in memory.items() if n != own.number}


def current_draft(store: Store, config: Config, *, key: str | None = None) -> Draft | None:
    """The draft as the editor left it (snapshot + decisions); the latest by default."""
    key = key or store.latest_draft_key()
    if key is None:
        return None
    with _no_collector_pauses():  # reading 30,000 items makes as many objects as building
        snapshot = store.load_draft(key, config.sections)
        return _applied(snapshot, store.decisions(key)) if snapshot else None


# The last draft read, with the decisions it was read with: a decision reads the
# draft three times (the form, the check, the answer), and applying the decisions to
# a few thousand candidates is most of a decision's time. The store hands out the
# same snapshot object while the snapshot is unchanged, so identity is the key.
_last: list[tuple[Draft, tuple[Decision, ...], Draft]] = []
_last_lock = threading.Lock()


def _applied(snapshot: Draft, decisions: list[Decision]) -> Draft:
    key = tuple(decisions)
    with _last_lock:
        if _last and _last[0][0] is snapshot and _last[0][1] == key:
            return _last[0][2]
    draft = apply_decisions(snapshot, decisions)
    with _last_lock:
        _last[:] = [(snapshot, key, draft)]
    return draft


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
    if draft.status == DraftStatus.PUBLISHED:
        raise ReviewError(
            f"draft {draft.key} is already published",
            hint="run `digest draft reopen` to change it, then approve it again",
        )
    if all_items:
        draft = decide(store, config, Action.APPROVE_ALL, ALL_ITEMS, now=now, draft_key=draft.key)
    store.set_draft_status(draft.key, DraftStatus.APPROVED, now=now)
    return require_draft(store, config, draft.key)


def reopen_draft(store: Store, config: Config, *, now: datetime, key: str | None = None) -> Draft:
    draft = require_draft(store, config, key)
    store.set_draft_status(draft.key, DraftStatus.DRAFT, now=now)
    return require_draft(store, config, draft.key)


def undo(
    store: Store, config: Config, *, now: datetime, count: int = 1, key: str | None = None
) -> tuple[list[Decision], Draft]:
    """Revoke the editor's last ``count`` decisions still in effect, latest first.
    Each undo is a decision of its own naming the one it revokes, so the log stays
    append-only. Returns the revoked decisions and the draft without them."""
    draft = require_draft(store, config, key)
    check_decision(draft, config, Action.UNDO, ALL_ITEMS, None)
    targets = undoable(store.decisions(draft.key), draft.key)[:count]
    if not targets:
        raise ReviewError(f"nothing to undo in draft {draft.key}")
    for target in targets:
        store.add_decision(Decision(draft.key, target.item_key, Action.UNDO, str(target.id), now))
    return targets, require_draft(store, config, draft.key)
