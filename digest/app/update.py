"""Update: refresh the due feeds, then summarise what is new, as one run under the
fetch lease. `digest fetch` (cron), the daemon's tick (`digest run`), the web page's
"refresh now" and `digest demo` all call :func:`update`, so they behave the same.

When another run holds the lease, :func:`update` raises LeaseHeldError before it
fetches anything or writes a row; each adapter says so in its own way (the CLI exits
1 with the message, the tick logs and skips, the web page shows "a fetch is already
running"). It does not build the draft (digest.app.drafting).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digest.app.lease import fetch_lease
from digest.app.refresh import ProgressFn, refresh
from digest.app.summarise import summarise_pending
from digest.store import Store
from digest.types import Config, Outcome

__all__ = ["UpdateResult", "update"]


@dataclass(frozen=True)
class UpdateResult:
    """One outcome per feed fetched, and how many entries were given a summary."""

    outcomes: tuple[Outcome, ...]
    summarised: int = 0

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok)

    @property
    def new_entries(self) -> int:
        return sum(o.new_entries for o in self.outcomes)

    @property
    def all_failed(self) -> bool:
        """Feeds were fetched and every one failed (a run with nothing due did not fail)."""
        return bool(self.outcomes) and self.failed == len(self.outcomes)


def update(
    store: Store,
    config: Config,
    *,
    now: datetime,
    due_only: bool = True,
    summaries: bool = True,
    progress: ProgressFn | None = None,
) -> UpdateResult:
    """Fetch the due feeds (every feed with ``due_only=False``), store them, then
    summarise the window's new entries unless ``summaries`` is False; the lease is
    held from the first fetch to the last summary. LeaseHeldError if it is taken."""
    with fetch_lease(store, config, now=now):
        outcomes = refresh(store, config, now=now, due_only=due_only, progress=progress)
        made = _summarise(store, config, now=now, progress=progress) if summaries else 0
    return UpdateResult(tuple(outcomes), made)


def _summarise(store: Store, config: Config, *, now: datetime, progress: ProgressFn | None) -> int:
    # A stage of its own in the progress (the web page shows it while articles load).
    if progress:
        progress("summaries", 0, 1)
    made = summarise_pending(store, config, now=now, progress=progress)
    if progress:
        progress("summaries", 1, 1)
    return made
