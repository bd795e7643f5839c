"""Terminal output for the CLI: tables, the draft view and progress bars (rich).
Only the CLI imports this; the library never prints."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from digest.app.refresh import ProgressFn
from digest.store import FeedHealth, SearchHit
from digest.types import Draft, DraftItem, ItemStatus, Outcome

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_STATUS_STYLE = {"ok": "green", "error": "red", "gone": "magenta", "never": "yellow"}
_ITEM_MARK = {ItemStatus.APPROVED: "[green]✔[/]", ItemStatus.REJECTED: "[red]✘[/]",
              ItemStatus.PENDING: "[yellow]·[/]"}  # fmt: skip


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressFn | None]:
    """A rich progress bar on a terminal; nothing under cron (no TTY)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield update


def fetch_summary(outcomes: Sequence[Outcome]) -> str:
    failed = [o for o in outcomes if not o.ok]
    new = sum(o.new_entries for o in outcomes)
    return f"fetched {len(outcomes)} feeds: {new} new entries, {len(failed)} failed"


def print_failures(outcomes: Sequence[Outcome]) -> None:
    for o in outcomes:
        if not o.ok:
            err.print(f"[red]error[/] {escape(o.key)}: {o.code}: {escape(o.detail)}")


def feeds_table(rows: Sequence[FeedHealth]) -> Table:
    table = Table("name", "kind", "status", "last success", "last error", "7 days",
                  "next fetch", title="Feeds")  # fmt: skip
    for r in rows:
        style = _STATUS_STYLE.get(r.status, "")
        error = f"{r.last_error_code}: {r.last_error}" if r.last_error_code else ""
        if r.moved_to:
            error = f"moved to {r.moved_to} (update feeds.yaml) {error}".strip()
        table.add_row(escape(r.name), r.kind, f"[{style}]{r.status}[/]", when(r.last_success_at),
                      escape(error[:80]), str(r.entries_7d), when(r.next_fetch_at))  # fmt: skip
    return table


def feeds_json(rows: Sequence[FeedHealth]) -> str:
    def row(r: FeedHealth) -> dict[str, Any]:
        data = asdict(r)
        data["error_code"] = data.pop("last_error_code")
        data["error"] = data.pop("last_error")
        for key in ("last_success_at", "next_fetch_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    return json.dumps([row(r) for r in rows], indent=2, ensure_ascii=False)


def item_refs(draft: Draft) -> dict[str, DraftItem]:
    """Short numbers for the CLI (1, 2, ...) in the order `draft show` prints."""
    return {str(n): item for n, item in enumerate(draft.items(), start=1)}


def draft_view(draft: Draft, *, show_all: bool = False) -> None:
    refs = {item.key: n for n, item in item_refs(draft).items()}
    out.print(f"[bold]Draft {draft.key}[/] ({draft.status.value}) "
              f"{draft.period_start:%Y-%m-%d} - {draft.period_end:%Y-%m-%d}")  # fmt: skip
    for section in draft.sections:
        quota = section.config.quota
        out.print(f"\n[bold underline]{escape(section.config.title)}[/] "
                  f"[dim]({len(section.items)}/{quota}, key {section.config.key})[/]")  # fmt: skip
        for item in section.items:
            _item_view(item, refs[item.key])
    if draft.unplaced:
        label = "Not placed (over quota or rejected)"
        out.print(f"\n[bold underline]{label}[/] [dim]({len(draft.unplaced)})[/]")
        for item in draft.unplaced if show_all else draft.unplaced[:10]:
            _item_view(item, refs[item.key], brief=True)
        if not show_all and len(draft.unplaced) > 10:
            out.print(f"  [dim]… {len(draft.unplaced) - 10} more: use --all[/]")


def _item_view(item: DraftItem, ref: str, *, brief: bool = False) -> None:
    c = item.candidate
    edited = " [cyan](edited)[/]" if item.title != item.generated_title else ""
    out.print(f"  {_ITEM_MARK[item.status]} [bold]{ref:>3}[/] {escape(item.title)}{edited} "
              f"[dim]score {c.score:.2f} · {escape(item.key)}[/]")  # fmt: skip
    if brief:
        return
    out.print(f"        {escape(item.summary)}", style="default")
    if about := c.summary.meta.describe():
        out.print(f"        [dim]{escape(about)}[/]")
    links = " · ".join(f"{x.role.value}: {x.url}" for x in c.story.links)
    out.print(f"        [dim]{escape(links)}[/]")
    reasons = ", ".join(f"{r.label} ({r.points:+.2f})" for r in c.reasons)
    suggestions = ", ".join(f"{s.section} {s.confidence:.0%}" for s in c.suggestions)
    unsure = " [/][yellow](unsure)[/][dim]" if c.section_unsure else ""  # check these first
    out.print(f"        [dim]why: {escape(reasons)} · sections: {escape(suggestions)}{unsure} · "
              f"summary: {c.summary.method.value}[/]")  # fmt: skip


def hits_table(hits: Sequence[SearchHit]) -> Table:
    table = Table("first seen", "source", "title", "match", title="Search")
    for h in hits:
        table.add_row(when(h.first_seen), escape(h.source_name), escape(h.title),
                      escape(h.snippet))  # fmt: skip
    return table


def hits_json(hits: Sequence[SearchHit]) -> str:
    def row(h: SearchHit) -> dict[str, Any]:
        data = asdict(h)
        for key in ("published", "first_seen"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    return json.dumps([row(h) for h in hits], indent=2, ensure_ascii=False)
