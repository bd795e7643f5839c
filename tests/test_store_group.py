"""store.db.GroupCommit: many feeds' transactions share one COMMIT, each a savepoint."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from digest.errors import StorageBusyError
from digest.store import Store
from digest.store.db import transaction


def _names(path: Path) -> list[str]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(path) as other:
        return [r[0] for r in other.execute("SELECT name FROM leases ORDER BY name")]


def _write(store: Store, name: str, *, fail: bool = False) -> None:
    with transaction(store.db) as conn:
        conn.execute(
            "INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES (?, 'x', '', '')",
            (name,),
        )
        if fail:
            raise RuntimeError("this feed's store failed")


def test_a_failing_part_rolls_back_alone_and_the_group_commits_the_rest(store: Store) -> None:
    with store.group_commit() as group:
        for name, fail in (("a", False), ("b", True), ("c", False)):
            group.join()
            try:
                _write(store, name, fail=fail)
            except RuntimeError:
                pass
        assert _names(store.path) == []  # nothing is visible before the group commits
    assert _names(store.path) == ["a", "c"]


def test_tick_commits_a_group_once_it_is_old_enough(store: Store) -> None:
    with store.group_commit(max_seconds=0.05) as group:
        group.join()
        _write(store, "a")
        group.tick()
        assert _names(store.path) == []
        time.sleep(0.06)
        group.tick()
        assert _names(store.path) == ["a"]  # the write lock is not held past max_seconds
        group.join()
        _write(store, "b")
    assert _names(store.path) == ["a", "b"]


def test_a_crash_loses_only_the_open_group(store: Store) -> None:
    with pytest.raises(KeyboardInterrupt), store.group_commit(max_seconds=0.0) as group:
        group.join()
        _write(store, "a")
        group.tick()  # committed: older than max_seconds
        group.join()
        _write(store, "b")
        raise KeyboardInterrupt
    assert _names(store.path) == ["a"]
    _write(store, "c")  # the connection is usable again, outside any group
    assert _names(store.path) == ["a", "c"]


def test_a_background_commit_lets_the_caller_go_on_and_join_waits_for_it(
    store: Store,
) -> None:
    with store.group_commit(max_seconds=0.0, background=True) as group:
        group.join()
        _write(store, "a")
        group.tick()  # the COMMIT runs on a thread
        group.join()  # waits for it before the next part touches the connection
        assert not group.committing and _names(store.path) == ["a"]
        _write(store, "b")
    assert _names(store.path) == ["a", "b"]


def test_a_failed_background_commit_is_raised_by_the_next_tick(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")
        raise StorageBusyError("cannot commit: the database is busy")

    with store.group_commit(max_seconds=0.0, background=True) as group:
        group.join()
        _write(store, "a")
        monkeypatch.setattr("digest.store.db._commit", failing)
        group.tick()
        with pytest.raises(StorageBusyError):
            for _ in range(100):  # the thread may still be running
                group.tick()
                time.sleep(0.01)
    assert _names(store.path) == []  # that group is lost; its feeds are fetched again
