"""`digest edition`: the translator's side of a translated edition (issue #24) from the
terminal. A few lines each over digest.app.editions, which the review page calls too."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.markup import escape

from digest.app import editions
from digest.cli import _console as console
from digest.cli._base import App, cli, handle_errors, pass_app
from digest.types import EditionItem, EditionView, TranslationStatus

_NUMBER = click.option(
    "--number", type=int, default=None, help="An English issue other than the latest, e.g. 12."
)
_MARK = {TranslationStatus.MACHINE: "[yellow]machine[/]",
         TranslationStatus.REVIEWED: "[green]reviewed[/]",
         TranslationStatus.STALE: "[red]stale[/]"}  # fmt: skip


@cli.group()
def edition() -> None:
    """Translated editions (editions: in feeds.yaml): translate, review, approve.

    \b
    The translator's week, once the English issue is approved:
      digest edition translate pt-BR     the machine drafts every item
      digest edition show pt-BR          source, machine and your text, with warnings
      digest edition edit pt-BR 3 --summary "…"
      digest edition edit pt-BR issue --title "…"   the issue's title
      digest edition review pt-BR 4 5    the machine's text (or yours) is right
      digest edition approve pt-BR       then `digest publish` publishes it too
    """


@edition.command("translate")
@click.argument("language")
@_NUMBER
@pass_app
@handle_errors
def edition_translate(app: App, language: str, number: int | None) -> None:
    """Machine-translate the items with no translation or whose English changed; your
    text is never replaced (an item whose English changed is marked stale)."""
    with app.store() as store, console.progress_bar(True) as bar:
        progress = (lambda done, total: bar("translating", done, total)) if bar else None
        view = editions.translate_edition(store, app.config, language, number=number,
                                          now=app.now(), progress=progress)  # fmt: skip
    console.say(f"{view.language} edition of issue {view.number}: {_counts(view)}")


@edition.command("show")
@click.argument("language")
@_NUMBER
@click.option("--json", "as_json", is_flag=True, help="Print the edition as JSON.")
@pass_app
@handle_errors
def edition_show(app: App, language: str, number: int | None, as_json: bool) -> None:
    """Each item's English, the machine's and your text, its status and warnings."""
    with app.store() as store:
        view = editions.edition_view(store, app.config, language, number=number)
    if as_json:
        click.echo(json.dumps(_json(view), ensure_ascii=False, indent=2))
    else:
        _print(view)


@edition.command("edit")
@click.argument("language")
@click.argument("item")
@click.option("--title", default=None, help="Your title for the item (or the issue).")
@click.option("--summary", default=None, help="Your summary (Markdown); not for `issue`.")
@_NUMBER
@pass_app
@handle_errors
def edition_edit(
    app: App, language: str, item: str, title: str | None, summary: str | None,
    number: int | None,
) -> None:  # fmt: skip
    """Keep your text for ITEM (#N from `edition show`, or its key; `issue` is the
    issue's title, which the edition's pages, e-mail subject and feeds show); it is
    reviewed."""
    if title is None and summary is None:
        raise click.UsageError("give --title, --summary or both")
    with app.store() as store:
        done = editions.edit_translation(store, app.config, language, item, title=title,
                                         summary=summary, number=number, now=app.now())  # fmt: skip
    console.say(f"edited {done.label} “{escape(done.title)}” ({done.status.value})")
    _warnings(done)


@edition.command("review")
@click.argument("language")
@click.argument("items", nargs=-1, required=True)
@_NUMBER
@pass_app
@handle_errors
def edition_review(app: App, language: str, items: tuple[str, ...], number: int | None) -> None:
    """Mark ITEMS reviewed as they stand (a stale item: your text still fits); `issue`
    is the issue's title."""
    with app.store() as store:
        for item in items:
            done = editions.mark_reviewed(store, app.config, language, item, number=number,
                                          now=app.now())  # fmt: skip
            console.say(f"reviewed {done.label} “{escape(done.title)}”")


@edition.command("approve")
@click.argument("language")
@_NUMBER
@pass_app
@handle_errors
def edition_approve(app: App, language: str, number: int | None) -> None:
    """Approve the edition; `digest publish` then publishes it beside the original."""
    with app.store() as store:
        view = editions.approve_edition(store, app.config, language, number=number, now=app.now())
    console.say(f"{view.language} edition of issue {view.number} approved ({_counts(view)})")


@edition.command("reopen")
@click.argument("language")
@_NUMBER
@pass_app
@handle_errors
def edition_reopen(app: App, language: str, number: int | None) -> None:
    """Withdraw the approval, to change the edition again."""
    with app.store() as store:
        view = editions.reopen_edition(store, app.config, language, number=number, now=app.now())
    console.say(f"{view.language} edition of issue {view.number} reopened")


def _counts(view: EditionView) -> str:
    return ", ".join(f"{status} {n}" for status, n in view.counts.items())


def _print(view: EditionView) -> None:
    state = "published" if view.published else "approved" if view.approved else "in review"
    source = escape(view.source_title)
    console.out.print(f"[bold]{escape(view.title)}[/]: {view.language} edition of issue "
                      f"{view.number} “{source}” ({state}; {_counts(view)})")  # fmt: skip
    heading = view.issue_title
    console.out.print(f"  [bold]issue[/] {_MARK[heading.status]}"
                      f"{' [cyan](edited)[/]' if heading.edited else ''} "
                      f"{escape(heading.title) or '[dim](not translated yet)[/]'}")  # fmt: skip
    _warnings(heading)
    for section in view.sections:
        console.out.print(f"\n[bold underline]{escape(section.title)}[/]")
        for item in section.items:
            console.out.print(f"  [bold]{f'#{item.handle}':>4}[/] {_MARK[item.status]}"
                              f"{' [cyan](edited)[/]' if item.edited else ''} "
                              f"{escape(item.title)} [dim]{escape(item.key)}[/]")  # fmt: skip
            console.out.print(f"        [dim]en:[/] {escape(item.source_summary)}")
            text = escape(item.summary) or "[dim](not translated yet)[/]"
            console.out.print(f"        [dim]{view.language}:[/] {text}")
            _warnings(item)


def _warnings(item: EditionItem) -> None:
    for w in item.warnings:
        console.out.print(f"        [dark_orange]{w.kind}[/] [dim]({w.field}):[/] "
                          f"{escape(w.detail)}", soft_wrap=True)  # fmt: skip


def _json(view: EditionView) -> dict[str, Any]:
    return {
        "language": view.language,
        "number": view.number,
        "draft": view.draft_key,
        "title": view.title,
        "source_title": view.source_title,
        "issue_title": _item_json(view.issue_title),
        "date": view.date.isoformat() if view.date else None,
        "approved": view.approved,
        "published": view.published,
        "counts": view.counts,
        "sections": [
            {"key": s.key, "title": s.title, "items": [i.handle for i in s.items]}
            for s in view.sections
        ],
        "items": [_item_json(i) for i in view.items],
    }


def _item_json(item: EditionItem) -> dict[str, Any]:
    return {
        "handle": item.handle,
        "key": item.key,
        "section": item.section,
        "status": item.status.value,
        "edited": item.edited,
        "source_title": item.source_title,
        "source_summary": item.source_summary,
        "machine_title": item.machine_title,
        "machine_summary": item.machine_summary,
        "title": item.title,
        "summary": item.summary,
        "warnings": [{"kind": w.kind, "field": w.field, "detail": w.detail} for w in item.warnings],
    }
