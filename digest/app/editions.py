"""Translated editions (issue #24): the machine drafts each item of an approved English
issue in the edition's language, a translator edits and reviews it, approves the
edition, and `digest publish` publishes it beside the original (digest.app.publishing).

The English issue is the source of truth. Every translation row keeps the hash of the
English title and summary it was written for, so an item whose English changed after
the translator's work is ``stale`` (their text is kept and shown, never replaced), and
the machine's draft of an item is redone only when its English changed. An approval is
for the English issue as it was: if the English changes, the edition is no longer
approved. The log only grows (digest.store.translations), like the editor's decisions.

The issue title is one more unit of the edition (key ISSUE_TITLE, ``issue`` to the
translator), under an item's title rules: the machine translates it under ``titles:
translate``, it starts as the English one under ``keep``; the translator may edit it
or mark it reviewed, it goes stale when the English title changes, and it is what
the edition publishes as its title.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest.app._edition_state import (
    Source,
    edition_glossary,
    issue_hash,
    latest,
    machine_fields,
    read_edition,
    section_title,
    source,
)
from digest.errors import ReviewError
from digest.store import Store
from digest.types import (
    Config,
    EditionItem,
    EditionSettings,
    EditionView,
    EditionWarning,
    Issue,
    IssueWords,
    TranslationOrigin,
    TranslationRecord,
    TranslationStatus,
)
from digest.types.edition import ISSUE_TITLE

if TYPE_CHECKING:
    from digest.translate import Edition, Engine, Flag

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

Progress = Callable[[int, int], None]  # (units done, units to do)

# How the translator names the issue title where an item's #N or key goes (CLI, API).
ISSUE_TITLE_NAME = "issue"


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


# --- reading an edition -------------------------------------------------------------


def edition_view(
    store: Store, config: Config, language: str, *, number: int | None = None
) -> EditionView:
    """The edition of the English issue ``number`` (default: the latest approved or
    published one), item by item. Items never translated have empty machine text."""
    edition = require_edition(config, language)
    return read_edition(store, config, edition, source(store, config, number))


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
    """Machine-translate the units (the issue title, the items) with no machine text or
    whose English changed since; the translator's text is never touched (such a unit
    is marked stale instead). Each is stored as it is done, so an interrupted run
    keeps its work."""
    from digest.translate import Edition, Translator

    edition = require_edition(config, language)
    src = source(store, config, number)
    view = read_edition(store, config, edition, src)
    translator = Translator(
        engine or _engine(edition), edition_glossary(edition),
        source=config.newsletter.language, target=edition.language,
    )  # fmt: skip
    done = Edition(edition.language, translator, edition.titles)
    with _TRANSLATING:  # one at a time per process: the page may ask twice
        log = store.translations(src.draft_key, edition.language)
        todo = [i for i in view.units if _needs_machine(edition, i, log)]
        for n, item in enumerate(todo, start=1):
            fields = machine_fields(edition, item.key)
            store.add_translations(_machine_rows(done, src.draft_key, item, fields, now))
            if progress is not None:
                progress(n, len(todo))
    return read_edition(store, config, edition, src)


def _needs_machine(
    edition: EditionSettings, item: EditionItem, log: Sequence[TranslationRecord]
) -> bool:
    own = [r for r in log if r.item_key == item.key]
    fields = machine_fields(edition, item.key)
    rows = [latest(own, TranslationOrigin.MACHINE, f) for f in fields]
    return any(r is None or r.source_hash != item.source_hash for r in rows)


def _machine_rows(
    edition: Edition, draft_key: str, item: EditionItem, fields: Sequence[str], now: datetime
) -> list[TranslationRecord]:
    """The machine's rows of ``item``: one per field it translates (machine_fields)."""
    from digest.translate import SourceItem, translate_item

    done = translate_item(edition, SourceItem(item.source_title, item.source_summary))
    texts = {"title": done.title, "summary": done.summary}
    language, key, origin = edition.language, item.key, TranslationOrigin.MACHINE
    return [
        TranslationRecord(
            language=language,
            item_key=key,
            field=field,
            origin=origin,
            text=texts[field],
            source_hash=done.source_hash,
            at=now,
            draft_key=draft_key,
            flags=_flags(done.flags, field),
            editor="machine",
        )
        for field in fields
    ]


def _flags(flags: Sequence[Flag], field: str) -> tuple[EditionWarning, ...]:
    return tuple(EditionWarning(f.kind, field, f.detail) for f in flags if f.field == field)


# --- the translator's actions ---------------------------------------------------------


def _find(view: EditionView, key: str) -> EditionItem:
    """An item by key, or by its number in the English draft (``3`` or ``#3``); the
    issue title by ``issue`` (or ``#issue``)."""
    if key.strip().lstrip("#").lower() == ISSUE_TITLE_NAME:
        return view.issue_title
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
    """Keep the translator's title and/or summary of one item (by key or #N; the issue
    title by ``issue``, a title only). Only a field that differs from what the item
    shows is recorded; submitting it unchanged marks it reviewed. Either way the item
    is now ``reviewed``."""
    edition = require_edition(config, language)
    src = source(store, config, number)
    view = read_edition(store, config, edition, src)
    _editable(view)
    item = _find(view, key)
    if item.key == ISSUE_TITLE and summary is not None:
        raise ReviewError("the issue title has no summary", hint="give its title only")
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
    return _find(read_edition(store, config, edition, src), item.key)


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
    src = source(store, config, number)
    view = read_edition(store, config, edition, src)
    _editable(view)
    item = _find(view, key)
    if not item.translated:
        raise ReviewError(f"{item.label} has no translation yet",
                          hint=f"run `digest edition translate {language}` or edit it")  # fmt: skip
    row = _human(src, edition, item, "", TranslationOrigin.REVIEW, "", now, editor)
    store.add_translations([row], expected_version=expected_version)
    return _find(read_edition(store, config, edition, src), item.key)


def _human(
    src: Source, edition: EditionSettings, item: EditionItem, field: str,
    origin: TranslationOrigin, text: str, now: datetime, editor: str,
) -> TranslationRecord:  # fmt: skip
    return TranslationRecord(src.draft_key, edition.language, item.key, field, origin, text,
                             item.source_hash, now, editor=editor)  # fmt: skip


def approve_edition(
    store: Store, config: Config, language: str, *, number: int | None = None, now: datetime
) -> EditionView:
    """The translator approves the edition: `digest publish` then publishes it. Refused
    while an item or the issue title is stale (its English changed after the
    translation) or has no translation at all; machine-translated ones may be
    approved as they are."""
    edition = require_edition(config, language)
    src = source(store, config, number)
    view = read_edition(store, config, edition, src)
    stale = [i for i in view.units if i.status is TranslationStatus.STALE]
    missing = [i for i in view.units if not i.translated]
    if stale or missing:
        raise ReviewError(_not_ready(view, stale, missing), hint=_not_ready_hint(language, stale))
    store.set_edition_approval(src.draft_key, edition.language, approved=True,
                               source_hash=issue_hash(src.issue), now=now)  # fmt: skip
    return read_edition(store, config, edition, src)


def _not_ready(view: EditionView, stale: list[EditionItem], missing: list[EditionItem]) -> str:
    parts = []
    if stale:
        parts.append(f"{len(stale)} stale ({', '.join(i.label for i in stale)})")
    if missing:
        parts.append(f"{len(missing)} not translated ({', '.join(i.label for i in missing)})")
    return f"the {view.language} edition of issue {view.number} has items " + " and ".join(parts)


def _not_ready_hint(language: str, stale: list[EditionItem]) -> str:
    if stale:
        which = ISSUE_TITLE_NAME if stale[0].key == ISSUE_TITLE else "N"
        return f"edit them or mark them reviewed: `digest edition review {language} {which}`"
    return f"run `digest edition translate {language}` first"


def reopen_edition(
    store: Store, config: Config, language: str, *, number: int | None = None, now: datetime
) -> EditionView:
    """Withdraw the approval, to change the edition again (a published edition stays
    published until `digest publish` runs again after a new approval)."""
    edition = require_edition(config, language)
    src = source(store, config, number)
    store.set_edition_approval(src.draft_key, edition.language, approved=False,
                               source_hash=issue_hash(src.issue), now=now)  # fmt: skip
    return read_edition(store, config, edition, src)


# --- publishing -----------------------------------------------------------------------


def approved_edition_issue(
    store: Store, config: Config, edition: EditionSettings, issue: Issue, *, now: datetime
) -> Issue | None:
    """The edition of the English ``issue`` as an Issue to publish, if its translator
    approved it for this English text; None otherwise. Republishing keeps its uid and
    publication date; ``updated`` moves only when its content changed."""
    src = Source(issue.draft_key, issue, {}, True)
    view = read_edition(store, config, edition, src)
    if not view.approved:
        return None
    title = view.issue_title.title
    texts = {i.key: i for i in view.items}
    sections = tuple(
        replace(s, title=section_title(config, s, edition.language),
                items=tuple(replace(i, title=texts[i.key].title, summary=texts[i.key].summary)
                            for i in s.items))
        for s in issue.sections
    )  # fmt: skip
    words = IssueWords(title=title, intro=edition.intro, outro=edition.outro)
    previous = store.edition_issue(issue.draft_key, edition.language)
    if previous is not None:
        changed = (previous.sections, previous.words) != (sections, words)
        return replace(previous, number=issue.number, title=title, sections=sections,
                       words=words, updated=now if changed else previous.updated)  # fmt: skip
    host = urlsplit(config.newsletter.site_url).hostname or "digest.invalid"
    uid = f"tag:{host},{now:%Y-%m-%d}:issue-{issue.number}-{edition.path}"
    return replace(issue, title=title, sections=sections, words=words, published=now,
                   updated=now, uid=uid)  # fmt: skip


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
