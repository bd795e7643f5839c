"""Keeping the FTS5 index (store/search.py) in step with entries and summaries,
inside the same transactions that write them."""

from __future__ import annotations

import sqlite3

from digest.sanitize import html_to_text


def index_entry(conn: sqlite3.Connection, entry_id: int, title: str, body_html: str) -> None:
    """(Re)index an entry's title and feed text; its summary comes later."""
    conn.execute("DELETE FROM search_index WHERE rowid = ?", (entry_id,))
    conn.execute(
        "INSERT INTO search_index (rowid, title, summary, body) VALUES (?, ?, '', ?)",
        (entry_id, title, html_to_text(body_html)),
    )


def index_summary(
    conn: sqlite3.Connection, entry_id: int, summary: str, article_text: str | None
) -> None:
    conn.execute("UPDATE search_index SET summary = ? WHERE rowid = ?", (summary, entry_id))
    if article_text:
        conn.execute("UPDATE search_index SET body = ? WHERE rowid = ?", (article_text, entry_id))
