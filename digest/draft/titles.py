"""What the draft calls an item and its links, in an editor's words: a release is
titled with its project ("quill-serve v2.0.0-rc1", not "v2.0.0-rc1"), and a link is
labelled with where it goes ("github.com/quillstack/quill-serve"), not with the feed
it came from. Pure functions of an entry or a URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from digest.types import Entry, SourceKind

__all__ = ["item_title", "link_label", "project_of"]

_FORGES = {"github.com", "gitlab.com", "codeberg.org", "huggingface.co"}
_VERSION_LIKE = re.compile(r"^(release\s+)?v?\d+(\.\d+)*\S*", re.IGNORECASE)


def project_of(url: str | None) -> str | None:
    """The repository a forge URL belongs to ("quill-serve"), else None."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host not in _FORGES or len(segments) < 2:
        return None
    return segments[1]


def item_title(entry: Entry) -> str:
    """The entry's title, one line; a release whose title does not name its project
    (most GitHub release feeds: "v2.0.0-rc1 (pre-release)") gets the project first."""
    title = " ".join(entry.title.split())
    project = project_of(entry.link) if entry.kind == SourceKind.RELEASE else None
    if project and project.lower() not in title.lower() and _VERSION_LIKE.match(title):
        return f"{project} {title}"
    return title


def link_label(url: str) -> str:
    """Where a link goes, short: host and the first path segments that identify it."""
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    keep = 2 if host in _FORGES or host.endswith("arxiv.org") else 1
    shown = "/".join(segments[:keep])
    label = f"{host}/{shown}" if shown else host
    return label if len(segments) <= keep else label + "/…"
