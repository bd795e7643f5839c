"""Terminal output for the CLI: tables, the draft view, the results of the use cases
and progress bars (rich). Only the CLI imports this; the library never prints, and
nothing here reads the database or calls a use case.

rich (~2 MB, ~25 ms) is imported by the first command that prints through it: ``out``
and ``err`` are made on first use, and ``escape`` imports rich's when called. `digest
fetch`, which cron starts every few minutes and whose memory is a target (issue #22),
prints its one line of totals with click and never loads rich off a terminal.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from digest.app.refresh import ProgressFn
from digest.app.update import UpdateResult
from digest.store import FeedHealth, SearchHit
from digest.types import Draft, DraftItem, Issue, ItemStatus, PublishedFiles

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from digest.app.additions import Added
    from digest.demo.run import DemoRun

out: Console  # stdout() (module __getattr__)
err: Console  # stderr()


_STATUS_STYLE = {"ok": "green", "warning": "dark_orange", "error": "red", "gone": "magenta",
                 "never": "yellow"}  # fmt: skip
_ITEM_MARK = {ItemStatus.APPROVED: "[green]✔[/]", ItemStatus.REJECTED: "[red]✘[/]",
              ItemStatus.PENDING: "[yellow]·[/]"}  # fmt: skip


def stdout() -> Console:
    return _made("out")


def stderr() -> Console:
    return _made("err")


def _made(name: str) -> Console:
    """``out`` or ``err``, made on first use; a test may have set its own."""
    made: Console | None = globals().get(name)
    if made is None:
        from rich.console import Console

        made = Console(stderr=name == "err", highlight=False, soft_wrap=name == "err")
        globals()[name] = made
    return made


def __getattr__(name: str) -> Console:
    """``console.out`` and ``console.err`` for the commands."""
    if name in ("out", "err"):
        return _made(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def escape(text: str) -> str:
    """rich's markup escape, for text printed through ``out`` and ``err``."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressFn | None]:
    """A rich progress bar on a terminal; nothing under cron (no TTY)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    # Imported here: cron's `digest fetch` (no TTY) never draws one (~15 ms of start-up).
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=stderr(), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield update


def say(text: str) -> None:
    """One answer line (rich markup allowed), never wrapped: scripts and greps read it."""
    stdout().print(text, soft_wrap=True)


def print_update(result: UpdateResult) -> None:
    """Each failed feed on stderr, then one line of totals. With click, not rich: this
    is all `digest fetch` prints (click drops the colour off a terminal, as rich does)."""
    for o in result.outcomes:
        if not o.ok:
            click.echo(f"{click.style('error', fg='red')} {o.key}: {o.code}: {o.detail}", err=True)
    click.echo(f"fetched {len(result.outcomes)} feeds: {result.new_entries} new entries, "
               f"{result.failed} failed")  # fmt: skip


def print_files(files: PublishedFiles, *, eml: bool = True) -> None:
    out = stdout()
    out.print(f"HTML:     {files.html}\nMarkdown: {files.markdown}\n"
              f"Index:    {files.index}\nAtom:     {files.atom}")  # fmt: skip
    for extra in files.extra:
        if eml or extra.suffix != ".eml":
            out.print(f"          {extra}")
    for edition in files.editions:
        out.print(f"{edition.language} edition:")
        print_files(edition, eml=eml)
    for language in files.held:
        say(
            f"{language} edition not published: not approved for this issue "
            f"(`digest edition approve {language}`)"
        )


def print_demo(run: DemoRun) -> None:
    out = stdout()
    out.print(f"[bold]demo[/]: sample feeds served at {run.base_url}")
    print_update(run.update)
    out.print(f"summaries: {run.update.summarised} made")
    draft_view(run.draft)
    out.print("\n[bold]published[/]:")
    print_files(replace(run.files, held=()))  # a skipped edition says why just below
    for line in run.skipped:
        say(escape(line))  # one line, never wrapped
    out.print("\nThe draft is open for review again. Review it yourself:")
    # One unwrapped line with the full path of this install's `digest`: copy-pastable
    # even when the virtualenv's bin/ is not on PATH.
    print(f"  {digest_command()} --config {run.config_path} --db {run.db_path} draft show")


def digest_command() -> str:
    """The `digest` to tell the user to run: this install's, when it is not on PATH."""
    beside = Path(sys.executable).parent / "digest"
    on_path = shutil.which("digest")
    if on_path and Path(on_path).resolve() == beside.resolve():
        return "digest"
    return str(beside) if beside.exists() else "digest"


def print_added(added: Added) -> None:
    """What `digest draft add` answers: the item's title, and whether it was new."""
    out = stdout()
    where = f"section {added.section}" if added.section else "not placed"
    if added.already:
        out.print(f"already in the draft: #{added.handle} {escape(added.title)}")
        out.print(f"  nothing changed ({added.status.value}, {where}, key {escape(added.key)})")
    else:
        out.print(f"added and approved: #{added.handle} {escape(added.title)}")
        out.print(f"  {where}, key {escape(added.key)}")


def feeds_table(rows: Sequence[FeedHealth]) -> Table:
    from rich.table import Table  # here: `digest fetch` prints no table

    table = Table("name", "kind", "status", "last success", "last error or warnings",
                  "7 days", "next fetch", title="Feeds")  # fmt: skip
    for r in rows:
        style = _STATUS_STYLE.get(r.status, "")
        error = f"{r.last_error_code}: {r.last_error}" if r.last_error_code else ""
        if r.warnings and not error:  # the codes first: the messages may be long
            codes = ", ".join(dict.fromkeys(w.code for w in r.warnings))
            error = f"{codes}: {r.warnings[0].message}"
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


def draft_view(draft: Draft, *, show_all: bool = False) -> None:
    """The draft as the issue will read; each item under its handle (#N), which the
    review commands take and which no decision shifts."""
    out = stdout()
    out.print(f"[bold]Draft {draft.key}[/] ({draft.status.value}) "
              f"{draft.period_start:%Y-%m-%d} - {draft.period_end:%Y-%m-%d}")  # fmt: skip
    for section in draft.sections:
        quota = section.config.quota
        out.print(f"\n[bold underline]{escape(section.config.title)}[/] "
                  f"[dim]({len(section.items)}/{quota}, key {section.config.key})[/]")  # fmt: skip
        for item in section.items:
            _item_view(item)
    if draft.unplaced:
        label = "Not placed (over quota or rejected)"
        out.print(f"\n[bold underline]{label}[/] [dim]({len(draft.unplaced)})[/]")
        for item in draft.unplaced if show_all else draft.unplaced[:10]:
            _item_view(item, brief=True)
        if not show_all and len(draft.unplaced) > 10:
            out.print(f"  [dim]… {len(draft.unplaced) - 10} more: use --all[/]")


def _item_view(item: DraftItem, *, brief: bool = False) -> None:
    out = stdout()
    c = item.candidate
    edited = " [cyan](edited)[/]" if item.title != item.generated_title else ""
    handle = f"#{item.handle}"
    out.print(f"  {_ITEM_MARK[item.status]} [bold]{handle:>4}[/] {escape(item.title)}{edited} "
              f"[dim]score {c.score:.2f} · {escape(item.key)}[/]")  # fmt: skip
    for guest in item.merged:
        out.print(f"        [dim]merged here: #{guest.handle} {escape(guest.title)}[/]")
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
    from rich.table import Table  # here: `digest fetch` prints no table

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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def draft_json(draft: Draft) -> str:
    """`draft show --json`: the draft and every item, placed and not; the keys are
    documented in docs and kept stable for scripts."""
    placed = {i.key for s in draft.sections for i in s.items}

    def item(i: DraftItem) -> dict[str, Any]:
        c = i.candidate
        return {
            "handle": i.handle,
            "key": i.key,
            "section": i.section if i.key in placed else None,
            "position": i.position if i.key in placed else None,
            "status": i.status.value,
            "title": i.title,
            "summary": i.summary,
            "edited": i.title != i.generated_title or i.summary != i.generated_summary,
            "merged": [{"handle": g.handle, "key": g.key, "title": g.title} for g in i.merged],
            "links": [
                {"url": x.url, "role": x.role.value, "source": x.source_name} for x in c.story.links
            ],
            "score": round(c.score, 4),
            "reasons": [{"label": r.label, "points": r.points} for r in c.reasons],
            "suggestions": [
                {"section": s.section, "confidence": s.confidence} for s in c.suggestions
            ],
            "entries": [
                {
                    "source": e.source_name,
                    "url": e.link,
                    "published": _iso(e.published),
                    "first_seen": _iso(e.first_seen),
                }
                for e in c.story.entries
            ],
        }

    data = {
        "key": draft.key,
        "status": draft.status.value,
        "period_start": draft.period_start.isoformat(),
        "period_end": draft.period_end.isoformat(),
        "sections": [
            {
                "key": s.config.key,
                "title": s.config.title,
                "quota": s.config.quota,
                "items": [i.handle for i in s.items],
            }
            for s in draft.sections
        ],
        "items": [item(i) for i in sorted(draft.items(), key=lambda i: i.handle)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def issues_json(issues: Sequence[Issue], editions: Mapping[int, list[str]] | None = None) -> str:
    """`issues --json`: each published issue with its sections and items, and the
    languages of its published translated editions."""
    editions = editions or {}
    return json.dumps(
        [
            {
                "number": i.number,
                "title": i.title,
                "draft": i.draft_key,
                "uid": i.uid,
                "published": i.published.isoformat(),
                "updated": i.updated.isoformat(),
                "editions": editions.get(i.number, []),
                "sections": [
                    {
                        "key": s.key,
                        "title": s.title,
                        "items": [
                            {
                                "key": x.key,
                                "title": x.title,
                                "summary": x.summary,
                                "links": [
                                    {"url": link.url, "role": link.role.value, "label": link.label}
                                    for link in x.links
                                ],
                            }
                            for x in s.items
                        ],
                    }
                    for s in i.sections
                ],
            }
            for i in issues
        ],
        indent=2,
        ensure_ascii=False,
    )
