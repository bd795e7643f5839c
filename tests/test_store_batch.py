"""The batched ingest of digest.store.feeds: unchanged entries are not rewritten, changed
ones are re-indexed, identity rules hold inside one batch, and the fast FTS text is the
same as html_to_text on sanitised HTML."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.sanitize import clean_html, clean_text, fts_text, html_to_text
from digest.store import Store
from digest.store.db import dumps
from digest.types import EntryData, Fetched, ParsedFeed, Source, SourceKind

URL = "https://example.org/feed.xml"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the `now` fixture


def fetched() -> Fetched:
    return Fetched(URL, URL, 200, {}, b"", etag='"v1"')


def feed(*entries: EntryData) -> ParsedFeed:
    return ParsedFeed(URL, "Example", "https://example.org/", entries)


def entry(guid: str, title: str = "Title", link: str | None = None, body: str = "") -> EntryData:
    # Dated: an undated entry of a feed's first fetch is backlog (ADR 0011).
    return EntryData(guid=guid, link=link or f"https://example.org/{guid}", title=title,
                     content_html=body, published=NOW)  # fmt: skip


@pytest.fixture
def store(store: Store, now: datetime) -> Store:
    store.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
    return store


def _rewrites(conn: sqlite3.Connection) -> list[int]:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS rewrites (id INTEGER)")
    conn.execute(
        "CREATE TEMP TRIGGER IF NOT EXISTS log_rewrites AFTER UPDATE OF title, content_html "
        "ON entries BEGIN INSERT INTO rewrites VALUES (new.id); END"
    )
    return [r[0] for r in conn.execute("SELECT id FROM rewrites")]


def test_unchanged_entries_are_not_rewritten_and_changed_ones_reindexed(
    store: Store, now: datetime
) -> None:
    first = feed(entry("a", "Sparse attention", body="<p>routing tokens</p>"), entry("b"))
    assert store.record_fetch(fetched(), first, now=now, next_fetch_at=now) == 2
    _rewrites(store.db.conn)
    later = now + timedelta(hours=1)
    second = feed(entry("a", "Dense attention", body="<p>all pairs</p>"), entry("b"))
    assert store.record_fetch(fetched(), second, now=later, next_fetch_at=later) == 0
    (changed,) = _rewrites(store.db.conn)  # only "a" was rewritten
    assert [h.entry_id for h in store.search("dense")] == [changed]
    assert store.search("sparse") == [] and store.search("routing") == []
    assert [h.title for h in store.search("pairs")] == ["Dense attention"]
    seen = store.db.conn.execute("SELECT DISTINCT last_seen FROM entries").fetchall()
    assert seen == [(later.isoformat(timespec="seconds"),)]


def test_a_link_repeated_under_a_new_guid_in_one_batch_is_one_entry(
    store: Store, now: datetime
) -> None:
    link = "https://example.org/post?utm_source=x"
    parsed = feed(entry("g1", "One", link), entry("g2", "One, edited", link))
    assert store.record_fetch(fetched(), parsed, now=now, next_fetch_at=now) == 1
    (stored,) = store.entries_since(now - timedelta(days=1))
    assert (stored.guid, stored.title) == ("g1", "One, edited")
    assert [h.title for h in store.search("edited")] == ["One, edited"]


def test_new_ids_follow_both_tables(store: Store, now: datetime) -> None:
    """A stale search row (its entry gone) never lends its text to a new entry."""
    conn = store.db.conn
    conn.execute("INSERT INTO search_index (rowid, title, summary, body) VALUES (7, 'x', '', '')")
    store.record_fetch(fetched(), feed(entry("a", "Fresh")), now=now, next_fetch_at=now)
    (stored,) = store.entries_since(now - timedelta(days=1))
    assert stored.id == 8 and [h.title for h in store.search("fresh")] == ["Fresh"]


def test_a_search_snippet_is_tidy_though_the_index_keeps_whitespace(
    store: Store, now: datetime
) -> None:
    body = "<p>Sparse\n\n  attention</p>\n<ul><li>routes</li>\n<li>tokens</li></ul>"
    store.record_fetch(fetched(), feed(entry("a", "Routing", body=body)), now=now,
                       next_fetch_at=now)  # fmt: skip
    (hit,) = store.search("routes")
    assert hit.snippet == "Sparse attention [routes] tokens"


def test_in_a_group_search_rows_wait_for_the_commit_and_leave_with_a_failed_feed(
    store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search rows reach FTS5 at the group's COMMIT (not at every feed's savepoint),
    and a feed whose store fails takes its waiting rows with it."""
    other = "https://example.org/other.xml"
    store.sync_sources([Source(URL, "Example", SourceKind.BLOG),
                        Source(other, "Other", SourceKind.BLOG)], now=now)  # fmt: skip
    pending = "SELECT COUNT(*) FROM temp.search_pending"
    with store.group_commit() as group:
        group.join()
        store.record_fetch(fetched(), feed(entry("a", "Sparse attention")), now=now,
                           next_fetch_at=now)  # fmt: skip
        assert store.db.conn.execute(pending).fetchone() == (1,)
        assert store.search("sparse") == []  # not indexed yet: waiting for the COMMIT
        group.join()
        monkeypatch.setattr("digest.store.feeds._record_success", _boom)
        failing = ParsedFeed(other, "Other", None, (entry("b", "Mixture of experts"),))
        with pytest.raises(RuntimeError):
            store.record_fetch(Fetched(other, other, 200, {}, b""), failing, now=now,
                               next_fetch_at=now)  # fmt: skip
        assert store.db.conn.execute(pending).fetchone() == (1,)  # b's row rolled back
    assert store.db.conn.execute(pending).fetchone() == (0,)
    assert [h.title for h in store.search("sparse")] == ["Sparse attention"]
    assert store.search("experts") == []


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("this feed's store failed")


TRICKY = [
    '<a title="a>b" href="/x">x&amp;y</a><p>1<br>2</p>&lt;b&gt; &nbsp;z<h1>T</h1>',
    "<p>caf\u00e9</p><ul><li>one</li><li>two</li></ul><img alt='q' src='/i.png'>after",
    "<table><tr><td>a</td><td>b</td></tr></table><pre>  code\n  here</pre>",
    "plain <b>bold</b> &#x27;quoted&#x27; <script>alert(1)</script> <!-- c --> end",
]


@pytest.mark.parametrize("raw", TRICKY)
def test_fts_text_has_the_words_of_html_to_text(raw: str) -> None:
    cleaned = clean_html(raw, "https://example.org/")
    assert fts_text(cleaned).split() == html_to_text(cleaned).split()
    assert clean_text(cleaned) == html_to_text(cleaned)


@given(st.text(alphabet="<>&\"'/ abpi=;#x1\u00a0\n", max_size=60))
def test_fts_text_has_the_words_of_html_to_text_on_random_fragments(raw: str) -> None:
    cleaned = clean_html(raw, "https://example.org/")
    assert fts_text(cleaned).split() == html_to_text(cleaned).split()
    assert clean_text(cleaned) == html_to_text(cleaned)


def test_a_fragment_that_names_a_part_keeps_entries_apart_across_fetches(
    store: Store, now: datetime
) -> None:
    """The canonical-link fallback compares the links' fallback ids: "#c1" and "#c2"
    are two comments, "#comments" is the post's furniture (same entry, new guid)."""
    post = "https://example.org/post"
    first = feed(entry("g1", "Post", post), entry("g2", "Comment 1", f"{post}#c1"))
    assert store.record_fetch(fetched(), first, now=now, next_fetch_at=now) == 2
    later = now + timedelta(hours=1)
    second = feed(
        entry("n1", "Post, edited", f"{post}#comments"), entry("n2", "Comment 2", f"{post}#c2")
    )
    assert store.record_fetch(fetched(), second, now=later, next_fetch_at=later) == 1
    titles = sorted(e.title for e in store.entries_since(now - timedelta(days=1)))
    assert titles == ["Comment 1", "Comment 2", "Post, edited"]


@given(st.lists(st.text()) | st.lists(st.text(), max_size=2).map(lambda x: [*x, 1]))
def test_dumps_writes_a_list_of_strings_as_the_json_encoder_does(value: list[object]) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert dumps(value) == expected and json.loads(dumps(value)) == value
