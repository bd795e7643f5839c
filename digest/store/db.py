"""Connections, transactions and the run lease.

Every connection gets WAL and a busy timeout (a per-connection setting), so the
scheduler, cron and the web page can work on one file at once; a write that still
cannot get the lock becomes a typed StorageBusyError instead of a traceback.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from digest.errors import LeaseHeldError, StorageBusyError, StorageError
from digest.sanitize import fts_text
from digest.store.index import flush_search, prepare_search
from digest.store.schema import migrate
from digest.store.sqlitedb import Database

BUSY_TIMEOUT_MS = 5000


def connect(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        # Only takes effect when the file is new: entries carry kilobytes of HTML, and
        # with the default 4 KiB pages most of them spill onto overflow pages.
        conn.execute("PRAGMA page_size = 16384")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        # 512 KiB of page cache, not 2 MB: a refresh writes far more than it rereads,
        # and the OS caches the file anyway (2 MB of a cold refresh's peak memory).
        conn.execute("PRAGMA cache_size = -512")
        # The search index reads its text through this (schema migration 6).
        conn.create_function("fts_text", 1, fts_text, deterministic=True)
        migrate(conn)
        prepare_search(conn)
    except sqlite3.OperationalError as e:
        raise translate(e, f"cannot open database {path}") from e
    except sqlite3.DatabaseError as e:
        raise StorageError(
            f"{path} is not a usable digest database",
            hint="restore it from a backup or point --db at another file",
        ) from e
    return Database(conn)


def translate(error: sqlite3.Error, what: str) -> StorageError:
    """sqlite3 errors -> digest's tree (at the store boundary only)."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageBusyError(
            f"{what}: the database is busy", hint="another digest process is writing; try again"
        )
    return StorageError(what)


@contextmanager
def transaction(db: Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT; rolled back whole on any error. Inside a
    :class:`GroupCommit` it is a savepoint: only this part rolls back on an error."""
    conn = db.conn
    if conn.in_transaction:
        with _savepoint(conn):
            yield conn
        return
    _begin(conn)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _commit(conn)


def _begin(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        raise translate(e, "cannot start a write") from e


def _commit(conn: sqlite3.Connection) -> None:
    try:
        flush_search(conn)
        conn.execute("COMMIT")
    except sqlite3.OperationalError as e:
        conn.execute("ROLLBACK")
        raise translate(e, "cannot commit") from e


@contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("SAVEPOINT part")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO part")
        conn.execute("RELEASE part")
        raise
    conn.execute("RELEASE part")


class GroupCommit:
    """Many small transactions committed together (a refresh stores hundreds of feeds).

    Each COMMIT costs about a millisecond (FTS5 writes a segment, B-tree pages are
    rewritten), so feeds stored within ``max_seconds`` of each other share one; each
    feed is still a savepoint, so one failing feed rolls back alone. Call
    :meth:`tick` often (it commits a group that is old or big enough: the write lock
    is never held longer than that) and :meth:`commit` at the end. A crash loses at
    most the open group, and its feeds keep their old state, so the next run
    fetches them again.

    With ``background``, :meth:`tick` runs the COMMIT (and the search index's flush,
    tens of milliseconds of C with the GIL released) on a thread, and the caller goes
    on with anything but this connection: :meth:`join` waits for it. A failed
    background commit is raised by the next :meth:`tick` or :meth:`commit`.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_seconds: float = 0.25,
        max_parts: int = 100,
        background: bool = False,
    ):
        self.conn = db.conn
        self.max_seconds, self.max_parts = max_seconds, max_parts
        self.background = background
        self._opened: float | None = None
        self._parts = 0
        self._committing: threading.Thread | None = None
        self._failed: BaseException | None = None

    def join(self) -> None:
        """Count one more part, opening a group unless one is open: the next
        :func:`transaction` is then a savepoint inside it."""
        self._wait()
        if self._opened is not None:
            self._parts += 1
            return
        _begin(self.conn)
        self._opened, self._parts = time.monotonic(), 1

    def tick(self) -> None:
        self._raise_failure()
        if self._opened is None:  # also while a background commit runs: join() waits
            return
        if self._parts >= self.max_parts or time.monotonic() - self._opened >= self.max_seconds:
            if self.background:
                self._opened = None
                self._committing = threading.Thread(target=self._commit_in_thread,
                                                    name="digest-commit", daemon=True)  # fmt: skip
                self._committing.start()
            else:
                self.commit()

    def commit(self) -> None:
        self._wait()
        self._raise_failure()
        if self._opened is None:
            return
        self._opened = None
        _commit(self.conn)

    @property
    def committing(self) -> bool:
        """A background commit is running (the connection is not the caller's)."""
        return self._committing is not None and self._committing.is_alive()

    def _commit_in_thread(self) -> None:
        try:
            _commit(self.conn)
        except BaseException as e:  # raised in the caller's thread by tick() or commit()
            self._failed = e

    def _wait(self) -> None:
        if self._committing is not None:
            self._committing.join()
            self._committing = None

    def _raise_failure(self) -> None:
        failed, self._failed = self._failed, None
        if failed is not None:
            self._wait()
            raise failed

    def __enter__(self) -> GroupCommit:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.commit()
            return
        self._wait()
        if self._opened is not None:
            self._opened = None
            self.conn.execute("ROLLBACK")


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# Built once: json.dumps with options builds a new encoder per call (3x slower).
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(value: Any) -> str:
    return _ENCODE(value)


def acquire_lease(db: Database, name: str, holder: str, *, now: datetime, ttl: timedelta) -> None:
    """Take the named lease or raise LeaseHeldError; an expired lease is taken over
    (its holder crashed), so a killed run never blocks the next one for long."""
    with transaction(db) as conn:
        row = conn.execute(
            "SELECT holder, expires_at FROM leases WHERE name = ?", (name,)
        ).fetchone()
        if row and row[0] != holder and from_iso(row[1]) > now:  # type: ignore[operator]
            raise LeaseHeldError(
                f"another run ({row[0]}) holds the {name} lease until {row[1]}",
                hint="it will finish or expire; nothing to do",
            )
        conn.execute(
            "INSERT OR REPLACE INTO leases (name, holder, acquired_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (name, holder, iso(now), iso(now + ttl)),
        )


def release_lease(db: Database, name: str, holder: str) -> None:
    with transaction(db) as conn:
        conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
