"""Full-text search (SQLite FTS5) over entry titles, summaries and article text.

The index is kept in the same transactions that write entries and summaries, so
it never disagrees with them. Queries use FTS5 syntax (words, "phrases", AND, OR,
NOT, prefix*); a query FTS5 cannot parse becomes a SearchError with a hint.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from digest.errors import SearchError
from digest.store.db import from_iso, iso
from digest.store.feeds import FeedStore


@dataclass(frozen=True)
class SearchHit:
    entry_id: int
    title: str
    link: str | None
    source_name: str
    published: datetime | None
    first_seen: datetime
    snippet: str
    score: float


_SEARCH = """
SELECT e.id, e.title, e.link, f.name, e.published, e.first_seen,
       snippet(search_index, -1, '[', ']', '…', 16), bm25(search_index, 5.0, 2.0, 1.0)
FROM search_index JOIN entries e ON e.id = search_index.rowid JOIN feeds f ON f.url = e.feed_url
WHERE search_index MATCH ? AND e.first_seen >= ?
ORDER BY bm25(search_index, 5.0, 2.0, 1.0) LIMIT ?
"""


class SearchStore(FeedStore):
    def search(
        self, query: str, *, since: datetime | None = None, limit: int = 50
    ) -> list[SearchHit]:
        """Entries matching ``query``, best first (titles weigh most)."""
        if not query.strip():
            raise SearchError("the search query is empty", hint='try a word or a "phrase"')
        floor = iso(since) or ""
        try:
            rows = self.db.execute(_SEARCH, [query, floor, limit]).fetchall()
        except sqlite3.OperationalError as e:
            raise SearchError(
                f"cannot understand the query {query!r}: {e}",
                hint='put words in double quotes to search for them literally, e.g. "C++"',
            ) from None
        return [
            SearchHit(
                entry_id=r[0],
                title=r[1],
                link=r[2],
                source_name=r[3],
                published=from_iso(r[4]),
                first_seen=from_iso(r[5]) or datetime.min,  # NOT NULL in the schema
                snippet=" ".join(r[6].split()),  # indexed text keeps its whitespace (fts_text)
                score=-r[7],
            )
            for r in rows
        ]
