"""Keeping the FTS5 index (store/search.py) in step with entries and summaries,
inside the same transactions that write them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

__all__ = ["index_entries", "index_summary"]


def index_entries(
    conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]], *, fresh: bool
) -> None:
    """(Re)index many (entry id, title, plain body text from
    :func:`digest.sanitize.fts_text`); ``fresh`` ids were never indexed, so there is
    nothing to delete first."""
    listed = list(rows)
    if not fresh:
        conn.executemany("DELETE FROM search_index WHERE rowid = ?", [(r[0],) for r in listed])
    conn.executemany(
        "INSERT INTO search_index (rowid, title, summary, body) VALUES (?, ?, '', ?)", listed
    )


def index_summary(
    conn: sqlite3.Connection, entry_id: int, summary: str, article_text: str | None
) -> None:
    conn.execute("UPDATE search_index SET summary = ? WHERE rowid = ?", (summary, entry_id))
    if article_text:
        conn.execute("UPDATE search_index SET body = ? WHERE rowid = ?", (article_text, entry_id))
