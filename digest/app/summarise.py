"""Summarise: give every entry of the ranking window a summary, fetching and
extracting the article page where the feed only carries a teaser.

Article pages go through the guarded client (digest.fetch.http) and trafilatura runs
in workers (digest.extract.article); a page that fails only costs that entry its
article (its summary says why). It does not fetch feeds (digest.app.refresh) nor rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from digest.app.refresh import ProgressFn
from digest.errors import DigestError, FetchError
from digest.extract.summarize import needs_article, summarize
from digest.fetch.guard import Purpose
from digest.fetch.http import fetch_pages, make_guard
from digest.store import Store
from digest.types import Article, Config, Entry, Summary

__all__ = ["summarise_pending"]

SAVE_SLICE = 200  # summaries per transaction: tens of milliseconds of write lock


def summarise_pending(
    store: Store, config: Config, *, now: datetime, progress: ProgressFn | None = None
) -> int:
    """Give every entry of the window a summary, fetching article pages for teasers."""
    entries = store.entries_since(now - timedelta(days=config.rank.window_days))
    have = store.summaries_for(entries)
    todo = [e for e in entries if e.id not in have]
    if not todo:
        return 0
    articles = _articles_for(todo, config, progress)
    rank = config.rank
    made = [
        (e, _summary_for(e, articles.get(e.id), rank.summary_min_words, rank.summary_max_words),
         a.text if isinstance(a := articles.get(e.id), Article) else None)
        for e in todo
    ]  # fmt: skip
    # In slices, each its own short transaction: thousands of summaries (and their
    # search index) in one would hold the write lock for seconds, and an editor's
    # decision on the review page would wait for it.
    for start in range(0, len(made), SAVE_SLICE):
        store.save_summaries(made[start : start + SAVE_SLICE], now=now)
    return len(todo)


def _summary_for(
    entry: Entry, article: Article | DigestError | None, min_words: int, max_words: int
) -> Summary:
    if isinstance(article, DigestError):
        note = f"article: {article.code}"
        return summarize(entry, None, min_words=min_words, max_words=max_words, note=note)
    return summarize(entry, article, min_words=min_words, max_words=max_words)


def _articles_for(
    entries: Sequence[Entry], config: Config, progress: ProgressFn | None
) -> dict[int, Article | DigestError]:
    wanted = [
        e for e in entries if (src := config.source(e.feed_url)) and needs_article(e, src.extract)
    ]
    if not wanted:
        return {}
    if progress:
        progress("articles", 0, len(wanted))
    pages = fetch_pages(
        [e.link or "" for e in wanted],
        config.fetch,
        guard=make_guard(config.fetch, purpose=Purpose.CONTENT),  # links written by the feed
    )
    out: dict[int, Article | DigestError] = {}
    bodies = []
    for entry, page in zip(wanted, pages, strict=True):
        if isinstance(page, FetchError):
            out[entry.id] = page  # the FetchError itself
        else:
            bodies.append((entry, page))
    from digest.extract.article import extract_articles

    extracted = extract_articles(
        [(p.final_url, p.body, p.headers.get("content-type", "text/html")) for _, p in bodies]
    )
    for (entry, _), value in zip(bodies, extracted, strict=True):
        out[entry.id] = value
    if progress:
        progress("articles", len(wanted), len(wanted))
    return out
