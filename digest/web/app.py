"""The editor's review pages: a Starlette app over the same pipeline calls as the CLI.

Pages are server-rendered (jinja2, autoescape on) and every change is a plain form
POST answered with a 303 to a relative path; ``static/review.js`` only adds
drag-to-reorder on top. Store work runs in the thread pool, one connection per
request (SQLite connections are cheap; WAL + busy timeout make them share the file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from digest.errors import ConfigError, DigestError, StorageBusyError
from digest.sanitize import safe_url
from digest.store import Store
from digest.types import Config, ItemStatus
from digest.web.jobs import RefreshJob
from digest.web.security import (
    FLASH_COOKIE,
    LOOPBACK_HOSTS,
    SecurityMiddleware,
    Signer,
    cookie_header,
    is_loopback,
    safe_next,
)

log = logging.getLogger("digest.web")

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Web:
    """What every route needs; one per app."""

    config: Config
    db_path: Path
    clock: Callable[[], datetime]
    signer: Signer
    env: Environment
    refresh: RefreshJob
    out_dir: Path

    async def run(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` in the thread pool with a fresh connection."""

        def work() -> T:
            with Store.open(self.db_path) as store:
                return fn(store)

        return await run_in_threadpool(work)


def create_app(
    config: Config,
    db_path: Path,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    out_dir: Path | None = None,
    allowed_hosts: tuple[str, ...] = (),
    secret: bytes | None = None,
) -> Starlette:
    """The review app. Beyond loopback an access ``token`` is required."""
    if not is_loopback(host) and not token:
        raise ConfigError(f"serving on {host} needs an access token",
                          hint="pass --token or set DIGEST_WEB_TOKEN")  # fmt: skip
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.globals.update(link=safe_url, ItemStatus=ItemStatus)
    web = Web(config, db_path, clock, Signer(secret), env, RefreshJob(config, db_path, clock),
              out_dir or config.publish.output_dir)  # fmt: skip
    from digest.web import routes

    app = Starlette(
        routes=[
            *routes.routes(web),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={StorageBusyError: busy, HTTPException: http_error},
    )
    app.state.web = web
    hosts = {*LOOPBACK_HOSTS, host, *allowed_hosts}
    return SecurityMiddleware(app, web.signer, allowed_hosts=hosts,  # type: ignore[return-value]
                              access_token=token)  # fmt: skip


# --- responses ----------------------------------------------------------------


def render(
    web: Web, request: Request, name: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    flash = web.signer.unpack(request.cookies.get(FLASH_COOKIE))
    messages = list(context.pop("messages", []))
    if isinstance(flash, list):
        messages = [m for m in flash if isinstance(m, list) and len(m) == 2] + messages
    html = web.env.get_template(name).render(
        csrf=request.state.csrf_token,
        newsletter=web.config.newsletter,
        path=request.url.path,
        messages=messages,
        refresh=web.refresh.status,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if flash is not None:
        response.headers.append("set-cookie", cookie_header(FLASH_COOKIE, "", max_age=0).decode())
    return response


def redirect(web: Web, to: str | None, *messages: tuple[str, str]) -> RedirectResponse:
    """303 to a same-origin relative path, carrying flash ``(kind, text)`` messages."""
    response = RedirectResponse(safe_next(to), status_code=303)
    if messages:
        packed = web.signer.pack([list(m) for m in messages])
        response.headers.append("set-cookie", cookie_header(FLASH_COOKIE, packed).decode())
    return response


def error_text(e: DigestError) -> str:
    return f"{e.message} ({e.hint})" if e.hint else e.message


def wants_json(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


async def busy(request: Request, exc: Exception) -> Response:
    text = "The database is busy (a fetch is writing); try again in a moment."
    if wants_json(request):
        return JSONResponse({"error": text}, status_code=503, headers={"retry-after": "5"})
    return Response(text, status_code=503, media_type="text/plain",
                    headers={"retry-after": "5"})  # fmt: skip


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return Response(exc.detail, status_code=exc.status_code, media_type="text/plain")
