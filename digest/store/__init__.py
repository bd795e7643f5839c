"""The SQLite store. Rows are converted to digest's types at this boundary: no row
dict leaves this package.

    with Store.open(Path("db/digest.sqlite")) as store:
        store.sync_sources(config.sources, now=now)
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
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
