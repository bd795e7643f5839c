"""Full-text search: FTS5 over titles, summaries and article text; odd queries (O10)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.errors import SearchError
from digest.store import Store
from digest.types import EntryData, Fetched, ParsedFeed, Source, SourceKind, Summary, SummaryMethod

URL = "https://example.org/feed.xml"


@pytest.fixture
def filled(store: Store, now: datetime) -> Store:
    store.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
    entries = (  # dated: an undated entry of a first fetch is backlog (ADR 0011)
        EntryData("a", "https://example.org/a", "Sparse attention at scale",
                  summary_html="<p>Routing tokens to a <b>sparse</b> set of keys.</p>",
                  published=now),
        EntryData("b", "https://example.org/b", "Évaluation multilingue",
                  summary_html="<p>Benchmarks for Portuguese and French models.</p>",
                  published=now),
        EntryData("c", "https://example.org/c", "Quotes ' and \" and ) OR (1=1",
                  summary_html="<p>A title full of SQL and FTS syntax.</p>", published=now),
    )  # fmt: skip
    fetched = Fetched(URL, URL, 200, {}, b"")
    store.record_fetch(fetched, ParsedFeed(URL, "Example", None, entries), now=now,
                       next_fetch_at=now)  # fmt: skip
    (a,) = [e for e in store.entries_since(now - timedelta(days=1)) if e.guid == "a"]
    summary = Summary(a.id, "A router picks keys.", SummaryMethod.ARTICLE, 4)
    store.save_summaries([(a, summary, "Full article text about mixture of experts.")], now=now)
    return store


def titles(store: Store, query: str) -> list[str]:
    return [h.title for h in store.search(query)]


def test_titles_summaries_and_article_text_are_searchable(filled: Store) -> None:
    assert titles(filled, "sparse") == ["Sparse attention at scale"]
    assert titles(filled, "router") == ["Sparse attention at scale"]  # the summary
    assert titles(filled, '"mixture of experts"') == ["Sparse attention at scale"]  # article
    assert titles(filled, "evaluation") == ["Évaluation multilingue"]  # diacritics folded
    assert titles(filled, "portug*") == ["Évaluation multilingue"]
    assert filled.search("sparse")[0].snippet.count("[") >= 1


@pytest.mark.parametrize("query", ["'", '"', ") OR (1=1", "NEAR(", "*", "a AND", "title:"])
def test_odd_queries_are_a_clear_error_or_a_result_never_a_crash(filled: Store, query: str) -> None:
    try:
        filled.search(query)
    except SearchError as e:
        assert e.code == "bad_query" and "double quotes" in str(e)


def test_quoted_syntax_is_searched_literally(filled: Store) -> None:
    assert titles(filled, '"OR (1=1"') == ["Quotes ' and \" and ) OR (1=1"]


def test_since_filters_by_first_seen(filled: Store, now: datetime) -> None:
    assert filled.search("sparse", since=now + timedelta(days=1)) == []


def test_cli_search_json_and_bad_query(tmp_path: Path, now: datetime) -> None:
    db = tmp_path / "s.sqlite"
    with Store.open(db) as store:
        store.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
        store.record_fetch(Fetched(URL, URL, 200, {}, b""), ParsedFeed(URL, "E", None, (
            EntryData("a", "https://example.org/a", "Sparse attention"),)), now=now,
            next_fetch_at=now)  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "search", "sparse", "--json"])
    assert result.exit_code == 0
    (hit,) = json.loads(result.output)
    assert hit["title"] == "Sparse attention" and hit["link"] == "https://example.org/a"
    bad = runner.invoke(cli, ["--db", str(db), "search", "NEAR("])
    assert bad.exit_code == 1 and "bad_query" in bad.output and "Traceback" not in bad.output


def _consistent(store: Store) -> None:
    """FTS5 checks its index against the content (search_source) row by row; it raises
    on any term indexed from a text that is not the one the view gives now."""
    store.db.conn.execute(
        "INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)"
    )


def test_the_index_matches_its_source_through_updates_and_summaries(
    filled: Store, now: datetime
) -> None:
    _consistent(filled)
    later = now + timedelta(days=1)
    edited = EntryData("a", "https://example.org/a", "Sparse attention, revised",
                       summary_html="<p>Now about <i>dense</i> routing.</p>")  # fmt: skip
    fetched = Fetched(URL, URL, 200, {}, b"")
    with filled.group_commit() as group:  # the update waits in a group, as in a refresh
        group.join()
        filled.record_fetch(fetched, ParsedFeed(URL, "Example", None, (edited,)), now=later,
                            next_fetch_at=later)  # fmt: skip
    _consistent(filled)
    # The summary was for the old content: it no longer counts, the new text does.
    assert titles(filled, "router") == [] and titles(filled, "dense") == [
        "Sparse attention, revised"
    ]
    (a,) = [e for e in filled.entries_since(now - timedelta(days=1)) if e.guid == "a"]
    summary = Summary(a.id, "Dense routing, summarised.", SummaryMethod.FEED, 3)
    filled.save_summaries([(a, summary, None)], now=later)
    _consistent(filled)
    assert titles(filled, "summarised") == ["Sparse attention, revised"]
    assert titles(filled, "dense")[0] == "Sparse attention, revised"  # body kept: no article


def test_an_old_database_gets_the_index_rebuilt_from_its_entries(
    tmp_path: Path, now: datetime
) -> None:
    from digest.store.schema import MIGRATIONS

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:5], start=1):  # a digest of before migration 6
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute("INSERT INTO feeds (url, name, kind, added_at) VALUES (?, 'F', 'blog', '')", [URL])
    conn.execute(
        "INSERT INTO entries (id, feed_url, guid, canonical, title, first_seen, last_seen, "
        "summary_html, content_hash) VALUES (1, ?, 'g', 'c', 'Old entry', ?, ?, "
        "'<p>Kept <b>words</b></p>', 'h')",
        [URL, now.isoformat(), now.isoformat()],
    )
    conn.close()
    with Store.open(path) as store:
        _consistent(store)
        (hit,) = store.search("kept")
        assert hit.title == "Old entry" and hit.snippet == "[Kept] words"


def test_a_summary_counts_again_when_the_content_comes_back(filled: Store, now: datetime) -> None:
    # "a" has a summary for its first content. An edit makes it stale; an edit back
    # makes it valid again, and the index must say so (or a later change would take
    # out terms that were never put in).
    first = "<p>Routing tokens to a <b>sparse</b> set of keys.</p>"  # as in `filled`
    original = EntryData("a", "https://example.org/a", "Sparse attention at scale",
                         summary_html=first)  # fmt: skip
    edited = EntryData("a", "https://example.org/a", "Sparse attention, revised",
                       summary_html="<p>Now about dense routing.</p>")  # fmt: skip
    fetched = Fetched(URL, URL, 200, {}, b"")
    for step, version in enumerate((edited, original, edited), start=1):
        at = now + timedelta(days=step)
        filled.record_fetch(fetched, ParsedFeed(URL, "Example", None, (version,)), now=at,
                            next_fetch_at=at)  # fmt: skip
        _consistent(filled)
        back = version is original
        assert titles(filled, "router") == (["Sparse attention at scale"] if back else [])
