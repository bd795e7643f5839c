"""Source commands: add a feed, OPML import and export, re-enable a gone feed.
Discovery, feeds.yaml edits and OPML are digest.app.sources; this module only calls
and prints."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from digest.app import sources
from digest.cli import _console as console
from digest.cli._base import App, cli, handle_errors, pass_app
from digest.types import SourceKind


@cli.command()
@click.argument("url")
@click.option("--kind", type=click.Choice([k.value for k in SourceKind]), default=None,
              help="Source kind [default: guessed from the feed].")  # fmt: skip
@click.option("--section", default=None, help="Section key hint for its items.")
@click.option("--name", default=None, help="Display name [default: the feed's title].")
@pass_app
@handle_errors
def add(app: App, url: str, kind: str | None, section: str | None, name: str | None) -> None:
    """Add a feed to feeds.yaml (a page URL works: its feed is discovered).

    The file's comments and order are kept; the first fetch is stored at once.
    """
    with app.store() as store:
        source = sources.add_feed(app.config, store, url, now=app.now(), section=section, name=name,
                                  kind=SourceKind(kind) if kind else None)  # fmt: skip
    console.out.print(f"added {source.name} ({source.kind.value}): {source.url}")


@cli.group()
def opml() -> None:
    """Import or export the sources as OPML 2.0."""


@opml.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
@handle_errors
def opml_import(app: App, file: Path) -> None:
    """Add every feed of an OPML file to feeds.yaml (known URLs are skipped; so is
    any outline digest would not fetch, each named with the reason)."""
    read = sources.read_opml(file.read_bytes(), app.config.fetch)
    for s in read.skipped:
        console.err.print(escape(f"{file}: skipped {s.label!r} {s.url}: {s.why}"))
    found = list(read.sources)
    added = sources.append_sources(app.config_path, found) if found else []
    console.out.print(f"{len(added)} sources added, {len(found) - len(added)} already present"
                      + (f", {len(read.skipped)} skipped" if read.skipped else ""))  # fmt: skip


@opml.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write [default: standard output].")  # fmt: skip
@pass_app
@handle_errors
def opml_export(app: App, output: Path | None) -> None:
    """Write the sources of feeds.yaml as OPML 2.0."""
    data = sources.export_opml(app.config)
    if output is None:
        click.echo(data.decode("utf-8"))
    else:
        output.write_bytes(data)


@cli.command()
@click.argument("url")
@pass_app
@handle_errors
def enable(app: App, url: str) -> None:
    """Poll a feed again after it was marked gone (410) or kept failing."""
    with app.store() as store:
        store.reenable_feed(url)
    console.out.print(f"{url} will be fetched at the next run")
