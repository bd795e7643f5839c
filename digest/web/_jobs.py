""" "Refresh now": the update use case (fetch, summarise; digest.app.update) and a
draft rebuild in a background thread, under the same fetch lease as cron and the
daemon, with progress the page can poll. It only runs and reports: the work is the
use cases'."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from digest.app import drafting
from digest.app.lease import FETCH_LEASE, fetch_lease, holder_id, lease_ttl
from digest.app.update import update
from digest.clock import Clock
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

    def __init__(self, config: Config, db_path: Path, clock: Clock) -> None:
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
                store.acquire_lease(FETCH_LEASE, holder_id(), now=now,
                                    ttl=lease_ttl(self.config))  # fmt: skip
            self._status = RefreshStatus(running=True, stage="starting", started_at=now)
        self._thread = threading.Thread(
            target=self._run, args=(due_only,), name="digest-refresh", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

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
        # One hold of the lease from the first fetch to the rebuilt draft (update's
        # own hold nests in it), so cron cannot slip in between.
        with fetch_lease(store, config, now=clock()):
            result = update(store, config, now=clock(), due_only=due_only,
                            progress=self._progress)  # fmt: skip
            self._update(stage="draft", done=0, total=1)
            draft = drafting.build_draft(store, config, now=clock())
        placed = sum(len(s.items) for s in draft.sections)
        return (f"fetched {len(result.outcomes)} feeds ({result.failed} failed), "
                f"{result.new_entries} new entries, {result.summarised} summarised; "
                f"draft {draft.key} has {placed} items")  # fmt: skip

    def _release(self) -> None:
        try:
            with Store.open(self.db_path) as store:
                store.release_lease(FETCH_LEASE, holder_id())
        except DigestError:
            log.warning("could not release the fetch lease; it will expire")
