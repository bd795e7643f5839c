"""Translated editions: the machine's translations and the translator's edits and
review marks (``translations``), each edition's approvals (``edition_approvals``) and
the published editions of issues (``edition_issues``).

Both logs only grow, like the editor's decisions: a re-translation appends the
machine's new text beside the translator's, so nothing a translator wrote is lost by
a rebuild or a re-translation. What an item shows is read from the log by
digest.app.editions. An edition is keyed by the English issue's draft key, which
never changes (the issue's number is only assigned when it is published).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from digest.errors import ConflictError
from digest.store.db import dumps, from_iso, iso, transaction
from digest.store.drafts import _issue, _issue_body
from digest.store.sqlitedb import Database
from digest.types import EditionWarning, Issue, TranslationOrigin, TranslationRecord

_COLUMNS = ("draft_key", "language", "item_key", "field", "origin", "text", "source_hash",
            "flags", "at", "editor")  # fmt: skip


_MACHINE = TranslationOrigin.MACHINE.value


class TranslationStore:
    db: Database

    # --- the log of translations ------------------------------------------------

    def add_translations(
        self, records: Sequence[TranslationRecord], *, expected_version: int | None = None
    ) -> None:
        """Append ``records`` in one transaction. With ``expected_version`` (how many
        translator rows the page had seen on the first record's item), a page that is
        out of date gets ConflictError instead of overwriting a newer edit."""
        if not records:
            return
        with transaction(self.db) as conn:
            if expected_version is not None:
                first = records[0]
                seen = conn.execute(
                    "SELECT COUNT(*) FROM translations WHERE draft_key = ? AND language = ? "
                    "AND item_key = ? AND origin != ?",
                    (
                        first.draft_key,
                        first.language,
                        first.item_key,
                        TranslationOrigin.MACHINE.value,
                    ),
                ).fetchone()[0]
                if seen != expected_version:
                    raise ConflictError(
                        "this item was changed elsewhere since you loaded the page",
                        hint="reload the page to see the current state, then act again",
                    )
            conn.executemany(
                f"INSERT INTO translations ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_COLUMNS))})",
                [_row(r) for r in records],
            )

    def translations(self, draft_key: str, language: str) -> list[TranslationRecord]:
        """The edition's log, oldest first."""
        rows = self.db.query(
            "SELECT * FROM translations WHERE draft_key = ? AND language = ? ORDER BY id",
            [draft_key, language],
        )
        return [_record(r) for r in rows]

    # --- approvals ----------------------------------------------------------------

    def set_edition_approval(
        self, draft_key: str, language: str, *, approved: bool, source_hash: str, now: datetime
    ) -> None:
        """Record the translator's approval (or reopening) of the edition, with the
        hash of the whole English issue it was given for."""
        with transaction(self.db) as conn:
            conn.execute(
                "INSERT INTO edition_approvals (draft_key, language, approved, source_hash, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (draft_key, language, int(approved), source_hash, iso(now)),
            )

    def edition_approval(self, draft_key: str, language: str) -> tuple[bool, str, datetime] | None:
        """The latest (approved, source hash, when), or None if never approved."""
        row = self.db.execute(
            "SELECT approved, source_hash, at FROM edition_approvals "
            "WHERE draft_key = ? AND language = ? ORDER BY id DESC LIMIT 1",
            (draft_key, language),
        ).fetchone()
        if row is None:
            return None
        return bool(row[0]), row[1], from_iso(row[2])  # type: ignore[return-value]

    # --- published editions ---------------------------------------------------------

    def save_edition_issue(self, issue: Issue, language: str) -> None:
        with transaction(self.db) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO edition_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (issue.number, language, issue.draft_key, issue.uid, issue.title,
                 iso(issue.published), iso(issue.updated), dumps(_issue_body(issue))),
            )  # fmt: skip

    def edition_issues(self, language: str) -> list[Issue]:
        """The published issues of the edition, newest first."""
        rows = self.db.query(
            "SELECT * FROM edition_issues WHERE language = ? ORDER BY number DESC", [language]
        )
        return [_issue(r) for r in rows]

    def edition_languages(self) -> dict[int, list[str]]:
        """Issue number -> the languages of its published editions."""
        found: dict[int, list[str]] = {}
        for number, language in self.db.execute(
            "SELECT number, language FROM edition_issues ORDER BY number, language"
        ).fetchall():
            found.setdefault(number, []).append(language)
        return found

    def edition_issue(self, draft_key: str, language: str) -> Issue | None:
        rows = list(self.db.query(
            "SELECT * FROM edition_issues WHERE draft_key = ? AND language = ?",
            [draft_key, language],
        ))  # fmt: skip
        return _issue(rows[0]) if rows else None


def _row(r: TranslationRecord) -> tuple[Any, ...]:
    flags = dumps([[f.kind, f.field, f.detail] for f in r.flags])
    return (r.draft_key, r.language, r.item_key, r.field, r.origin.value, r.text,
            r.source_hash, flags, iso(r.at), r.editor)  # fmt: skip


def _record(r: dict[str, Any]) -> TranslationRecord:
    return TranslationRecord(
        draft_key=r["draft_key"],
        language=r["language"],
        item_key=r["item_key"],
        field=r["field"],
        origin=TranslationOrigin(r["origin"]),
        text=r["text"],
        source_hash=r["source_hash"],
        at=from_iso(r["at"]),  # type: ignore[arg-type]
        flags=tuple(EditionWarning(k, f, d) for k, f, d in json.loads(r["flags"])),
        editor=r["editor"],
        id=r["id"],
    )
