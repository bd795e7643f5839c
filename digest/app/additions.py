""" "Add an item by URL": fetch the page through the guarded client, extract it,
store it as an entry of the editor's pseudo-feed (digest.store.manual), rebuild this
week's draft and approve the item, so it shows up at once. The review page's "Add"
form and `digest draft add URL` both call :func:`add_url`.

A URL already in this week's draft is reported as such and nothing is fetched or
changed. This module does not decide where an item ranks: the rebuild does, unless the
editor names a section.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digest.app import drafting
from digest.errors import ExtractError, FetchError, ReviewError
from digest.extract.blocks import word_count
from digest.extract.summarize import summarize
from digest.fetch.guard import Purpose
from digest.fetch.http import fetch_pages, make_guard
from digest.identity import canonical_url
from digest.sanitize import safe_url
from digest.store import Store
from digest.store.manual import add_manual_entry
from digest.types import (
    Action,
    Article,
    Config,
    Draft,
    DraftItem,
    DraftStatus,
    Entry,
    EntryData,
    ItemStatus,
)

__all__ = ["Added", "add_url"]

log = logging.getLogger("digest.app.additions")

MAX_URL = 2000
KEPT_PARAGRAPHS = 12  # of the article text, stored as the entry's content


@dataclass(frozen=True)
class Added:
    """The draft item a URL ended up as."""

    key: str
    title: str
    status: ItemStatus
    handle: int  # its number in the draft (`digest approve N`, #N on the page)
    section: str | None  # the section it is placed in; None when it is not placed
    already: bool = False  # the URL was in the draft already: nothing was changed


def add_url(
    store: Store, config: Config, url: str, *, now: datetime, section: str | None = None
) -> Added:
    """Add the page at ``url`` to this week's draft, approved (and moved to ``section``,
    a key, title or alias, when given).

    Raises ReviewError (bad URL, unknown section, draft not open), BlockedAddressError
    (private address), FetchError (the fetch failed) or ExtractError (no article text)."""
    wanted = _checked_url(url)
    target = _section_key(config, section)
    current = drafting.current_draft(store, config, key=drafting.week_of(now)[0])
    found = _in_draft(current, wanted)
    if current is not None and found is not None:
        return _added(current, found.key, already=True)
    if current is not None and current.status != DraftStatus.DRAFT:
        raise ReviewError(f"draft {current.key} is {current.status.value}; nothing was added",
                          hint="run `digest draft reopen` to change it")  # fmt: skip
    article = _fetch_article(wanted, config)
    entry = _store_page(store, config, article, wanted, now=now)
    draft = drafting.build_draft(store, config, now=now)
    item = next((i for i in draft.items() if entry.id in {e.id for e in i.candidate.story.entries}),
                None)  # fmt: skip
    if item is None:
        raise ReviewError(
            "the page was stored but is not in this week's draft",
            hint="its date may be outside the ranking window",
        )
    draft = drafting.decide(store, config, Action.APPROVE, item.key, now=now, draft_key=draft.key)
    if target is not None:
        draft = drafting.decide(store, config, Action.MOVE, item.key, target, now=now,
                                draft_key=draft.key)  # fmt: skip
    log.info("editor added %s as %s", wanted, item.key)
    return _added(draft, item.key, already=False)


def _store_page(
    store: Store, config: Config, article: Article, url: str, *, now: datetime
) -> Entry:
    """The page as an entry of the editor's pseudo-feed, with its summary."""
    published = _published(article, now=now, window_days=config.rank.window_days)
    entry = add_manual_entry(store, _entry_data(article, url, published), now=now)
    rank = config.rank
    summary = summarize(
        entry, article, min_words=rank.summary_min_words, max_words=rank.summary_max_words
    )
    store.save_summaries([(entry, summary, article.text)], now=now)
    return entry


def _added(draft: Draft, key: str, *, already: bool) -> Added:
    item = draft.item(key)
    if item is None:  # only if another tab rebuilt the draft in between
        raise ReviewError(f"item {key} is no longer in draft {draft.key}", hint="try again")
    placed = next((s.config.key for s in draft.sections if item in s.items), None)
    return Added(item.key, item.title, item.status, item.handle, placed, already)


def _checked_url(url: str) -> str:
    text = url.strip()
    checked = safe_url(text) if len(text) <= MAX_URL else None
    if checked is None or checked.startswith("mailto:"):
        raise ReviewError(f"not a web address: {text[:100]!r}", hint="paste an http(s) URL")
    return checked


def _section_key(config: Config, section: str | None) -> str | None:
    """The key of the section the editor named; checked before anything is fetched."""
    if section is None:
        return None
    found = config.section(section)
    if found is None:
        keys = ", ".join(s.key for s in config.sections)
        raise ReviewError(f"unknown section {section!r}", hint=f"use one of: {keys}")
    return found.key


def _in_draft(draft: Draft | None, url: str) -> DraftItem | None:
    """The draft's item that already links to ``url`` (compared canonically)."""
    if draft is None:
        return None
    wanted = canonical_url(url) or url
    for item in draft.items():
        story = item.candidate.story
        links = [x.url for x in story.links] + [e.link for e in story.entries if e.link]
        if any((canonical_url(link) or link) == wanted for link in links):
            return item
    return None


def _fetch_article(url: str, config: Config) -> Article:
    # Here, not at the top: trafilatura takes a third of a second to import, and every
    # `digest` command imports this module (through `digest draft add`).
    from digest.extract.article import extract_articles

    guard = make_guard(config.fetch, purpose=Purpose.EDITOR, feeds=[url])  # the editor typed it
    page = fetch_pages([url], config.fetch, guard=guard)[0]
    if isinstance(page, FetchError):  # the error itself: its class, code, status, url
        page.message = f"could not fetch {url}: {page.message}"
        raise page
    content_type = page.headers.get("content-type", "text/html")
    result = extract_articles([(page.final_url, page.body, content_type)])[0]
    if isinstance(result, ExtractError):
        raise result
    return result


def _published(article: Article, *, now: datetime, window_days: int) -> datetime | None:
    """The page's own date (article:published_time and the like) when it falls in the
    ranking window; otherwise None, so the page ranks as seen now: an editor adding an
    older page still wants it in this week's issue."""
    if not article.date:
        return None
    try:
        day = datetime.fromisoformat(article.date).replace(tzinfo=UTC)
    except ValueError:
        return None
    return day if now - timedelta(days=window_days) <= day <= now else None


def _entry_data(article: Article, url: str, published: datetime | None = None) -> EntryData:
    paragraphs = [p.strip() for p in article.text.split("\n") if p.strip()][:KEPT_PARAGRAPHS]
    content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    title = " ".join((article.title or "").split()) or url
    link = article.url or url
    return EntryData(
        guid=f"manual:{canonical_url(link) or link}",
        link=link,
        title=title,
        authors=(article.author,) if article.author else (),
        published=published,
        content_html=content,
        extra={"added_by": "editor", "words": str(word_count(article.text))}
        | ({"page_date": article.date} if article.date else {}),
    )
