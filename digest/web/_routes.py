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
from digest.draft.review import describe
from digest.errors import ConflictError, DigestError, StorageBusyError
from digest.store import Store
from digest.types import Draft, DraftItem, ItemStatus
from digest.web import _outputs as outputs
from digest.web._base import Web, error_text, redirect, render, wants_json
from digest.web._forms import apply_item_form, mention_section, neighbour
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
        Route("/undo", undo, methods=["POST"]),
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
    web: Web,
    request: Request,
    *,
    status: int = 200,
    messages: list[list[str]] | None = None,
    typed: dict[str, dict[str, str]] | None = None,
) -> HTMLResponse:
    draft = await web.run(lambda s: drafting.current_draft(s, web.config))
    show = request.query_params.get("show") == "unplaced"
    limit = request.query_params.get("limit", "")
    # The unplaced list is paged: hundreds of candidates would make the page slow to use.
    unplaced_limit = min(int(limit), 5000) if limit.isdigit() else UNPLACED_PAGE
    visible_keys = _page_keys(draft, show, unplaced_limit) if draft else set()
    return render(web, request, "draft.html.j2", status=status, messages=messages or [],
                  unplaced_limit=unplaced_limit, typed=typed or {}, visible_keys=visible_keys,
                  **draft_context(web, draft, show_unplaced=show))  # fmt: skip


def _page_keys(draft: Draft, show_unplaced: bool, limit: int) -> set[str]:
    """The items the page renders (messages about the others go to the top)."""
    unplaced = draft.unplaced[:limit] if show_unplaced else ()
    return {i.key for s in draft.sections for i in s.items} | {i.key for i in unplaced}


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
    key = form.get("item", "")
    try:
        done = await web.run(lambda s: apply_item_form(s, web.config, form, now=web.clock()))
    except ConflictError as e:
        if wants_json(request):
            return JSONResponse({"error": error_text(e)}, status_code=409)
        return await conflict_page(web, request, form)
    except StorageBusyError:
        raise
    except DigestError as e:
        if wants_json(request):
            return JSONResponse({"error": error_text(e)}, status_code=400)
        return redirect(web, _at(back, key), ("error", error_text(e), key))
    texts = [describe(d, done.after.item(d.item_key), web.config) for d in done.decisions]
    if wants_json(request):
        return JSONResponse({"ok": True, "decisions": len(texts), "done": texts})
    if not texts:
        return redirect(web, _at(back, key), ("ok", "Nothing to save: no change.", key))
    # The page lands where the editor was: on the item, or on its neighbour when the
    # item left the view (rejected, or moved out of the placed sections).
    visible = done.after.item(key) in _visible_items(done.after, back)
    where = key if visible else (neighbour(done.before, key) or "")
    return redirect(web, _at(back, where), ("ok", _sentence("; ".join(texts)), where))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _at(back: str, key: str) -> str:
    """``back`` with its fragment pointing at item ``key`` (or none)."""
    base = back.split("#", 1)[0]
    return f"{base}#item-{key}" if key else base


def _visible_items(draft: Draft, back: str) -> list[DraftItem]:
    placed = [i for s in draft.sections for i in s.items]
    return placed + list(draft.unplaced) if "show=unplaced" in back else placed


async def conflict_page(web: Web, request: Request, form: dict[str, str]) -> HTMLResponse:
    """409: the page as it is now, with the editor's typed text kept in the item's
    form and one message saying which item changed and how."""
    key = form.get("item", "")
    draft = await web.run(lambda s: drafting.current_draft(s, web.config))
    item = draft.item(key) if draft else None
    if item is None:
        text = "Not saved: this item left the draft while you were editing."
    else:
        text = (f"Not saved: #{item.handle} \u201c{item.title}\u201d was changed elsewhere "
                f"(another tab or the command line); it is now {item.status.value}. "
                "Check it below and act again.")  # fmt: skip
        if form.get("op") == "edit":
            text += " Your typed text is kept in its form."
    typed = {key: {"title": form.get("title", ""), "summary": form.get("summary", "")}}
    return await draft_page(
        web, request, status=409, messages=[["error", text, key]],
        typed=typed if form.get("op") == "edit" else {},
    )  # fmt: skip


async def undo(request: Request) -> Response:
    """Revoke the last decision; the page lands on the item it restored."""
    web = web_of(request)
    form = await form_of(request)
    back = safe_next(form.get("next"))
    try:
        undone, after = await web.run(
            lambda s: drafting.undo(s, web.config, now=web.clock(), count=1)
        )
    except StorageBusyError:
        raise
    except DigestError as e:
        if wants_json(request):
            return JSONResponse({"error": error_text(e)}, status_code=400)
        return redirect(web, back, ("error", f"Undo: {error_text(e)}"))
    texts = [describe(d, after.item(d.item_key), web.config) for d in undone]
    if wants_json(request):
        return JSONResponse({"ok": True, "undone": texts})
    key = undone[0].item_key if after.item(undone[0].item_key) else ""
    visible = after.item(key) in _visible_items(after, back)
    text = f"Undone: {texts[0]}."
    return redirect(
        web, _at(back, key if visible else ""), ("ok", text, key) if visible else ("ok", text)
    )


async def simple_action(request: Request, label: str, fn: Action) -> Response:
    """Run a draft-wide action; its result or error becomes a flash message."""
    web = web_of(request)
    form = await form_of(request)
    try:
        text = await web.run(lambda s: fn(web, s, form))
    except StorageBusyError:
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
    except StorageBusyError:
        raise
    except DigestError as e:
        text = "a fetch is already running" if e.code == "lease_held" else error_text(e)
        return redirect(web, "/refresh/status", ("error", text))
    return redirect(web, "/refresh/status", ("ok", "refresh started"))
