"""The SQLite store. Rows are converted to digest's types at this boundary: no row
dict leaves this package.

    with Store.open(Path("db/digest.sqlite")) as store:
        store.sync_sources(config.sources, now=now)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from digest.store.db import GroupCommit, acquire_lease, connect, release_lease
from digest.store.drafts import DraftStore
from digest.store.feeds import FeedHealth
from digest.store.search import SearchHit
from digest.store.sqlitedb import Database

__all__ = ["FeedHealth", "GroupCommit", "SearchHit", "Store"]


class Store(DraftStore):
    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path, *, busy_timeout_ms: int = 5000) -> Store:
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

    def group_commit(self, *, max_seconds: float = 0.25, background: bool = False) -> GroupCommit:
        """Commit many feeds' transactions together (see :class:`GroupCommit`)."""
        return GroupCommit(self.db, max_seconds=max_seconds, background=background)

    def acquire_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> None:
        acquire_lease(self.db, name, holder, now=now, ttl=ttl)

    def release_lease(self, name: str, holder: str) -> None:
        release_lease(self.db, name, holder)
