"""Moves and endings (F10, 410): a permanent redirect is adopted only after it repeats,
a temporary one never; a gone feed is shown and not polled; identity is kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from feedgen import Item, load, rss, write_config
from httpserver import LoopbackServer

from digest.app.refresh import refresh
from digest.store import Store
from digest.store.feeds import ADOPT_MOVE_AFTER

FEED = rss("Moving", [Item("One", "https://example.org/1", "Text one.")])


def refresh_times(store: Store, config_path: Path, now: datetime, times: int) -> None:
    config = load(config_path)
    for n in range(times):
        refresh(store, config, now=now + timedelta(hours=n), due_only=False)


def test_a_permanent_redirect_is_adopted_after_it_repeats(
    server: LoopbackServer, store: Store, tmp_path: Path, now: datetime
) -> None:
    server.redirect("/old.xml", "/new.xml", status=301)
    server.route("/new.xml", body=FEED)
    path = write_config(tmp_path, [{"name": "M", "url": server.url("/old.xml"), "kind": "blog"}])
    refresh_times(store, path, now, ADOPT_MOVE_AFTER - 1)
    state = store.feed_state(server.url("/old.xml"))
    assert state is not None and state.moved_to is None
    refresh_times(store, path, now, 1)
    state = store.feed_state(server.url("/old.xml"))
    assert state is not None and state.moved_to == server.url("/new.xml")
    old_hits = server.hits["/old.xml"]
    refresh_times(store, path, now, 1)
    assert server.hits["/old.xml"] == old_hits  # fetched at the new URL directly
    assert store.count_entries() == 1  # one entry, still filed under the configured URL
    (health,) = store.feed_health(now=now)
    assert health.url == server.url("/old.xml") and health.moved_to == server.url("/new.xml")


def test_a_temporary_redirect_never_moves_the_feed(
    server: LoopbackServer, store: Store, tmp_path: Path, now: datetime
) -> None:
    server.redirect("/old.xml", "/new.xml", status=302)
    server.route("/new.xml", body=FEED)
    path = write_config(tmp_path, [{"name": "M", "url": server.url("/old.xml"), "kind": "blog"}])
    refresh_times(store, path, now, ADOPT_MOVE_AFTER + 1)
    state = store.feed_state(server.url("/old.xml"))
    assert state is not None and state.moved_to is None and state.status == "ok"


def test_a_gone_feed_is_shown_and_not_polled_until_reenabled(
    server: LoopbackServer, store: Store, tmp_path: Path, now: datetime
) -> None:
    server.route("/gone.xml", status=410)
    path = write_config(tmp_path, [{"name": "G", "url": server.url("/gone.xml"), "kind": "blog"}])
    config = load(path)
    refresh(store, config, now=now)
    (health,) = store.feed_health(now=now)
    assert health.status == "gone" and health.last_error_code == "gone"
    refresh(store, config, now=now + timedelta(days=400))
    assert server.hits["/gone.xml"] == 1
    store.reenable_feed(server.url("/gone.xml"))
    refresh(store, config, now=now + timedelta(days=1))
    assert server.hits["/gone.xml"] == 2
