"""Past issues as labelled data: parse them, and measure how well sections are guessed.

Two formats are read. JSON Lines, one item per line::

    {"issue": "12", "date": "2026-03-02", "section": "Publications", "title": "...",
     "summary": "...", "links": ["https://arxiv.org/abs/..."], "kind": "arxiv"}

and Markdown issues as the newsletter publishes them::

    # Issue 12 (2026-03-02)
    ## Publications
    **Title of the item** One paragraph of summary. [paper](https://arxiv.org/abs/...)

Bad lines are reported (``file:line: why``) and skipped, never fatal: years of old
issues always hold a few oddities.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from digest.rank.catalogues import catalogue_of
from digest.rank.evaluate import EvalReport, SectionFigures, evaluate_sections, format_report
from digest.types import HistoryItem

# the evaluation moved to digest.rank.evaluate; re-exported for existing callers
__all__ = [
    "EvalReport",
    "SectionFigures",
    "evaluate_sections",
    "format_report",
    "item_from_json",
    "parse_history",
]

log = logging.getLogger("digest.rank.history")

_ISSUE_RE = re.compile(r"^#\s+(?:issue\s+)?#?(?P<num>[\w.-]+)(?P<rest>.*)$", re.IGNORECASE)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ITEM_RE = re.compile(r"^(?:[-*+]\s+)?\*\*(?P<title>.+?)\*\*[\s:.\u2014-]*(?P<rest>.*)$")
_LINK_RE = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>https?://[^)\s]+)\)")
_BARE_URL_RE = re.compile(r"(?<![(\[])<?(?P<url>https?://[^\s)>\]]+)>?")


def parse_history(path: Path) -> tuple[list[HistoryItem], list[str]]:
    """Items and problems from a .jsonl / .md file, every such file in a directory, or a
    known newsletter's back catalogue (This Week in Rust, Haskell Weekly) as published."""
    reader = catalogue_of(path)
    if reader is not None:
        found = reader(path)
        log.info("history: %d items from the back catalogue %s", len(found), path)
        return found, []
    files = (
        sorted(p for p in path.iterdir() if p.suffix in {".jsonl", ".md"})
        if path.is_dir()
        else [path]
    )
    items: list[HistoryItem] = []
    problems: list[str] = []
    for file in files:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        parser = _parse_markdown if file.suffix == ".md" else _parse_jsonl
        got, bad = parser(lines)
        items += got
        problems += [f"{file.name}:{n}: {why}" for n, why in bad]
    log.info("history: %d items, %d problems from %s", len(items), len(problems), path)
    return items, problems


# --- JSON Lines -----------------------------------------------------------------


def _parse_jsonl(lines: Sequence[str]) -> tuple[list[HistoryItem], list[tuple[int, str]]]:
    items, bad = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(item_from_json(json.loads(line)))
        except json.JSONDecodeError as e:
            bad.append((number, f"not JSON ({e.msg})"))
        except (TypeError, ValueError) as e:
            bad.append((number, str(e)))
    return items, bad


def item_from_json(data: Any, *, labelled: bool = True) -> HistoryItem:
    """One JSON Lines item; TypeError or ValueError saying what is wrong. An item not
    ``labelled`` (one to suggest sections for) needs no issue or section."""
    if not isinstance(data, dict):
        raise TypeError("expected an object")
    for name in ("issue", "section", "title") if labelled else ("title",):
        if not isinstance(data.get(name), str | int) or not str(data[name]).strip():
            raise ValueError(f"missing or empty {name!r}")
    links = data.get("links", [])
    if not isinstance(links, list) or not all(isinstance(u, str) for u in links):
        raise TypeError("'links' must be a list of strings")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise TypeError("'summary' must be a string")
    raw_date = data.get("date")
    when = date.fromisoformat(str(raw_date)[:10]) if raw_date else None
    kind = data.get("kind")
    return HistoryItem(
        issue=str(data.get("issue", "")).strip(),
        date=when,
        section=str(data.get("section", "")).strip(),
        title=str(data["title"]).strip(),
        summary=summary.strip(),
        links=tuple(links),
        kind=str(kind) if kind else None,
    )


# --- Markdown ---------------------------------------------------------------------


@dataclass
class _MdState:
    issue: str | None = None
    when: date | None = None
    section: str | None = None
    title: str | None = None
    text: list[str] = field(default_factory=list)
    items: list[HistoryItem] = field(default_factory=list)

    def flush(self) -> None:
        if self.title is not None and self.issue is not None and self.section is not None:
            body = " ".join(self.text)
            links = [m["url"] for m in _LINK_RE.finditer(body)]
            links += [m["url"] for m in _BARE_URL_RE.finditer(_LINK_RE.sub(" ", body))]
            summary = " ".join(_BARE_URL_RE.sub(" ", _LINK_RE.sub(r"\g<text>", body)).split())
            self.items.append(
                HistoryItem(self.issue, self.when, self.section, self.title, summary, tuple(links))
            )
        self.title, self.text = None, []


def _parse_markdown(lines: Sequence[str]) -> tuple[list[HistoryItem], list[tuple[int, str]]]:
    state, bad = _MdState(), []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith("## "):
            state.flush()
            state.section = line[3:].strip()
        elif line.startswith("# "):
            state.flush()
            _start_issue(state, line)
        elif (item := _ITEM_RE.match(line)) is not None:
            state.flush()
            if state.issue is None or state.section is None:
                bad.append((number, "item before any '# Issue' and '## Section' heading"))
                continue
            state.title = item["title"].strip()
            state.text = [item["rest"]] if item["rest"] else []
        elif line and state.title is not None:
            state.text.append(line)
        elif line and not line.startswith(("<!--", "---")):
            bad.append((number, "text outside an item"))
    state.flush()
    return state.items, bad


def _start_issue(state: _MdState, line: str) -> None:
    match = _ISSUE_RE.match(line)
    state.issue = match["num"] if match else line[2:].strip()
    found = _DATE_RE.search(match["rest"] if match else line)
    state.when = date.fromisoformat(found.group()) if found else None
    state.section = None
