"""Readers for two real newsletters' back catalogues, as labelled history.

* *This Week in Rust* (``YYYY-MM-DD-this-week-in-rust.md`` files, Pelican front matter
  ``Number:``/``Date:``): each ``* [Title](url) note`` bullet is labelled with the
  innermost heading above it (``### Observations/Thoughts`` under ``## Updates from
  Rust Community``), so the topical sections come out as the editors named them.
* *Haskell Weekly* (``newsletter/YEAR/issue-N.markdown`` plus ``Issues.hs`` for the
  dates): ``- [Title](url) by Author`` bullets with ``> quoted`` summary lines, labelled
  with their ``## Section``.

:func:`catalogue_of` recognises either folder so ``digest history import`` and ``digest
eval sections`` accept them as they are. Sections are kept as written: the config maps
them to keys (titles and aliases), and items in sections it does not know are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

from digest.types import HistoryItem

__all__ = ["catalogue_of", "read_haskell_weekly", "read_twir"]

_TWIR_GLOB = "*-this-week-in-rust.*"
_HEADING_RE = re.compile(r"^(?P<level>#{1,3})\s+(?P<name>.+?)\s*#*$")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+(?P<body>.*\S)")
_LINK_RE = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>https?://[^)\s]+)\)")
_FRONT_RE = re.compile(r"^(?P<key>Number|Date):\s*(?P<value>\S+)", re.IGNORECASE)
_HW_ISSUE_RE = re.compile(
    r"fromGregorian (\d{4}) (\d{1,2}) (\d{1,2}) <\*> Number.fromNatural (\d+)"
)
_HW_FILE_RE = re.compile(r"issue-(\d+)\.markdown$")
_MD_LINK_TEXT = re.compile(r"\[([^\]]*)\]\([^)]*\)")

Reader = Callable[[Path], list[HistoryItem]]


def catalogue_of(path: Path) -> Reader | None:
    """The reader for a back-catalogue folder, or None for anything else."""
    if not path.is_dir():
        return None
    if (path / "Issues.hs").is_file() and (path / "newsletter").is_dir():
        return read_haskell_weekly
    if next(path.glob(_TWIR_GLOB), None) is not None:
        return read_twir
    return None


# --- This Week in Rust ---------------------------------------------------------------


def read_twir(folder: Path) -> list[HistoryItem]:
    items: list[HistoryItem] = []
    for file in sorted(folder.glob(_TWIR_GLOB)):
        items += _twir_issue(file.read_text(encoding="utf-8", errors="replace").splitlines())
    return items


def _twir_issue(lines: Sequence[str]) -> list[HistoryItem]:
    meta: dict[str, str] = {}
    for line in lines[:10]:
        if found := _FRONT_RE.match(line):
            meta[found["key"].casefold()] = found["value"]
    number = meta.get("number")
    if number is None:
        return []
    when = _date(meta.get("date", ""))
    items = (_item(number, when, section, body, ()) for section, body in _bullets(lines))
    return [item for item in items if item is not None]


def _bullets(lines: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(innermost heading, bullet text) for every top-level bullet under a heading."""
    headings: dict[int, str] = {}
    in_comment = False
    for line in lines:
        if "<!--" in line:
            in_comment = "-->" not in line
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if heading := _HEADING_RE.match(line):
            level = len(heading["level"])
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = _MD_LINK_TEXT.sub(r"\1", heading["name"]).strip()
        elif headings and (bullet := _BULLET_RE.match(line)) and not line.startswith(" "):
            yield headings[max(headings)], bullet["body"]


def _item(
    issue: str, when: date | None, section: str, body: str, quote: Sequence[str]
) -> HistoryItem | None:
    """Title from the first link; the rest of the line (tags such as ``[video]``, the
    trailing note, ``by Author``) and any quote make the summary. None without a link."""
    first = _LINK_RE.search(body)
    if first is None:
        return None
    links = tuple(m["url"] for m in _LINK_RE.finditer(body))
    rest = body[: first.start()] + " " + body[first.end() :]
    summary = " ".join(_MD_LINK_TEXT.sub(r"\1", " ".join([rest, *quote])).split())
    title = " ".join(first["text"].split()) or links[0]
    return HistoryItem(issue, when, section, title, summary, links)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# --- Haskell Weekly -------------------------------------------------------------------


def read_haskell_weekly(folder: Path) -> list[HistoryItem]:
    dates = {
        m[4]: date(int(m[1]), int(m[2]), int(m[3]))
        for m in _HW_ISSUE_RE.finditer((folder / "Issues.hs").read_text(encoding="utf-8"))
    }
    items: list[HistoryItem] = []
    for file in sorted((folder / "newsletter").glob("*/issue-*.markdown")):
        found = _HW_FILE_RE.search(file.name)
        if found is None:
            continue
        number = found[1]
        text = file.read_text(encoding="utf-8", errors="replace")
        items += _hw_issue(number, dates.get(number), text.splitlines())
    return items


def _hw_issue(number: str, when: date | None, lines: Sequence[str]) -> list[HistoryItem]:
    items: list[HistoryItem] = []
    section: str | None = None
    body: str | None = None
    quote: list[str] = []

    def flush() -> None:
        if section is not None and body is not None:
            item = _item(number, when, section, body, quote)
            if item is not None:
                items.append(item)

    for line in lines:
        if line.startswith("## "):
            flush()
            section, body, quote = line[3:].strip(), None, []
        elif (bullet := _BULLET_RE.match(line)) and not line.startswith(" "):
            flush()
            body, quote = bullet["body"], []
        elif body is not None and line.strip().startswith(">"):
            quote.append(line.strip()[1:].strip())
    flush()
    return items
