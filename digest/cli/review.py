"""Review commands: build, show and act on the weekly draft from the terminal, and
add an item by URL. Each is a few lines over digest.app.drafting and
digest.app.additions, the use cases the web page calls too, so both stay equivalent."""

from __future__ import annotations

import atexit
import gc

import click
from rich.markup import escape

from digest.app import drafting
from digest.app.additions import add_url
from digest.cli import _console as console
from digest.cli._base import App, cli, handle_errors, pass_app
from digest.draft.review import all_merged, describe, merged_host
from digest.errors import ReviewError
from digest.types import Action, Decision, Draft


@cli.group()
def draft() -> None:
    """Build, show, approve or reopen the weekly draft."""


@draft.command("build")
@pass_app
@handle_errors
def draft_build(app: App) -> None:
    """Rank this week's candidates into the sections (decisions are kept)."""
    with app.store() as store:
        result = drafting.build_draft(store, app.config, now=app.now())
    # At exit, spare the collector a last walk over the build's objects (a second at
    # 30,000 candidates); at exit, so a process that goes on (a test run) is not frozen.
    atexit.register(gc.freeze)
    placed = sum(len(s.items) for s in result.sections)
    console.out.print(f"draft {result.key}: {placed} items placed, "
                      f"{len(result.unplaced)} more candidates")  # fmt: skip


@draft.command("show")
@click.option("--all", "show_all", is_flag=True, help="List every unplaced candidate too.")
@click.option("--key", default=None, help="A draft other than the latest, e.g. 2026-W48.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft and every item as JSON.")
@pass_app
@handle_errors
def draft_show(app: App, show_all: bool, key: str | None, as_json: bool) -> None:
    """Show the draft as the issue will read, with scores, reasons and links.
    Each item keeps its number (#N) until the draft is rebuilt."""
    with app.store() as store:
        current = drafting.require_draft(store, app.config, key)
    if as_json:
        click.echo(console.draft_json(current))
    else:
        console.draft_view(current, show_all=show_all)


@draft.command("approve")
@click.option("--all-items", is_flag=True, help="Approve every placed item first.")
@pass_app
@handle_errors
def draft_approve(app: App, all_items: bool) -> None:
    """Approve the draft; `digest publish` then publishes its approved items."""
    with app.store() as store:
        result = drafting.approve_draft(store, app.config, now=app.now(), all_items=all_items)
    console.out.print(f"draft {result.key} approved")


@draft.command("reopen")
@pass_app
@handle_errors
def draft_reopen(app: App) -> None:
    """Put an approved draft back into review."""
    with app.store() as store:
        result = drafting.reopen_draft(store, app.config, now=app.now())
    console.out.print(f"draft {result.key} reopened")


@draft.command("add")
@click.argument("url")
@click.option(
    "--section",
    default=None,
    help="Put it in this section (key, title or alias) [default: where it ranks].",
)
@pass_app
@handle_errors
def draft_add(app: App, url: str, section: str | None) -> None:
    """Add the page at URL to this week's draft, approved.

    The page is fetched and its article extracted, stored as an entry "added by the
    editor", and the draft is rebuilt. A URL already in the draft is left as it is.
    """
    with app.store() as store:
        added = add_url(store, app.config, url, now=app.now(), section=section)
    console.print_added(added)


def resolve_item(current: Draft, ref: str) -> str:
    """An item by its handle from `draft show` (8 or #8), its full key or a unique
    key prefix. Handles belong to the draft build, so decisions never shift them."""
    items = [*current.items(), *(g for i in current.items() for g in all_merged(i))]
    number = ref.removeprefix("#")
    if number.isdigit():
        found = [i.key for i in items if i.handle == int(number)]
        if found:
            return found[0]
    matches = [i.key for i in items if i.key == ref or i.key.startswith(ref)]
    if len(matches) != 1:
        raise ReviewError(
            f"{ref!r} matches {len(matches)} items", hint="use the number from `digest draft show`"
        )
    return matches[0]


def _act(app: App, action: Action, refs: tuple[str, ...], value: str | None = None) -> None:
    """Record one decision per item and name each item it changed."""
    with app.store() as store:
        current = drafting.require_draft(store, app.config)
        keys = list(dict.fromkeys(resolve_item(current, ref) for ref in refs))
        now = app.now()
        for key in keys:
            after = drafting.decide(
                store, app.config, action, key, value, now=now, draft_key=current.key
            )
            decision = Decision(current.key, key, action, value, now)
            console.say(escape(describe(decision, after.item(key), app.config)))


@cli.command()
@click.argument("item")
@click.argument("into")
@pass_app
@handle_errors
def merge(app: App, item: str, into: str) -> None:
    """Merge ITEM into the story of INTO (one item, both stories' links)."""
    with app.store() as store:
        current = drafting.require_draft(store, app.config)
        key, host = resolve_item(current, item), resolve_item(current, into)
        moved, target = current.item(key), current.item(host)
        drafting.decide(store, app.config, Action.MERGE, key, host, now=app.now(),
                        draft_key=current.key)  # fmt: skip
    assert moved is not None and target is not None  # resolve_item found them
    console.say(f"merged #{moved.handle} \u201c{escape(moved.title)}\u201d into "
                      f"#{target.handle} \u201c{escape(target.title)}\u201d")  # fmt: skip


@cli.command()
@click.argument("item")
@pass_app
@handle_errors
def split(app: App, item: str) -> None:
    """Split a merged ITEM out of the story it joined; it stands on its own again."""
    with app.store() as store:
        current = drafting.require_draft(store, app.config)
        key = resolve_item(current, item)
        found = merged_host(current, key)
        drafting.decide(store, app.config, Action.SPLIT, key, now=app.now(),
                        draft_key=current.key)  # fmt: skip
    if found is None:  # decide refused it already; kept for the type checker
        return
    host, guest = found
    console.say(f"split #{guest.handle} \u201c{escape(guest.title)}\u201d from "
                      f"#{host.handle} \u201c{escape(host.title)}\u201d")  # fmt: skip


@cli.command()
@click.option("--count", "-n", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many of the last decisions to undo.")  # fmt: skip
@pass_app
@handle_errors
def undo(app: App, count: int) -> None:
    """Undo the last decisions on the draft (approve, reject, move, edit...)."""
    with app.store() as store:
        undone, after = drafting.undo(store, app.config, now=app.now(), count=count)
    for decision in undone:
        text = describe(decision, after.item(decision.item_key), app.config)
        console.say(f"undone: {escape(text)}")


@cli.command()
@click.argument("items", nargs=-1, required=True)
@pass_app
@handle_errors
def approve(app: App, items: tuple[str, ...]) -> None:
    """Approve items (numbers from `digest draft show`, or keys)."""
    _act(app, Action.APPROVE, items)


@cli.command()
@click.argument("items", nargs=-1, required=True)
@pass_app
@handle_errors
def reject(app: App, items: tuple[str, ...]) -> None:
    """Reject items; they stay one `digest draft show --all` away."""
    _act(app, Action.REJECT, items)


@cli.command()
@click.argument("items", nargs=-1, required=True)
@pass_app
@handle_errors
def reset(app: App, items: tuple[str, ...]) -> None:
    """Put items back to pending review."""
    _act(app, Action.RESET, items)


@cli.command()
@click.argument("item")
@click.argument("section")
@pass_app
@handle_errors
def move(app: App, item: str, section: str) -> None:
    """Move an item to another section (key, title or alias)."""
    _act(app, Action.MOVE, (item,), section)


@cli.command()
@click.argument("item")
@click.argument("position", type=click.IntRange(min=1))
@pass_app
@handle_errors
def reorder(app: App, item: str, position: int) -> None:
    """Move an item to POSITION (1 = first) inside its section."""
    _act(app, Action.REORDER, (item,), str(position - 1))


@cli.command()
@click.argument("item")
@click.option("--title", default=None, help="New title.")
@click.option("--summary", default=None, help="New summary (one paragraph).")
@click.option("--link", "links", multiple=True, metavar="'ROLE URL'",
              help="Replace the item's links (repeat it; role: paper, code, post, podcast, "
                   "release, news).")  # fmt: skip
@pass_app
@handle_errors
def edit(
    app: App, item: str, title: str | None, summary: str | None, links: tuple[str, ...]
) -> None:
    """Rewrite an item's title, summary or links; the generated text is kept beside it."""
    if title is None and summary is None and not links:
        raise click.UsageError("give --title, --summary and/or --link")
    if title is not None:
        _act(app, Action.EDIT_TITLE, (item,), title)
    if summary is not None:
        _act(app, Action.EDIT_SUMMARY, (item,), summary)
    if links:
        _act(app, Action.EDIT_LINKS, (item,), "\n".join(links))
