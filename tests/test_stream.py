"""Every refresh goes through digest.app.stream: fetch, parse and store overlap, for one
feed or many. Over a real loopback server: the healthy feeds store, the ReDoS feed (P4)
ends as parse_timeout, a 500 is a fetch error, and the second run is all 304 with no
writes but the feeds' state. Through an injected httpx transport: the same, with no
socket at all."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from feedgen import Item, days_ago, load, rss, write_config
from httpserver import LoopbackServer
from test_workers import redos_feed

import digest.app.fetching as fetching
import digest.app.refresh as refreshing
import digest.app.stream as streaming
from digest import workers
from digest.app.refresh import refresh
from digest.app.stream import MainThreadParser, Parser, WorkerParser, stream_feeds
from digest.errors import ErrorCode, FetchError, ParseError
from digest.fetch.http import make_guard
from digest.store import Store
from digest.store.feeds import ADOPT_MOVE_AFTER
from digest.types import Config, FeedState, FetchResult, NotModified, Source

HEALTHY = 10


def due_jobs(store: Store, config: Config, now: datetime) -> list[tuple[FeedState, Source]]:
    """The (state, source) pairs refresh would hand stream_feeds for ``config``."""
    store.sync_sources(config.sources, now=now)
    return [(s, src) for s in store.feed_states() if (src := config.source(s.url))]


@pytest.fixture
def many(server: LoopbackServer, tmp_path: Path, now: datetime) -> Config:
    sources = []
    for n in range(HEALTHY):
        items = [Item(f"Feed {n} post {i}", f"https://example.org/{n}/{i}",
                      f"<p>Post {i} of feed {n}</p>", published=days_ago(now, i))
                 for i in range(5)]  # fmt: skip
        server.route(f"/f{n}.xml", etag=f'"e{n}"', body=rss(f"Feed {n}", items))
        sources.append({"name": f"F{n}", "url": server.url(f"/f{n}.xml"), "kind": "blog"})
    server.route("/evil.xml", body=redos_feed())
    server.route("/broken.xml", status=500, body=b"oops")
    sources += [{"name": "Evil", "url": server.url("/evil.xml"), "kind": "blog"},
                {"name": "Broken", "url": server.url("/broken.xml"), "kind": "blog"}]  # fmt: skip
    return load(write_config(tmp_path, sources))


def test_a_large_refresh_streams_and_isolates_failures(
    many: Config, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refreshing, "PARSE_TIMEOUT", 1.0)
    started = time.monotonic()
    outcomes = {o.key.rsplit("/", 1)[1]: o for o in refresh(store, many, now=now)}
    assert time.monotonic() - started < 1.0 + 8
    assert outcomes["evil.xml"].code == "parse_timeout"
    assert outcomes["broken.xml"].code is not None and not outcomes["broken.xml"].ok
    assert all(outcomes[f"f{n}.xml"].new_entries == 5 for n in range(HEALTHY))
    assert store.count_entries() == 5 * HEALTHY
    later = now + timedelta(hours=1)
    again = refresh(store, many, now=later, due_only=False)
    assert sum(o.new_entries for o in again) == 0 and store.count_entries() == 5 * HEALTHY
    unchanged = store.db.conn.execute(
        "SELECT COUNT(*) FROM entries WHERE last_seen = ?", [now.isoformat(timespec="seconds")]
    ).fetchone()[0]
    assert unchanged == 5 * HEALTHY  # 304: the entries were not touched


def test_a_refresh_of_well_formed_feeds_starts_no_worker_process_cold_or_warm(
    server: LoopbackServer, tmp_path: Path, store: Store, now: datetime,
    worker_starts: list[object],
) -> None:  # fmt: skip
    # cron's `digest fetch` parses what lxml reads in its own main thread (no process
    # to start, no memory but its own), and a warm run (all 304s) parses nothing.
    sources = []
    for n in range(HEALTHY):
        items = [Item(f"Post {n}", f"https://example.org/{n}", "<p>Hi</p>", published=now)]
        server.route(f"/w{n}.xml", etag=f'"w{n}"', body=rss(f"Feed {n}", items))
        sources.append({"name": f"W{n}", "url": server.url(f"/w{n}.xml"), "kind": "blog"})
    config = load(write_config(tmp_path, sources))
    assert all(o.new_entries == 1 for o in refresh(store, config, now=now))
    again = refresh(store, config, now=now + timedelta(hours=1), due_only=False)
    assert len(again) == HEALTHY and all(o.ok and o.new_entries == 0 for o in again)
    assert worker_starts == []


def test_stream_feeds_calls_store_once_per_feed_with_a_small_window(
    many: Config, store: Store, now: datetime
) -> None:
    jobs = due_jobs(store, many, now)
    seen: dict[int, tuple[FetchResult, object]] = {}

    def store_one(index: int, result: FetchResult, reply: object) -> None:
        assert index not in seen
        seen[index] = (result, reply)

    stream_feeds(jobs, many.fetch, store_one, guard=make_guard(many.fetch), window=2,
                 parse_timeout=1.0)  # fmt: skip
    assert sorted(seen) == list(range(len(jobs)))
    assert all(result.url == state.url for (state, _), (result, _) in
               zip(jobs, (seen[i] for i in range(len(jobs))), strict=True))  # fmt: skip
    assert not any(isinstance(r, NotModified) for r, _ in seen.values())


def test_while_the_caller_cannot_store_feeds_wait_and_none_is_lost(
    many: Config, store: Store, now: datetime
) -> None:
    # can_store() is False while the refresh's group commits in the background: the
    # loop goes on fetching and parsing, and stores what waited once it may.
    jobs = due_jobs(store, many, now)
    stored: list[int] = []
    asks = 0

    def can_store() -> bool:
        nonlocal asks
        asks += 1
        return asks > 40  # "busy" for the first 40 turns of the loop

    stream_feeds(jobs, many.fetch, lambda i, *_: stored.append(i), can_store=can_store,
                 window=4, parse_timeout=1.0)  # fmt: skip
    assert sorted(stored) == list(range(len(jobs)))


def test_a_feed_whose_store_fails_rolls_back_alone_inside_the_group(
    many: Config, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digest.store.feeds as feeds_store
    from digest.errors import StorageError

    real = feeds_store.upsert_entries

    def failing(conn: Any, feed_url: str, *args: Any, **kw: Any) -> int:
        if feed_url.endswith("/f3.xml"):
            real(conn, feed_url, *args, **kw)  # rows written, then the failure: all must go
            raise StorageError("disk trouble")
        return real(conn, feed_url, *args, **kw)

    monkeypatch.setattr(feeds_store, "upsert_entries", failing)
    outcomes = {o.key.rsplit("/", 1)[1]: o for o in refresh(store, many, now=now)}
    assert not outcomes["f3.xml"].ok and outcomes["f3.xml"].code == "storage"
    assert all(outcomes[f"f{n}.xml"].new_entries == 5 for n in range(HEALTHY) if n != 3)
    assert store.count_entries() == 5 * (HEALTHY - 1)  # none of f3's rows survived
    f3 = next(h for h in store.feed_health(now=now) if h.url.endswith("/f3.xml"))
    assert f3.status == "never"  # its state was rolled back too: the next run refetches it


def test_stored_feeds_are_committed_while_a_slow_feed_still_parses(
    many: Config, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ReDoS feed parses until its 3 s limit; the group holding the healthy feeds
    # must commit meanwhile, or the web page's writes would wait on the write lock.
    # (Up to DEPTH - 1 healthy feeds may wait in the ReDoS worker's queue.)
    monkeypatch.setattr(refreshing, "PARSE_TIMEOUT", 3.0)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (refresh(store, many, now=now), done.set()))
    worker.start()
    seen, deadline = 0, time.monotonic() + 2.5
    early = 5 * (HEALTHY - (workers.DEPTH - 1))
    with sqlite3.connect(store.path) as other:
        while seen < early and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = other.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    visible_early = seen >= early and not done.is_set()
    worker.join(timeout=30)
    assert visible_early
    assert store.count_entries() == 5 * HEALTHY  # the one that waited was parsed too


# --- an injected transport: the whole refresh with no socket ---------------------------

SITE = "https://feeds.example"


def site_feed(n: int, now: datetime) -> bytes:
    return rss(f"Site {n}", [Item(f"Site {n} post {i}", f"https://example.org/s{n}/{i}",
                                  f"<p>Post {i}</p>", published=days_ago(now, i))
                             for i in range(3)])  # fmt: skip


def site(now: datetime, feeds: int) -> httpx.MockTransport:
    """/0.xml ... serve feeds (ETag "v"), /moved.xml answers 301 to /new.xml,
    /missing.xml is a 404 and /page.xml an HTML page; every request is recorded."""

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        name = request.url.path.lstrip("/")
        if name == "moved.xml":
            return httpx.Response(301, headers={"Location": f"{SITE}/new.xml"})
        if name == "new.xml":
            return httpx.Response(200, content=site_feed(99, now))
        if name == "page.xml":
            return httpx.Response(200, content=b"<html><body>hello</body></html>",
                                  headers={"Content-Type": "text/html"})  # fmt: skip
        number = name.removesuffix(".xml")
        if number.isdigit() and int(number) < feeds:
            if request.headers.get("if-none-match") == '"v"':
                return httpx.Response(304)
            return httpx.Response(200, content=site_feed(int(number), now),
                                  headers={"ETag": '"v"'})  # fmt: skip
        return httpx.Response(404, content=b"no")

    requests: list[httpx.Request] = []
    transport = httpx.MockTransport(handle)
    transport.requests = requests  # type: ignore[attr-defined]
    return transport


def site_config(tmp_path: Path, names: list[str]) -> Config:
    sources = [{"name": n, "url": f"{SITE}/{n}", "kind": "blog"} for n in names]
    return load(write_config(tmp_path, sources))


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"a socket was opened to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_a_refresh_through_an_injected_transport_opens_no_socket(
    tmp_path: Path, store: Store, now: datetime, no_sockets: None
) -> None:
    config = site_config(tmp_path, ["0.xml", "1.xml", "missing.xml", "page.xml", "moved.xml"])
    transport = site(now, feeds=2)
    outcomes = {o.key.rsplit("/", 1)[1]: o for o in
                refresh(store, config, now=now, transport=transport)}  # fmt: skip
    assert outcomes["0.xml"].ok and outcomes["0.xml"].new_entries == 3
    assert outcomes["moved.xml"].ok and outcomes["moved.xml"].new_entries == 3
    missing, page = outcomes["missing.xml"], outcomes["page.xml"]
    # Each failure is the stage's own error, carried whole into the Outcome.
    assert isinstance(missing.error, FetchError) and missing.error.status == 404
    assert missing.code == ErrorCode.NOT_FOUND and missing.error.url == f"{SITE}/missing.xml"
    assert isinstance(page.error, ParseError) and page.code == ErrorCode.NOT_A_FEED
    assert page.detail == str(page.error)
    health = {h.url.rsplit("/", 1)[1]: h for h in store.feed_health(now=now)}
    assert (health["page.xml"].last_error_code, health["page.xml"].status) == (
        "not_a_feed", "error")  # fmt: skip
    assert store.count_entries() == 9
    # The second run is conditional: the validators stored the first time are sent.
    again = refresh(store, config, now=now + timedelta(hours=1), due_only=False,
                    transport=transport)  # fmt: skip
    assert sum(o.new_entries for o in again) == 0
    sent = [r.headers.get("if-none-match") for r in transport.requests  # type: ignore[attr-defined]
            if r.url.path == "/0.xml"]  # fmt: skip
    assert sent == [None, '"v"']


def test_an_adopted_move_is_fetched_at_its_new_url_and_stored_under_the_old(
    tmp_path: Path, store: Store, now: datetime
) -> None:
    config = site_config(tmp_path, ["moved.xml"])
    transport = site(now, feeds=0)
    for n in range(ADOPT_MOVE_AFTER + 1):
        refresh(store, config, now=now + timedelta(hours=n), due_only=False,
                transport=transport)  # fmt: skip
    paths = [r.url.path for r in transport.requests]  # type: ignore[attr-defined]
    # Three 301s seen, then adopted: the last run asks the new URL directly.
    assert paths[-1] == "/new.xml" and paths.count("/moved.xml") == ADOPT_MOVE_AFTER
    (health,) = store.feed_health(now=now)
    assert health.url == f"{SITE}/moved.xml" and health.moved_to == f"{SITE}/new.xml"
    assert health.entries == 3


def test_one_feed_and_twenty_take_the_same_path(
    tmp_path: Path, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One path for every size: both runs go through stream_feeds and, on the main
    # thread, parse there.
    calls: list[tuple[int, type[Parser]]] = []
    real_stream, real_choose = refreshing.stream_feeds, streaming.choose_parser

    def spy_stream(jobs: Any, *args: Any, **kwargs: Any) -> None:
        calls.append((len(jobs), object))
        real_stream(jobs, *args, **kwargs)

    def spy_choose(timeout: float, workers: int) -> Parser:
        chosen = real_choose(timeout, workers)
        calls[-1] = (calls[-1][0], type(chosen))
        return chosen

    monkeypatch.setattr(refreshing, "stream_feeds", spy_stream)
    monkeypatch.setattr(streaming, "choose_parser", spy_choose)
    transport = site(now, feeds=20)
    small = refresh(store, site_config(tmp_path, ["0.xml"]), now=now, transport=transport)
    large = refresh(store, site_config(tmp_path, [f"{n}.xml" for n in range(20)]), now=now,
                    transport=transport)  # fmt: skip
    assert calls == [(1, MainThreadParser), (19, MainThreadParser)]  # 0.xml is not due again
    assert [o.new_entries for o in small] == [3] and all(o.ok for o in large)
    assert sum(o.new_entries for o in large) == 19 * 3 and store.count_entries() == 20 * 3
    # fetch.parse_workers asks for processes that parse every body, on more cores.
    from dataclasses import replace

    config = site_config(tmp_path, ["0.xml"])
    config = replace(config, fetch=replace(config.fetch, parse_workers=2))
    more = refresh(store, config, now=now, due_only=False, transport=transport)
    assert calls[-1] == (1, WorkerParser) and [o.ok for o in more] == [True]


@pytest.mark.parametrize("evil", ["redos", "spinning fast path"])
def test_a_long_parse_never_eats_a_running_fetchs_deadline(
    server: LoopbackServer, tmp_path: Path, store: Store, now: datetime,
    monkeypatch: pytest.MonkeyPatch, evil: str,
) -> None:  # fmt: skip
    # The evil body arrives first and parses until its 1.5 s limit, while the slow
    # feed's fetch runs with a 1 s deadline: the fetches have a thread of their own,
    # and a body only feedparser reads (the ReDoS, whose regex would hold the GIL)
    # is parsed in a worker process.
    from dataclasses import replace

    from httpserver import RequestHandler

    monkeypatch.setattr(refreshing, "PARSE_TIMEOUT", 1.5)
    if evil == "redos":
        server.route("/evil.xml", body=redos_feed())
    else:
        server.route("/evil.xml", body=rss("Evil", [Item("One", "https://example.org/e", "x")]))
        real = streaming.parse_job_fast

        def spin(job: Any) -> Any:
            while job[1].endswith("/evil.xml"):
                pass
            return real(job)

        monkeypatch.setattr(streaming, "parse_job_fast", spin)
    slow_body = rss("Slow", [Item("One", "https://example.org/one", "Text.")])

    def slow(req: RequestHandler) -> None:
        time.sleep(0.4)
        req.send(200, slow_body, content_type="application/rss+xml")

    server.handler("/slow.xml", slow)
    config = load(write_config(tmp_path, [
        {"name": "Evil", "url": server.url("/evil.xml"), "kind": "blog"},
        {"name": "Slow", "url": server.url("/slow.xml"), "kind": "blog"},
    ]))  # fmt: skip
    config = replace(config, fetch=replace(config.fetch, deadline_seconds=1.0))
    outcomes = {o.key.rsplit("/", 1)[1]: o for o in refresh(store, config, now=now)}
    assert outcomes["evil.xml"].code == ErrorCode.PARSE_TIMEOUT
    assert outcomes["slow.xml"].ok and outcomes["slow.xml"].new_entries == 1


def test_an_in_process_parser_with_a_window_of_one_still_stores_every_feed(
    tmp_path: Path, store: Store, now: datetime
) -> None:
    # A fetch waits for a window place that only a stored feed frees, and the feeds
    # are stored in another thread than the one fetching: no deadlock.
    config = site_config(tmp_path, [f"{n}.xml" for n in range(4)])
    jobs = due_jobs(store, config, now)
    stored: dict[int, object] = {}
    stream_feeds(jobs, config.fetch, lambda i, _, parsed: stored.setdefault(i, parsed),
                 transport=site(now, feeds=4), parser=MainThreadParser(1.0, 1),
                 window=1)  # fmt: skip
    assert sorted(stored) == [0, 1, 2, 3]
    assert all(getattr(p, "title", "").startswith("Site") for p in stored.values())


def test_a_bug_in_the_fetching_thread_is_raised_in_the_caller_and_the_thread_ends(
    tmp_path: Path, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each fetch's failure is a FetchError value; anything else is a bug, and the run
    # must not end as if the feeds were done, nor leave its thread behind.
    config = site_config(tmp_path, [f"{n}.xml" for n in range(3)])
    jobs = due_jobs(store, config, now)

    async def broken(*_: Any) -> FetchResult:
        raise RuntimeError("a bug in the fetch stage")

    monkeypatch.setattr(fetching, "fetch_feed", broken)
    with pytest.raises(RuntimeError, match="a bug in the fetch stage"):
        stream_feeds(jobs, config.fetch, lambda *_: None, transport=site(now, feeds=3))
    assert not [t for t in threading.enumerate() if t.name == "digest-fetch"]


def test_when_storing_fails_the_run_stops_its_fetches_and_raises(
    server: LoopbackServer, tmp_path: Path, store: Store, now: datetime
) -> None:
    # A failing caller (a bug, Ctrl-C) cancels the fetches still running: none is
    # left to run on, and no thread is left behind.
    from httpserver import RequestHandler

    def slow(req: RequestHandler) -> None:
        time.sleep(2)
        req.send(200, rss("Slow", [Item("One", "https://example.org/one", "Text.")]))

    server.handler("/slow.xml", slow)
    server.route("/fast.xml", body=rss("Fast", [Item("Two", "https://example.org/two", "x")]))
    config = load(write_config(tmp_path, [
        {"name": "Fast", "url": server.url("/fast.xml"), "kind": "blog"},
        {"name": "Slow", "url": server.url("/slow.xml"), "kind": "blog"},
    ]))  # fmt: skip
    jobs = due_jobs(store, config, now)

    def failing(*_: object) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stream_feeds(jobs, config.fetch, failing)
    assert time.monotonic() - started < 1.5  # the slow fetch was not waited for
    assert not [t for t in threading.enumerate() if t.name == "digest-fetch"]


def test_while_the_parser_falls_behind_only_its_backlog_is_fetched_ahead(
    tmp_path: Path, store: Store, now: datetime
) -> None:
    # Fetched bodies waiting for a slower parser only cost memory: while anything waits
    # to be stored, no more than the parser's backlog is between fetch and store.
    config = site_config(tmp_path, [f"{n}.xml" for n in range(12)])
    jobs = due_jobs(store, config, now)
    parser = MainThreadParser(1.0, 1)
    parser.ahead = 2
    seen: list[int] = []
    real_submit = parser.submit

    def submit(key: int, job: Any) -> None:
        seen.append(parser.pending)
        time.sleep(0.02)  # a slow parser: the fetches (in memory) easily outrun it
        real_submit(key, job)

    parser.submit = submit  # type: ignore[method-assign]
    stored: list[int] = []
    stream_feeds(jobs, config.fetch, lambda i, *_: stored.append(i),
                 transport=site(now, feeds=12), parser=parser, window=16)  # fmt: skip
    assert sorted(stored) == list(range(12))
    assert max(seen) <= 2


def test_bodies_only_feedparser_reads_never_keep_this_thread_from_the_others(
    tmp_path: Path, store: Store, now: datetime
) -> None:
    # The first four feeds go to the feedparser worker and spin there to the time
    # limit (the ReDoS of P4). They fill the main thread's backlog, yet the feeds
    # behind them are fetched, parsed here and stored meanwhile.
    evil = redos_feed()

    def handle(request: httpx.Request) -> httpx.Response:
        name = request.url.path.lstrip("/")
        body = evil if "evil" in name else site_feed(int(name[:-4]), now)
        return httpx.Response(200, content=body)

    names = [f"0-evil{n}.xml" for n in range(4)] + [f"{n}.xml" for n in range(12)]
    config = site_config(tmp_path, names)
    jobs = due_jobs(store, config, now)
    order: list[str] = []
    stream_feeds(jobs, config.fetch, lambda i, *_: order.append(jobs[i][1].name),
                 transport=httpx.MockTransport(handle), parser=MainThreadParser(0.5, 1),
                 parse_timeout=0.5, window=8)  # fmt: skip
    assert [jobs[i][1].name for i in range(4)] == names[:4]  # fetched first
    assert sorted(order) == sorted(names)
    assert not [n for n in order[:12] if "evil" in n]  # none ended before them


def test_while_the_parser_keeps_up_slow_servers_are_fetched_side_by_side(
    tmp_path: Path, store: Store, now: datetime
) -> None:
    # The backlog only holds while bodies wait: a parser that keeps up with slow
    # servers has the whole window of fetches running at once.
    import asyncio
    from dataclasses import replace

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.4)
        return httpx.Response(200, content=site_feed(int(request.url.path[1:-4]), now))

    config = site_config(tmp_path, [f"{n}.xml" for n in range(8)])
    config = replace(config, fetch=replace(config.fetch, per_host=8, concurrency=8))
    jobs = due_jobs(store, config, now)
    parser = MainThreadParser(1.0, 1)
    parser.ahead = 1
    stored: list[int] = []
    started = time.monotonic()
    stream_feeds(jobs, config.fetch, lambda i, *_: stored.append(i),
                 transport=httpx.MockTransport(slow), parser=parser)  # fmt: skip
    assert sorted(stored) == list(range(8))
    assert time.monotonic() - started < 8 * 0.4 / 2  # one at a time would take 3.2 s


def test_fetch_tasks_are_made_as_fetches_start_not_one_per_feed_up_front(
    tmp_path: Path, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A task per feed made up front was 1.5 KB each (15 MB for 10,000 feeds): only
    # the window's worth live at once, and every feed is still fetched once.
    import asyncio

    config = site_config(tmp_path, [f"{n}.xml" for n in range(60)])
    jobs = due_jobs(store, config, now)
    alive: list[int] = []
    real = fetching.fetch_feed

    async def counted(*args: Any) -> FetchResult:
        alive.append(len(asyncio.all_tasks()))
        return await real(*args)

    monkeypatch.setattr(fetching, "fetch_feed", counted)
    stored: list[int] = []
    stream_feeds(jobs, config.fetch, lambda i, *_: stored.append(i),
                 transport=site(now, feeds=60), window=8)  # fmt: skip
    assert sorted(stored) == list(range(60)) and len(alive) == 60
    assert max(alive) <= 8 + 1  # the fetches and the loop's own task


def test_a_host_with_many_slow_feeds_never_holds_back_another_hosts_feeds(
    tmp_path: Path, store: Store, now: datetime
) -> None:
    import asyncio
    from dataclasses import replace

    finished: dict[str, float] = {}
    started = time.monotonic()

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow.example":
            await asyncio.sleep(0.2)
        finished[f"{request.url.host}{request.url.path}"] = time.monotonic() - started
        return httpx.Response(200, content=site_feed(1, now))

    sources = [{"name": f"S{n}", "url": f"https://slow.example/{n}.xml", "kind": "blog"}
               for n in range(8)]  # fmt: skip
    sources += [{"name": "Quick", "url": "https://z-quick.example/q.xml", "kind": "blog"}]
    config = load(write_config(tmp_path, sources))
    config = replace(config, fetch=replace(config.fetch, per_host=1))
    jobs = due_jobs(store, config, now)
    stream_feeds(jobs, config.fetch, lambda *_: None, transport=httpx.MockTransport(handle),
                 window=4)  # fmt: skip
    assert len(finished) == 9
    assert finished["z-quick.example/q.xml"] < 1.0 < max(finished.values())  # 8 x 0.2 s in a row


def test_each_finished_fetch_starts_the_next_without_a_scan_of_every_host(
    tmp_path: Path, store: Store, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real feeds sit on as many hosts as there are feeds. Asking every waiting host
    # whether it may start, at every finished fetch, was 80,000 questions for 400
    # hosts (seconds of the fetch thread's CPU for 10,000); a queue of the hosts that
    # may start asks a few per fetch.
    from digest.fetch.http import HostLimiter

    hosts = 400
    asked: list[str] = []
    real = HostLimiter.per_host

    def counted(self: HostLimiter, host: str) -> int:
        asked.append(host)
        return real(self, host)

    monkeypatch.setattr(HostLimiter, "per_host", counted)
    body = site_feed(1, now)
    fetched: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        fetched.append(request.url.host)
        return httpx.Response(200, content=body)

    sources = [{"name": f"H{n}", "url": f"https://h{n}.example/feed.xml", "kind": "blog"}
               for n in range(hosts)]  # fmt: skip
    config = load(write_config(tmp_path, sources))
    jobs = due_jobs(store, config, now)
    stored: list[int] = []
    stream_feeds(jobs, config.fetch, lambda i, *_: stored.append(i),
                 transport=httpx.MockTransport(handle), window=16)  # fmt: skip
    assert sorted(stored) == list(range(hosts)) and len(set(fetched)) == hosts
    assert len(asked) <= 4 * hosts
