"""Summarise: give every entry of the ranking window a summary, fetching and
extracting the article page where the feed only carries a teaser.

Only the window's entries can become candidates (an older one never enters a draft
again), so only they are summarised and only their pages fetched; an entry that
already has a summary for its current content is left alone. The summaries are made
on both cores (digest.extract.batch), teaser detection included, in two rounds: every
entry from its feed, where a teaser answers "fetch my page first"; then those pages
are fetched (digest.fetch.http) and extracted (digest.extract.article, workers) and
their entries summarised. A page that fails only costs that entry its article (its
summary says why); an entry that makes the summariser spin or crash gets its title,
with the reason. Summaries are stored as they come, a slice a transaction, so a crash
keeps what was stored and the next run does the rest. It does not fetch feeds
(digest.app.refresh) nor rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from digest.app.refresh import ProgressFn
from digest.errors import DigestError, FetchError
from digest.extract.batch import TIMEOUT, Item, Reply, Teaser, summarize_all
from digest.extract.summarize import OWN_TEXT_KINDS
from digest.fetch.guard import Purpose
from digest.fetch.http import fetch_pages, make_guard
from digest.store import Store
from digest.types import Article, Config, Entry, ExtractPolicy, Source, Summary

__all__ = ["summarise_pending"]

SAVE_SLICE = 200  # summaries per transaction: tens of milliseconds of write lock
LOAD = 500  # entries read from the store at once


def summarise_pending(
    store: Store,
    config: Config,
    *,
    now: datetime,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    timeout: float = TIMEOUT,
    pool: bool | None = None,
) -> int:
    """Give every entry of the window a summary, fetching article pages for teasers;
    how many were made. ``workers``, ``timeout`` and ``pool`` (None: by batch size)
    go to digest.extract.batch."""
    ids = store.unsummarised_since(now - timedelta(days=config.rank.window_days))
    if not ids:
        return 0
    saver = _Saver(store, len(ids), now=now, progress=progress)
    summarize = partial(summarize_all, min_words=config.rank.summary_min_words,
                        max_words=config.rank.summary_max_words, workers=workers,
                        timeout=timeout, pool=pool)  # fmt: skip
    always: list[int] = []  # sources with `extract: always`: their pages first
    sources = {s.url: s for s in config.sources}  # Config.source() reads the list

    def first_round() -> Iterator[Item]:
        for entry in _load(store, ids):
            saver.expect(entry)
            policy = _policy(entry, sources.get(entry.feed_url))
            if policy == ExtractPolicy.ALWAYS:
                always.append(entry.id)
            else:
                yield Item(entry, wants_page=policy == ExtractPolicy.AUTO)

    teasers = saver.save(summarize(first_round(), count=len(ids)))
    pages = list(_load(store, always + teasers))
    if pages:
        articles = _articles_for(pages, config, progress)
        second = [_item(e, articles[e.id]) for e in pages]
        texts = {i: a.text for i, a in articles.items() if isinstance(a, Article)}
        saver.save(summarize(second, count=len(second)), texts)
    return saver.saved


def _load(store: Store, ids: Sequence[int]) -> Iterator[Entry]:
    """The entries, LOAD at a time as they are read: a window of 2,000 feeds holds
    ~40,000 entries and their HTML, and the workers need only a few chunks at once."""
    for start in range(0, len(ids), LOAD):
        wanted = ids[start : start + LOAD]
        found = store.entries_by_id(wanted)
        yield from (found[i] for i in wanted if i in found)


def _policy(entry: Entry, source: Source | None) -> ExtractPolicy:
    """ALWAYS: fetch the page; AUTO: fetch it if the feed has only a teaser; NEVER."""
    if source is None or not entry.link or source.extract == ExtractPolicy.NEVER:
        return ExtractPolicy.NEVER
    if source.extract == ExtractPolicy.ALWAYS:
        return ExtractPolicy.ALWAYS
    return ExtractPolicy.NEVER if entry.kind in OWN_TEXT_KINDS else ExtractPolicy.AUTO


def _item(entry: Entry, article: Article | DigestError) -> Item:
    """The entry with its article, or with why it has none (``article: dns``)."""
    if isinstance(article, DigestError):
        return Item(entry, None, f"article: {article.code}")
    return Item(entry, article)


class _Saver:
    """Stores summaries as they come, SAVE_SLICE a transaction: thousands in one would
    hold the write lock for seconds, and an editor's decision on the review page
    would wait for it. Reports ("summaries", saved, to do)."""

    def __init__(
        self, store: Store, total: int, *, now: datetime, progress: ProgressFn | None
    ) -> None:
        self.store, self.total, self.now, self.progress = store, total, now, progress
        self.entries: dict[int, Entry] = {}
        self.article_text: Mapping[int, str] = {}
        self.saved = 0

    def expect(self, entry: Entry) -> None:
        """Remember what storing the entry's summary needs, not its HTML."""
        self.entries[entry.id] = replace(entry, summary_html="", content_html="")

    def save(
        self, replies: Iterable[list[Reply]], article_text: Mapping[int, str] | None = None
    ) -> list[int]:
        """Store the summaries (with their article's text, kept for search); the ids
        of the entries that came back as teasers."""
        self.article_text = article_text or {}
        teasers: list[int] = []
        waiting: list[Summary] = []
        for batch in replies:
            for reply in batch:
                if isinstance(reply, Teaser):
                    teasers.append(reply.entry_id)
                else:
                    waiting.append(reply)
            if len(waiting) >= SAVE_SLICE:
                self._store(waiting)
                waiting = []
        self._store(waiting)
        return teasers

    def _store(self, summaries: list[Summary]) -> None:
        if not summaries:
            return
        rows = [(self.entries[s.entry_id], s, self.article_text.get(s.entry_id))
                for s in summaries]  # fmt: skip
        self.store.save_summaries(rows, now=self.now)
        self.saved += len(summaries)
        if self.progress:
            self.progress("summaries", self.saved, self.total)


def _articles_for(
    entries: Sequence[Entry], config: Config, progress: ProgressFn | None
) -> dict[int, Article | DigestError]:
    """Each entry's page, fetched through the guard and extracted in workers: the
    Article, or the error that kept it (the FetchError or ExtractError itself)."""
    if progress:
        progress("articles", 0, len(entries))
    pages = fetch_pages(
        [e.link or "" for e in entries],
        config.fetch,
        guard=make_guard(config.fetch, purpose=Purpose.CONTENT),  # links written by the feed
    )
    out: dict[int, Article | DigestError] = {}
    bodies = []
    for entry, page in zip(entries, pages, strict=True):
        if isinstance(page, FetchError):
            out[entry.id] = page
        else:
            bodies.append((entry, page))
    from digest.extract.article import extract_articles

    extracted = extract_articles(
        [(p.final_url, p.body, p.headers.get("content-type", "text/html")) for _, p in bodies]
    )
    for (entry, _), value in zip(bodies, extracted, strict=True):
        out[entry.id] = value
    if progress:
        progress("articles", len(entries), len(entries))
    return out
