"""Keeping the FTS5 index (store/search.py) in step with entries and summaries,
inside the same transactions that write them.

The index keeps no copy of its text: it is an external-content table over the view
``search_source`` (schema migration 6), which derives each entry's row from
``entries`` and ``summaries``. So a row must leave the index *before* what it was
derived from changes (:func:`unindex_entries`), with exactly the values it went in
with; the view gives them as long as it is read before the change.

New search rows wait in a TEMP table and reach FTS5 just before the transaction
commits (:func:`flush_search`). FTS5 writes its pending terms out as a new segment at
every SAVEPOINT, and a grouped refresh makes one savepoint per feed: indexing there
meant hundreds of tiny segments to merge, a fifth of a cold refresh. The TEMP table
is transactional like the rest, so a feed that rolls back takes its rows with it.
Their text comes from the parse workers (``EntryKeys.search_text``), the same
fts_text() the view would compute.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

__all__ = ["flush_search", "index_entries", "prepare_search", "reindex", "unindex_entries"]


def prepare_search(conn: sqlite3.Connection) -> None:
    """Per connection: the TEMP table that holds search rows until commit. Its rows
    are written once and read once, so its page cache is kept small: the default
    2 MB filled up in every refresh, a tenth of the refresh's peak memory."""
    conn.execute("PRAGMA temp.cache_size = -256")  # KiB
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS search_pending "
        "(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)"
    )


def index_entries(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> None:
    """Index many (entry id, title, plain body text from
    :func:`digest.sanitize.fts_text`) when the transaction commits. An entry indexed
    before must have left the index first (:func:`unindex_entries`)."""
    conn.executemany(
        "INSERT INTO search_pending (id, title, body) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body",
        rows,
    )


def unindex_entries(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Take entries out of the index, before their entry or summary rows change:
    FTS5 removes the terms of the values given, which must be those indexed. Rows
    still waiting for the commit are not in FTS5 yet; they are replaced instead."""
    for chunk, marks in _chunks(ids):
        conn.execute(
            "INSERT INTO search_index (search_index, rowid, title, summary, body) "
            f"SELECT 'delete', id, title, summary, body FROM search_source WHERE id IN ({marks})"
            " AND id NOT IN (SELECT id FROM search_pending)",
            chunk,
        )


def reindex(conn: sqlite3.Connection, ids: Sequence[int]) -> list[int]:
    """Index entries from what search_source says now (after unindex_entries and the
    change), their summary and article text included: a summary counts again when
    an entry's content goes back to what it summarised. Rows still waiting for the
    commit are left to :func:`index_entries`; returns their ids."""
    waiting: list[int] = []
    for chunk, marks in _chunks(ids):
        waiting += [r[0] for r in conn.execute(
            f"SELECT id FROM search_pending WHERE id IN ({marks})", chunk)]  # fmt: skip
        conn.execute(
            "INSERT INTO search_index (rowid, title, summary, body) "
            f"SELECT id, title, summary, body FROM search_source WHERE id IN ({marks})"
            " AND id NOT IN (SELECT id FROM search_pending)",
            chunk,
        )
    return waiting


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[tuple[Sequence[int], str]]:
    """``ids`` in slices under SQLite's limit on bound parameters, each with its marks."""
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


def flush_search(conn: sqlite3.Connection) -> None:
    """Move the waiting search rows into FTS5 (one segment); called before COMMIT.
    A waiting row is an entry's new or changed content: no summary counts for it."""
    if conn.execute("SELECT 1 FROM search_pending LIMIT 1").fetchone() is None:
        return
    conn.execute(
        "INSERT INTO search_index (rowid, title, summary, body) "
        "SELECT id, title, '', body FROM search_pending ORDER BY id"
    )
    conn.execute("DELETE FROM search_pending")
