"""Issue #20 point 1: the allow-list is scoped. A feed's allowed origin does not open
its host to the links inside the feed: article pages, redirects and discovered feeds
reach a loopback address only through fetch.allow_content_hosts (ADR 0003)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from feedgen import Item, days_ago, load, rss, write_config
from httpserver import LoopbackServer

from digest.app import summarise
from digest.app.additions import add_url
from digest.app.refresh import refresh
from digest.app.sources import discover
from digest.errors import BlockedAddressError
from digest.fetch.guard import AddressGuard, Purpose
from digest.fetch.http import make_guard
from digest.store import Store
from digest.types import Config, FetchSettings, SummaryMethod

SECRET = "internal admin console: the root password is hunter2 " * 40
TEASER = "Our private page explains the rollout plan for next week … Continue reading"


@pytest.fixture
def canary() -> Iterator[LoopbackServer]:
    """Another port of the feed's host: a private service nobody allowed."""
    with LoopbackServer() as srv:
        srv.route("/admin", body=f"<html><body><p>{SECRET}</p></body></html>".encode(),
                  content_type="text/html; charset=utf-8")  # fmt: skip
        yield srv


def serve_feed(
    server: LoopbackServer, canary: LoopbackServer, now: datetime
) -> list[dict[str, object]]:
    """One blog feed whose two teasers link to the canary: directly, and by a 302."""
    server.redirect("/hop", canary.url("/admin"))
    server.route("/blog.xml", body=rss("Intranet blog", [
        Item("Direct link", canary.url("/admin"), TEASER, published=days_ago(now, 1)),
        Item("Redirected link", server.url("/hop"), TEASER, published=days_ago(now, 1)),
    ]))  # fmt: skip
    return [{"name": "Intranet blog", "url": server.url("/blog.xml"), "kind": "blog"}]


def summaries(store: Store, now: datetime) -> dict[str, tuple[SummaryMethod, str]]:
    entries = store.entries_since(days_ago(now, 30))
    have = store.summaries_for(entries)
    return {e.title: (have[e.id].method, have[e.id].text) for e in entries}


def run(config: Config, store: Store, now: datetime) -> dict[str, tuple[SummaryMethod, str]]:
    assert all(o.ok for o in refresh(store, config, now=now))
    assert summarise.summarise_pending(store, config, now=now) == 2
    return summaries(store, now)


def test_feed_links_to_another_loopback_port_never_reach_it(
    server: LoopbackServer, canary: LoopbackServer, store: Store, now: datetime, tmp_path: Path
) -> None:
    config = load(write_config(tmp_path, serve_feed(server, canary, now), content=[]))
    assert config.fetch.allow_hosts == (server.netloc,)
    got = run(config, store, now)
    for title in ("Direct link", "Redirected link"):
        method, text = got[title]
        assert method is not SummaryMethod.ARTICLE and "hunter2" not in text
        assert "rollout plan" in text  # summarised from the feed's own text
    assert canary.hits_total() == 0
    assert server.hits_total() > 0  # the feed itself was fetched


def test_feed_allow_list_does_not_open_its_own_origin_to_content(
    server: LoopbackServer, canary: LoopbackServer, store: Store, now: datetime, tmp_path: Path
) -> None:
    # Even the canary's origin on allow_hosts (a second feed lives there) is no licence
    # for links written inside a feed: content URLs have their own allow-list.
    allow = [server.netloc, canary.netloc]
    config = load(write_config(tmp_path, serve_feed(server, canary, now), allow=allow, content=[]))
    got = run(config, store, now)
    assert all("hunter2" not in text for _, text in got.values())
    assert canary.hits_total() == 0


def test_content_allow_list_lets_the_chosen_origin_through(
    server: LoopbackServer, canary: LoopbackServer, store: Store, now: datetime, tmp_path: Path
) -> None:
    content = [server.netloc, canary.netloc]  # the redirect's first hop is content too
    config = load(write_config(tmp_path, serve_feed(server, canary, now), content=content))
    got = run(config, store, now)
    for title in ("Direct link", "Redirected link"):
        method, text = got[title]
        assert method is SummaryMethod.ARTICLE and "hunter2" in text
    assert canary.hits_total() == 2


def test_a_configured_feed_redirecting_to_an_unallowed_port_is_refused(
    server: LoopbackServer, canary: LoopbackServer, store: Store, now: datetime, tmp_path: Path
) -> None:
    canary.route("/feed.xml", body=rss("Elsewhere", []))
    server.redirect("/moved.xml", canary.url("/feed.xml"))
    sources = [{"name": "Moved", "url": server.url("/moved.xml"), "kind": "blog"}]
    config = load(write_config(tmp_path, sources, content=[canary.netloc]))
    (outcome,) = refresh(store, config, now=now)
    assert outcome.code == "blocked_address"
    assert canary.hits_total() == 0
    allowed = load(write_config(tmp_path, sources, allow=[server.netloc, canary.netloc]))
    with Store.open(tmp_path / "fresh.sqlite") as fresh:  # the first store backs off
        (outcome,) = refresh(fresh, allowed, now=now)
    assert outcome.ok and canary.hits_total() == 1


def test_what_the_editor_types_uses_the_feed_allow_list(
    server: LoopbackServer, canary: LoopbackServer, store: Store, now: datetime, tmp_path: Path
) -> None:
    # The editor chose allow_hosts, so a page they add by hand on it is fetched...
    server.route("/page.html", body=f"<html><body><p>{SECRET}</p></body></html>".encode(),
                 content_type="text/html; charset=utf-8")  # fmt: skip
    server.route("/index.html", content_type="text/html", body=(
        f'<html><head><link rel="alternate" type="application/rss+xml" '
        f'href="{canary.url("/feed.xml")}"></head></html>').encode())  # fmt: skip
    config = load(write_config(tmp_path, [], allow=[server.netloc], content=[]))
    assert add_url(store, config, server.url("/page.html"), now=now) is not None
    # ...but the feed a page of it advertises is content, not the editor's choice.
    with pytest.raises(BlockedAddressError, match="content URL"):
        discover(server.url("/index.html"), config)
    assert canary.hits_total() == 0


def test_each_purpose_reads_its_own_allow_list() -> None:
    settings = FetchSettings(allow_hosts=("10.0.0.1:8080",), allow_content_hosts=("10.0.0.2",))
    feed = make_guard(settings, purpose=Purpose.FEED)
    editor = make_guard(settings, purpose=Purpose.EDITOR)
    content = make_guard(settings, purpose=Purpose.CONTENT)
    assert feed.allowed("10.0.0.1", 8080) and editor.allowed("10.0.0.1", 8080)
    assert not content.allowed("10.0.0.1", 8080)
    assert content.allowed("10.0.0.2", 443) and not content.allowed("10.0.0.2", 8443)
    assert not feed.allowed("10.0.0.2", 443)
    assert content.setting == "fetch.allow_content_hosts"


def test_the_hint_names_the_purposes_setting_and_origin() -> None:
    import asyncio

    guard = AddressGuard(purpose=Purpose.CONTENT, resolver=lambda h, p: ["10.9.8.7"])
    with pytest.raises(BlockedAddressError) as caught:
        asyncio.run(guard.resolve("wiki.corp", 8080))
    assert (
        caught.value.hint == "add wiki.corp:8080 to fetch.allow_content_hosts if this is intended"
    )


def test_a_bare_host_lets_through_the_feeds_configured_on_it_and_nothing_else(
    server: LoopbackServer, canary: LoopbackServer, store: Store, now: datetime, tmp_path: Path
) -> None:
    # `allow_hosts: ['127.0.0.1']` is how an intranet feed (or ../shared/bench) is written:
    # the feeds configured on that host are fetched, on their own ports...
    canary.route("/feed.xml", body=rss("Elsewhere", []))
    server.route("/feed.xml", body=rss("Here", []))
    server.redirect("/moved.xml", canary.url("/feed.xml"))
    sources = [
        {"name": "Here", "url": server.url("/feed.xml"), "kind": "blog"},
        {"name": "Moved", "url": server.url("/moved.xml"), "kind": "blog"},
    ]
    config = load(write_config(tmp_path, sources, allow=["127.0.0.1"], content=[]))
    here, moved = refresh(store, config, now=now)
    assert here.ok
    # ...but not another port of it, even by a redirect from an allowed feed.
    assert moved.code == "blocked_address" and canary.hits_total() == 0
    guard = make_guard(config.fetch, purpose=Purpose.FEED, feeds=[s["url"] for s in sources])
    assert guard.allowed("127.0.0.1", server.port) and not guard.allowed("127.0.0.1", canary.port)
    content = make_guard(config.fetch, purpose=Purpose.CONTENT, feeds=[server.url("/feed.xml")])
    assert not content.allowed("127.0.0.1", server.port)
