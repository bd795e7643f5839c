"""The `digest` group, the context every command shares (config, database, the
injected clock), and how errors reach the terminal. It registers no command."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from importlib import import_module
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from digest.cli import _console as console
from digest.clock import Clock, system_clock
from digest.config import load_config, resolve_config_path, resolve_db_path
from digest.errors import DigestError, StorageBusyError, StorageUnavailableError
from digest.store import Store
from digest.store.db import translate
from digest.types import Config

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class App:
    """What every command needs: where the config and the database are."""

    config_path: Path
    db_path: Path
    db_given: bool = False
    clock: Clock = system_clock
    _config: Config | None = None

    def now(self) -> datetime:
        return self.clock()

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def store(self) -> Store:
        return Store.open(self.db_path)


# Exit statuses, listed in `digest --help` and README.md ("Exit codes").
EXIT_OK = 0  # done; also a `digest fetch` turned away because another run is in progress
EXIT_FAILED = 1  # an error (every feed failed, a bad argument, a missing item...)
EXIT_CONFIG = 2  # feeds.yaml or the command line is invalid (click also uses 2)
EXIT_STORAGE = 3  # the database cannot be read or written: read-only, disk full, corrupt
EXIT_BUSY = 4  # the database stayed locked by another process past the busy timeout
EXIT_LEASE_HELD = 75  # `digest fetch --strict-lease`: another run holds the lease (EX_TEMPFAIL)


def exit_status(error: DigestError) -> int:
    if error.code == "config":
        return EXIT_CONFIG
    if isinstance(error, StorageBusyError):
        return EXIT_BUSY
    if isinstance(error, StorageUnavailableError):
        return EXIT_STORAGE
    return EXIT_FAILED


def fail(error: DigestError) -> NoReturn:
    """One clear line on stderr, then the error's documented exit status."""
    console.err.print(f"[red]error[/] ({error.code}): {console.escape(str(error))}")
    sys.exit(exit_status(error))


def handle_errors(fn: F) -> F:
    """DigestError -> one clear line on stderr and its exit status (see EXIT_*). A
    sqlite3 error that got past the store (a module reading the database on its own)
    is translated the same way, so no command prints a traceback for a database."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DigestError as e:
            fail(e)
        except sqlite3.Error as e:
            fail(translate(e, "database error"))

    return wrapper  # type: ignore[return-value]


# Where each command is registered. A command's module is imported when the command
# runs (or --help lists them all), so `digest fetch`, which cron starts every few
# minutes, does not import the review, ranking, translation and web commands and what
# they use (~10 MB and ~0.1 s). tests/test_cli.py checks the list is complete.
COMMAND_MODULES = {
    **dict.fromkeys(["check", "fetch", "feeds", "run", "publish", "issues", "search", "demo"],
                    "digest.cli.commands"),
    "draft": "digest.cli.issue",  # the group is review's; issue adds `draft set` and `image`
    **dict.fromkeys(["merge", "split", "undo", "approve", "reject", "reset", "move", "reorder",
                     "edit"], "digest.cli.review"),
    **dict.fromkeys(["history", "rules", "sections", "eval"], "digest.cli.rank"),
    **dict.fromkeys(["add", "opml", "enable"], "digest.cli.sources"),
    "translate": "digest.cli.translate",
    "edition": "digest.cli.edition",
    "serve": "digest.cli.web",
}  # fmt: skip


def load_commands() -> None:
    """Register every command (for --help, and for tests that walk them all)."""
    for module in sorted(set(COMMAND_MODULES.values())):
        import_module(module)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        load_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            import_module(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="DIGEST_CONFIG",
    default=None,
    help="feeds.yaml to use [env DIGEST_CONFIG; default ./feeds.yaml]",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar="DIGEST_DB",
    default=None,
    help="SQLite file [env DIGEST_DB; default db/digest.sqlite]",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="digest")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None, verbose: int) -> None:
    """Build a weekly curated newsletter from feeds.

    \b
    The editor's week:
      digest fetch            fetch due feeds, store and summarise new entries
      digest draft build      rank this week's candidates into the sections
      digest draft show       review; then approve / reject / move / reorder / edit
      digest draft approve    approve the draft
      digest publish          render HTML, Markdown, e-mail, Atom and JSON Feed
    `digest serve` is the same review in the browser; `digest run` fetches and
    builds the draft on a schedule; `digest demo` runs everything offline;
    `digest edition` drafts, reviews and approves a translated edition.

    \b
    Exit codes:
      0   done; also `digest fetch` when another run is in progress (one line says so)
      1   failed (every feed failed, a bad argument, a missing item, ...)
      2   feeds.yaml or the command line is invalid
      3   the database cannot be read or written (read-only, disk full, corrupt)
      4   the database stayed locked by another process; try again
      75  `digest fetch --strict-lease` when another run holds the fetch lease
    """  # fmt: skip
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # A caller embedding the CLI (a test) may inject the clock as `obj`.
    clock = ctx.obj if callable(ctx.obj) else system_clock
    ctx.obj = App(resolve_config_path(config_path), resolve_db_path(db_path), db_path is not None,
                  clock=clock)  # fmt: skip


pass_app = click.make_pass_decorator(App)
