"""The SQLite store. Rows are converted to digest's types at this boundary: no row
dict leaves this package.

    with Store.open(Path("db/digest.sqlite")) as store:
        store.sync_sources(config.sources, now=now)
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from digest.store.db import (
    GroupCommit,
    acquire_lease,
    connect,
    holder_alive,
    release_lease,
    transaction,
    translate,
)
from digest.store.drafts import DraftStore, as_stored, stored_snapshot
from digest.store.feeds import FeedHealth
from digest.store.search import SearchHit
from digest.store.sqlitedb import Database
from digest.store.translations import TranslationStore
from digest.types import Draft, DraftStatus, SectionConfig

__all__ = ["FeedHealth", "GroupCommit", "SearchHit", "Store"]


class Store(DraftStore, TranslationStore):
    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path, *, busy_timeout_ms: int | None = None) -> Store:
        """``busy_timeout_ms`` defaults to digest.store.db.BUSY_TIMEOUT_MS."""
        return cls(connect(path, busy_timeout_ms=busy_timeout_ms), path)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction around several store calls (each becomes a savepoint):
        all of them are committed, or none (publishing records an issue this way)."""
        with transaction(self.db):
            yield

    # --- the draft snapshot, read once per build ------------------------------------

    def load_draft(
        self, key: str, sections: Sequence[SectionConfig], *, only: Collection[str] | None = None
    ) -> Draft | None:
        """The stored snapshot (see DraftStore.load_draft), from this process's cache
        while the snapshot is unchanged. Reading it costs seconds for a draft of
        thirty thousand candidates (every member entry is read and decoded) and a
        decision on the review page needs it three times, so the page stays
        interactive only if the snapshot is read once per build, not per decision.
        A partial read (``only``) is not cached."""
        if only is not None:
            return super().load_draft(key, sections, only=only)
        stamp = self.draft_stamp(key)
        if stamp is None:
            return None
        cache_key = (str(self.path), key)
        hit = _SNAPSHOTS.get(cache_key)
        if hit is not None and hit[0] == (stamp, tuple(sections)):
            return hit[1]
        draft = super().load_draft(key, sections)
        if draft is not None:
            _remember(cache_key, (stamp, tuple(sections)), draft)
        return draft

    def save_draft(
        self, draft: Draft, *, now: datetime, sections: Sequence[SectionConfig] | None = None
    ) -> None:
        """With ``sections`` (the configured ones), the saved snapshot is also what the
        next ``load_draft`` returns, built from ``draft`` in memory instead of read back."""
        _SNAPSHOTS.pop((str(self.path), draft.key), None)
        super().save_draft(draft, now=now)
        if sections is not None:
            row = next(self.db.query("SELECT * FROM drafts WHERE key = ?", [draft.key]))
            snapshot = stored_snapshot(row, sections, as_stored(draft))
            stamp = self.draft_stamp(draft.key)
            _remember((str(self.path), draft.key), (stamp, tuple(sections)), snapshot)

    def set_draft_status(self, key: str, status: DraftStatus, *, now: datetime) -> None:
        _SNAPSHOTS.pop((str(self.path), key), None)
        super().set_draft_status(key, status, now=now)

    def group_commit(self, *, max_seconds: float = 0.25, background: bool = False) -> GroupCommit:
        """Commit many feeds' transactions together (see :class:`GroupCommit`)."""
        return GroupCommit(self.db, max_seconds=max_seconds, background=background)

    def acquire_lease(
        self, name: str, holder: str, *, now: datetime, ttl: timedelta,
        holder_alive: Callable[[str], bool] = holder_alive,
    ) -> None:  # fmt: skip
        acquire_lease(self.db, name, holder, now=now, ttl=ttl, holder_alive=holder_alive)

    def release_lease(self, name: str, holder: str) -> None:
        release_lease(self.db, name, holder)


# (database, draft key) -> ((stamp, sections), snapshot): the few drafts last read.
_SNAPSHOTS: dict[tuple[str, str], tuple[tuple[Any, ...], Draft]] = {}
_SNAPSHOTS_KEPT = 4
_SNAPSHOTS_LOCK = threading.Lock()  # the web page reads drafts from a thread pool


def _remember(key: tuple[str, str], stamp: tuple[Any, ...], draft: Draft) -> None:
    with _SNAPSHOTS_LOCK:
        _SNAPSHOTS[key] = (stamp, draft)
        while len(_SNAPSHOTS) > _SNAPSHOTS_KEPT:
            _SNAPSHOTS.pop(next(iter(_SNAPSHOTS)))


def _translating(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as e:
            raise translate(e, "cannot read the database") from e

    return wrapper


def _guard_boundary(cls: type) -> None:
    """Every public method of the store turns a sqlite3 error (a read of a corrupt
    file, a write on a read-only mount) into a StorageError with a code and a hint:
    no sqlite3 exception leaves this package."""
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_"):
            setattr(cls, name, _translating(member))


_guard_boundary(Store)
