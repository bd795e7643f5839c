"""Preview an issue before it goes out: the approved items of the draft rendered
exactly as ``publish`` would render them (the same digest.publish rendering, kept
in memory), with what a confirmation needs to say: the issue's number, its
items and who the e-mail goes to. Nothing is stored and no file in the output
folder changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from digest.app.drafting import require_draft
from digest.draft.review import make_issue
from digest.store import Store
from digest.types import Config, DraftStatus, Issue

__all__ = ["Preview", "preview_issue"]


@dataclass(frozen=True)
class Preview:
    issue: Issue
    republish: bool  # the draft was published before: this replaces that issue
    page_html: str  # the issue's page as published
    email_html: str
    email_text: str
    recipients: tuple[str, ...]  # empty: no e-mail is configured

    @property
    def item_count(self) -> int:
        return sum(len(s.items) for s in self.issue.sections)


def preview_issue(
    store: Store, config: Config, *, now: datetime, key: str | None = None
) -> Preview:
    """The issue the draft's approved items make, rendered; a draft still in review
    is previewed as if approved now."""
    from digest.publish import render_issue

    draft = require_draft(store, config, key)
    previous = store.issue_for_draft(draft.key)
    number = previous.number if previous else store.next_issue_number()
    as_approved = replace(draft, status=DraftStatus.APPROVED)
    issue = make_issue(as_approved, config, number=number, now=now, previous=previous)
    smtp = config.publish.smtp
    page, files = render_issue(issue, store.issues(), config)
    folder = f"issues/{issue.number}"
    return Preview(
        issue=issue,
        republish=previous is not None,
        page_html=files[page].decode("utf-8"),
        email_html=files[f"{folder}/email.html"].decode("utf-8"),
        email_text=files[f"{folder}/email.txt"].decode("utf-8"),
        recipients=smtp.recipients if smtp else (),
    )
