"""Which English issue an edition translates, and what each of its items shows: the
state of an edition read from its append-only log (digest.store.translations), for
digest.app.editions. Pure reading: nothing here writes.

An item's status: ``reviewed`` when the translator's latest action (an edit or a review
mark) was for the current English text, ``stale`` when it was for an older one (or, with
no translator action, when the machine's text is of an older English text), else
``machine``. What is published is the translator's text of a field, else the machine's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest.app.drafting import current_draft
from digest.draft.review import make_issue
from digest.errors import NotFoundError, ReviewError
from digest.store import Store
from digest.types import (
    Config,
    DraftStatus,
    EditionItem,
    EditionSection,
    EditionSettings,
    EditionView,
    EditionWarning,
    Issue,
    IssueItem,
    IssueSection,
    TitlePolicy,
    TranslationOrigin,
    TranslationRecord,
    TranslationStatus,
)
from digest.types.edition import ISSUE_TITLE

if TYPE_CHECKING:
    from digest.translate import Glossary

# --- which English issue ------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The English issue an edition translates, as readers get it (or will)."""

    draft_key: str
    issue: Issue
    handles: dict[str, int]
    published: bool


def draft_key(store: Store, config: Config, number: int | None) -> str:
    """The draft key of English issue ``number``; by default the latest draft if it is
    approved or published, else the newest published issue. (The issues are read only
    when needed: a review page asks at every request.)"""
    latest = store.latest_draft_key()
    if number is not None:
        found = next((i.draft_key for i in store.issues() if i.number == number), None)
        if found is None and latest is not None and store.issue_for_draft(latest) is None:
            if _approved(store, config, latest) and store.next_issue_number() == number:
                found = latest
        if found is None:
            raise NotFoundError(f"no English issue {number}", hint="see `digest issues`")
        return found
    if latest is not None and (
        _approved(store, config, latest) or store.issue_for_draft(latest) is not None
    ):
        return latest
    issues = store.issues()
    if issues:
        return issues[0].draft_key
    raise ReviewError(
        "there is no approved English issue to translate",
        hint="approve the draft first: `digest draft approve`",
    )


def _approved(store: Store, config: Config, key: str) -> bool:
    draft = current_draft(store, config, key=key)
    return draft is not None and draft.status != DraftStatus.DRAFT


def source(store: Store, config: Config, number: int | None) -> Source:
    key = draft_key(store, config, number)
    draft = current_draft(store, config, key=key)
    stored = store.issue_for_draft(key)
    if draft is not None and draft.status != DraftStatus.DRAFT:
        n = stored.number if stored else store.next_issue_number()
        when = stored.published if stored else draft.period_end
        issue = make_issue(draft, config, number=n, now=when, previous=stored)
    elif stored is not None:  # reopened after publishing: readers have the stored one
        issue = stored
    else:
        raise ReviewError(f"the English issue of draft {key} is not approved",
                          hint="approve it first: `digest draft approve`")  # fmt: skip
    handles = {i.key: i.handle for i in draft.items()} if draft else {}
    return Source(key, issue, handles, stored is not None)


def text_hash(title: str, summary: str = "") -> str:
    """The hash of an English text a translation row is written for."""
    from digest.translate import SourceItem

    return SourceItem(title, summary).source_hash


def item_hash(item: IssueItem) -> str:
    return text_hash(item.title, item.summary)


def issue_hash(issue: Issue) -> str:
    """What an approval is for: the issue title and every item's key and English
    text, in order."""
    parts = [f"{ISSUE_TITLE}:{text_hash(issue.title)}"]
    parts += [f"{i.key}:{item_hash(i)}" for s in issue.sections for i in s.items]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def read_edition(
    store: Store, config: Config, edition: EditionSettings, src: Source
) -> EditionView:
    language = edition.language
    log = store.translations(src.draft_key, language)
    glossary = edition_glossary(edition)
    by_item: dict[str, list[TranslationRecord]] = {}
    for record in log:
        by_item.setdefault(record.item_key, []).append(record)
    sections = tuple(
        EditionSection(
            key=s.key,
            title=section_title(config, s, language),
            icon=s.icon,
            items=tuple(
                _item(i, s, config, edition, src, by_item.get(i.key, []), glossary) for i in s.items
            ),
        )
        for s in src.issue.sections
    )
    issue_title = _unit(ISSUE_TITLE, src.issue.title, "", edition,
                        by_item.get(ISSUE_TITLE, []), glossary)  # fmt: skip
    approval = store.edition_approval(src.draft_key, language)
    approved = bool(approval and approval[0] and approval[1] == issue_hash(src.issue))
    return EditionView(
        language=language,
        number=src.issue.number,
        draft_key=src.draft_key,
        source_title=src.issue.title,
        date=src.issue.published if src.published else None,
        title=edition.title or config.newsletter.title_in(language),
        sections=sections,
        approved=approved,
        published=store.edition_issue(src.draft_key, language) is not None,
        issue_title=issue_title,
        approved_at=approval[2] if approval and approved else None,
    )


def section_title(config: Config, section: IssueSection, language: str) -> str:
    found = next((s for s in config.sections if s.key == section.key), None)
    return found.title_in(language) if found else section.title


def latest(
    log: Sequence[TranslationRecord], origin: TranslationOrigin, field: str
) -> TranslationRecord | None:
    return next((r for r in reversed(log) if r.origin is origin and r.field == field), None)


def machine_fields(edition: EditionSettings, key: str) -> tuple[str, ...]:
    """The fields the machine translates of the unit ``key`` under the edition's title
    policy: the issue title has no summary, so under ``keep`` nothing at all."""
    fields = ("title", "summary") if edition.titles is TitlePolicy.TRANSLATE else ("summary",)
    return tuple(f for f in fields if f == "title") if key == ISSUE_TITLE else fields


def _item(
    item: IssueItem,
    section: IssueSection,
    config: Config,
    edition: EditionSettings,
    src: Source,
    log: Sequence[TranslationRecord],
    glossary: Glossary,
) -> EditionItem:
    return _unit(item.key, item.title, item.summary, edition, log, glossary,
                 handle=src.handles.get(item.key, 0), section=section.key,
                 section_title=section_title(config, section, edition.language))  # fmt: skip


def _unit(
    key: str,
    title: str,
    summary: str,
    edition: EditionSettings,
    log: Sequence[TranslationRecord],
    glossary: Glossary,
    *,
    handle: int = 0,
    section: str = "",
    section_title: str = "",
) -> EditionItem:
    """What one unit (an item, or the issue title) shows, from its rows of the log."""
    current = text_hash(title, summary)
    machine = {f: latest(log, TranslationOrigin.MACHINE, f) for f in ("title", "summary")}
    human = {f: latest(log, TranslationOrigin.TRANSLATOR, f) for f in ("title", "summary")}
    actions = [r for r in log if r.origin is not TranslationOrigin.MACHINE]
    needed = [machine[f] for f in machine_fields(edition, key)]
    keep_title = edition.titles is TitlePolicy.KEEP
    machine_title = machine["title"].text if machine["title"] else ""
    machine_title = title if keep_title else machine_title
    machine_summary = machine["summary"].text if machine["summary"] else ""
    warnings = [
        *_warnings("title", title, human["title"], machine["title"], glossary, keep_title),
        *_warnings("summary", summary, human["summary"], machine["summary"], glossary),
    ]
    return EditionItem(
        key=key,
        handle=handle,
        section=section,
        section_title=section_title,
        source_title=title,
        source_summary=summary,
        machine_title=machine_title,
        machine_summary=machine_summary,
        title=human["title"].text if human["title"] else machine_title,
        summary=human["summary"].text if human["summary"] else machine_summary,
        status=_status(current, actions, needed),
        warnings=tuple(warnings),
        edited=any(human.values()),
        version=len(actions),
        source_hash=current,
        translated=all(r is not None for r in needed) or any(human.values()),
    )


def _status(
    current: str,
    actions: Sequence[TranslationRecord],
    machine: Sequence[TranslationRecord | None],
) -> TranslationStatus:
    """Reviewed or stale by the translator's latest action; without one, stale while the
    machine's text is of an older English text."""
    if actions:
        fresh = actions[-1].source_hash == current
        return TranslationStatus.REVIEWED if fresh else TranslationStatus.STALE
    if any(r is not None and r.source_hash != current for r in machine):
        return TranslationStatus.STALE
    return TranslationStatus.MACHINE


def _warnings(
    field: str,
    source: str,
    human: TranslationRecord | None,
    machine: TranslationRecord | None,
    glossary: Glossary,
    kept: bool = False,
) -> list[EditionWarning]:
    """The translator's text is checked as it stands (links, glossary); the machine's
    carries the flags it was translated with (short sentences and placeholders too)."""
    if human is not None:
        from digest.translate import check_text

        flags = check_text(glossary, source, human.text)
        return [EditionWarning(f.kind, field, f.detail) for f in flags]
    if machine is not None and not kept:
        return list(machine.flags)
    return []


def edition_glossary(edition: EditionSettings) -> Glossary:
    """The edition's glossary, read again only when the editor's file changed (a
    review page reads it at every request)."""
    path = edition.glossary
    return _load_glossary(edition.language, path, _mtime(path))


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path else 0.0
    except OSError:
        return 0.0  # load_glossary says what is wrong with it


@lru_cache(maxsize=8)
def _load_glossary(language: str, path: Path | None, mtime: float) -> Glossary:
    from digest.translate import load_glossary

    return load_glossary(language, path)
