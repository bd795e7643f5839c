"""Publish and send: snapshot the approved draft as an Issue, render every format
(HTML archive, Markdown, e-mail, Atom, JSON Feed), and e-mail a published issue.

The rendering is digest.publish's (jinja2); this module numbers the issue, stores it
and marks the draft published. It never approves a draft: that is the editor's
decision (digest.app.drafting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from digest.app.drafting import require_draft
from digest.app.editions import approved_edition_issue, edition_config
from digest.draft.review import make_issue
from digest.errors import PublishError
from digest.store import Store
from digest.types import Config, DraftStatus, EditionSettings, Issue, PublishedFiles

if TYPE_CHECKING:
    from digest.publish import Alternate

__all__ = ["publish", "send_editions", "send_issue"]

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
    with each translated edition its translator approved for it (in the edition's own
    folder, with its own feeds and e-mail; the pages of all of them link to each other
    with hreflang), all or nothing: every output is rendered and written aside first;
    the issue and its editions are recorded (and the draft marked published) only once
    they all exist, and the files are moved in place inside that same transaction. On
    any failure the draft stays approved, nothing is recorded and no output replaced."""
    from digest.publish import stage_issue

    draft = require_draft(store, config, key)
    previous = store.issue_for_draft(draft.key)
    number = previous.number if previous else store.next_issue_number()
    issue = make_issue(draft, config, number=number, now=now, previous=previous)
    archive = [i for i in store.issues() if i.number != issue.number]
    out = out_dir or config.publish.output_dir
    ready = _ready_editions(store, config, issue, now=now)
    alternates = _alternates(store, config, issue, archive, [e for e, _ in ready])
    staged = [stage_issue(issue, archive, config, out, alternates)]
    try:
        for edition, translated in ready:
            past = [i for i in store.edition_issues(edition.language) if i.number != number]
            staged.append(stage_issue(translated, past, edition_config(config, edition),
                                      out / edition.path, alternates))  # fmt: skip
        with store.atomic():
            store.save_issue(issue)
            store.set_draft_status(draft.key, DraftStatus.PUBLISHED, now=now)
            for edition, translated in ready:
                store.save_edition_issue(translated, edition.language)
            files = [s.install() for s in staged]
    finally:
        for s in staged:
            s.discard()
    done = [replace(f, language=e.language) for f, (e, _) in zip(files[1:], ready, strict=True)]
    held = [e.language for e in config.editions if e not in [r for r, _ in ready]]
    return replace(files[0], editions=tuple(done), held=tuple(held))


def _ready_editions(
    store: Store, config: Config, issue: Issue, *, now: datetime
) -> list[tuple[EditionSettings, Issue]]:
    """Each edition its translator approved for this English issue, as an Issue."""
    found = [(e, approved_edition_issue(store, config, e, issue, now=now)) for e in config.editions]
    return [(edition, translated) for edition, translated in found if translated is not None]


def _alternates(
    store: Store,
    config: Config,
    issue: Issue,
    archive: Sequence[Issue],
    publishing: Sequence[EditionSettings],
) -> list[Alternate]:
    """The original and every edition with an issue published (or publishing now), with
    the issues each has; none while the newsletter is in one language only."""
    from digest.publish import alternate

    english = frozenset({issue.number, *(i.number for i in archive)})
    found = [alternate(config.newsletter.language, config.newsletter.site_url, english)]
    for edition in config.editions:
        numbers = {i.number for i in store.edition_issues(edition.language)}
        numbers |= {issue.number} if edition in publishing else set()
        site = edition_config(config, edition).newsletter.site_url
        found.append(alternate(edition.language, site, frozenset(numbers)) if numbers else None)
    alternates = [a for a in found if a is not None]
    return alternates if len(alternates) > 1 else []


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


def send_editions(store: Store, config: Config, *, number: int) -> list[str]:
    """E-mail each edition of issue ``number`` published so far to the edition's own
    recipients; returns the languages sent."""
    from digest.publish import build_email, send_email, smtp_password

    smtp = config.publish.smtp
    sent = []
    for edition in config.editions:
        found = [i for i in store.edition_issues(edition.language) if i.number == number]
        if smtp is None or not edition.recipients or not found:
            continue
        local = edition_config(config, edition)
        message = build_email(found[0], local, recipients=edition.recipients)
        # The envelope goes to the edition's readers, not publish.smtp.recipients.
        send_email(message, replace(smtp, recipients=edition.recipients), smtp_password(smtp))
        sent.append(edition.language)
    return sent
