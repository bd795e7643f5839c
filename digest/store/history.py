"""Imported past issues (the ``history_items`` table) and the draft listing the
learner needs. Functions over a ``sqlite_utils.Database`` (``store.db``), so the Store
facade stays as it is; rows become :class:`HistoryItem` values here.

Issue memory: every link of an imported item counts as "already featured". The
number recorded is the one in the item's issue label ("12", "Issue 12", "#12" ->
12); a label without digits maps to 0. Numbers of issues published by digest
itself take precedence over history (see :func:`history_featured`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime

from digest.identity import arxiv_id, canonical_url
from digest.store.db import dumps, from_iso, iso, transaction
from digest.store.sqlitedb import Database
from digest.types import HistoryItem

__all__ = [
    "draft_keys",
    "history_count",
    "history_featured",
    "history_items",
    "issue_number",
    "save_history",
]

_DIGITS = re.compile(r"\d+")


def save_history(
    db: Database, items: Sequence[HistoryItem], *, source_file: str, now: datetime
) -> int:
    """Store items whose ``section`` is already a configured key; return how many were
    new. A re-imported (issue, title) updates its row instead of adding one."""
    before = history_count(db)
    with transaction(db) as conn:
        conn.executemany(
            "INSERT INTO history_items (issue, date, section, title, summary, links, kind, "
            "imported_at, source_file) VALUES (?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (issue, title) DO UPDATE SET date = excluded.date, "
            "section = excluded.section, summary = excluded.summary, links = excluded.links, "
            "kind = excluded.kind",
            [
                (i.issue, i.date.isoformat() if i.date else None, i.section, i.title, i.summary,
                 dumps(list(i.links)), i.kind, iso(now), source_file)
                for i in items
            ],
        )  # fmt: skip
    return history_count(db) - before


def history_count(db: Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM history_items").fetchone()[0])


def history_items(db: Database) -> list[HistoryItem]:
    """Every imported item, oldest issue first."""
    rows = db.query("SELECT * FROM history_items ORDER BY date, id")
    return [
        HistoryItem(
            issue=r["issue"],
            date=date.fromisoformat(r["date"]) if r["date"] else None,
            section=r["section"],
            title=r["title"],
            summary=r["summary"],
            links=tuple(json.loads(r["links"])),
            kind=r["kind"],
        )
        for r in rows
    ]


def issue_number(label: str) -> int:
    """The first number in an issue label; 0 when it has none."""
    found = _DIGITS.search(label)
    return int(found.group()) if found else 0


def history_featured(db: Database) -> dict[str, int]:
    """Canonical links (and arXiv ids, both spellings) of imported items -> issue
    number, in the shape of ``Store.featured()`` so rank's novelty reads both."""
    found: dict[str, int] = {}
    for label, links in db.execute("SELECT issue, links FROM history_items").fetchall():
        number = issue_number(label)
        for url in json.loads(links):
            keys = [canonical_url(url)]
            if paper := arxiv_id(url):
                keys += [paper, f"arxiv:{paper}"]
            for key in keys:
                if key:
                    found[key] = max(found.get(key, number), number)
    return found


def draft_keys(db: Database, *, since: datetime | None = None) -> list[tuple[str, datetime]]:
    """(draft key, last built) oldest first; with ``since``, drafts built since then."""
    sql, params = "SELECT key, built_at FROM drafts", []
    if since is not None:
        sql, params = sql + " WHERE built_at >= ?", [iso(since)]
    rows = db.execute(sql + " ORDER BY key", params).fetchall()
    return [(key, from_iso(built)) for key, built in rows]  # type: ignore[misc]
