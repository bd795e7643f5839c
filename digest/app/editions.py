"""Translated editions (issue #24): the machine drafts each item of an approved English
issue in the edition's language, a translator edits and reviews it, approves the
edition, and `digest publish` publishes it beside the original (digest.app.publishing).

The English issue is the source of truth. Every translation row keeps the hash of the
English title and summary it was written for, so an item whose English changed after
the translator's work is ``stale`` (their text is kept and shown, never replaced), and
the machine's draft of an item is redone only when its English changed. An approval is
for the English issue as it was: if the English changes, the edition is no longer
approved. The log only grows (digest.store.translations), like the editor's decisions.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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
    IssueWords,
    TitlePolicy,
    TranslationOrigin,
    TranslationRecord,
    TranslationStatus,
)

if TYPE_CHECKING:
    from digest.translate import Edition, Engine, Flag, Glossary

# digest.translate is imported where an edition is read or translated, so the commands
# that never touch one (`digest fetch`) do not load it.

__all__ = [
    "approve_edition",
    "approved_edition_issue",
    "edit_translation",
    "edition_config",
    "edition_view",
    "mark_reviewed",
    "reopen_edition",
    "require_edition",
    "translate_edition",
]

Progress = Callable[[int, int], None]  # (items done, items to do)


# --- which English issue ------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """The English issue an edition translates, as readers get it (or will)."""

    draft_key: str
    issue: Issue
    handles: dict[str, int]
    published: bool


def require_edition(config: Config, language: str) -> EditionSettings:
    """The configured edition of ``language``; a ReviewError naming the others."""
    edition = config.edition(language)
    if edition is None:
        known = ", ".join(e.language for e in config.editions) or "none"
        raise ReviewError(
            f"no {language} edition in feeds.yaml (editions: {known})",
            hint="add it under `editions:` in feeds.yaml",
        )
    return edition


def _draft_key(store: Store, config: Config, number: int | None) -> str:
    latest = store.latest_draft_key()
    issues = store.issues()
    if number is not None:
        found = next((i.draft_key for i in issues if i.number == number), None)
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
    if issues:
        return issues[0].draft_key
    raise ReviewError(
        "there is no approved English issue to translate",
        hint="approve the draft first: `digest draft approve`",
    )


def _approved(store: Store, config: Config, key: str) -> bool:
    draft = current_draft(store, config, key=key)
    return draft is not None and draft.status != DraftStatus.DRAFT


def _source(store: Store, config: Config, number: int | None) -> _Source:
    key = _draft_key(store, config, number)
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
    return _Source(key, issue, handles, stored is not None)


def _hash(item: IssueItem) -> str:
    from digest.translate import SourceItem

    return SourceItem(item.title, item.summary).source_hash


def _issue_hash(issue: Issue) -> str:
    """What an approval is for: every item's key and English text, in order."""
    parts = [f"{i.key}:{_hash(i)}" for s in issue.sections for i in s.items]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# --- reading an edition -------------------------------------------------------------


def edition_view(
    store: Store, config: Config, language: str, *, number: int | None = None
) -> EditionView:
    """The edition of the English issue ``number`` (default: the latest approved or
    published one), item by item. Items never translated have empty machine text."""
    edition = require_edition(config, language)
    return _view(store, config, edition, _source(store, config, number))


def _view(store: Store, config: Config, edition: EditionSettings, src: _Source) -> EditionView:
    language = edition.language
    log = store.translations(src.draft_key, language)
    glossary = _glossary(edition)
    by_item: dict[str, list[TranslationRecord]] = {}
    for record in log:
        by_item.setdefault(record.item_key, []).append(record)
    sections = tuple(
        EditionSection(
            key=s.key,
            title=_section_title(config, s, language),
            icon=s.icon,
            items=tuple(
                _item(i, s, config, edition, src, by_item.get(i.key, []), glossary) for i in s.items
            ),
        )
        for s in src.issue.sections
    )
    approval = store.edition_approval(src.draft_key, language)
    approved = bool(approval and approval[0] and approval[1] == _issue_hash(src.issue))
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
        approved_at=approval[2] if approval and approved else None,
    )


def _section_title(config: Config, section: IssueSection, language: str) -> str:
    found = next((s for s in config.sections if s.key == section.key), None)
    return found.title_in(language) if found else section.title


def _latest(
    log: Sequence[TranslationRecord], origin: TranslationOrigin, field: str
) -> TranslationRecord | None:
    return next((r for r in reversed(log) if r.origin is origin and r.field == field), None)


def _fields(edition: EditionSettings) -> tuple[str, ...]:
    """The fields the machine translates under the edition's title policy."""
    return ("title", "summary") if edition.titles is TitlePolicy.TRANSLATE else ("summary",)


def _item(
    item: IssueItem,
    section: IssueSection,
    config: Config,
    edition: EditionSettings,
    src: _Source,
    log: Sequence[TranslationRecord],
    glossary: Glossary,
) -> EditionItem:
    current = _hash(item)
    machine = {f: _latest(log, TranslationOrigin.MACHINE, f) for f in ("title", "summary")}
    human = {f: _latest(log, TranslationOrigin.TRANSLATOR, f) for f in ("title", "summary")}
    actions = [r for r in log if r.origin is not TranslationOrigin.MACHINE]
    needed = [machine[f] for f in _fields(edition)]
    keep_title = edition.titles is TitlePolicy.KEEP
    machine_title = (
        item.title if keep_title else (machine["title"].text if machine["title"] else "")
    )
    machine_summary = machine["summary"].text if machine["summary"] else ""
    if actions:
        fresh = actions[-1].source_hash == current
        status = TranslationStatus.REVIEWED if fresh else TranslationStatus.STALE
    elif any(r is not None and r.source_hash != current for r in needed):
        status = TranslationStatus.STALE  # the machine's draft is of an older English text
    else:
        status = TranslationStatus.MACHINE
    title = human["title"].text if human["title"] else machine_title
    summary = human["summary"].text if human["summary"] else machine_summary
    warnings = [
        *_warnings("title", item.title, human["title"], machine["title"], glossary, keep_title),
        *_warnings("summary", item.summary, human["summary"], machine["summary"], glossary),
    ]
    return EditionItem(
        key=item.key,
        handle=src.handles.get(item.key, 0),
        section=section.key,
        section_title=_section_title(config, section, edition.language),
        source_title=item.title,
        source_summary=item.summary,
        machine_title=machine_title,
        machine_summary=machine_summary,
        title=title,
        summary=summary,
        status=status,
        warnings=tuple(warnings),
        edited=any(human.values()),
        version=len(actions),
        source_hash=current,
        translated=all(r is not None for r in needed) or any(human.values()),
    )


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


# --- machine translation ------------------------------------------------------------

# Loading the bundled model takes about a second and ~150 MB: one per process.
_ENGINES: dict[tuple[str, str | None], Engine] = {}
_ENGINES_LOCK = threading.Lock()
_TRANSLATING = threading.Lock()


def _engine(edition: EditionSettings) -> Engine:
    from digest.translate import make_engine

    key = (edition.engine.value, edition.engine_url)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = make_engine(edition.engine.value, url=edition.engine_url)
        return _ENGINES[key]


def _glossary(edition: EditionSettings) -> Glossary:
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


def translate_edition(
    store: Store,
    config: Config,
    language: str,
    *,
    number: int | None = None,
    now: datetime,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> EditionView:
    """Machine-translate the items with no machine text or whose English changed since;
    the translator's text is never touched (such an item is marked stale instead).
    Each item is stored as it is done, so an interrupted run keeps its work."""
    from digest.translate import Edition, Translator

    edition = require_edition(config, language)
    src = _source(store, config, number)
    view = _view(store, config, edition, src)
    translator = Translator(
        engine or _engine(edition), _glossary(edition),
        source=config.newsletter.language, target=edition.language,
    )  # fmt: skip
    done = Edition(edition.language, translator, edition.titles)
    with _TRANSLATING:  # one at a time per process: the page may ask twice
        log = store.translations(src.draft_key, edition.language)
        todo = [i for i in view.items if _needs_machine(edition, i, log)]
        for n, item in enumerate(todo, start=1):
            store.add_translations(_machine_rows(done, src.draft_key, item, now))
            if progress is not None:
                progress(n, len(todo))
    return _view(store, config, edition, src)


def _needs_machine(
    edition: EditionSettings, item: EditionItem, log: Sequence[TranslationRecord]
) -> bool:
    own = [r for r in log if r.item_key == item.key]
    rows = [_latest(own, TranslationOrigin.MACHINE, f) for f in _fields(edition)]
    return any(r is None or r.source_hash != item.source_hash for r in rows)


def _machine_rows(
    edition: Edition, draft_key: str, item: EditionItem, now: datetime
) -> list[TranslationRecord]:
    from digest.translate import SourceItem, translate_item

    done = translate_item(edition, SourceItem(item.source_title, item.source_summary))
    fields = {"summary": done.summary}
    if edition.titles is TitlePolicy.TRANSLATE:
        fields["title"] = done.title
    language, key, origin = edition.language, item.key, TranslationOrigin.MACHINE
    return [
        TranslationRecord(
            language=language,
            item_key=key,
            field=field,
            origin=origin,
            text=text,
            source_hash=done.source_hash,
            at=now,
            draft_key=draft_key,
            flags=_flags(done.flags, field),
            editor="machine",
        )
        for field, text in fields.items()
    ]


def _flags(flags: Sequence[Flag], field: str) -> tuple[EditionWarning, ...]:
    return tuple(EditionWarning(f.kind, field, f.detail) for f in flags if f.field == field)


# --- the translator's actions ---------------------------------------------------------


def _find(view: EditionView, key: str) -> EditionItem:
    """An item by key, or by its number in the English draft (``3`` or ``#3``)."""
    found = view.item(key)
    handle = key.strip().lstrip("#")
    if found is None and handle.isdigit():
        found = next((i for i in view.items if i.handle == int(handle)), None)
    if found is None:
        raise ReviewError(f"no item {key!r} in issue {view.number}",
                          hint=f"see `digest edition show {view.language}`")  # fmt: skip
    return found


def _editable(view: EditionView) -> None:
    if view.approved:
        raise ReviewError(
            f"the {view.language} edition of issue {view.number} is approved",
            hint=f"reopen it to change it: `digest edition reopen {view.language}`",
        )


def edit_translation(
    store: Store,
    config: Config,
    language: str,
    key: str,
    *,
    title: str | None = None,
    summary: str | None = None,
    number: int | None = None,
    now: datetime,
    expected_version: int | None = None,
    editor: str = "translator",
) -> EditionItem:
    """Keep the translator's title and/or summary of one item (by key or #N). Only a
    field that differs from what the item shows is recorded; submitting it unchanged
    marks it reviewed. Either way the item is now ``reviewed``."""
    edition = require_edition(config, language)
    src = _source(store, config, number)
    view = _view(store, config, edition, src)
    _editable(view)
    item = _find(view, key)
    rows = []
    for field, text in (("title", title), ("summary", summary)):
        if text is None:
            continue
        if not text.strip():
            raise ReviewError(
                f"the {field} cannot be empty", hint="write the text, or leave it out"
            )
        if text != getattr(item, field):
            rows.append(
                _human(src, edition, item, field, TranslationOrigin.TRANSLATOR, text, now, editor)
            )
    if not rows:
        rows.append(_human(src, edition, item, "", TranslationOrigin.REVIEW, "", now, editor))
    store.add_translations(rows, expected_version=expected_version)
    return _find(_view(store, config, edition, src), item.key)


def mark_reviewed(
    store: Store,
    config: Config,
    language: str,
    key: str,
    *,
    number: int | None = None,
    now: datetime,
    expected_version: int | None = None,
    editor: str = "translator",
) -> EditionItem:
    """The translator checked the item as it stands (a stale one too: their text
    still fits the new English)."""
    edition = require_edition(config, language)
    src = _source(store, config, number)
    view = _view(store, config, edition, src)
    _editable(view)
    item = _find(view, key)
    if not item.translated:
        raise ReviewError(f"#{item.handle} has no translation yet",
                          hint=f"run `digest edition translate {language}` or edit it")  # fmt: skip
    row = _human(src, edition, item, "", TranslationOrigin.REVIEW, "", now, editor)
    store.add_translations([row], expected_version=expected_version)
    return _find(_view(store, config, edition, src), item.key)


def _human(
    src: _Source, edition: EditionSettings, item: EditionItem, field: str,
    origin: TranslationOrigin, text: str, now: datetime, editor: str,
) -> TranslationRecord:  # fmt: skip
    return TranslationRecord(src.draft_key, edition.language, item.key, field, origin, text,
                             item.source_hash, now, editor=editor)  # fmt: skip


def approve_edition(
    store: Store, config: Config, language: str, *, number: int | None = None, now: datetime
) -> EditionView:
    """The translator approves the edition: `digest publish` then publishes it. Refused
    while an item is stale (its English changed after the translation) or has no
    translation at all; machine-translated items may be approved as they are."""
    edition = require_edition(config, language)
    src = _source(store, config, number)
    view = _view(store, config, edition, src)
    stale = [i for i in view.items if i.status is TranslationStatus.STALE]
    missing = [i for i in view.items if not i.translated]
    if stale or missing:
        raise ReviewError(_not_ready(view, stale, missing), hint=_not_ready_hint(language, stale))
    store.set_edition_approval(src.draft_key, edition.language, approved=True,
                               source_hash=_issue_hash(src.issue), now=now)  # fmt: skip
    return _view(store, config, edition, src)


def _not_ready(view: EditionView, stale: list[EditionItem], missing: list[EditionItem]) -> str:
    parts = []
    if stale:
        parts.append(f"{len(stale)} stale ({', '.join(f'#{i.handle}' for i in stale)})")
    if missing:
        parts.append(
            f"{len(missing)} not translated ({', '.join(f'#{i.handle}' for i in missing)})"
        )
    return f"the {view.language} edition of issue {view.number} has items " + " and ".join(parts)


def _not_ready_hint(language: str, stale: list[EditionItem]) -> str:
    if stale:
        return f"edit them or mark them reviewed: `digest edition review {language} N`"
    return f"run `digest edition translate {language}` first"


def reopen_edition(
    store: Store, config: Config, language: str, *, number: int | None = None, now: datetime
) -> EditionView:
    """Withdraw the approval, to change the edition again (a published edition stays
    published until `digest publish` runs again after a new approval)."""
    edition = require_edition(config, language)
    src = _source(store, config, number)
    store.set_edition_approval(src.draft_key, edition.language, approved=False,
                               source_hash=_issue_hash(src.issue), now=now)  # fmt: skip
    return _view(store, config, edition, src)


# --- publishing -----------------------------------------------------------------------


def approved_edition_issue(
    store: Store, config: Config, edition: EditionSettings, issue: Issue, *, now: datetime
) -> Issue | None:
    """The edition of the English ``issue`` as an Issue to publish, if its translator
    approved it for this English text; None otherwise. Republishing keeps its uid and
    publication date; ``updated`` moves only when its content changed."""
    src = _Source(issue.draft_key, issue, {}, True)
    view = _view(store, config, edition, src)
    if not view.approved:
        return None
    texts = {i.key: i for i in view.items}
    sections = tuple(
        replace(s, title=_section_title(config, s, edition.language),
                items=tuple(replace(i, title=texts[i.key].title, summary=texts[i.key].summary)
                            for i in s.items))
        for s in issue.sections
    )  # fmt: skip
    words = IssueWords(title=issue.title, intro=edition.intro, outro=edition.outro)
    previous = store.edition_issue(issue.draft_key, edition.language)
    if previous is not None:
        changed = (previous.sections, previous.words) != (sections, words)
        return replace(previous, number=issue.number, title=issue.title, sections=sections,
                       words=words, updated=now if changed else previous.updated)  # fmt: skip
    host = urlsplit(config.newsletter.site_url).hostname or "digest.invalid"
    uid = f"tag:{host},{now:%Y-%m-%d}:issue-{issue.number}-{edition.path}"
    return replace(issue, sections=sections, words=words, published=now, updated=now, uid=uid)


def edition_config(config: Config, edition: EditionSettings) -> Config:
    """feeds.yaml as the edition publishes: its language, name, notes and site folder
    (the publish stage renders an edition like any issue of a newsletter in that
    language; section headings come from ``sections[].titles``)."""
    news = config.newsletter
    site = news.site_url if news.site_url.endswith("/") else news.site_url + "/"
    newsletter = replace(
        news,
        language=edition.language,
        title=edition.title or news.title_in(edition.language),
        titles=(),
        description=edition.description or news.description,
        site_url=f"{site}{edition.path}/",
        intro=edition.intro,
        outro=edition.outro,
    )
    return replace(config, newsletter=newsletter)
