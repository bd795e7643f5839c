"""Drafts (a snapshot of the last build), editor decisions (an append-only log) and
published issues. Decisions live apart from the snapshot, so rebuilding a draft
after new fetches can never undo what an editor did."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import MISSING, asdict, fields, replace
from datetime import datetime
from typing import Any

from digest.errors import ConflictError, NotFoundError
from digest.identity import canonical_url
from digest.store.db import dumps, from_iso, iso, transaction
from digest.store.search import SearchStore
from digest.types import (
    Action,
    Candidate,
    Decision,
    Draft,
    DraftItem,
    DraftSection,
    DraftStatus,
    Entry,
    Issue,
    IssueImage,
    IssueItem,
    IssueLink,
    IssueSection,
    IssueWords,
    ItemStatus,
    LinkRole,
    Metadata,
    Reason,
    SectionConfig,
    SectionSuggestion,
    Story,
    StoryLink,
    Summary,
    SummaryMethod,
)


class DraftStore(SearchStore):
    # --- drafts -------------------------------------------------------------

    def save_draft(self, draft: Draft, *, now: datetime) -> None:
        """Replace the draft's snapshot with a fresh build; keep status and decisions."""
        rows = [
            _item_row(draft.key, item, placed=True) for s in draft.sections for item in s.items
        ] + [_item_row(draft.key, item, placed=False) for item in draft.unplaced]
        with transaction(self.db) as conn:
            conn.execute(
                "INSERT INTO drafts (key, period_start, period_end, status, built_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET built_at = excluded.built_at",
                (draft.key, iso(draft.period_start), iso(draft.period_end), draft.status.value,
                 iso(now)),
            )  # fmt: skip
            conn.execute("DELETE FROM draft_items WHERE draft_key = ?", (draft.key,))
            conn.executemany(
                f"INSERT INTO draft_items ({', '.join(_ITEM_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(_ITEM_COLUMNS))})",
                rows,
            )

    def load_draft(
        self, key: str, sections: Sequence[SectionConfig], *, only: Collection[str] | None = None
    ) -> Draft | None:
        """The stored snapshot as built (decisions not yet applied: see review). With
        ``only``, just the placed items and the unplaced ones it names: all that the
        editor's decisions (naming those keys) can have placed or labelled, without
        reading thousands of untouched candidates (see ADR 0016)."""
        rows = list(self.db.query("SELECT * FROM drafts WHERE key = ?", [key]))
        if not rows:
            return None
        sql, params = "SELECT * FROM draft_items WHERE draft_key = ?", [key]
        if only is not None:
            sql += " AND (placed = 1 OR item_key IN (SELECT value FROM json_each(?)))"
            params.append(dumps(sorted(only)))
        items = list(self._rows(sql + " ORDER BY position", params))
        ids = {i for r in items for i in json.loads(r["entry_ids"])}
        entries = self.entries_by_id(sorted(ids), content=False)  # as a build reads them
        built = [(r["placed"], _draft_item(r, entries)) for r in items]
        return stored_snapshot(rows[0], sections, built)

    def draft_stamp(self, key: str) -> tuple[object, ...] | None:
        """What changes whenever the draft's snapshot or status does (a rebuild, an
        approval): lets a long-running reader keep a loaded snapshot between reads."""
        row = self.db.execute(
            "SELECT d.built_at, d.status, d.approved_at, COUNT(i.item_key), "
            "TOTAL(i.rowid), MAX(i.rowid) FROM drafts d "
            "LEFT JOIN draft_items i ON i.draft_key = d.key WHERE d.key = ? GROUP BY d.key",
            (key,),
        ).fetchone()
        return tuple(row) if row else None

    def latest_draft_key(self) -> str | None:
        row = self.db.execute("SELECT key FROM drafts ORDER BY key DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def set_draft_status(self, key: str, status: DraftStatus, *, now: datetime) -> None:
        with transaction(self.db) as conn:
            done = conn.execute(
                "UPDATE drafts SET status = ?, approved_at = ? WHERE key = ?",
                (status.value, iso(now) if status != DraftStatus.DRAFT else None, key),
            )
            if done.rowcount == 0:
                raise NotFoundError(f"no draft {key}", hint="run `digest draft build` first")

    # --- decisions ----------------------------------------------------------

    def add_decision(self, decision: Decision, *, expected_version: int | None = None) -> Decision:
        """Append an editor decision. With ``expected_version`` (how many decisions
        the editor's page had seen on this item), a stale page gets ConflictError."""
        with transaction(self.db) as conn:
            if expected_version is not None:
                seen = conn.execute(
                    "SELECT COUNT(*) FROM decisions WHERE draft_key = ? AND item_key = ?",
                    (decision.draft_key, decision.item_key),
                ).fetchone()[0]
                if seen != expected_version:
                    raise ConflictError(
                        "this item was changed elsewhere since you loaded the page",
                        hint="reload the page to see the current state, then act again",
                    )
            cursor = conn.execute(
                "INSERT INTO decisions (draft_key, item_key, action, value, at, editor) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (decision.draft_key, decision.item_key, decision.action.value, decision.value,
                 iso(decision.at), decision.editor),
            )  # fmt: skip
        return Decision(**{**decision.__dict__, "id": cursor.lastrowid})

    def decisions(self, draft_key: str | None = None) -> list[Decision]:
        sql, params = "SELECT * FROM decisions", []
        if draft_key is not None:
            sql, params = sql + " WHERE draft_key = ?", [draft_key]
        return [
            Decision(
                draft_key=r["draft_key"],
                item_key=r["item_key"],
                action=Action(r["action"]),
                value=r["value"],
                at=from_iso(r["at"]),  # type: ignore[arg-type]
                editor=r["editor"],
                id=r["id"],
            )
            for r in self.db.query(sql + " ORDER BY id", params)
        ]

    # --- issues -------------------------------------------------------------

    def save_issue(self, issue: Issue) -> None:
        links = [
            (issue.number, item.key, canonical_url(link.url))
            for s in issue.sections
            for item in s.items
            for link in item.links
        ]
        with transaction(self.db) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO issues VALUES (?, ?, ?, ?, ?, ?, ?)",
                (issue.number, issue.draft_key, issue.uid, issue.title, iso(issue.published),
                 iso(issue.updated), dumps(_issue_body(issue))),
            )  # fmt: skip
            conn.execute("DELETE FROM issue_links WHERE issue_number = ?", (issue.number,))
            conn.executemany("INSERT INTO issue_links VALUES (?, ?, ?)", links)

    def issues(self) -> list[Issue]:
        """Published issues, newest first."""
        return [_issue(r) for r in self.db.query("SELECT * FROM issues ORDER BY number DESC")]

    def issue_for_draft(self, draft_key: str) -> Issue | None:
        rows = list(self.db.query("SELECT * FROM issues WHERE draft_key = ?", [draft_key]))
        return _issue(rows[0]) if rows else None

    def next_issue_number(self) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(number), 0) FROM issues").fetchone()
        return int(row[0]) + 1

    def featured(self) -> dict[str, int]:
        """Canonical links and item keys already in a published issue -> its number."""
        found: dict[str, int] = {}
        for number, key, canonical in self.db.execute(
            "SELECT issue_number, item_key, canonical FROM issue_links ORDER BY issue_number"
        ).fetchall():
            found.setdefault(canonical, number)
            found.setdefault(key, number)
        return found


_ITEM_COLUMNS = (
    "draft_key", "item_key", "section", "position", "placed", "title", "summary",
    "summary_method", "score", "reasons", "suggestions", "entry_ids", "links", "primary_link",
    "meta",
)  # fmt: skip


_META_FIELDS = tuple(f.name for f in fields(Metadata))  # scalars: asdict's deep copy is slow


def _item_row(draft_key: str, item: DraftItem, *, placed: bool) -> tuple[Any, ...]:
    """The draft_items row of ``item``, in _ITEM_COLUMNS order."""
    c = item.candidate
    return (
        draft_key,
        item.key,
        item.section,
        item.position,
        int(placed),
        item.generated_title,
        item.generated_summary,
        c.summary.method.value,
        c.score,
        dumps([[r.label, r.points] for r in c.reasons]),
        _suggestions_json(c.suggestions),
        dumps([e.id for e in c.story.entries]),
        dumps([[x.url, x.role.value, x.source_name] for x in c.story.links]),
        c.story.primary_link,
        _meta_json(c.summary.meta),
    )


# A week's thirty thousand items share a few hundred distinct suggestions and metadata.
@functools.lru_cache(maxsize=4096)
def _suggestions_json(suggestions: tuple[SectionSuggestion, ...]) -> str:
    return dumps([[s.section, s.confidence] for s in suggestions])


@functools.lru_cache(maxsize=4096)
def _meta_json(meta: Metadata) -> str:
    return dumps({name: getattr(meta, name) for name in _META_FIELDS})


def stored_snapshot(
    row: dict[str, Any], sections: Sequence[SectionConfig], built: list[tuple[int, DraftItem]]
) -> Draft:
    """A draft from its ``drafts`` row and its items as (placed, item) in position order."""
    by_section: dict[str, list[DraftItem]] = {s.key: [] for s in sections}
    unplaced = []
    for placed, item in built:
        if placed and item.section in by_section:
            by_section[item.section].append(item)
        else:
            unplaced.append(item)
    return Draft(
        key=row["key"],
        period_start=from_iso(row["period_start"]),  # type: ignore[arg-type]
        period_end=from_iso(row["period_end"]),  # type: ignore[arg-type]
        status=DraftStatus(row["status"]),
        sections=tuple(DraftSection(s, tuple(by_section[s.key])) for s in sections),
        unplaced=tuple(unplaced),
    )


def as_stored(draft: Draft) -> list[tuple[int, DraftItem]]:
    """The draft's items as (placed, item) exactly as ``load_draft`` reads them back after
    ``save_draft`` (generated texts, pending, the summary rebuilt from its columns), in
    position order: so a build can hand its readers the snapshot without reading
    thirty thousand rows back. tests/test_store.py holds the two paths equal."""
    rows = [(1, i) for s in draft.sections for i in s.items] + [(0, i) for i in draft.unplaced]
    rows.sort(key=lambda r: r[1].position)  # stable, like the rows inserted in this order
    return [(placed, _stored_item(item)) for placed, item in rows]


def _stored_item(item: DraftItem) -> DraftItem:
    c = item.candidate
    members = c.story.entries
    text = item.generated_summary
    summary = c.summary
    # Reuse what already reads back equal: a fresh build's items mostly do, and making
    # thirty thousand frozen dataclasses again costs a second.
    entry_id = members[0].id if members else 0
    if (summary.entry_id, summary.text, summary.words) != (entry_id, text, len(text.split())) \
            or summary.language is not None or summary.note is not None:  # fmt: skip
        summary = Summary(entry_id, text, summary.method, len(text.split()), meta=summary.meta)
    story = c.story if c.story.key == item.key else replace(c.story, key=item.key)
    if summary is not c.summary or story is not c.story:
        c = Candidate(story, summary, c.score, c.reasons, c.suggestions)
    if c is item.candidate and _as_generated(item):
        return item
    return DraftItem(
        key=item.key,
        section=item.section,
        position=item.position,
        title=item.generated_title,
        summary=text,
        status=ItemStatus.PENDING,
        candidate=c,
        generated_title=item.generated_title,
        generated_summary=text,
    )


# DraftItem's fields that the store does not keep, with the value they read back as
_UNSTORED = {
    f.name: f.default if f.default is not MISSING else f.default_factory()  # type: ignore[operator]
    for f in fields(DraftItem)
    if f.default is not MISSING or f.default_factory is not MISSING
}


def _as_generated(item: DraftItem) -> bool:
    """The item as a build makes it: pending, its generated texts, nothing else set."""
    return (
        item.status == ItemStatus.PENDING
        and item.title == item.generated_title
        and item.summary == item.generated_summary
        and all(getattr(item, name) == value for name, value in _UNSTORED.items())
    )


def _draft_item(r: sqlite3.Row, entries: dict[int, Entry]) -> DraftItem:
    members = tuple(entries[i] for i in json.loads(r["entry_ids"]) if i in entries)
    story = Story(
        key=r["item_key"],
        entries=members,
        links=tuple(StoryLink(u, LinkRole(role), src) for u, role, src in json.loads(r["links"])),
        primary_link=r["primary_link"],
    )
    summary = Summary(
        entry_id=members[0].id if members else 0,
        text=r["summary"],
        method=SummaryMethod(r["summary_method"]),
        words=len(r["summary"].split()),
        meta=Metadata(**json.loads(r["meta"])),
    )
    candidate = Candidate(
        story=story,
        summary=summary,
        score=r["score"],
        reasons=tuple(Reason(label, points) for label, points in json.loads(r["reasons"])),
        suggestions=tuple(SectionSuggestion(k, c) for k, c in json.loads(r["suggestions"])),
    )
    return DraftItem(
        key=r["item_key"],
        section=r["section"],
        position=r["position"],
        title=r["title"],
        summary=r["summary"],
        status=ItemStatus.PENDING,
        candidate=candidate,
        generated_title=r["title"],
        generated_summary=r["summary"],
    )


def _issue_body(issue: Issue) -> dict[str, Any]:
    """The issue as JSON: the editor's words and the sections (an old body was the list
    of sections alone; ``_issue`` reads both)."""
    return {"words": asdict(issue.words), "sections": [_section_body(s) for s in issue.sections]}


def _section_body(s: IssueSection) -> dict[str, Any]:
    return {
        "key": s.key,
        "title": s.title,
        "icon": s.icon,
        "compact": s.compact,
        "items": [
            {
                "key": i.key,
                "title": i.title,
                "summary": i.summary,
                "links": [[x.url, x.role.value, x.label] for x in i.links],
                "url": i.url,
                "image": asdict(i.image) if i.image else None,
            }
            for i in s.items
        ],
    }


def _issue_item(i: dict[str, Any]) -> IssueItem:
    image = i.get("image")
    return IssueItem(
        key=i["key"],
        title=i["title"],
        summary=i["summary"],
        links=tuple(IssueLink(u, LinkRole(role), label) for u, role, label in i["links"]),
        url=i.get("url", ""),
        image=IssueImage(**image) if image else None,
    )


def _issue(r: dict[str, Any]) -> Issue:
    body = json.loads(r["body"])
    if isinstance(body, list):  # stored before issues had the editor's words
        body = {"words": {"title": r["title"]}, "sections": body}
    sections = tuple(
        IssueSection(
            key=s["key"],
            title=s["title"],
            items=tuple(_issue_item(i) for i in s["items"]),
            icon=s.get("icon", ""),
            compact=s.get("compact", False),
        )
        for s in body["sections"]
    )
    return Issue(
        number=r["number"],
        draft_key=r["draft_key"],
        title=r["title"],
        published=from_iso(r["published_at"]),  # type: ignore[arg-type]
        updated=from_iso(r["updated_at"]),  # type: ignore[arg-type]
        uid=r["uid"],
        sections=sections,
        words=IssueWords(**body["words"]),
    )
