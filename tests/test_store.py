"""The SQLite store: migrations, WAL + busy timeout, one transaction per feed,
identity, a locked or corrupt file, leases and decision conflicts (S1, S2, S3, D1)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from digest.errors import (
    ConflictError,
    ErrorCode,
    FetchError,
    LeaseHeldError,
    ParseError,
    StorageBusyError,
    StorageError,
)
from digest.store import Store
from digest.store.schema import MIGRATIONS
from digest.types import (
    Action,
    Decision,
    EntryData,
    Fetched,
    ParsedFeed,
    Source,
    SourceKind,
)

URL = "https://example.org/feed.xml"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the `now` fixture


def fetched(etag: str | None = '"v1"') -> Fetched:
    return Fetched(URL, URL, 200, {}, b"", etag=etag)


def feed(*entries: EntryData) -> ParsedFeed:
    return ParsedFeed(URL, "Example", "https://example.org/", entries)


def entry(guid: str, title: str = "Title", link: str | None = None, **kw: object) -> EntryData:
    kw.setdefault("published", NOW)  # dated: an undated first-fetch entry is backlog (ADR 0011)
    return EntryData(guid=guid, link=link or f"https://example.org/{guid}", title=title, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(store: Store, now: datetime) -> Store:
    store.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
    return store


def test_every_connection_has_wal_busy_timeout_and_current_schema(store: Store) -> None:
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    # A new file gets pages big enough for an entry's HTML (no overflow chains).
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 16384


def test_reopening_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    Store.open(path).close()
    with Store.open(path) as again:
        assert again.db.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_entries_are_unique_per_feed_and_guid(store: Store, now: datetime) -> None:
    parsed = feed(entry("a"), entry("b"))
    assert store.record_fetch(fetched(), parsed, now=now, next_fetch_at=now) == 2
    assert store.record_fetch(fetched(), parsed, now=now, next_fetch_at=now) == 0
    assert store.count_entries() == 2


def test_an_edit_updates_the_entry_and_keeps_first_seen(store: Store, now: datetime) -> None:
    store.record_fetch(fetched(), feed(entry("a", "Old")), now=now, next_fetch_at=now)
    later = now + timedelta(days=1)
    store.record_fetch(fetched(), feed(entry("a", "New")), now=later, next_fetch_at=later)
    (stored,) = store.entries_since(now - timedelta(days=2))
    assert stored.title == "New" and stored.first_seen == now


def test_a_summary_equal_to_the_content_is_stored_once(store: Store, now: datetime) -> None:
    # An Atom feed with content only: feedparser gives each entry its content as its
    # summary too. The row keeps the HTML once; reading gives back both.
    body = "<p>" + "words " * 500 + "</p>"
    both = entry("a", summary_html=body, content_html=body)
    apart = entry("b", summary_html="<p>Teaser</p>", content_html=body)
    store.record_fetch(fetched(), feed(both, apart), now=now, next_fetch_at=now)
    rows = store.db.conn.execute("SELECT guid, summary_html FROM entries ORDER BY guid")
    assert [tuple(r) for r in rows] == [("a", ""), ("b", "<p>Teaser</p>")]
    first, second = store.entries_since(now - timedelta(days=1))
    assert first.summary_html == first.content_html == body
    assert (second.summary_html, second.content_html) == ("<p>Teaser</p>", body)


def test_guid_churn_with_the_same_link_is_one_entry(store: Store, now: datetime) -> None:
    link = "https://example.org/post?utm_source=rss"
    store.record_fetch(fetched(), feed(entry("g1", link=link)), now=now, next_fetch_at=now)
    store.record_fetch(fetched(), feed(entry("g2", link=link)), now=now, next_fetch_at=now)
    assert store.count_entries() == 1


def test_rank_time_is_capped_by_first_seen(store: Store, now: datetime) -> None:
    future = entry("f", published=datetime(2099, 1, 1, tzinfo=now.tzinfo))
    store.record_fetch(fetched(), feed(future), now=now, next_fetch_at=now)
    (stored,) = store.entries_since(now - timedelta(days=1))
    assert stored.rank_time == now and stored.published and stored.published.year == 2099


def test_crash_mid_ingest_commits_nothing(
    store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S2: the crash comes after the entry rows are written (batched), while indexing
    them; the whole feed's transaction rolls back."""
    import digest.store.ingest as ingest

    written: list[int] = []
    real = ingest.index_entries

    def crash_while_indexing(conn: sqlite3.Connection, *args: Any, **kwargs: Any) -> None:
        written.append(conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
        raise RuntimeError("crash after the entry rows")

    monkeypatch.setattr(ingest, "index_entries", crash_while_indexing)
    with pytest.raises(RuntimeError):
        store.record_fetch(fetched(), feed(entry("a"), entry("b"), entry("c")), now=now,
                           next_fetch_at=now)  # fmt: skip
    assert written == [3]  # rows were in the transaction when it failed
    assert store.count_entries() == 0
    state = store.feed_state(URL)
    assert state is not None and state.etag is None and state.status == "never"
    monkeypatch.setattr(ingest, "index_entries", real)
    assert store.record_fetch(fetched(), feed(entry("a")), now=now, next_fetch_at=now) == 1


def test_failure_records_code_and_keeps_entries(store: Store, now: datetime) -> None:
    store.record_fetch(fetched(), feed(entry("a")), now=now, next_fetch_at=now)
    failure = FetchError("no answer within 1 s", code=ErrorCode.TIMEOUT, url=URL)
    store.record_fetch(failure, None, now=now, next_fetch_at=now + timedelta(minutes=5))
    (health,) = store.feed_health(now=now)
    assert (health.status, health.last_error_code, health.entries) == ("error", "timeout", 1)
    assert health.next_fetch_at == now + timedelta(minutes=5)
    assert health.last_error == "no answer within 1 s"


def test_a_parse_failure_is_recorded_as_itself_under_the_feeds_identity(
    store: Store, now: datetime
) -> None:
    # A moved feed is fetched at its new URL; the failure is filed under the feed's
    # own URL, with the ParseError's code and message as they were, and the fetch's
    # validators are not kept (the body was not stored, so it must come again).
    moved = "https://example.org/moved.xml"
    error = ParseError("no feed here", code=ErrorCode.NOT_A_FEED, url=moved)
    result = Fetched(moved, moved, 200, {}, b"<html/>", etag='"v1"')
    store.record_fetch(result, None, now=now, next_fetch_at=now, error=error, feed_url=URL)
    state = store.feed_state(URL)
    assert state is not None and state.etag is None and state.error_count == 1
    assert (state.last_error_code, state.last_error) == ("not_a_feed", "no feed here")
    attempt = store.db.conn.execute(
        "SELECT feed_url, outcome, status, code FROM fetch_attempts").fetchone()  # fmt: skip
    assert tuple(attempt) == (URL, "error", 200, "not_a_feed")


def test_a_locked_database_is_a_typed_busy_error_and_reads_still_work(
    tmp_path: Path, now: datetime
) -> None:
    path = tmp_path / "locked.sqlite"
    with Store.open(path) as first:
        first.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with Store.open(path, busy_timeout_ms=50) as second:
            with pytest.raises(StorageBusyError, match="busy"):
                second.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_wal_readers_are_not_blocked_by_a_writer(tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "wal.sqlite"
    with Store.open(path) as writer, Store.open(path, busy_timeout_ms=50) as reader:
        writer.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
        writer.db.conn.execute("BEGIN IMMEDIATE")
        try:
            assert len(reader.feed_health(now=now)) == 1
            with pytest.raises(StorageBusyError):
                reader.reenable_feed(URL)
        finally:
            writer.db.conn.execute("ROLLBACK")


def test_a_corrupt_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="not a usable digest database"):
        Store.open(path)


def test_leases_exclude_other_holders_until_they_expire(store: Store, now: datetime) -> None:
    store.acquire_lease("fetch", "a", now=now, ttl=timedelta(minutes=5))
    with pytest.raises(LeaseHeldError):
        store.acquire_lease("fetch", "b", now=now, ttl=timedelta(minutes=5))
    store.acquire_lease("fetch", "b", now=now + timedelta(minutes=6), ttl=timedelta(minutes=5))
    store.release_lease("fetch", "b")
    store.acquire_lease("fetch", "c", now=now, ttl=timedelta(minutes=5))


def test_a_stale_page_gets_a_conflict(store: Store, now: datetime) -> None:
    d = Decision("2026-W48", "item", Action.APPROVE, None, now)
    store.add_decision(d, expected_version=0)
    with pytest.raises(ConflictError, match="changed elsewhere"):
        store.add_decision(d, expected_version=0)
    store.add_decision(d, expected_version=1)
    assert [x.id for x in store.decisions("2026-W48")] == [1, 2]
