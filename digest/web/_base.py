"""What the review app's modules share: the per-app context (``Web``) and how a
route answers (a rendered page, a 303 with flash messages, a JSON error, the busy and
HTTP error pages).

It holds no route and builds no app: routes are in ``routes``, the app in ``app``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from digest.clock import Clock
from digest.errors import DigestError, StorageBusyError, StorageUnavailableError
from digest.store import Store
from digest.store.db import translate
from digest.types import Config
from digest.web._jobs import RefreshJob
from digest.web.security import FLASH_COOKIE, Signer, cookie_header, safe_next

T = TypeVar("T")


@dataclass
class Web:
    """What every route needs; one per app."""

    config: Config
    db_path: Path
    clock: Clock
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


def render(
    web: Web, request: Request, name: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    flash = web.signer.unpack(request.cookies.get(FLASH_COOKIE))
    messages = list(context.pop("messages", []))
    if isinstance(flash, list):
        # [kind, text] or [kind, text, item key(, decisions to undo)]: beside that item
        messages = [m for m in flash if isinstance(m, list) and 2 <= len(m) <= 4] + messages
    html = web.env.get_template(name).render(
        csrf=request.state.csrf_token,
        newsletter=web.config.newsletter,
        editions=web.config.editions,  # each one's review page is linked from the header
        path=request.url.path,
        messages=messages,
        refresh=web.refresh.status,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if flash is not None:
        response.headers.append("set-cookie", cookie_header(FLASH_COOKIE, "", max_age=0).decode())
    return response


def redirect(web: Web, to: str | None, *messages: tuple[str, ...]) -> RedirectResponse:
    """303 to a same-origin relative path, carrying flash ``(kind, text[, item key])``
    messages."""
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
    """503, one line: the database is busy, or what failed and what to do. A sqlite3
    error that got past the store (a module reading the database on its own) is
    translated the same way."""
    if isinstance(exc, sqlite3.Error):
        exc = translate(exc, "database error")
    if isinstance(exc, StorageBusyError):
        text = "The database is busy (a fetch is writing); try again in a moment."
    elif isinstance(exc, StorageUnavailableError):
        text = f"The database is unavailable ({exc.code}): {exc}"
    else:
        text = f"The database failed: {exc}"
    if wants_json(request):
        return JSONResponse({"error": text}, status_code=503, headers={"retry-after": "5"})
    return Response(text, status_code=503, media_type="text/plain",
                    headers={"retry-after": "5"})  # fmt: skip


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return Response(exc.detail, status_code=exc.status_code, media_type="text/plain")
