"""Issue-level commands: the editor's words (title, e-mail subject, intro, outro) and
an item's image. A few lines each over digest.app.words and digest.app.drafting, the
use cases the review page calls too."""

from __future__ import annotations

import click

from digest.app import drafting
from digest.app.words import set_words, words_with_defaults
from digest.cli import _console as console
from digest.cli._base import App, handle_errors, pass_app
from digest.cli.review import draft, resolve_item
from digest.types import Action, IssueWords


def _print_words(words: IssueWords, given: IssueWords) -> None:
    for name in ("title", "subject", "intro", "outro"):
        value = getattr(words, name)
        note = "" if getattr(given, name) else " (default)"
        console.out.print(f"[bold]{name}[/bold]{note}: {value or '-'}", markup=True)


@draft.command("set")
@click.option("--title", default=None, help="The issue's title; '' goes back to the suggestion.")
@click.option("--subject", default=None, help="The e-mail's subject; '' uses the title.")
@click.option("--intro", default=None, help="The editor's note at the top; '' uses feeds.yaml's.")
@click.option("--outro", default=None, help="The closing note; '' uses feeds.yaml's.")
@pass_app
@handle_errors
def draft_set(
    app: App, title: str | None, subject: str | None, intro: str | None, outro: str | None
) -> None:
    """Set the issue's title, e-mail subject, intro or outro; without options, show them.

    A blank line in --intro or --outro starts a new paragraph."""
    given = {"title": title, "subject": subject, "intro": intro, "outro": outro}
    wanted = {name: value for name, value in given.items() if value is not None}
    with app.store() as store:
        if wanted:
            current, changed = set_words(store, app.config, wanted, now=app.now())
            console.out.print(f"changed: {', '.join(changed) or 'nothing'}")
        else:
            current = drafting.require_draft(store, app.config)
    _print_words(words_with_defaults(current, app.config), current.words)


@draft.command("image")
@click.argument("item")
@click.option("--url", default=None, help="Show this image (an http(s) URL) instead.")
@click.option("--remove", is_flag=True, help="Show no image for this item.")
@click.option("--caption", default=None, help="A caption under the image ('' for none).")
@pass_app
@handle_errors
def draft_image(app: App, item: str, url: str | None, remove: bool, caption: str | None) -> None:
    """Choose or remove an item's image and set its caption; with no option, go back to
    the article's or the feed's own image. Images are referenced by URL, never downloaded."""
    if url is not None and remove:
        raise click.UsageError("give --url or --remove, not both")
    with app.store() as store:
        current = drafting.require_draft(store, app.config)
        key = resolve_item(current, item)
        wanted: list[tuple[Action, str | None]] = []
        if caption is not None:
            wanted.append((Action.SET_CAPTION, caption))
        if remove or url is not None or caption is None:
            wanted.append((Action.SET_IMAGE, "" if remove else url))
        for action, value in wanted:
            current = drafting.decide(store, app.config, action, key, value, now=app.now(),
                                      draft_key=current.key)  # fmt: skip
    chosen = current.item(key)
    shown = (chosen.image if chosen else None) or "none"
    caption = f" ({chosen.caption})" if chosen and chosen.caption else ""
    console.out.print(f"image of {key}: {shown}{caption}", soft_wrap=True)
