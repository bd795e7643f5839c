"""Entries the editor adds by hand ("add by URL" on the review page).

They belong to one pseudo-feed per install, ``digest:manual`` (kind blog, name
"Added by the editor"), so they flow through grouping, ranking and publishing like
any other entry. The pseudo-feed is never fetched: it is not in feeds.yaml, and
``digest.app.refresh.refresh`` only fetches configured sources.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from digest.errors import NotFoundError
from digest.store import Store
from digest.store.db import iso, transaction
from digest.types import Entry, EntryData, Fetched, ParsedFeed

MANUAL_FEED = "digest:manual"
MANUAL_NAME = "Added by the editor"


def ensure_manual_feed(store: Store, *, now: datetime) -> None:
    """Create (or re-enable: `sync_sources` disables feeds missing from feeds.yaml)
    the pseudo-feed, so its entries are in the window again."""
    with transaction(store.db) as conn:
        conn.execute(
            "INSERT INTO feeds (url, name, kind, added_at, status) VALUES (?, ?, 'blog', ?, 'ok') "
            "ON CONFLICT(url) DO UPDATE SET enabled = 1",
            (MANUAL_FEED, MANUAL_NAME, iso(now)),
        )


def add_manual_entry(store: Store, data: EntryData, *, now: datetime) -> Entry:
    """Store ``data`` as an entry of the pseudo-feed (one transaction, like a fetch)
    and return it as stored."""
    ensure_manual_feed(store, now=now)
    result = Fetched(url=MANUAL_FEED, final_url=MANUAL_FEED, status=200, headers={}, body=b"")
    feed = ParsedFeed(url=MANUAL_FEED, title=MANUAL_NAME, link=None, entries=(data,))
    store.record_fetch(result, feed, now=now, next_fetch_at=now + timedelta(days=3650))
    row = store.db.execute(
        "SELECT id FROM entries WHERE feed_url = ? AND guid = ?", (MANUAL_FEED, data.guid)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"the added entry {data.guid} was not stored")
    return store.entries_by_id([row[0]])[row[0]]
