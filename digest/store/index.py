"""Keeping the FTS5 index (store/search.py) in step with entries and summaries,
inside the same transactions that write them.

New search rows wait in a TEMP table and reach FTS5 just before the transaction
commits (:func:`flush_search`). FTS5 writes its pending terms out as a new segment at
every SAVEPOINT, and a grouped refresh makes one savepoint per feed: indexing there
meant hundreds of tiny segments to merge, a fifth of a cold refresh. The TEMP table
is transactional like the rest, so a feed that rolls back takes its rows with it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

__all__ = ["flush_search", "index_entries", "index_summary", "prepare_search"]


def prepare_search(conn: sqlite3.Connection) -> None:
    """Per connection: the TEMP table that holds search rows until commit. Its rows
    are written once and read once, so its page cache is kept small: the default
    2 MB filled up in every refresh, a tenth of the refresh's peak memory."""
    conn.execute("PRAGMA temp.cache_size = -256")  # KiB
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS search_pending "
        "(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, fresh INTEGER NOT NULL)"
    )


def index_entries(
    conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]], *, fresh: bool
) -> None:
    """(Re)index many (entry id, title, plain body text from
    :func:`digest.sanitize.fts_text`) when the transaction commits; ``fresh`` ids were
    never indexed, so there is nothing to delete first."""
    conn.executemany(
        "INSERT INTO search_pending (id, title, body, fresh) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body",
        [(entry_id, title, body, fresh) for entry_id, title, body in rows],
    )


def flush_search(conn: sqlite3.Connection) -> None:
    """Move the waiting search rows into FTS5 (one segment); called before COMMIT."""
    if conn.execute("SELECT 1 FROM search_pending LIMIT 1").fetchone() is None:
        return
    conn.execute(
        "DELETE FROM search_index WHERE rowid IN (SELECT id FROM search_pending WHERE NOT fresh)"
    )
    conn.execute(
        "INSERT INTO search_index (rowid, title, summary, body) "
        "SELECT id, title, '', body FROM search_pending ORDER BY id"
    )
    conn.execute("DELETE FROM search_pending")


def index_summary(
    conn: sqlite3.Connection, entry_id: int, summary: str, article_text: str | None
) -> None:
    flush_search(conn)  # the entry's row may still be waiting
    conn.execute("UPDATE search_index SET summary = ? WHERE rowid = ?", (summary, entry_id))
    if article_text:
        conn.execute("UPDATE search_index SET body = ? WHERE rowid = ?", (article_text, entry_id))
