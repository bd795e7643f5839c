"""Serving the published files to the review page: only the names publish writes,
each with its own content type. Never SVG, never an arbitrary file, never `..`.
It renders nothing: the files are digest.app.publishing's output."""

from __future__ import annotations

import re
from pathlib import Path

from digest.web.security import OUTPUT_CSP

CSP = OUTPUT_CSP

# name pattern -> content type; the issue number is the only variable part
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"index\.html"), "text/html; charset=utf-8"),
    (re.compile(r"feed\.atom"), "application/atom+xml; charset=utf-8"),
    (re.compile(r"feed\.json"), "application/feed+json; charset=utf-8"),
    (re.compile(r"issues/[1-9][0-9]{0,5}/index\.html"), "text/html; charset=utf-8"),
    (re.compile(r"issues/[1-9][0-9]{0,5}\.md"), "text/markdown; charset=utf-8"),
    (re.compile(r"issues/[1-9][0-9]{0,5}/email\.html"), "text/html; charset=utf-8"),
    (re.compile(r"issues/[1-9][0-9]{0,5}/email\.txt"), "text/plain; charset=utf-8"),
)


def content_type(name: str) -> str | None:
    return next((t for pattern, t in _KNOWN if pattern.fullmatch(name)), None)


def resolve(out_dir: Path, name: str) -> tuple[Path, str] | None:
    """(file, content type) for a known output file that exists, else None."""
    media_type = content_type(name)
    if media_type is None:
        return None
    root = out_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path, media_type


def files_of(out_dir: Path, number: int) -> dict[str, str]:
    """Label -> output name of one issue's files that exist."""
    names = {
        "HTML": f"issues/{number}/index.html",
        "Markdown": f"issues/{number}.md",
        "E-mail (HTML)": f"issues/{number}/email.html",
        "E-mail (text)": f"issues/{number}/email.txt",
    }
    return {label: name for label, name in names.items() if resolve(out_dir, name)}


def site_files(out_dir: Path) -> dict[str, str]:
    names = {"Archive index": "index.html", "Atom feed": "feed.atom", "JSON Feed": "feed.json"}
    return {label: name for label, name in names.items() if resolve(out_dir, name)}
