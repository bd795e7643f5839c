"""``publish_issue``: write one issue in every format plus the archive index and feeds.

Publishing is in two steps, so a failure never leaves half an issue:
:func:`stage_issue` renders every output in memory and writes them (fsynced) into a
hidden folder inside the output folder; :meth:`Staged.install` then moves each one
in place with ``os.replace`` (same filesystem, so each move is atomic), and a reader
never sees half a page or half a feed. The caller records the issue between the two
(digest.app.publishing), so an issue is only ever recorded once all its files exist.
Pages link with relative URLs only, so the archive also works opened from disk.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.errors import PublishError
from digest.publish.feeds import atom_feed, feed_entries, json_feed
from digest.publish.i18n import Translator, translator
from digest.publish.mail import POLICY, build_email, email_parts
from digest.publish.render import render
from digest.publish.view import (
    Alternate,
    IssueView,
    SiteView,
    issue_view,
    newest_first,
    site_view,
)
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


@dataclass(frozen=True)
class Staged:
    """Every output of one issue, written under ``folder`` (inside ``out_dir``)."""

    folder: Path
    out_dir: Path
    names: tuple[str, ...]
    number: int
    page: str  # the issue's HTML page, relative to out_dir

    def install(self) -> PublishedFiles:
        """Move every staged file in place (one ``os.replace`` each), then tidy up."""
        try:
            for name in self.names:
                target = self.out_dir / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.folder / name, target)
        except OSError as e:
            raise PublishError(f"cannot move the issue into {self.out_dir}") from e
        finally:
            self.discard()
        log.info("published issue %d to %s (%d files)", self.number, self.out_dir,
                 len(self.names))  # fmt: skip
        n, path = self.number, self.out_dir.joinpath
        return PublishedFiles(
            html=path(self.page),
            markdown=path(f"issues/{n}.md"),
            index=path("index.html"),
            atom=path("feed.atom"),
            extra=(path("feed.json"), path(f"issues/{n}/email.html"),
                   path(f"issues/{n}/email.txt"), path(f"issues/{n}.eml")),
        )  # fmt: skip

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def render_issue(
    issue: Issue, archive: Sequence[Issue], config: Config, alternates: Sequence[Alternate] = ()
) -> tuple[str, dict[str, bytes]]:
    """(the issue's page, every output by path relative to the output folder): HTML,
    Markdown, e-mail, .eml, the index and both feeds. Nothing is written.

    ``archive`` holds every published issue (``issue`` included or not: this
    version of it wins). Nothing depends on the clock, so republishing the same
    issue renders the same bytes and the same ids. ``alternates``: every language the
    newsletter is published in (hreflang links); none for a newsletter in one.
    """
    t = translator(config.newsletter.language)
    site = replace(site_view(config, t), alternates=tuple(alternates))
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
    out = {name: data.encode("utf-8") for name, data in files.items()}
    out[f"issues/{view.number}.eml"] = _eml(issue, config)
    return view.path, out


def stage_issue(
    issue: Issue,
    archive: Sequence[Issue],
    config: Config,
    out_dir: Path,
    alternates: Sequence[Alternate] = (),
) -> Staged:
    """Render every output and write it under a hidden folder of ``out_dir``;
    PublishError (and nothing left behind) when any of it fails."""
    page, files = render_issue(issue, archive, config, alternates)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=out_dir, prefix=".publishing-"))
    except OSError as e:
        raise PublishError(f"cannot write to {out_dir}") from e
    staged = Staged(folder, out_dir, tuple(files), issue.number, page)
    try:
        for name, data in files.items():
            write_atomic(folder / name, data)
    except BaseException:
        staged.discard()
        raise
    return staged


def publish_issue(
    issue: Issue, archive: Sequence[Issue], config: Config, out_dir: Path
) -> PublishedFiles:
    """Render ``issue`` in every format and put the files in ``out_dir`` (see
    :func:`stage_issue` and :meth:`Staged.install`)."""
    return stage_issue(issue, archive, config, out_dir).install()


def _eml(issue: Issue, config: Config) -> bytes:
    """The e-mail as a file an editor can open or hand to another mailer."""
    smtp = config.publish.smtp
    recipients = list(smtp.recipients) if smtp and smtp.recipients else ["undisclosed-recipients:;"]
    message = build_email(issue, config, recipients=recipients)
    return message.as_bytes(policy=POLICY)
