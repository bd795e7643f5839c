"""The editor's words for an issue: its title, e-mail subject, intro and outro.

Each change is one decision in the draft's append-only log (item key ISSUE_WORDS), so
a rebuild never loses it and the CLI and the review page record it the same way. A
blank value goes back to the default: the suggested title, the title as subject,
feeds.yaml's intro and outro.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime

from digest.app.drafting import decide, require_draft
from digest.draft.review import ISSUE_WORDS, WORD_ACTIONS, issue_words
from digest.errors import ReviewError
from digest.store import Store
from digest.types import Config, Draft, IssueWords

__all__ = ["WORDS", "set_words", "words_with_defaults"]

WORDS = tuple(f.name for f in fields(IssueWords))  # title, subject, intro, outro
_ACTION_OF = {name: action for action, name in WORD_ACTIONS.items()}


def words_with_defaults(draft: Draft, config: Config) -> IssueWords:
    """What the issue would say if published now (blank words filled with defaults)."""
    return issue_words(draft, config)


def set_words(
    store: Store,
    config: Config,
    wanted: Mapping[str, str],
    *,
    now: datetime,
    draft_key: str | None = None,
) -> tuple[Draft, list[str]]:
    """Record the words in ``wanted`` that differ from the draft's; return the draft
    and the names of the words that changed."""
    unknown = sorted(set(wanted) - set(WORDS))
    if unknown:
        raise ReviewError(f"unknown issue words {unknown}", hint=f"use {', '.join(WORDS)}")
    draft = require_draft(store, config, draft_key)
    changed = [
        name
        for name in WORDS
        if name in wanted and wanted[name].strip() != getattr(draft.words, name)
    ]
    for name in changed:
        draft = decide(store, config, _ACTION_OF[name], ISSUE_WORDS, wanted[name].strip(),
                       now=now, draft_key=draft.key)  # fmt: skip
    return draft, changed
