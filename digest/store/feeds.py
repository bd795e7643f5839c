"""Feeds, their fetch state, entries and summaries."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from digest.errors import DigestError, ErrorCode, FetchError, NotFoundError
from digest.store.db import dumps, from_iso, iso, transaction
from digest.store.index import flush_search, reindex, unindex_entries
from digest.store.ingest import upsert_entries
from digest.store.sqlitedb import Database
from digest.types import (
    Enclosure,
    Entry,
    FeedState,
    Fetched,
    FetchResult,
    Metadata,
    NotModified,
    ParsedFeed,
    ParseWarning,
    Source,
    SourceKind,
    Summary,
    SummaryMethod,
)

log = logging.getLogger(__name__)

# An undated entry first seen when a feed had no success for this long (or ever) is
# backlog, not news: it is stored and searchable, never a candidate (ADR 0011).
BACKLOG_GAP = timedelta(days=14)

# These columns hold JSON; entries are read through one SELECT joined with feeds.
_ENTRY_SELECT = """
SELECT e.*, f.name AS source_name, f.kind AS kind, f.section AS section_hint,
       f.weight AS source_weight
FROM entries e JOIN feeds f ON f.url = e.feed_url
"""


@dataclass(frozen=True)
class FeedHealth:
    """One row of `digest feeds`: what the editor needs to see about a source."""

    url: str
    name: str
    kind: str
    status: str
    enabled: bool
    last_success_at: datetime | None
    last_error_code: str | None
    last_error: str | None
    next_fetch_at: datetime | None
    entries: int
    entries_7d: int
    error_count: int
    moved_to: str | None = None
    warnings: tuple[ParseWarning, ...] = ()  # of the last parse; status is then "warning"


class FeedStore:
    db: Database

    # --- feeds --------------------------------------------------------------

    def sync_sources(self, sources: Sequence[Source], *, now: datetime) -> None:
        """Make the feeds table match feeds.yaml, keeping each feed's fetch state."""
        with transaction(self.db) as conn:
            for s in sources:
                conn.execute(
                    "INSERT INTO feeds (url, name, kind, section, weight, added_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                    "name = excluded.name, kind = excluded.kind, "
                    "section = excluded.section, weight = excluded.weight, enabled = 1",
                    (s.url, s.name, s.kind.value, s.section, s.weight, iso(now)),
                )
            urls = [s.url for s in sources]
            marks = ",".join("?" * len(urls))
            # digest:* pseudo-feeds (items the editor added by URL) are not in feeds.yaml.
            conn.execute(
                f"UPDATE feeds SET enabled = 0 WHERE url NOT IN ({marks}) "
                "AND url NOT LIKE 'digest:%'",
                urls,
            )

    def feed_states(self, *, due_at: datetime | None = None) -> list[FeedState]:
        """Enabled feeds; with ``due_at``, only those due then (gone feeds never are)."""
        sql = "SELECT * FROM feeds WHERE enabled = 1"
        params: list[Any] = []
        if due_at is not None:
            sql += " AND status != 'gone' AND (next_fetch_at IS NULL OR next_fetch_at <= ?)"
            params.append(iso(due_at))
        return [_feed_state(r) for r in self.db.query(sql + " ORDER BY url", params)]

    def feed_state(self, url: str) -> FeedState | None:
        rows = list(self.db.query("SELECT * FROM feeds WHERE url = ?", [url]))
        return _feed_state(rows[0]) if rows else None

    def reenable_feed(self, url: str) -> None:
        with transaction(self.db) as conn:
            done = conn.execute(
                "UPDATE feeds SET status = 'never', next_fetch_at = NULL, error_count = 0 "
                "WHERE url = ?",
                (url,),
            )
            if done.rowcount == 0:
                raise NotFoundError(f"no feed {url}", hint="see `digest feeds` for the URLs")

    def feed_health(self, *, now: datetime) -> list[FeedHealth]:
        week_ago = iso(now - timedelta(days=7))
        sql = """
        SELECT f.*, COUNT(e.id) AS n,
               COALESCE(SUM(e.first_seen >= ?), 0) AS n7
        FROM feeds f LEFT JOIN entries e ON e.feed_url = f.url
        WHERE f.enabled = 1 GROUP BY f.url ORDER BY f.name
        """
        return [
            FeedHealth(
                url=r["url"],
                name=r["name"],
                kind=r["kind"],
                status=r["status"],
                enabled=bool(r["enabled"]),
                last_success_at=from_iso(r["last_success_at"]),
                last_error_code=r["last_error_code"],
                last_error=r["last_error"],
                next_fetch_at=from_iso(r["next_fetch_at"]),
                entries=r["n"],
                entries_7d=r["n7"],
                error_count=r["error_count"],
                moved_to=r["moved_to"],
                warnings=_warnings(r["warnings"]),
            )
            for r in self.db.query(sql, [week_ago])
        ]

    # --- one fetch, one transaction ----------------------------------------

    def record_fetch(
        self,
        result: FetchResult,
        parsed: ParsedFeed | None,
        *,
        now: datetime,
        next_fetch_at: datetime,
        error: DigestError | None = None,
        feed_url: str | None = None,
    ) -> int:
        """Store a feed's fetch result, its entries and its new state in ONE
        transaction (no network I/O inside); return the number of new entries.
        ``result`` may be the fetch's FetchError; ``error`` is a failure after a good
        fetch (the feed's ParseError). ``feed_url`` is the feed's identity when it is
        not the URL fetched (an adopted move is fetched at its new URL)."""
        feed = feed_url or result.url
        if not feed:
            raise ValueError("record_fetch needs the feed's URL")
        failure = result if isinstance(result, FetchError) else error
        with transaction(self.db) as conn:
            new = 0
            if parsed:
                backlog = _in_backlog(conn, feed, now)
                new = upsert_entries(conn, feed, parsed.entries, now, backlog=backlog)
            if failure is not None:
                _record_failure(conn, feed, failure, now, next_fetch_at)
            else:
                assert isinstance(result, Fetched | NotModified)
                _record_success(conn, feed, result, parsed, now, next_fetch_at)
            status = result.status if not isinstance(result, NotModified) else 304
            warned = parsed.warnings if parsed and failure is None else ()
            outcome = "error" if failure else "warning" if warned else "ok"
            conn.execute(
                "INSERT INTO fetch_attempts (feed_url, at, outcome, status, code, message, "
                "new_entries, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (feed, iso(now), outcome, status, failure.code if failure else None,
                 str(failure) if failure else None, new, _dump(warned)),
            )  # fmt: skip
        for warning in warned:  # shown with -v; the feed's status says "warning"
            log.info("%s: warning %s", feed, warning)
        return new

    # --- entries and summaries ---------------------------------------------

    def entries_since(self, since: datetime, *, content: bool = True) -> list[Entry]:
        """Entries of enabled feeds whose rank time is ``since`` or later: the
        candidates of a window. An undated backlog entry never is (ADR 0011). Without
        ``content``, ``content_html`` is left empty (see :meth:`entry_texts`)."""
        # first_seen >= since follows from the MIN; said alone it lets SQLite range
        # over the first_seen index, so a window costs its own rows, not the archive's.
        # Sorted here: an ORDER BY e.id makes SQLite walk the whole table by rowid.
        rows = self._rows(
            self._entry_select(content) + " WHERE e.first_seen >= ? AND f.enabled = 1 AND "
            "MIN(COALESCE(e.published, e.first_seen), e.first_seen) >= ? "
            "AND NOT (e.backlog = 1 AND e.published IS NULL)",
            [iso(since), iso(since)],
        )
        return sorted((_entry(r) for r in rows), key=lambda e: e.id)

    def unsummarised_since(self, since: datetime) -> list[int]:
        """Ids of :meth:`entries_since` without a summary valid for their current
        content, in order: what a fetch still has to summarise. Ids, not entries, so
        the caller loads them a batch at a time (:meth:`entries_by_id`), and a run with
        nothing to do loads nothing."""
        rows = self.db.execute(
            "SELECT e.id FROM entries e JOIN feeds f ON f.url = e.feed_url WHERE "
            "e.first_seen >= ? AND f.enabled = 1 AND "
            "MIN(COALESCE(e.published, e.first_seen), e.first_seen) >= ? "
            "AND NOT (e.backlog = 1 AND e.published IS NULL) AND NOT EXISTS (SELECT 1 FROM "
            "summaries s WHERE s.entry_id = e.id AND s.content_hash = e.content_hash)",
            [iso(since), iso(since)],  # first_seen and sorted here: see entries_since
        )
        return sorted(row[0] for row in rows)

    def entries_by_id(self, ids: Iterable[int], *, content: bool = True) -> dict[int, Entry]:
        wanted = list(ids)
        if not wanted:
            return {}
        rows = self._rows(
            self._entry_select(content) + " WHERE e.id IN (SELECT value FROM json_each(?))",
            [dumps(wanted)],
        )
        return {r["id"]: _entry(r) for r in rows}

    def entry_texts(self, ids: Iterable[int]) -> dict[int, str]:
        """Each entry's content, else its summary: the text an entry read without
        content would have offered (``content_html or summary_html``)."""
        rows = self.db.execute(
            "SELECT id, CASE WHEN content_html != '' THEN content_html ELSE summary_html END "
            "FROM entries WHERE id IN (SELECT value FROM json_each(?))",
            [dumps(list(ids))],
        )
        return dict(rows.fetchall())

    def _rows(self, sql: str, params: Sequence[Any]) -> Iterator[sqlite3.Row]:
        """Rows read by name like db.query's dicts, without building a dict per row
        (a fifth of reading a window of 30,000 entries)."""
        cursor = self.db.conn.cursor()
        cursor.row_factory = sqlite3.Row
        yield from cursor.execute(sql, params)

    def _entry_select(self, content: bool) -> str:
        """_ENTRY_SELECT, or one that leaves the content out: a week's entries carry a
        hundred megabytes of it that ranking a window never reads (ADR 0016)."""
        if content:
            return _ENTRY_SELECT
        columns = [row[1] for row in self.db.execute("PRAGMA table_info(entries)")]
        light = {
            "content_html": "'' AS content_html",
            "summary_html": "CASE WHEN e.summary_html != '' THEN e.summary_html "
            "ELSE e.content_html END AS summary_html",  # stored once when equal
        }
        picked = ", ".join(light.get(c, f"e.{c}") for c in columns)
        return _ENTRY_SELECT.replace("SELECT e.*,", f"SELECT {picked},", 1)

    def count_entries(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def summaries_for(self, entries: Iterable[Entry]) -> dict[int, Summary]:
        """Stored summaries still valid for the entries' current content."""
        by_id = {e.id: e for e in entries}
        if not by_id:
            return {}
        marks = ",".join("?" * len(by_id))
        rows = self.db.query(f"SELECT * FROM summaries WHERE entry_id IN ({marks})", list(by_id))
        return {
            r["entry_id"]: _summary(r)
            for r in rows
            if r["content_hash"] == by_id[r["entry_id"]].content_hash
        }

    def save_summaries(
        self, items: Sequence[tuple[Entry, Summary, str | None]], *, now: datetime
    ) -> None:
        """(entry, summary, extracted article text or None) in one transaction."""
        with transaction(self.db) as conn:
            ids = [e.id for e, _, _ in items]
            flush_search(conn)  # an entry's row may still be waiting
            unindex_entries(conn, ids)  # with the summaries they were indexed with
            conn.executemany(
                "INSERT OR REPLACE INTO summaries (entry_id, text, method, words, language, "
                "note, article_text, content_hash, made_at, meta) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (e.id, s.text, s.method.value, s.words, s.language, s.note, article,
                     e.content_hash, iso(now), dumps(asdict(s.meta)))
                    for e, s, article in items
                ],
            )  # fmt: skip
            reindex(conn, ids)


def _feed_state(r: dict[str, Any]) -> FeedState:
    return FeedState(
        url=r["url"],
        etag=r["etag"],
        last_modified=r["last_modified"],
        next_fetch_at=from_iso(r["next_fetch_at"]),
        error_count=r["error_count"],
        last_error_code=r["last_error_code"],
        last_error=r["last_error"],
        last_success_at=from_iso(r["last_success_at"]),
        status=r["status"],
        moved_to=r["moved_to"],
    )


def _in_backlog(conn: sqlite3.Connection, url: str, now: datetime) -> bool:
    """Is this fetch a feed's backlog: its first success, or the first after a gap of
    BACKLOG_GAP? Never for the editor's pseudo-feeds (``digest:...``)."""
    if url.startswith("digest:"):
        return False
    row = conn.execute("SELECT last_success_at FROM feeds WHERE url = ?", (url,)).fetchone()
    last = from_iso(row[0]) if row else None
    return last is None or now - last > BACKLOG_GAP


def _warnings(raw: str | None) -> tuple[ParseWarning, ...]:
    return tuple(ParseWarning(code, message) for code, message in json.loads(raw or "[]"))


def _dump(warnings: Sequence[ParseWarning]) -> str:
    return dumps([[w.code, w.message] for w in warnings]) if warnings else "[]"


def _record_failure(
    conn: sqlite3.Connection, feed: str, error: DigestError, now: datetime, next_fetch_at: datetime
) -> None:
    conn.execute(
        "UPDATE feeds SET status = ?, error_count = error_count + 1, last_error_code = ?, "
        "last_error = ?, last_error_at = ?, next_fetch_at = ? WHERE url = ?",
        ("gone" if error.code == ErrorCode.GONE else "error", error.code, str(error), iso(now),
         iso(next_fetch_at), feed),
    )  # fmt: skip


def _record_success(
    conn: sqlite3.Connection,
    feed: str,
    result: Fetched | NotModified,
    parsed: ParsedFeed | None,
    now: datetime,
    next_fetch_at: datetime,
) -> None:
    _track_move(conn, feed, _move_signal(feed, result, parsed))
    # Validators are saved even on 304: servers rotate them. A 304 keeps the warnings
    # of the body it confirms; a new body replaces them.
    warnings = _dump(parsed.warnings) if parsed else None
    conn.execute(
        "UPDATE feeds SET warnings = COALESCE(?1, warnings), "
        "status = CASE COALESCE(?1, warnings) WHEN '[]' THEN 'ok' ELSE 'warning' END, "
        "error_count = 0, last_error_code = NULL, last_error = NULL, last_success_at = ?2, "
        "next_fetch_at = ?3, etag = COALESCE(?4, etag), "
        "last_modified = COALESCE(?5, last_modified), title = COALESCE(?6, title), "
        "site_link = COALESCE(?7, site_link) WHERE url = ?8",
        (warnings, iso(now), iso(next_fetch_at), result.etag, result.last_modified,
         parsed.title if parsed else None, parsed.link if parsed else None, feed),
    )  # fmt: skip


# A permanent move (301/308 or itunes:new-feed-url) is adopted only after it repeats,
# so one misconfigured response cannot hijack a feed.
ADOPT_MOVE_AFTER = 3


def _move_signal(feed: str, result: Fetched | NotModified, parsed: ParsedFeed | None) -> str | None:
    if isinstance(result, Fetched) and result.permanent_redirect:
        return result.permanent_redirect
    if parsed and parsed.new_feed_url and parsed.new_feed_url != feed:
        return parsed.new_feed_url
    return None


def _track_move(conn: sqlite3.Connection, url: str, target: str | None) -> None:
    if target is None:
        conn.execute("UPDATE feeds SET redirect_url = NULL, redirect_count = 0 WHERE url = ?",
                     (url,))  # fmt: skip
        return
    conn.execute(
        "UPDATE feeds SET redirect_count = CASE WHEN redirect_url = ? THEN redirect_count + 1 "
        "ELSE 1 END, redirect_url = ? WHERE url = ?",
        (target, target, url),
    )
    conn.execute(
        "UPDATE feeds SET moved_to = redirect_url WHERE url = ? AND redirect_count >= ?",
        (url, ADOPT_MOVE_AFTER),
    )


def _tuple(text: str) -> tuple[Any, ...]:
    """A stored JSON list; most are empty, and a window decodes 150,000 of them."""
    return () if text == "[]" else tuple(json.loads(text))


def _entry(r: sqlite3.Row | dict[str, Any]) -> Entry:
    first_seen = from_iso(r["first_seen"])
    published = from_iso(r["published"])
    assert first_seen is not None
    # Rank on min(published, first seen): a feed claiming 2099 cannot pin itself on top.
    rank_time = min(published, first_seen) if published else first_seen
    return Entry(
        id=r["id"],
        feed_url=r["feed_url"],
        source_name=r["source_name"],
        kind=SourceKind(r["kind"]),
        guid=r["guid"],
        link=r["link"],
        canonical=r["canonical"],
        title=r["title"],
        authors=_tuple(r["authors"]),
        published=published,
        first_seen=first_seen,
        rank_time=rank_time,
        summary_html=r["summary_html"] or r["content_html"],  # stored once when equal
        content_html=r["content_html"],
        content_hash=r["content_hash"],
        categories=_tuple(r["categories"]),
        enclosures=tuple(Enclosure(u, t, n) for u, t, n in _tuple(r["enclosures"])),
        image=r["image"],
        arxiv_id=r["arxiv_id"],
        duration_seconds=r["duration_seconds"],
        links=_tuple(r["links"]),
        section_hint=r["section_hint"],
        source_weight=r["source_weight"],
        extra={} if r["extra"] == "{}" else json.loads(r["extra"]),
    )


def _summary(r: dict[str, Any]) -> Summary:
    return Summary(
        entry_id=r["entry_id"],
        text=r["text"],
        method=SummaryMethod(r["method"]),
        words=r["words"],
        language=r["language"],
        note=r["note"],
        meta=Metadata(**json.loads(r["meta"])),
    )
