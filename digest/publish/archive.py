"""``publish_issue``: write one issue in every format plus the archive index and feeds.

Every file is written atomically (temporary file in the same folder, fsync,
``os.replace``), so a crash or a reader never sees half a page or half a feed.
Pages link with relative URLs only, so the archive also works opened from disk.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from digest.errors import PublishError
from digest.publish.feeds import atom_feed, feed_entries, json_feed
from digest.publish.i18n import Translator, translator
from digest.publish.mail import POLICY, build_email, email_parts
from digest.publish.render import render
from digest.publish.view import IssueView, SiteView, issue_view, newest_first, site_view
from digest.types import Config, Issue, PublishedFiles

log = logging.getLogger("digest.publish")


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Replace ``path`` with ``data`` in one step; text is written as UTF-8."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise PublishError(f"cannot write {path}") from e
    return path


def _neighbours(
    issue: IssueView, views: Sequence[IssueView]
) -> tuple[IssueView | None, IssueView | None]:
    """(previous, next) issue by number, for the pager."""
    older = [v for v in views if v.number < issue.number]
    newer = [v for v in views if v.number > issue.number]
    return (
        max(older, key=lambda v: v.number, default=None),
        min(newer, key=lambda v: v.number, default=None),
    )


def _issue_page(
    view: IssueView, views: Sequence[IssueView], site: SiteView, t: Translator, config: Config
) -> str:
    previous, following = _neighbours(view, views)
    return render(config.publish.templates_dir, "issue.html.j2", issue=view, toc=True,
                  root="../../", previous=previous, next=following, site=site, t=t)  # fmt: skip


def _pages(
    view: IssueView, views: Sequence[IssueView], site: SiteView, t: Translator, config: Config
) -> dict[str, str]:
    folder = config.publish.templates_dir
    common = {"site": site, "t": t}
    return {
        view.path: _issue_page(view, views, site, t, config),
        f"issues/{view.number}.md": render(folder, "issue.md.j2", issue=view, **common),
        "index.html": render(folder, "index.html.j2", issues=views, root="", **common),
    }


def publish_issue(
    issue: Issue, archive: Sequence[Issue], config: Config, out_dir: Path
) -> PublishedFiles:
    """Render ``issue`` (HTML, Markdown, e-mail, .eml), the index and both feeds.

    ``archive`` holds every published issue (``issue`` included or not: this
    version of it wins). Nothing depends on the clock, so republishing the same
    issue writes the same bytes and the same ids.
    """
    t = translator(config.newsletter.language)
    site = site_view(config, t)
    views = [issue_view(i, site, t) for i in newest_first(issue, archive)]
    view = next(v for v in views if v.number == issue.number)
    files = _pages(view, views, site, t, config)
    for neighbour in _neighbours(view, views):
        if neighbour is not None:  # its pager now links to this issue
            files[neighbour.path] = _issue_page(neighbour, views, site, t, config)
    entries = feed_entries(views, site, t, config.publish.templates_dir, config.publish.feed_items)
    files["feed.atom"] = atom_feed(entries, site, t, config.publish.templates_dir)
    files["feed.json"] = json_feed(entries, site)
    text, html = email_parts(view, site, config, t)
    files[f"issues/{view.number}/email.txt"] = text
    files[f"issues/{view.number}/email.html"] = html
    written = {name: write_atomic(out_dir / name, data) for name, data in files.items()}
    eml = _eml(issue, config, out_dir / f"issues/{view.number}.eml")
    log.info("published issue %d to %s (%d files)", view.number, out_dir, len(written) + 1)
    return PublishedFiles(
        html=written[view.path],
        markdown=written[f"issues/{view.number}.md"],
        index=written["index.html"],
        atom=written["feed.atom"],
        extra=(
            written["feed.json"],
            written[f"issues/{view.number}/email.html"],
            written[f"issues/{view.number}/email.txt"],
            eml,
        ),
    )


def _eml(issue: Issue, config: Config, path: Path) -> Path:
    """The e-mail as a file an editor can open or hand to another mailer."""
    smtp = config.publish.smtp
    recipients = list(smtp.recipients) if smtp and smtp.recipients else ["undisclosed-recipients:;"]
    message = build_email(issue, config, recipients=recipients)
    return write_atomic(path, message.as_bytes(policy=POLICY))
