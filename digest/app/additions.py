""" "Add an item by pasting a URL": fetch the page through the guarded client,
extract it, store it as an entry of the editor's pseudo-feed, rebuild the draft and
approve the story, so it shows up at once."""

from __future__ import annotations

import html
import logging
from datetime import datetime

from digest.app import pipeline
from digest.errors import ExtractError, FetchError, ReviewError
from digest.extract.article import extract_articles
from digest.extract.summarize import summarize, word_count
from digest.fetch.http import fetch_pages, make_guard
from digest.identity import canonical_url
from digest.sanitize import safe_url
from digest.store import Store
from digest.store.manual import add_manual_entry
from digest.types import Action, Article, Config, EntryData

log = logging.getLogger("digest.web")

MAX_URL = 2000
KEPT_PARAGRAPHS = 12  # of the article text, stored as the entry's content


def add_url(store: Store, config: Config, url: str, *, now: datetime) -> str:
    """Add the page at ``url`` to this week's draft, approved; return its item key.

    Raises ReviewError (bad URL, draft not open), BlockedAddressError (private
    address), FetchError (the fetch failed) or ExtractError (no article text)."""
    wanted = _checked_url(url)
    article = _fetch_article(wanted, config)
    data = _entry_data(article, wanted)
    entry = add_manual_entry(store, data, now=now)
    rank = config.rank
    summary = summarize(
        entry, article, min_words=rank.summary_min_words, max_words=rank.summary_max_words
    )
    store.save_summaries([(entry, summary, article.text)], now=now)
    draft = pipeline.build_draft(store, config, now=now)
    item = next((i for i in draft.items() if entry.id in {e.id for e in i.candidate.story.entries}),
                None)  # fmt: skip
    if item is None:
        raise ReviewError(
            "the page was stored but is not in this week's draft",
            hint="its date may be outside the ranking window",
        )
    pipeline.decide(store, config, Action.APPROVE, item.key, now=now, draft_key=draft.key)
    log.info("editor added %s as %s", wanted, item.key)
    return item.key


def _checked_url(url: str) -> str:
    text = url.strip()
    checked = safe_url(text) if len(text) <= MAX_URL else None
    if checked is None or checked.startswith("mailto:"):
        raise ReviewError(f"not a web address: {text[:100]!r}", hint="paste an http(s) URL")
    return checked


def _fetch_article(url: str, config: Config) -> Article:
    page = fetch_pages([url], config.fetch, guard=make_guard(config.fetch))[0]
    if isinstance(page, FetchError):  # the error itself: its class, code, status, url
        page.message = f"could not fetch {url}: {page.message}"
        raise page
    content_type = page.headers.get("content-type", "text/html")
    result = extract_articles([(page.final_url, page.body, content_type)])[0]
    if isinstance(result, ExtractError):
        raise result
    return result


def _entry_data(article: Article, url: str) -> EntryData:
    paragraphs = [p.strip() for p in article.text.split("\n") if p.strip()][:KEPT_PARAGRAPHS]
    content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    title = " ".join((article.title or "").split()) or url
    link = article.url or url
    return EntryData(
        guid=f"manual:{canonical_url(link) or link}",
        link=link,
        title=title,
        authors=(article.author,) if article.author else (),
        published=None,  # ranked as seen now: an old page must not fall out of the window
        content_html=content,
        extra={"added_by": "editor", "words": str(word_count(article.text))}
        | ({"page_date": article.date} if article.date else {}),
    )
