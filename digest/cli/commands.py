"""The commands of the editor's week that are not review: check, fetch, feeds, run,
publish, issues, search, demo. Each is a few lines over the application layer
(fetch: digest.app.update; publish: digest.app.publishing); none holds a use case."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from digest.app.update import update
from digest.cli import _console as console
from digest.cli._base import (
    EXIT_FAILED,
    EXIT_LEASE_HELD,
    EXIT_OK,
    App,
    cli,
    handle_errors,
    pass_app,
)
from digest.errors import LeaseHeldError


@cli.command()
@click.option("--reference", is_flag=True, help="Print every feeds.yaml key (docs/config.md).")
@pass_app
@handle_errors
def check(app: App, reference: bool) -> None:
    """Validate feeds.yaml and print what it configures (exit 2 on a mistake)."""
    from digest.config import reference as config_reference
    from digest.config.summary import describe

    if reference:
        click.echo(config_reference.markdown(), nl=False)
        return
    for line in describe(app.config):
        click.echo(line)


@cli.command()
@click.option("--all", "fetch_all", is_flag=True, help="Fetch every feed, not only the due ones.")
@click.option("--no-summaries", is_flag=True, help="Skip article extraction and summaries.")
@click.option("--strict-lease", is_flag=True,
              help="Exit 75 (not 0) when another run holds the fetch lease.")  # fmt: skip
@pass_app
@handle_errors
def fetch(app: App, fetch_all: bool, no_summaries: bool, strict_lease: bool) -> None:
    """Fetch due feeds once (for cron), store entries and summarise them.

    Exits 1 when every feed failed; each feed's error is recorded and shown by
    `digest feeds`. When another run (the daemon, the web page, an earlier cron
    run) holds the fetch lease it prints one line and exits 0, so cron does not
    report a failure (75 with --strict-lease). See `digest --help` for every code.
    """
    try:
        with app.store() as store, console.progress_bar(True) as progress:
            result = update(store, app.config, now=app.now(), due_only=not fetch_all,
                            summaries=not no_summaries, progress=progress)  # fmt: skip
    except LeaseHeldError as e:
        click.echo(f"another run is in progress; nothing to do ({e.message})", err=True)
        sys.exit(EXIT_LEASE_HELD if strict_lease else EXIT_OK)
    console.print_update(result)
    if result.all_failed:
        sys.exit(EXIT_FAILED)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON objects instead of a table.")
@pass_app
@handle_errors
def feeds(app: App, as_json: bool) -> None:
    """Show each feed's health: status, last success, last error, next fetch."""
    # Read only (it works while another process writes): feeds.yaml's sources that
    # no run has stored yet are listed as never fetched.
    with app.store() as store:
        from digest.app.sources import feed_health  # here: `fetch` does not need it (_base)

        rows = feed_health(store, app.config, now=app.now())
    if as_json:
        click.echo(console.feeds_json(rows))
    else:
        console.out.print(console.feeds_table(rows))


@cli.command()
@click.option("--once", is_flag=True, help="Run one tick and the draft job, then exit.")
@pass_app
@handle_errors
def run(app: App, once: bool) -> None:
    """Run the scheduler: fetch due feeds every tick, build the draft weekly."""
    from digest.schedule import draft_job, run_daemon, tick_job

    if once:  # as its help says: the tick, then the draft job
        tick_job(app.config_path, app.db_path, clock=app.clock)
        draft_job(app.config_path, app.db_path, clock=app.clock)
        return
    run_daemon(app.config, app.config_path, app.db_path, clock=app.clock)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder [default: publish.output_dir in feeds.yaml]",
)
@click.option("--eml", is_flag=True, help="Print the path of the .eml message file.")
@click.option("--send", is_flag=True, help="Send the e-mail with the smtp settings of feeds.yaml.")
@pass_app
@handle_errors
def publish(app: App, out_dir: Path | None, eml: bool, send: bool) -> None:
    """Publish the approved draft: web archive, Markdown, e-mail, Atom, JSON Feed;
    and each translated edition its translator approved, in its own folder."""
    from digest.app import publishing  # here: `fetch` does not need it (_base)

    with app.store() as store:
        files = publishing.publish(store, app.config, now=app.now(), out_dir=out_dir)
        sent = publishing.send_issue(store, app.config) if send else None
        editions = publishing.send_editions(store, app.config, number=sent) if sent else []
    console.print_files(files, eml=eml)
    if sent is not None:
        console.out.print(f"sent issue #{sent} by e-mail")
    for language in editions:
        console.out.print(f"sent the {language} edition of issue #{sent} by e-mail")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON objects instead of lines.")
@pass_app
@handle_errors
def issues(app: App, as_json: bool) -> None:
    """List published issues."""
    with app.store() as store:
        found = store.issues()
        editions = store.edition_languages()
    if as_json:
        click.echo(console.issues_json(found, editions))
        return
    for issue in found:
        count = sum(len(s.items) for s in issue.sections)
        also = "".join(f"  +{language}" for language in editions.get(issue.number, []))
        console.out.print(f"#{issue.number}  {issue.published:%Y-%m-%d}  {issue.draft_key}  "
                          f"{count} items  {issue.uid}{also}")  # fmt: skip


@cli.command()
@click.argument("query")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only entries first seen on or after this date (YYYY-MM-DD).",
)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON objects.")
@pass_app
@handle_errors
def search(app: App, query: str, since: datetime | None, limit: int, as_json: bool) -> None:
    """Full-text search over titles, summaries and article text.

    QUERY uses SQLite FTS5 syntax: words, "exact phrases", AND, OR, NOT, prefix*.
    """
    with app.store() as store:
        floor = since.replace(tzinfo=UTC) if since else None
        hits = store.search(query, since=floor, limit=limit)
    if as_json:
        click.echo(console.hits_json(hits))
    elif not hits:
        console.out.print("no matches")
    else:
        console.out.print(console.hits_table(hits))


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("demo-output"),
    help="Where to write the demo's config and published files.",
)
@pass_app
@handle_errors
def demo(app: App, out_dir: Path) -> None:
    """Run the whole job offline on the project's sample feeds (served on 127.0.0.1)."""
    from digest.demo.run import run_demo

    with console.progress_bar(True) as progress:
        result = run_demo(app.config_path, out_dir, app.db_path if app.db_given else None,
                          now=app.now(), progress=progress)  # fmt: skip
    console.print_demo(result)
