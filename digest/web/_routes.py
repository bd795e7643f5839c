"""The review app's routes: pages (GET) and actions (POST -> 303 or 409), each a few
lines over a use case of digest.app. Responses are built with digest.web._base; no
route talks to a stage or renders an issue itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from digest.app import drafting, publishing
from digest.app.additions import add_url
from digest.app.preview import Preview, preview_issue
from digest.app.words import WORDS, set_words, words_with_defaults
from digest.draft.review import describe, merged_host
from digest.errors import ConflictError, DigestError, StorageBusyError, StorageUnavailableError
from digest.store import Store
from digest.store.manual import MANUAL_FEED
from digest.types import Action as DecisionAction
from digest.types import Decision, Draft, DraftItem, ItemStatus
from digest.web import _outputs as outputs
from digest.web._base import Web, error_text, redirect, render, wants_json
from digest.web._forms import apply_item_form, mention_section, neighbour
from digest.web._search import SearchHit, search_entries
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
        Route("/bulk", bulk, methods=["POST"]),
        Route("/split", split_action, methods=["POST"]),
        post("/draft/approve", "approve", approve),
        post("/draft/reopen", "reopen", reopen),
        post("/draft/build", "rebuild", rebuild),
        post("/draft/words", "issue words", issue_words),
        Route("/publish", publish_action, methods=["POST"]),
        Route("/add", add_action, methods=["POST"]),
        Route("/refresh", start_refresh, methods=["POST"]),
        Route("/refresh/status", refresh_status),
        Route("/issues", issues_page),
        Route("/preview", preview_page),
        # Beside the published files, so the page's relative links reach the archive.
        Route("/out/issues/{number:int}/preview.html", preview_file),
        Route("/out/issues/{number:int}/email-preview.html", preview_file),
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
        "pending_count": sum(1 for i in placed if i.status == ItemStatus.PENDING),
        "placed_count": len(placed),
        "words": words_with_defaults(draft, config) if draft else None,
    }


UNPLACED_PAGE = 100


@dataclass(frozen=True)
class PageView:
    """How the editor looks at the draft, kept in the query string so every action
    comes back to the same view: unplaced shown (and how many), pending only, every
    item expanded."""

    show_unplaced: bool = False
    limit: int = UNPLACED_PAGE
    pending_only: bool = False
    full: bool = False

    @classmethod
    def of(cls, query: Mapping[str, str]) -> PageView:
        limit = query.get("limit", "")
        # The unplaced list is paged: thousands of candidates would make the page slow.
        return cls(
            show_unplaced=query.get("show") == "unplaced",
            limit=min(int(limit), 5000) if limit.isdigit() and int(limit) > 0 else UNPLACED_PAGE,
            pending_only=query.get("filter") == "pending",
            full=query.get("view") == "full",
        )

    def url(self) -> str:
        query = {
            "show": "unplaced" if self.show_unplaced else None,
            "limit": str(self.limit)
            if self.show_unplaced and self.limit != UNPLACED_PAGE
            else None,
            "filter": "pending" if self.pending_only else None,
            "view": "full" if self.full else None,
        }
        given = {k: v for k, v in query.items() if v is not None}
        return "/?" + urlencode(given) if given else "/"

    def links(self) -> dict[str, str]:
        return {
            "pending": replace(self, pending_only=True).url(),
            "every": replace(self, pending_only=False).url(),
            "full": replace(self, full=True).url(),
            "compact": replace(self, full=False).url(),
            "unplaced": replace(self, show_unplaced=True).url(),
            "more": replace(self, show_unplaced=True, limit=self.limit + UNPLACED_PAGE).url(),
        }


async def draft_page(
    web: Web,
    request: Request,
    *,
    status: int = 200,
    messages: list[list[str]] | None = None,
    typed: dict[str, dict[str, str]] | None = None,
    back: str | None = None,
) -> HTMLResponse:
    """The draft page; ``back`` (a POST's ``next``) sets the view instead of the query."""
    draft = await web.run(lambda s: drafting.current_draft(s, web.config))
    view = PageView.of(request.query_params if back is None else _query_of(back))
    visible_keys = {i.key for i in _visible_items(draft, view.url())} if draft else set()
    # An item whose form was refused is shown even when the view hides it: it holds
    # the editor's typed text.
    aside = [draft.item(k) for k in (typed or {}) if k not in visible_keys] if draft else []
    visible_keys |= {i.key for i in aside if i is not None}
    return render(web, request, "draft.html.j2", status=status, messages=messages or [],
                  unplaced_limit=view.limit, typed=typed or {}, visible_keys=visible_keys,
                  here=view.url(), urls=view.links(), pending_only=view.pending_only,
                  full_view=view.full, aside=[i for i in aside if i is not None],
                  **draft_context(web, draft, show_unplaced=view.show_unplaced))  # fmt: skip


async def index(request: Request) -> Response:
    return await draft_page(web_of(request), request)


async def issues_page(request: Request) -> Response:
    web = web_of(request)
    issues = await web.run(lambda s: s.issues())
    files = {i.number: outputs.files_of(web.out_dir, i.number) for i in issues}
    folders = {e.language: e.path for e in web.config.editions}
    translated = {i.number: outputs.edition_pages(web.out_dir, i.number, folders) for i in issues}
    given = request.query_params.get("published", "")
    published = next((i for i in issues if given.isdigit() and i.number == int(given)), None)
    return render(web, request, "issues.html.j2", issues=issues, files=files,
                  translated=translated, site_files=outputs.site_files(web.out_dir),
                  published=published)  # fmt: skip


async def feeds_page(request: Request) -> Response:
    web = web_of(request)
    health = await web.run(lambda s: s.feed_health(now=web.clock()))
    rows = [r for r in health if r.url != MANUAL_FEED]  # the editor's pages are no feed
    return render(web, request, "feeds.html.j2", rows=rows)


def since(web: Web) -> datetime:
    return web.clock() - timedelta(days=max(web.config.rank.window_days, 7) * 4)


async def search_page(request: Request) -> Response:
    web = web_of(request)
    query = request.query_params.get("q", "")[:200]

    def work(store: Store) -> tuple[list[SearchHit], Draft | None]:
        found = search_entries(store, query, since=since(web)) if query else []
        return found, drafting.current_draft(store, web.config) if found else None

    hits, draft = await web.run(work)
    # Each hit already in the draft is named there (#N, status); the others can be added.
    in_draft = {
        e.id: i for i in (draft.items() if draft else ()) for e in i.candidate.story.entries
    }
    here = "/search?" + urlencode({"q": query})
    return render(web, request, "search.html.j2", query=query, hits=hits, draft=draft,
                  in_draft=in_draft, here=here)  # fmt: skip


async def _preview(web: Web) -> tuple[Preview, str]:
    def work(store: Store) -> tuple[Preview, str]:
        status = drafting.require_draft(store, web.config).status.value
        return preview_issue(store, web.config, now=web.clock()), status

    return await web.run(work)


async def preview_page(request: Request) -> Response:
    """What publishing will do, the contents, the e-mail's text, and the button."""
    web = web_of(request)
    try:
        preview, status = await _preview(web)
    except StorageBusyError:
        raise
    except DigestError as e:
        return redirect(web, "/", ("error", f"Nothing to preview: {error_text(e)}"))
    return render(web, request, "preview.html.j2", preview=preview, draft_status=status)


async def preview_file(request: Request) -> Response:
    """The issue page or the e-mail as they will go out, under the output files' CSP."""
    web = web_of(request)
    try:
        preview, _ = await _preview(web)
    except StorageBusyError:
        raise
    except DigestError as e:
        return Response(error_text(e), status_code=409, media_type="text/plain")
    if request.path_params["number"] != preview.issue.number:
        text = f"The draft would be issue #{preview.issue.number}: see /preview."
        return Response(text, status_code=404, media_type="text/plain")
    email = request.url.path.endswith("/email-preview.html")
    body = preview.email_html if email else preview.page_html
    return Response(body, media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": outputs.CSP})  # fmt: skip


async def refresh_status(request: Request) -> Response:
    web = web_of(request)
    status = web.refresh.status
    if request.query_params.get("format") == "json" or wants_json(request):
        return JSONResponse(status.as_json())
    return render(web, request, "refresh.html.j2", job=status)


async def output_file(request: Request) -> Response:
    web = web_of(request)
    folders = {e.path for e in web.config.editions}
    found = outputs.resolve(web.out_dir, request.path_params["path"], folders)
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
    except (StorageBusyError, StorageUnavailableError):  # a 503 page (web.app)
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
    shown = {i.key for i in _visible_items(done.after, back)}
    where = key if key in shown else (neighbour(done.before, key, shown.__contains__) or "")
    return redirect(web, _at(back, where), ("ok", _sentence("; ".join(texts)), where))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _at(back: str, key: str) -> str:
    """``back`` with its fragment pointing at item ``key`` (or none)."""
    base = back.split("#", 1)[0]
    return f"{base}#item-{key}" if key else base


def _query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _visible_items(draft: Draft, back: str) -> list[DraftItem]:
    """The items the page at ``back`` renders (messages about others go to the top)."""
    view = PageView.of(_query_of(back))
    placed = [i for s in draft.sections for i in s.items]
    unplaced = list(draft.unplaced[: view.limit]) if view.show_unplaced else []
    if view.pending_only:
        return [i for i in placed + unplaced if i.status == ItemStatus.PENDING]
    return placed + unplaced


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
    typed = {key: {"title": form.get("title", ""), "summary": form.get("summary", ""),
                   "links": form.get("links", "")}}  # fmt: skip
    if form.get("op") != "edit":
        typed = {key: {}}  # nothing typed, but the item is shown with the message
    return await draft_page(
        web, request, status=409, messages=[["error", text, key]], typed=typed,
        back=safe_next(form.get("next")),
    )  # fmt: skip


async def undo(request: Request) -> Response:
    """Revoke the last decision (or the last ``count``, after a bulk action); the
    page lands on the item it restored."""
    web = web_of(request)
    form = await form_of(request)
    back = safe_next(form.get("next"))
    given = form.get("count", "1")
    count = min(int(given), MAX_BULK) if given.isdigit() and int(given) > 0 else 1
    try:
        undone, after = await web.run(
            lambda s: drafting.undo(s, web.config, now=web.clock(), count=count)
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
    key, text = undone[-1].item_key, _sentence("undone: " + "; ".join(texts))
    if after.item(key) not in _visible_items(after, back):
        return redirect(web, back, ("ok", text))
    return redirect(web, _at(back, key), ("ok", text, key))


MAX_BULK = 500
BULK_OPS = {"approve": DecisionAction.APPROVE, "reject": DecisionAction.REJECT,
            "reset": DecisionAction.RESET, "move": DecisionAction.MOVE,
            "merge": DecisionAction.MERGE}  # fmt: skip


def _named(item: DraftItem | None) -> str:
    return f"#{item.handle} \u201c{item.title}\u201d" if item else "an item"


async def split_action(request: Request) -> Response:
    """Split a merged item out of the story it joined; the page lands on it."""
    web = web_of(request)
    form = await form_of(request)
    back, key = safe_next(form.get("next")), form.get("item", "")

    def work(store: Store) -> tuple[DraftItem, DraftItem, Draft]:
        found = merged_host(drafting.require_draft(store, web.config), key)
        after = drafting.decide(store, web.config, DecisionAction.SPLIT, key, now=web.clock())
        assert found is not None  # decide refuses a key that is not merged
        return found[0], found[1], after

    try:
        host, guest, after = await web.run(work)
    except StorageBusyError:
        raise
    except DigestError as e:
        return redirect(web, back, ("error", error_text(e)))
    text = f"Split {_named(guest)} from {_named(host)}."
    if key not in {i.key for i in _visible_items(after, back)}:
        return redirect(web, _at(back, host.key), ("ok", text, host.key))
    return redirect(web, _at(back, key), ("ok", text, key))


async def bulk(request: Request) -> Response:
    """One decision per selected item (``key@version`` each, guarded like a single
    action); the answer names every item, and its Undo reverts them all."""
    web = web_of(request)
    form = await request.form()
    back = safe_next(str(form.get("next") or "/"))
    op = BULK_OPS.get(str(form.get("op") or ""))
    picked = [str(v).rpartition("@") for v in form.getlist("items")][:MAX_BULK]
    if op is None or not picked:
        return redirect(web, back, ("error", "Select some items and an action first."))
    value = str(form.get("section") or "") if op == DecisionAction.MOVE else None
    if op == DecisionAction.MERGE:
        if len(picked) < 2:
            return redirect(web, back, ("error", "Select two or more items to merge."))
        value, _, _ = picked[0]  # the others join the first selected, in page order
        picked = picked[1:]

    def work(store: Store) -> tuple[list[str], list[str], Draft, Draft]:
        before, done, stale = drafting.require_draft(store, web.config), [], []
        for key, _, version in picked:
            guard = int(version) if version.isdigit() else None
            try:
                drafting.decide(store, web.config, op, key, value, now=web.clock(),
                                expected_version=guard)  # fmt: skip
            except ConflictError:
                stale.append(key)
                continue
            done.append(key)
        return done, stale, before, drafting.require_draft(store, web.config)

    try:
        done, stale, before, after = await web.run(work)
    except StorageBusyError:
        raise
    except DigestError as e:
        return redirect(web, back, ("error", error_text(e)))
    now = web.clock()
    texts = [describe(Decision(after.key, k, op, value, now), after.item(k), web.config)
             for k in done]  # fmt: skip
    if op == DecisionAction.MERGE and value is not None and (host := after.item(value)):
        texts = [f"merged {', '.join(_named(before.item(k)) for k in done)} into {_named(host)}"]
    text = _sentence("; ".join(texts)) if texts else "Nothing changed."
    if stale:
        names = ", ".join(f"#{i.handle}" for k in stale if (i := after.item(k)))
        text += f" Not changed, because changed elsewhere since you loaded the page: {names}."
    shown = {i.key for i in _visible_items(after, back)}
    key = value if op == DecisionAction.MERGE and value in shown else None
    key = key or next((k for k in done if k in shown), None)
    if key is None and done:  # they all left the view: land after the last of them
        key = neighbour(before, done[-1], shown.__contains__)
    if not key:
        return redirect(web, back, ("ok" if done else "error", text))
    return redirect(web, _at(back, key), ("ok", text, key, str(len(done))))


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


def issue_words(web: Web, store: Store, form: dict[str, str]) -> str:
    wanted = {name: form[name] for name in WORDS if name in form}
    _, changed = set_words(store, web.config, wanted, now=web.clock())
    return f"issue {', '.join(changed)} saved" if changed else "nothing changed"


async def publish_action(request: Request) -> Response:
    """Publish, then show the issues page with a link to the issue just published."""
    web = web_of(request)
    form = await form_of(request)

    def work(store: Store) -> int:
        publishing.publish(store, web.config, now=web.clock(), out_dir=web.out_dir)
        issue = store.issue_for_draft(drafting.require_draft(store, web.config).key)
        assert issue is not None  # publish just stored it
        return issue.number

    try:
        number = await web.run(work)
    except StorageBusyError:
        raise
    except DigestError as e:
        return redirect(web, form.get("next"), ("error", f"publish: {error_text(e)}"))
    return redirect(web, f"/issues?published={number}")


async def add_action(request: Request) -> Response:
    """Add by URL; the answer names the item and shows beside it, where the page lands."""
    web = web_of(request)
    form = await form_of(request)
    back = safe_next(form.get("next"))
    try:
        added = await web.run(lambda s: add_url(s, web.config, form.get("url", ""),
                                                now=web.clock(),
                                                section=form.get("section") or None))  # fmt: skip
    except StorageBusyError:
        raise
    except DigestError as e:
        return redirect(web, back, ("error", f"Add by URL: {error_text(e)}"))
    where = web.config.section(added.section) if added.section else None
    place = f"in {where.title}" if where else "not placed in a section"
    name = f"#{added.handle} \u201c{added.title}\u201d"
    if added.already:
        text = f"Already in the draft: {name} ({added.status.value}, {place}); nothing changed."
    else:
        text = f"Added and approved: {name}, {place}."
    if added.section is None:
        return redirect(web, back, ("ok", text))
    return redirect(web, _at(back, added.key), ("ok", text, added.key))


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
