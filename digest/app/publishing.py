"""Publish and send: snapshot the approved draft as an Issue, render every format
(HTML archive, Markdown, e-mail, Atom, JSON Feed), and e-mail a published issue.

The rendering is digest.publish's (jinja2); this module numbers the issue, stores it
and marks the draft published. It never approves a draft: that is the editor's
decision (digest.app.drafting).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from digest.app.drafting import require_draft
from digest.draft.review import make_issue
from digest.errors import PublishError
from digest.store import Store
from digest.types import Config, DraftStatus, PublishedFiles

__all__ = ["publish", "send_issue"]

# digest.publish (jinja2, babel) is imported where it is used, so a `digest fetch`
# never loads it.


def publish(
    store: Store,
    config: Config,
    *,
    now: datetime,
    out_dir: Path | None = None,
    key: str | None = None,
) -> PublishedFiles:
    """Snapshot the approved draft as an Issue (stable number and id) and publish it,
    all or nothing: every output is rendered and written aside first; the issue is
    recorded (and the draft marked published) only once they all exist, and the
    files are moved in place inside that same transaction. On any failure the draft
    stays approved, no issue is recorded and no output is replaced."""
    from digest.publish import stage_issue

    draft = require_draft(store, config, key)
    previous = store.issue_for_draft(draft.key)
    number = previous.number if previous else store.next_issue_number()
    issue = make_issue(draft, config, number=number, now=now, previous=previous)
    archive = [i for i in store.issues() if i.number != issue.number]
    staged = stage_issue(issue, archive, config, out_dir or config.publish.output_dir)
    try:
        with store.atomic():
            store.save_issue(issue)
            store.set_draft_status(draft.key, DraftStatus.PUBLISHED, now=now)
            return staged.install()
    finally:
        staged.discard()


def send_issue(store: Store, config: Config, *, number: int | None = None) -> int:
    """E-mail the latest (or the given) published issue with feeds.yaml's smtp settings."""
    from digest.publish import build_email, send_email, smtp_password

    smtp = config.publish.smtp
    if smtp is None or not smtp.recipients:
        raise PublishError(
            "no smtp settings with recipients", hint="add publish.smtp to feeds.yaml"
        )
    issues = [i for i in store.issues() if number is None or i.number == number]
    if not issues:
        raise PublishError("no published issue to send", hint="run `digest publish` first")
    message = build_email(issues[0], config, recipients=smtp.recipients)
    send_email(message, smtp, smtp_password(smtp))
    return issues[0].number
