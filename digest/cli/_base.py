"""The `digest` group, the context every command shares (config, database, the
injected clock), and how errors reach the terminal. It registers no command."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.markup import escape

from digest.cli import _console as console
from digest.clock import Clock, system_clock
from digest.config import load_config, resolve_config_path, resolve_db_path
from digest.errors import DigestError
from digest.store import Store
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


def handle_errors(fn: F) -> F:
    """DigestError -> one clear line on stderr and exit status 1 (2 for config)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DigestError as e:
            console.err.print(f"[red]error[/] ({e.code}): {escape(str(e))}")
            sys.exit(2 if e.code == "config" else 1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    builds the draft on a schedule; `digest demo` runs everything offline.
    """  # fmt: skip
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # A caller embedding the CLI (a test) may inject the clock as `obj`.
    clock = ctx.obj if callable(ctx.obj) else system_clock
    ctx.obj = App(resolve_config_path(config_path), resolve_db_path(db_path), db_path is not None,
                  clock=clock)  # fmt: skip


pass_app = click.make_pass_decorator(App)
