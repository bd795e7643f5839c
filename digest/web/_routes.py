"""The review app's routes: pages (GET) and actions (POST -> 303 or 409), each a few
lines over a use case of digest.app. Responses are built with digest.web._base; no
route talks to a stage or renders an issue itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from digest.app import drafting, publishing
from digest.app.additions import add_url
from digest.errors import ConflictError, DigestError, StorageBusyError, StorageUnavailableError
from digest.store import Store
from digest.types import Draft, ItemStatus
from digest.web import _outputs as outputs
from digest.web._base import Web, error_text, redirect, render, wants_json
from digest.web._forms import apply_item_form, mention_section
from digest.web._search import search_entries
from digest.web.security import safe_next

Action = Callable[[Web, Store, dict[str, str]], str]


def routes(web: Web) -> list[Route]:
    def post(path: str, label: str, fn: Action) -> Route:
        async def endpoint(request: Request) -> Response:
            return await simple_action(request, label, fn)

        return Route(path, endpoint, methods=["POST"])

    return [
        Route("/", index),
        Route("/decide", decide, methods=["POST"]),
        post("/draft/approve", "approve", approve),
        post("/draft/reopen", "reopen", reopen),
        post("/draft/build", "rebuild", rebuild),
        post("/publish", "publish", publish),
        post("/add", "add by URL", add),
        Route("/refresh", start_refresh, methods=["POST"]),
        Route("/refresh/status", refresh_status),
        Route("/issues", issues_page),
        Route("/out/{path:path}", output_file),
        Route("/feeds", feeds_page),
        Route("/search", search_page),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
    ]


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


# --- pages ------------------------------------------------------------------------


def draft_context(web: Web, draft: Draft | None, *, show_unplaced: bool) -> dict[str, Any]:
    config = web.config
    placed = [i for s in draft.sections for i in s.items] if draft else []
    return {
        "draft": draft,
        "sections": config.sections,
        "section_titles": {s.key: s.title for s in config.sections},
        "mention": mention_section(config),
        "show_unplaced": show_unplaced,
        "approved_count": sum(1 for i in placed if i.status == ItemStatus.APPROVED),
        "placed_count": len(placed),
    }


UNPLACED_PAGE = 100


async def draft_page(
    web: Web, request: Request, *, status: int = 200, messages: list[list[str]] | None = None
) -> HTMLResponse:
    draft = await web.run(lambda s: drafting.current_draft(s, web.config))
    show = request.query_params.get("show") == "unplaced"
    limit = request.query_params.get("limit", "")
    # The unplaced list is paged: hundreds of candidates would make the page slow to use.
    unplaced_limit = min(int(limit), 5000) if limit.isdigit() else UNPLACED_PAGE
    return render(web, request, "draft.html.j2", status=status, messages=messages or [],
                  unplaced_limit=unplaced_limit,
                  **draft_context(web, draft, show_unplaced=show))  # fmt: skip


async def index(request: Request) -> Response:
    return await draft_page(web_of(request), request)


async def issues_page(request: Request) -> Response:
    web = web_of(request)
    issues = await web.run(lambda s: s.issues())
    files = {i.number: outputs.files_of(web.out_dir, i.number) for i in issues}
    return render(web, request, "issues.html.j2", issues=issues, files=files,
                  site_files=outputs.site_files(web.out_dir))  # fmt: skip


async def feeds_page(request: Request) -> Response:
    web = web_of(request)
    rows = await web.run(lambda s: s.feed_health(now=web.clock()))
    return render(web, request, "feeds.html.j2", rows=rows)


def since(web: Web) -> datetime:
    return web.clock() - timedelta(days=max(web.config.rank.window_days, 7) * 4)


async def search_page(request: Request) -> Response:
    web = web_of(request)
    query = request.query_params.get("q", "")[:200]
    hits = await web.run(lambda s: search_entries(s, query, since=since(web))) if query else []
    return render(web, request, "search.html.j2", query=query, hits=hits)


async def refresh_status(request: Request) -> Response:
    web = web_of(request)
    status = web.refresh.status
    if request.query_params.get("format") == "json" or wants_json(request):
        return JSONResponse(status.as_json())
    return render(web, request, "refresh.html.j2", job=status)


async def output_file(request: Request) -> Response:
    web = web_of(request)
    found = outputs.resolve(web.out_dir, request.path_params["path"])
    if found is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    path, media_type = found
    return Response(await run_in_threadpool(path.read_bytes), media_type=media_type,
                    headers={"content-security-policy": outputs.CSP})  # fmt: skip


# --- actions ------------------------------------------------------------------------


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def decide(request: Request) -> Response:
    web = web_of(request)
    form = await form_of(request)
    back = safe_next(form.get("next"))
    try:
        _, count = await web.run(lambda s: apply_item_form(s, web.config, form, now=web.clock()))
    except ConflictError as e:
        if wants_json(request):
            return JSONResponse({"error": error_text(e)}, status_code=409)
        text = f"This item was changed elsewhere; reload the page. {error_text(e)}"
        return await draft_page(web, request, status=409, messages=[["error", text]])
    except (StorageBusyError, StorageUnavailableError):  # a 503 page (web.app)
        raise
    except DigestError as e:
        if wants_json(request):
            return JSONResponse({"error": error_text(e)}, status_code=400)
        return redirect(web, back, ("error", error_text(e)))
    if wants_json(request):
        return JSONResponse({"ok": True, "decisions": count})
    done = f"{form.get('op', 'change')}: saved" if count else "nothing changed"
    return redirect(web, back, ("ok", done))


async def simple_action(request: Request, label: str, fn: Action) -> Response:
    """Run a draft-wide action; its result or error becomes a flash message."""
    web = web_of(request)
    form = await form_of(request)
    try:
        text = await web.run(lambda s: fn(web, s, form))
    except (StorageBusyError, StorageUnavailableError):  # a 503 page (web.app)
        raise
    except DigestError as e:
        return redirect(web, form.get("next"), ("error", f"{label}: {error_text(e)}"))
    return redirect(web, form.get("next"), ("ok", text))


def approve(web: Web, store: Store, form: dict[str, str]) -> str:
    draft = drafting.approve_draft(store, web.config, now=web.clock(),
                                   all_items=form.get("all_items") == "1")  # fmt: skip
    return f"draft {draft.key} approved"


def reopen(web: Web, store: Store, form: dict[str, str]) -> str:
    return f"draft {drafting.reopen_draft(store, web.config, now=web.clock()).key} reopened"


def rebuild(web: Web, store: Store, form: dict[str, str]) -> str:
    draft = drafting.build_draft(store, web.config, now=web.clock())
    return f"draft {draft.key} rebuilt: {sum(len(s.items) for s in draft.sections)} items placed"


def publish(web: Web, store: Store, form: dict[str, str]) -> str:
    files = publishing.publish(store, web.config, now=web.clock(), out_dir=web.out_dir)
    return f"published {files.html.relative_to(web.out_dir).as_posix()}"


def add(web: Web, store: Store, form: dict[str, str]) -> str:
    added = add_url(store, web.config, form.get("url", ""), now=web.clock(),
                    section=form.get("section") or None)  # fmt: skip
    if added.already:
        return f"already in the draft ({added.status.value}): {added.title}"
    return f"added and approved: {added.title}"


async def start_refresh(request: Request) -> Response:
    web = web_of(request)
    form = await form_of(request)
    try:
        await run_in_threadpool(lambda: web.refresh.start(due_only=form.get("all") != "1"))
    except (StorageBusyError, StorageUnavailableError):  # a 503 page (web.app)
        raise
    except DigestError as e:
        text = "a fetch is already running" if e.code == "lease_held" else error_text(e)
        return redirect(web, "/refresh/status", ("error", text))
    return redirect(web, "/refresh/status", ("ok", "refresh started"))
