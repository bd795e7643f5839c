"""The editor's review pages: ``create_app`` builds the Starlette app over the same use
cases as the CLI (digest.app).

Pages are server-rendered (jinja2, autoescape on) and every change is a plain form
POST answered with a 303 to a relative path; ``static/review.js`` only adds
drag-to-reorder on top. Store work runs in the thread pool, one connection per
request (SQLite connections are cheap; WAL + busy timeout make them share the file).
This module only assembles the app; routes are in ``routes``, shared helpers in ``base``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from digest.clock import Clock, system_clock
from digest.draft.review import links_text
from digest.draft.titles import link_label
from digest.errors import StorageBusyError, StorageUnavailableError
from digest.limits import FIELD_LIMITS
from digest.sanitize import safe_url
from digest.types import Config, ItemStatus
from digest.web import _editions as editions
from digest.web import _routes as routes
from digest.web._base import Web, busy, http_error
from digest.web._jobs import RefreshJob
from digest.web.security import (
    LOOPBACK_HOSTS,
    SecurityMiddleware,
    Signer,
    check_token,
    is_loopback,
)

__all__ = ["create_app"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    config: Config,
    db_path: Path,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    clock: Clock = system_clock,
    out_dir: Path | None = None,
    allowed_hosts: tuple[str, ...] = (),
    secret: bytes | None = None,
) -> Starlette:
    """The review app. Beyond loopback an access ``token`` is required."""
    if not is_loopback(host):
        check_token(host, token)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.globals.update(link=safe_url, link_label=link_label, links_text=links_text,
                       ItemStatus=ItemStatus, limits=FIELD_LIMITS)  # fmt: skip
    web = Web(config, db_path, clock, Signer(secret), env, RefreshJob(config, db_path, clock),
              out_dir or config.publish.output_dir)  # fmt: skip
    app = Starlette(
        routes=[
            *routes.routes(web),
            *editions.routes(),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={
            StorageBusyError: busy,
            StorageUnavailableError: busy,
            sqlite3.Error: busy,
            HTTPException: http_error,
        },
    )
    app.state.web = web
    hosts = {*LOOPBACK_HOSTS, host, *allowed_hosts}
    return SecurityMiddleware(app, web.signer, allowed_hosts=hosts,  # type: ignore[return-value]
                              access_token=token)  # fmt: skip
