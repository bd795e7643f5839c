"""Serving the published files to the review page: only the names publish writes,
each with its own content type, at the top of the output folder or in a configured
edition's folder (``pt-br/issues/1/index.html``). Never SVG, never an arbitrary file,
never `..`. It renders nothing: the files are digest.app.publishing's output."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
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


def resolve(out_dir: Path, name: str, folders: Collection[str] = ()) -> tuple[Path, str] | None:
    """(file, content type) for a known output file that exists, else None; ``folders``
    are the editions' folders, where the same names may be."""
    folder, _, rest = name.partition("/")
    media_type = content_type(rest if folder in folders else name)
    if media_type is None:
        return None
    root = out_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path, media_type


def files_of(out_dir: Path, number: int, folder: str = "") -> dict[str, str]:
    """Label -> output name of one issue's files that exist (in an edition's folder)."""
    at = f"{folder}/" if folder else ""
    names = {
        "HTML": f"{at}issues/{number}/index.html",
        "Markdown": f"{at}issues/{number}.md",
        "E-mail (HTML)": f"{at}issues/{number}/email.html",
        "E-mail (text)": f"{at}issues/{number}/email.txt",
    }
    return {label: name for label, name in names.items() if resolve(out_dir, name, {folder})}


def edition_pages(out_dir: Path, number: int, folders: Mapping[str, str]) -> dict[str, str]:
    """Language -> output name of the issue's page in each edition (language -> folder)
    published so far."""
    found = {
        lang: files_of(out_dir, number, folder).get("HTML") for lang, folder in folders.items()
    }
    return {lang: name for lang, name in found.items() if name}


def site_files(out_dir: Path, folder: str = "") -> dict[str, str]:
    at = f"{folder}/" if folder else ""
    names = {"Archive index": f"{at}index.html", "Atom feed": f"{at}feed.atom",
             "JSON Feed": f"{at}feed.json"}  # fmt: skip
    return {label: name for label, name in names.items() if resolve(out_dir, name, {folder})}
