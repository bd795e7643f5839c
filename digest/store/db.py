"""Connections, transactions and the run lease.

Every connection gets WAL and a busy timeout (a per-connection setting), so the
scheduler, cron and the web page can work on one file at once; a write that still
cannot get the lock becomes a typed StorageBusyError instead of a traceback.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from digest.errors import (
    ErrorCode,
    LeaseHeldError,
    StorageBusyError,
    StorageError,
    StorageUnavailableError,
)
from digest.sanitize import fts_text
from digest.store.index import flush_search, prepare_search
from digest.store.schema import migrate
from digest.store.sqlitedb import Database

BUSY_TIMEOUT_MS = 5000


def connect(path: Path, *, busy_timeout_ms: int | None = None) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    if busy_timeout_ms is None:
        busy_timeout_ms = BUSY_TIMEOUT_MS
    # A `file:` URI is SQLite's own (``file:/srv/digest.sqlite?mode=ro`` opens it read
    # only, e.g. a backup), so it is passed through as it is.
    uri = str(path).startswith("file:")
    try:
        if not uri:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, uri=uri)
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
    except sqlite3.Error as e:
        raise translate(e, f"cannot open database {path}") from e
    except OSError as e:  # the folder cannot be created
        raise StorageUnavailableError(
            f"cannot open database {path}",
            code=ErrorCode.STORAGE_CANNOT_OPEN,
            hint="check the folder exists and is writable, or pass --db",
        ) from e
    # No sqlite-utils plugins: digest installs none, and looking for them reads every
    # installed package's entry points (importlib.metadata: ~10 ms of CPU and ~0.5 MB
    # at each connection a cron `digest fetch` opens).
    return Database(conn, execute_plugins=False)


# SQLite's primary result codes -> (digest code, what the editor can do about it).
_KINDS: dict[str, tuple[str, str]] = {
    "SQLITE_READONLY": (ErrorCode.STORAGE_READONLY, "the database file, its folder or the disk is "
                        "read-only: check permissions and the mount, or pass --db"),
    "SQLITE_FULL": (ErrorCode.STORAGE_FULL, "the disk is full: free some space and run it again"),
    "SQLITE_CORRUPT": (ErrorCode.STORAGE_CORRUPT, "the file is damaged: restore it from a backup "
                       "or point --db at another file"),
    "SQLITE_NOTADB": (ErrorCode.STORAGE_CORRUPT, "this is not a digest database: restore it from a "
                      "backup or point --db at another file"),
    "SQLITE_CANTOPEN": (ErrorCode.STORAGE_CANNOT_OPEN, "check the path and the permissions of the "
                        "file and its folder, or pass --db"),
    "SQLITE_IOERR": (ErrorCode.STORAGE_IO, "the disk reported an error: check it and free space"),
    "SQLITE_PERM": (ErrorCode.STORAGE_READONLY, "no permission to write the database"),
}  # fmt: skip


def translate(error: sqlite3.Error, what: str) -> StorageError:
    """sqlite3 errors -> digest's tree (at the store boundary only): one line, a code
    per kind of failure (its own exit status in the CLI) and a hint."""
    name = getattr(error, "sqlite_errorname", "") or ""
    primary = "_".join(name.split("_")[:2])  # SQLITE_READONLY_DBMOVED -> SQLITE_READONLY
    text = str(error).lower()
    if primary in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in text:
        return StorageBusyError(
            f"{what}: the database is busy (locked)",
            hint="another digest process is writing; try again in a moment",
        )
    if primary in _KINDS:
        code, hint = _KINDS[primary]
        if code == ErrorCode.STORAGE_CORRUPT:
            return StorageUnavailableError(
                f"{what}: not a usable digest database ({error})", code=code, hint=hint
            )
        return StorageUnavailableError(f"{what}: {error}", code=code, hint=hint)
    # A constraint or a misuse: digest's own bug or bad data, not an unusable file.
    return StorageError(f"{what}: {error}", hint="please report this with the command you ran")


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
    except sqlite3.Error as e:
        _rollback(conn)
        raise translate(e, "cannot write to the database") from e
    except BaseException:
        _rollback(conn)
        raise
    _commit(conn)


def _rollback(conn: sqlite3.Connection) -> None:
    # A failed write (disk full, I/O error) may have rolled back already.
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _begin(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as e:
        raise translate(e, "cannot start a write") from e


def _commit(conn: sqlite3.Connection) -> None:
    try:
        flush_search(conn)
        conn.execute("COMMIT")
    except sqlite3.Error as e:
        _rollback(conn)
        raise translate(e, "cannot commit") from e


@contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    try:
        conn.execute("SAVEPOINT part")
    except sqlite3.Error as e:
        raise translate(e, "cannot start a write") from e
    try:
        yield
    except sqlite3.Error as e:
        _undo_savepoint(conn)
        raise translate(e, "cannot write to the database") from e
    except BaseException:
        _undo_savepoint(conn)
        raise
    conn.execute("RELEASE part")


def _undo_savepoint(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:  # a disk-full error may have ended the whole transaction
        conn.execute("ROLLBACK TO part")
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
_STRING = json.encoder.encode_basestring  # what _ENCODE writes a str as (ensure_ascii off)


def dumps(value: Any) -> str:
    # A list of strings (authors, categories, links: three per stored entry) is joined
    # here, as the encoder would write it, without its per-call set-up.
    if type(value) is list:
        try:
            return f"[{','.join(map(_STRING, value))}]"
        except TypeError:  # an item that is not a string
            pass
    return _ENCODE(value)


# No lease is honoured further ahead than this (or the run's own ttl, if longer): a
# clock set wrong or a hand-edited row must not block every run until 2099.
MAX_LEASE_AHEAD = timedelta(hours=6)


def holder_alive(holder: str) -> bool:
    """False when ``holder`` (``host:pid``) names a process of this host that is gone;
    a holder on another host (or in another form) is presumed alive until it expires."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def acquire_lease(
    db: Database,
    name: str,
    holder: str,
    *,
    now: datetime,
    ttl: timedelta,
    holder_alive: Callable[[str], bool] = holder_alive,
) -> None:
    """Take the named lease or raise LeaseHeldError. The lease of another holder is
    taken over when it expired, when ``holder_alive`` says its process is gone (a
    kill -9 then blocks nobody), or when its expiry lies further ahead than any run
    may last (MAX_LEASE_AHEAD, or ``ttl`` if longer)."""
    bound = now + max(ttl, MAX_LEASE_AHEAD)
    with transaction(db) as conn:
        row = conn.execute(
            "SELECT holder, expires_at FROM leases WHERE name = ?", (name,)
        ).fetchone()
        if row and row[0] != holder and _honoured(row[0], row[1], now, bound, holder_alive):
            raise LeaseHeldError(
                f"another run ({row[0]}) holds the {name} lease until {row[1]}",
                hint="it will finish or expire; nothing to do",
            )
        conn.execute(
            "INSERT OR REPLACE INTO leases (name, holder, acquired_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (name, holder, iso(now), iso(now + ttl)),
        )


def _honoured(
    holder: str, expires_at: str | None, now: datetime, bound: datetime,
    holder_alive: Callable[[str], bool],
) -> bool:  # fmt: skip
    try:
        expires = from_iso(expires_at)
    except ValueError:  # a damaged row blocks nobody
        return False
    return expires is not None and now < expires <= bound and holder_alive(holder)


def release_lease(db: Database, name: str, holder: str) -> None:
    with transaction(db) as conn:
        conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
