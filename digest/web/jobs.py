""" "Refresh now": fetch, summarise and rebuild the draft in a background thread,
under the same fetch lease as cron and the daemon, with progress the page can poll."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from digest.app import pipeline
from digest.app.refresh import FETCH_LEASE, fetch_lease, holder_id, refresh
from digest.errors import DigestError, LeaseHeldError
from digest.store import Store
from digest.types import Config

log = logging.getLogger("digest.web")


@dataclass(frozen=True)
class RefreshStatus:
    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "running": self.running,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "error": self.error,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


class RefreshJob:
    """At most one refresh per process (the lease's holder id is per process, so the
    lease alone cannot tell two clicks in one server apart)."""

    def __init__(self, config: Config, db_path: Path, clock: Callable[[], datetime]) -> None:
        self.config = config
        self.db_path = db_path
        self.clock = clock
        self._lock = threading.Lock()
        self._status = RefreshStatus()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> RefreshStatus:
        with self._lock:
            return self._status

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def start(self, *, due_only: bool = True) -> None:
        """Start a refresh; LeaseHeldError if one runs here or in another process."""
        with self._lock:
            if self._status.running:
                raise LeaseHeldError("a fetch is already running", hint="see its progress")
            now = self.clock()
            with Store.open(self.db_path) as store:  # fail now, not in the thread
                store.acquire_lease(FETCH_LEASE, holder_id(),
                                    now=now, ttl=self._ttl())  # fmt: skip
            self._status = RefreshStatus(running=True, stage="starting", started_at=now)
        self._thread = threading.Thread(
            target=self._run, args=(due_only,), name="digest-refresh", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _ttl(self) -> timedelta:
        return timedelta(seconds=self.config.fetch.deadline_seconds * 4 + 600)

    def _progress(self, stage: str, done: int, total: int) -> None:
        self._update(stage=stage, done=done, total=total)

    def _run(self, due_only: bool) -> None:
        try:
            with Store.open(self.db_path) as store:
                message = self._work(store, due_only)
            self._update(running=False, stage="done", message=message, finished_at=self.clock())
        except DigestError as e:
            self._update(running=False, stage="failed", error=str(e), finished_at=self.clock())
        except Exception as e:  # the thread must always end in a visible state
            log.exception("refresh failed")
            self._update(running=False, stage="failed", error=f"{type(e).__name__}: {e}",
                         finished_at=self.clock())  # fmt: skip
        finally:
            self._release()

    def _work(self, store: Store, due_only: bool) -> str:
        config, clock = self.config, self.clock
        outcomes = refresh(store, config, now=clock(), due_only=due_only,
                                    progress=self._progress)  # fmt: skip
        # refresh() released the lease; hold it again while summarising and building.
        with fetch_lease(store, config, now=clock()):
            self._update(stage="summaries", done=0, total=0)
            summarised = pipeline.summarise_pending(store, config, now=clock(),
                                                    progress=self._progress)  # fmt: skip
            self._update(stage="draft", done=0, total=1)
            draft = pipeline.build_draft(store, config, now=clock())
        failed = sum(1 for o in outcomes if not o.ok)
        new = sum(o.new_entries for o in outcomes)
        placed = sum(len(s.items) for s in draft.sections)
        return (f"fetched {len(outcomes)} feeds ({failed} failed), {new} new entries, "
                f"{summarised} summarised; draft {draft.key} has {placed} items")  # fmt: skip

    def _release(self) -> None:
        try:
            with Store.open(self.db_path) as store:
                store.release_lease(FETCH_LEASE, holder_id())
        except DigestError:
            log.warning("could not release the fetch lease; it will expire")
