"""The translator's review page of an edition (``/editions/{language}``) and its
actions (edit, mark reviewed, machine-translate, approve, reopen), each a few lines
over digest.app.editions, with the draft page's conventions: plain form POSTs under
CSRF answered with a 303 back to the item, flash messages beside it, and a 409 that
keeps the typed text when the item changed since the page was loaded."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from digest.app import editions
from digest.errors import (
    ConflictError,
    DigestError,
    ReviewError,
    StorageBusyError,
    StorageUnavailableError,
)
from digest.limits import over_limit
from digest.sanitize import safe_url
from digest.store import Store
from digest.translate.protect import urls
from digest.types import EditionItem, EditionView, TitlePolicy, TranslationStatus
from digest.types.edition import ISSUE_TITLE
from digest.web import _outputs as outputs
from digest.web._base import Web, error_text, redirect, render
from digest.web.security import safe_next

STATUS_LABELS = {"machine": "machine draft", "reviewed": "reviewed", "stale": "stale"}
NEEDS_WORK = frozenset({TranslationStatus.MACHINE, TranslationStatus.STALE})


def routes() -> list[Route]:
    return [
        Route("/editions/{language}", page),
        Route("/editions/{language}/edit", edit, methods=["POST"]),
        Route("/editions/{language}/review", review, methods=["POST"]),
        Route("/editions/{language}/translate", translate, methods=["POST"]),
        Route("/editions/{language}/approve", approve, methods=["POST"]),
        Route("/editions/{language}/reopen", reopen, methods=["POST"]),
    ]


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def _language(web: Web, request: Request) -> str:
    """The configured spelling of the path's language (pt-br finds pt-BR), or 404."""
    edition = web.config.edition(str(request.path_params["language"]))
    if edition is None:
        known = ", ".join(e.language for e in web.config.editions) or "none"
        raise HTTPException(404, f"No such edition in feeds.yaml (editions: {known}).")
    return edition.language


# --- the page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One section of the edition: its localized and English titles, its items shown."""

    key: str
    title: str
    english: str
    items: tuple[EditionItem, ...]
    hidden: int  # reviewed items a "needs work" view leaves out


def shown_of(item: EditionItem) -> str:
    """What the page showed of an item, as a short token: an action posted from a page
    whose token no longer matches (another tab, the CLI, a new English text) is refused
    instead of overwriting."""
    seen = "\0".join((item.status.value, item.source_hash, item.title, item.summary))
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def groups(web: Web, view: EditionView, keep: Callable[[EditionItem], bool]) -> list[Group]:
    """The view's sections in the English issue's order, with the items ``keep`` wants."""
    found = []
    for section in view.sections:
        english = web.config.section(section.key)
        items = tuple(i for i in section.items if keep(i))
        found.append(Group(section.key, f"{section.icon} {section.title}".strip(),
                           english.title if english else section.key, items,
                           len(section.items) - len(items)))  # fmt: skip
    return found


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def links_in(text: str) -> list[str]:
    """The text's link targets a browser may open (http, https, mailto)."""
    return [u for u in dict.fromkeys(safe_url(u) for u in urls(text)) if u]


def here_url(language: str, *, work_only: bool, number: int | None) -> str:
    query = {"filter": "work" if work_only else None, "number": str(number) if number else None}
    given = {k: v for k, v in query.items() if v is not None}
    return f"/editions/{language}" + ("?" + urlencode(given) if given else "")


def _number(query: Mapping[str, str]) -> int | None:
    given = query.get("number", "")
    return int(given) if given.isdigit() and 0 < int(given) < 1_000_000 else None


async def edition_page(
    web: Web,
    request: Request,
    language: str,
    query: Mapping[str, str],
    *,
    status: int = 200,
    messages: Sequence[list[str]] = (),
    typed: Mapping[str, Mapping[str, str]] | None = None,
) -> HTMLResponse:
    typed = typed or {}
    work_only = query.get("filter") == "work"
    number = _number(query)
    try:
        view: EditionView | None = await web.run(
            lambda s: editions.edition_view(s, web.config, language, number=number)
        )
    except (StorageBusyError, StorageUnavailableError):
        raise
    except DigestError as e:
        view, messages = None, [*messages, ["error", error_text(e)]]

    def keep(item: EditionItem) -> bool:  # an item holding refused typed text stays shown
        return not work_only or item.status in NEEDS_WORK or item.key in typed

    counts = view.counts if view else {}
    # A published edition can be reopened, corrected and approved again: the next
    # `digest publish` republishes it.
    state = ("approved" if view.approved else "in review") if view else ""
    if view and view.published:
        state += ", published"
    here = here_url(language, work_only=work_only, number=number)
    published = _published_files(web, language, view) if view and view.published else {}
    edition = web.config.edition(language)
    machine_titles = edition is not None and edition.titles is TitlePolicy.TRANSLATE
    return render(web, request, "edition.html.j2", status=status, messages=list(messages),
                  language=language, view=view, typed=typed, work_only=work_only,
                  open=view is not None and not view.approved,
                  groups=groups(web, view, keep) if view else [], counts=counts,
                  total=len(view.items) if view else 0, state=state, here=here,
                  urls={"work": here_url(language, work_only=True, number=number),
                        "every": here_url(language, work_only=False, number=number)},
                  visible_keys={i.key for i in view.items} if view else set(),
                  heading=view.issue_title if view and keep(view.issue_title) else None,
                  machine_titles=machine_titles,
                  status_labels=STATUS_LABELS, shown_of=shown_of, paragraphs=paragraphs,
                  links_in=links_in, published=published)  # fmt: skip


def _published_files(web: Web, language: str, view: EditionView) -> dict[str, str]:
    """Label -> output name of the edition's issue and feeds, in its own folder."""
    edition = web.config.edition(language)
    folder = edition.path if edition else language.lower()
    found = outputs.files_of(web.out_dir, view.number, folder)
    return found | outputs.site_files(web.out_dir, folder)


async def page(request: Request) -> Response:
    web = _web(request)
    return await edition_page(web, request, _language(web, request), request.query_params)


# --- actions ------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _posted(request: Request) -> tuple[Web, str, dict[str, str], str, str, int | None]:
    """What every action reads from its request: the app, the edition's language, the
    form, the page to go back to, the item the button belongs to ("" for none) and the
    issue's number."""
    web = _web(request)
    language = _language(web, request)
    form = await _form(request)
    return web, language, form, safe_next(form.get("next")), form.get("item", ""), _number(form)


def _at(back: str, key: str) -> str:
    base = back.split("#", 1)[0]
    return f"{base}#tr-{key}" if key else base


def _named(item: EditionItem) -> str:
    """#N “Title”; the handle is 0 once the English draft is gone (an old issue)."""
    title = f"\u201c{item.title or item.source_title}\u201d"
    if item.key == ISSUE_TITLE:
        return f"the issue title {title}"
    return f"#{item.handle} {title}" if item.handle else title


ItemAction = Callable[[Store, Web, str, str, dict[str, str], int | None], EditionItem]


def _check_shown(store: Store, web: Web, language: str, key: str, form: Mapping[str, str],
                 number: int | None) -> None:  # fmt: skip
    """Refuse (ConflictError) when the item is no longer what the page showed."""
    view = editions.edition_view(store, web.config, language, number=number)
    item = view.item(key)
    if item is None:
        raise ConflictError("that item is no longer in the English issue", hint="reload the page")
    if form.get("shown") and form["shown"] != shown_of(item):
        what = ("its English text changed" if item.status is TranslationStatus.STALE
                else f"it is now {STATUS_LABELS[item.status.value]}")  # fmt: skip
        raise ConflictError(f"Not saved: {_named(item)} was changed elsewhere ({what}).",
                            hint="check it below and act again")  # fmt: skip


async def item_action(request: Request, fn: ItemAction, done: str) -> Response:
    """Run ``fn`` on the form's item; land on it (or, when it left a "needs work" view,
    on the next item that needs work)."""
    web, language, form, back, key, number = await _posted(request)

    def work(store: Store) -> tuple[EditionItem, EditionView]:
        _check_shown(store, web, language, key, form, number)
        item = fn(store, web, language, key, form, number)
        return item, editions.edition_view(store, web.config, language, number=number)

    try:
        item, view = await web.run(work)
    except (StorageBusyError, StorageUnavailableError):
        raise
    except DigestError as e:
        typing = "title" in form or "summary" in form  # an edit form (the issue's: a title)
        if not isinstance(e, ConflictError) and not typing:
            return redirect(web, _at(back, key), ("error", error_text(e), key))
        # Refused with text typed (or by a newer state): the page in place, the text kept.
        typed = {key: {"title": form.get("title", ""), "summary": form.get("summary", "")}}
        kept = " Your typed text is kept in its form." if typing else ""
        status = 409 if isinstance(e, ConflictError) else 400
        return await edition_page(web, request, language, _query(back), status=status,
                                  messages=[["error", error_text(e) + kept, key]],
                                  typed=typed if kept else {})  # fmt: skip
    where = key
    if "filter=work" in back and item.status not in NEEDS_WORK:
        where = _next_needing_work(view, key)
    text = done.format(item=_named(item), status=STATUS_LABELS[item.status.value])
    return redirect(web, _at(back, where), ("ok", text, where) if where == key else ("ok", text))


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _next_needing_work(view: EditionView, key: str) -> str:
    keys = [i.key for i in view.items]
    at = keys.index(key) if key in keys else -1
    later = [i for i in view.items[at + 1 :] if i.status in NEEDS_WORK]
    earlier = [i for i in view.items[:at] if i.status in NEEDS_WORK]
    return next((i.key for i in later + earlier), "")


def _version(form: Mapping[str, str]) -> int | None:
    given = form.get("version", "")
    return int(given) if given.isdigit() else None


def _edit(store: Store, web: Web, language: str, key: str, form: dict[str, str],
          number: int | None) -> EditionItem:  # fmt: skip
    title = " ".join(form.get("title", "").split())
    # The issue title's form has no summary field: None leaves the summary alone.
    summary = form["summary"].replace("\r\n", "\n").strip() if "summary" in form else None
    for name, text in (("title", title), ("summary", summary or "")):
        if problem := over_limit(name, text):  # the page's maxlength is only a hint
            raise ReviewError(problem, hint=f"shorten the {name}")
    return editions.edit_translation(store, web.config, language, key, title=title,
                                     summary=summary, number=number, now=web.clock(),
                                     expected_version=_version(form))  # fmt: skip


def _review(store: Store, web: Web, language: str, key: str, form: dict[str, str],
            number: int | None) -> EditionItem:  # fmt: skip
    return editions.mark_reviewed(store, web.config, language, key, number=number,
                                  now=web.clock(), expected_version=_version(form))  # fmt: skip


async def edit(request: Request) -> Response:
    return await item_action(request, _edit, "Saved {item}: {status}.")


async def review(request: Request) -> Response:
    return await item_action(request, _review, "Marked {item} {status}.")


EditionAction = Callable[[Store, Web, str, int | None], str]


async def edition_action(request: Request, fn: EditionAction, label: str) -> Response:
    """An edition-wide action; its answer or error is a flash message at the top (or
    beside the item whose button was pressed)."""
    web, language, _, back, key, number = await _posted(request)
    try:
        text = await web.run(lambda s: fn(s, web, language, number))
    except (StorageBusyError, StorageUnavailableError):
        raise
    except DigestError as e:
        return redirect(web, _at(back, key), ("error", f"{label}: {error_text(e)}", key) if key
                        else ("error", f"{label}: {error_text(e)}"))  # fmt: skip
    return redirect(web, _at(back, key), ("ok", text, key) if key else ("ok", text))


def _translate(store: Store, web: Web, language: str, number: int | None) -> str:
    before = editions.edition_view(store, web.config, language, number=number)
    after = editions.translate_edition(store, web.config, language, number=number,
                                       now=web.clock())  # fmt: skip
    old = {i.key: (i.machine_title, i.machine_summary) for i in before.units}
    redone = [i for i in after.units if old.get(i.key) != (i.machine_title, i.machine_summary)]
    changed = sum(1 for i in redone if i.key != ISSUE_TITLE)
    stale = sum(1 for i in after.units if i.status is TranslationStatus.STALE)
    what = f"{changed} item{'s' if changed != 1 else ''}"
    if len(redone) > changed:  # the issue title too
        what = f"{what} and the issue title" if changed else "the issue title"
    text = f"Machine-translated {what}"
    if stale:
        text += f"; {stale} stale: your translation is kept, compare it with the new draft"
    return text + "."


def _approve(store: Store, web: Web, language: str, number: int | None) -> str:
    view = editions.approve_edition(store, web.config, language, number=number, now=web.clock())
    return (f"The {language} edition of issue #{view.number} is approved: "
            "`digest publish` publishes it.")  # fmt: skip


def _reopen(store: Store, web: Web, language: str, number: int | None) -> str:
    view = editions.reopen_edition(store, web.config, language, number=number, now=web.clock())
    return f"The {language} edition of issue #{view.number} is open for review again."


async def translate(request: Request) -> Response:
    # The bundled engine runs its models on a thread of its own (translate.engine).
    return await edition_action(request, _translate, "Translate")


async def approve(request: Request) -> Response:
    return await edition_action(request, _approve, "Approve")


async def reopen(request: Request) -> Response:
    return await edition_action(request, _reopen, "Reopen")
