"""Search for the review page, over the store's FTS5 index (titles, summaries and
article text). A query FTS5 cannot parse (``NEAR(``, ``) OR (1=1``, a lone quote)
is searched again with each word quoted, so the page never shows an error for
what an editor typed. The index itself is digest.store's; this module only queries it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digest.errors import SearchError
from digest.store import Store
from digest.types import Entry

MAX_QUERY = 200


@dataclass(frozen=True)
class SearchHit:
    entry: Entry
    summary: str


def literal(query: str) -> str:
    """Every word as a quoted FTS5 string: no operator survives."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def search_entries(
    store: Store, query: str, *, since: datetime, limit: int = 50
) -> list[SearchHit]:
    query = " ".join(query[:MAX_QUERY].split()[:12])
    if not query:
        return []
    try:
        hits = store.search(query, since=since, limit=limit)
    except SearchError:
        hits = store.search(literal(query), since=since, limit=limit)
    entries = store.entries_by_id(h.entry_id for h in hits)
    summaries = store.summaries_for(entries.values())
    return [
        SearchHit(entries[h.entry_id], s.text if (s := summaries.get(h.entry_id)) else h.snippet)
        for h in hits
        if h.entry_id in entries
    ]
