"""Storing one feed's entries inside its transaction, batched: one SELECT of the feed's
known identities, then ``executemany`` for inserts, updates and ``last_seen``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from digest.identity import entry_keys, fallback_id
from digest.limits import cap_entry
from digest.store.db import dumps, iso
from digest.store.index import index_entries, reindex, unindex_entries
from digest.types import EntryData

__all__ = ["upsert_entries"]


def upsert_entries(
    conn: sqlite3.Connection,
    feed_url: str,
    entries: Sequence[EntryData],
    now: datetime,
    *,
    backlog: bool = False,
) -> int:
    """One SELECT of the feed's known identities, then batched writes: new entries are
    inserted and indexed, changed ones (by content hash) rewritten and re-indexed, and
    unchanged ones only get ``last_seen``. Same rules as one-by-one: (feed, guid) first,
    then the narrow arXiv id / canonical link fallback, earlier entries of the batch
    included. With ``backlog`` (the feed's first fetch, or one after a long gap) new
    undated entries are marked as backlog: kept and searchable, never candidates.
    Titles, summaries, contents and authors are cut to digest.limits.FIELD_LIMITS.
    Returns the number of new entries."""
    if not entries:
        return 0
    known = _Known.load(conn, feed_url)
    next_id = _next_id(conn)
    seen = iso(now) or ""
    inserts: dict[int, tuple[Any, ...]] = {}  # new id -> values
    updates: dict[int, tuple[Any, ...]] = {}  # id -> values (feed_url, guid, first_seen kept)
    unchanged: list[int] = []
    texts: dict[int, str] = {}  # id -> search text
    for data in map(cap_entry, entries):  # cut fields keep no keys: taken again below
        keys = data.keys or entry_keys(data)  # a parse worker took them, as a rule
        canonical, digest_ = keys.canonical, keys.content_hash
        found = known.find(data, canonical, digest_)
        if found is None:
            inserts[next_id] = _entry_values(feed_url, data, canonical, digest_, seen)
            known.add(next_id, data.guid, data.arxiv_id, canonical, digest_, data.link)
            texts[next_id] = keys.search_text
            next_id += 1
        elif known.hashes[found] != digest_:
            values = _entry_values(feed_url, data, canonical, digest_, seen)
            if found in inserts:  # an earlier entry of this batch: keep its identity
                first = inserts[found]
                inserts[found] = (*first[:2], *values[2:8], first[8], *values[9:])
            else:
                updates[found] = values
            known.add(found, None, data.arxiv_id, canonical, digest_, data.link)
            texts[found] = keys.search_text
        elif found not in inserts:
            unchanged.append(found)
    _write(conn, inserts, updates, unchanged, texts, now)
    if backlog:
        undated = [(i,) for i, v in inserts.items() if v[6] is None]  # v[6]: published
        conn.executemany("UPDATE entries SET backlog = 1 WHERE id = ?", undated)
    return len(inserts)


def _write(
    conn: sqlite3.Connection,
    inserts: dict[int, tuple[Any, ...]],
    updates: dict[int, tuple[Any, ...]],
    unchanged: list[int],
    texts: dict[int, str],
    now: datetime,
) -> None:
    def search_rows(rows: dict[int, tuple[Any, ...]]) -> list[tuple[int, str, str]]:
        return [(i, v[4], texts[i]) for i, v in rows.items()]  # v[4]: title

    if inserts:
        conn.executemany(_INSERT_WITH_ID, [(i, *v) for i, v in inserts.items()])
        index_entries(conn, search_rows(inserts))
    if updates:
        unindex_entries(conn, list(updates))  # while the rows still hold what was indexed
        # Skip feed_url, guid and first_seen: identity and "new since" never move.
        conn.executemany(_UPDATE, [(*v[2:8], *v[9:], i) for i, v in updates.items()])
        waiting = set(reindex(conn, list(updates)))
        index_entries(conn, [row for row in search_rows(updates) if row[0] in waiting])
    if unchanged:
        stamp = iso(now)
        conn.executemany("UPDATE entries SET last_seen = ? WHERE id = ?",
                         [(stamp, i) for i in unchanged])  # fmt: skip


def _next_id(conn: sqlite3.Connection) -> int:
    """Ids are assigned here so inserts can be batched; past the largest entry and
    the largest indexed row (FTS5's docsize table has one per row), so a new id never
    meets a stale search row."""
    row = conn.execute(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM entries), 0), "
        "COALESCE((SELECT MAX(id) FROM search_index_docsize), 0))"
    ).fetchone()
    return int(row[0]) + 1


@dataclass
class _Known:
    """A feed's stored identities: guid, arXiv id, canonical link and (for entries
    without a link) content hash -> entry id, as the rows will be once this batch is
    written; ``hashes`` holds each id's content hash, ``links`` its link."""

    guids: dict[str, int]
    arxiv: dict[str, int]
    canonical: dict[str, int]
    hashes: dict[int, str]
    links: dict[int, str]
    linkless: dict[str, int]  # content hash -> id, of entries without a link

    @classmethod
    def load(cls, conn: sqlite3.Connection, feed_url: str) -> _Known:
        known = cls({}, {}, {}, {}, {}, {})
        rows = conn.execute(
            "SELECT id, guid, arxiv_id, canonical, content_hash, link FROM entries "
            "WHERE feed_url = ? ORDER BY id",
            (feed_url,),
        )
        for entry_id, guid, arxiv, canonical, digest_, link in rows:
            known.add(entry_id, guid, arxiv, canonical, digest_, link)
        return known

    def find(self, data: EntryData, canonical: str, digest_: str) -> int | None:
        """(feed, guid) first; then narrow fallbacks for publishers whose GUIDs churn:
        the same canonical link (or arXiv id) in the same feed is the same entry, unless
        the links differ in a fragment that tells entries apart ("post#c1", "post#c2");
        without a link, the same content is (ADR 0011)."""
        found = self.guids.get(data.guid)
        if found is None and data.arxiv_id:
            found = self.arxiv.get(data.arxiv_id)
        if found is None and data.link:
            found = self.canonical.get(canonical)
            if found is not None and not self._same_link(found, data.link):
                found = None
        if found is None and not data.link:
            found = self.linkless.get(digest_)
        return found

    def add(
        self,
        entry_id: int,
        guid: str | None,
        arxiv: str | None,
        canonical: str,
        digest_: str,
        link: str | None,
    ) -> None:
        """Record a row (``guid`` None: an update, which keeps the row's guid). The
        lowest id wins a fallback key, as the indexed SELECT returned it."""
        if guid is not None:
            self.guids[guid] = entry_id
        if arxiv:
            self.arxiv.setdefault(arxiv, entry_id)
        self.canonical.setdefault(canonical, entry_id)
        self.hashes[entry_id] = digest_
        if link:
            self.links[entry_id] = link
        else:
            self.linkless.setdefault(digest_, entry_id)

    def _same_link(self, entry_id: int, link: str) -> bool:
        """Does the row's link have ``link``'s fallback id? Taken here, when a canonical
        link matches, not for every row added: a cold refresh adds tens of thousands."""
        stored = self.links.get(entry_id)
        if stored is None:  # a row without a link counts as ""
            return fallback_id(link) == ""
        return stored == link or fallback_id(stored) == fallback_id(link)


_COLUMNS = (
    "feed_url, guid, link, canonical, title, authors, published, updated, first_seen, "
    "last_seen, summary_html, content_html, content_hash, categories, enclosures, image, "
    "arxiv_id, duration_seconds, links, extra"
)
_INSERT_WITH_ID = f"INSERT INTO entries (id, {_COLUMNS}) VALUES ({','.join('?' * 21)})"
_UPDATE = (
    "UPDATE entries SET link=?, canonical=?, title=?, authors=?, published=?, updated=?, "
    "last_seen=?, summary_html=?, content_html=?, content_hash=?, "
    "categories=?, enclosures=?, image=?, arxiv_id=?, duration_seconds=?, links=?, extra=? "
    "WHERE id = ?"
)


def _entry_values(
    feed_url: str, d: EntryData, canonical: str, digest_: str, now: datetime | str
) -> tuple[Any, ...]:
    seen = now if isinstance(now, str) else iso(now)  # a batch passes it formatted once
    # A feed without summaries (Atom content only) gives each entry its content as its
    # summary: stored once, the summary left empty (reading restores it; FeedStore).
    summary = "" if d.summary_html == d.content_html else d.summary_html
    values = (
        feed_url, d.guid, d.link, canonical, d.title, _json_list(d.authors),
        iso(d.published), iso(d.updated), seen, seen, summary, d.content_html,
        digest_, _json_list(d.categories),
        dumps([[x.url, x.type, x.length] for x in d.enclosures]) if d.enclosures else "[]",
        d.image, d.arxiv_id, d.duration_seconds, _json_list(d.links),
        dumps(dict(d.extra)) if d.extra else "{}",
    )  # fmt: skip
    return values


def _json_list(values: Sequence[str]) -> str:
    return dumps(list(values)) if values else "[]"
