"""Summaries on both cores (digest.extract.batch, digest.app.summarise): the pool and
the in-process path agree, a hostile entry fails alone and says why, only the ranking
window is summarised or has its pages fetched, and a crash keeps what was stored."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from feedgen import Item as FeedItem
from feedgen import days_ago, load, rss, write_config
from httpserver import LoopbackServer
from summarykit import spin_on_marked_entries
from test_summarize import FULL_POST, make_entry

from digest.app import summarise
from digest.app.refresh import refresh
from digest.errors import StorageError
from digest.extract import batch
from digest.extract.batch import Item, Teaser, summarize_all
from digest.extract.summarize import summarize
from digest.store import Store
from digest.types import Config, SourceKind, Summary, SummaryMethod

TEASER = "<p>We explain sparse attention and why it matters … Continue reading</p>"


def entries(count: int) -> list[Item]:
    """Entries of every kind, full posts and teasers, with and without a page to fetch."""
    kinds = [SourceKind.BLOG, SourceKind.NEWS, SourceKind.ARXIV, SourceKind.PODCAST,
             SourceKind.RELEASE]  # fmt: skip
    out = []
    for i in range(count):
        text = TEASER if i % 4 == 0 else FULL_POST.replace("family", f"family {i}")
        entry = make_entry(id=i + 1, kind=kinds[i % len(kinds)], title=f"Post {i}",
                           content_html=text)  # fmt: skip
        out.append(Item(entry, wants_page=i % 3 == 0))
    return out


def collect(replies: Any) -> dict[int, Summary | Teaser]:
    return {r.entry_id: r for batch_ in replies for r in batch_}


def test_pool_and_in_process_give_the_same_summaries() -> None:
    items = entries(150)  # more than one chunk per worker
    pooled = collect(summarize_all(items, count=150, min_words=40, max_words=90, pool=True))
    local = collect(summarize_all(items, count=150, min_words=40, max_words=90, pool=False))
    assert pooled == local and len(pooled) == 150
    teasers = {k for k, v in local.items() if isinstance(v, Teaser)}
    assert teasers == {i.entry.id for i in items if i.wants_page and i.entry.content_html == TEASER
                       and i.entry.kind in {SourceKind.BLOG, SourceKind.NEWS}}  # fmt: skip
    # Without a page to fetch, a teaser is summarised from its feed as it always was.
    assert local[2] == summarize(items[1].entry)
    assert all(isinstance(local[i.entry.id], Summary) for i in items if not i.wants_page)


@pytest.mark.parametrize("pool", [True, False], ids=["pool", "in-process"])
def test_an_entry_that_spins_or_crashes_fails_alone_with_its_reason(
    pool: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    spin_on_marked_entries(monkeypatch)  # "Spinning ..." loops, in the pool's workers too
    items = entries(130 if pool else 6)
    spinning = Item(make_entry(id=900, title="Spinning  post", content_html=FULL_POST),
                    note="article: extract_timeout")  # fmt: skip
    # A field of the wrong type stands in for a summariser bug: it raises.
    crashing = Item(make_entry(id=901, title="Crashing post", content_html=None))
    every = [*items, spinning, crashing]
    made = collect(summarize_all(iter(every), count=len(every), min_words=40, max_words=90,
                                 timeout=1.0, pool=pool))  # fmt: skip
    assert len(made) == len(items) + 2
    slow, broken = made[900], made[901]
    assert isinstance(slow, Summary) and isinstance(broken, Summary)
    assert (slow.method, slow.text) == (SummaryMethod.TITLE, "Spinning post")
    assert slow.note == "article: extract_timeout; summary: summary_timeout"
    assert broken.note == "summary: summary_failed" and broken.text == "Crashing post"
    assert slow.meta.site_name == "Lumen Labs Blog"
    others = [made[i.entry.id] for i in items]
    assert all(isinstance(r, Teaser) or r.method != SummaryMethod.TITLE for r in others)


# --- through the store ----------------------------------------------------------------


def serve(server: LoopbackServer, now: datetime) -> list[dict[str, object]]:
    """A blog whose teasers link to their pages: one in the window, one 12 days old."""
    page = f"<html><body><article>{FULL_POST * 3}</article></body></html>"
    for path in ("/new.html", "/old.html"):
        server.route(path, body=page, content_type="text/html; charset=utf-8")
    server.route("/blog.xml", body=rss("Example Lab", [
        FeedItem("A new post", server.url("/new.html"), TEASER, published=days_ago(now, 1)),
        FeedItem("An old post", server.url("/old.html"), TEASER, published=days_ago(now, 12)),
        FeedItem("A full post", server.url("/full.html"), FULL_POST, published=days_ago(now, 2)),
    ]))  # fmt: skip
    return [{"name": "Example Lab", "url": server.url("/blog.xml"), "kind": "blog"}]


@pytest.fixture
def blog(server: LoopbackServer, tmp_path: Path, now: datetime) -> Config:
    return load(write_config(tmp_path, serve(server, now)))


def test_only_the_window_is_summarised_and_only_its_teasers_fetched(
    blog: Config, store: Store, server: LoopbackServer, now: datetime
) -> None:
    refresh(store, blog, now=now)
    stages: list[tuple[str, int, int]] = []
    made = summarise.summarise_pending(store, blog, now=now,
                                       progress=lambda *s: stages.append(s))  # fmt: skip
    assert made == 2
    by_title = {e.title: e for e in store.entries_by_id(range(1, 4)).values()}
    summaries = store.summaries_for(by_title.values())
    assert summaries[by_title["A new post"].id].method == SummaryMethod.ARTICLE
    assert summaries[by_title["A full post"].id].method == SummaryMethod.FEED
    assert by_title["An old post"].id not in summaries  # outside the window: left alone
    assert server.hits["/new.html"] == 1
    assert server.hits["/old.html"] == 0 and server.hits["/full.html"] == 0
    assert ("articles", 1, 1) in stages and stages[-1] == ("summaries", 2, 2)
    assert summarise.summarise_pending(store, blog, now=now) == 0  # nothing left to do


def test_a_crash_mid_run_keeps_what_was_stored(
    blog: Config, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh(store, blog, now=now)
    monkeypatch.setattr(summarise, "SAVE_SLICE", 1)
    monkeypatch.setattr(batch, "CHUNK", 1)
    saves = 0
    real = Store.save_summaries

    def save_then_crash(self: Store, *args: Any, **kwargs: Any) -> None:
        nonlocal saves
        saves += 1
        if saves == 2:
            raise StorageError("disk gone")
        real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "save_summaries", save_then_crash)
    with pytest.raises(StorageError):
        summarise.summarise_pending(store, blog, now=now, pool=False)
    window = store.entries_since(now - timedelta(days=blog.rank.window_days))
    assert len(window) == 2 and len(store.summaries_for(window)) == 1  # the first slice
    monkeypatch.setattr(Store, "save_summaries", real)
    assert summarise.summarise_pending(store, blog, now=now, pool=False) == 1  # the rest
    assert len(store.summaries_for(window)) == 2


def test_an_entry_whose_content_changed_is_summarised_again(
    blog: Config, store: Store, now: datetime
) -> None:
    refresh(store, blog, now=now)
    since = now - timedelta(days=blog.rank.window_days)
    assert len(store.unsummarised_since(since)) == 2
    summarise.summarise_pending(store, blog, now=now)
    assert store.unsummarised_since(since) == []
    with store.db.conn:  # the feed rewrote the post: its summary no longer fits
        store.db.execute("UPDATE entries SET content_hash = 'edited' WHERE title = 'A full post'")
    (changed,) = store.unsummarised_since(since)
    assert store.entries_by_id([changed])[changed].title == "A full post"


def test_a_hostile_entry_is_recorded_against_it_and_the_feed_still_summarised(
    server: LoopbackServer, tmp_path: Path, store: Store, now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    spin_on_marked_entries(monkeypatch)
    # A teaser: were its summary not stuck, its page would be fetched.
    server.route("/evil.xml", body=rss("Evil", [
        FeedItem("Spinning post", server.url("/spin"), TEASER, published=days_ago(now, 1)),
        FeedItem("A fine post", server.url("/fine"), FULL_POST, published=days_ago(now, 1)),
    ]))  # fmt: skip
    source = {"name": "Evil", "url": server.url("/evil.xml"), "kind": "blog"}
    config = load(write_config(tmp_path, [source]))
    refresh(store, config, now=now)
    assert summarise.summarise_pending(store, config, now=now, timeout=1.0) == 2
    window = store.entries_since(now - timedelta(days=config.rank.window_days))
    summaries = store.summaries_for(window)
    made = {e.title: summaries[e.id] for e in window}
    spinning, fine = made["Spinning post"], made["A fine post"]
    assert spinning.method == SummaryMethod.TITLE and spinning.text == "Spinning post"
    assert spinning.note == "summary: summary_timeout"  # stored, as an article failure is
    assert fine.method == SummaryMethod.FEED and fine.note is None
    assert server.hits["/spin"] == 0  # it never got as far as asking for its page
