"""fetch_feeds against a real loopback server, guard on, only that server allowed:
rows F1-F4 and F10-F14 of RELIABILITY.md, each next to a healthy feed."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from httpserver import (
    LoopbackServer,
    RequestHandler,
    drip,
    endless,
    gzip_bomb,
    hang,
    huge_length,
    retry_after,
)

from digest.errors import FetchError
from digest.fetch import http as fetch_module
from digest.fetch.http import fetch_feeds, fetch_pages, make_guard, max_age
from digest.fetch.politeness import next_fetch_at
from digest.types import (
    FeedState,
    Fetched,
    FetchResult,
    FetchSettings,
    NotModified,
    Source,
    SourceKind,
)

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>ok</title></channel></rss>"
MB = 1024 * 1024


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.route("/healthy.xml", body=FEED)
        yield srv


def settings_for(server: LoopbackServer, **kw: object) -> FetchSettings:
    base: dict[str, object] = {
        "allow_hosts": (server.netloc,),
        "allow_content_hosts": (server.netloc,),  # its pages are fetched as content URLs
        "deadline_seconds": 1.0,
        "timeout_seconds": 5.0,  # longer than the deadline: the deadline must cut
        "max_bytes": MB,
    }
    base.update(kw)
    return FetchSettings(**base)  # type: ignore[arg-type]


def job(url: str, **state: object) -> tuple[FeedState, Source]:
    return FeedState(url, **state), Source(url, "test", SourceKind.BLOG)  # type: ignore[arg-type]


def run(server: LoopbackServer, *paths: str, **kw: object) -> list[FetchResult]:
    """Fetch ``paths`` plus the healthy feed; assert the healthy one updated."""
    settings = settings_for(server, **kw)
    jobs = [job(server.url(p)) for p in (*paths, "/healthy.xml")]
    results = fetch_feeds(jobs, settings)
    healthy = results.pop()
    assert isinstance(healthy, Fetched) and healthy.body == FEED
    return results


def code(result: FetchResult) -> str:
    return result.code if isinstance(result, FetchError) else type(result).__name__


# --- F1-F4: bounded time and bytes ------------------------------------------------


def test_f1_f2_never_answering_and_drip_cut_at_total_deadline(server: LoopbackServer) -> None:
    server.handler("/hang", hang)
    server.handler("/drip", drip(0.2))
    started = time.monotonic()
    results = run(server, "/hang", "/drip")
    elapsed = time.monotonic() - started
    assert [code(r) for r in results] == ["timeout", "timeout"]
    assert "within 1 s" in results[1].message  # type: ignore[union-attr]
    assert elapsed < 2.0  # deadline (1 s) plus 1 s


def test_inactivity_timeout_applies_too(server: LoopbackServer) -> None:
    server.handler("/hang", hang)
    (result,) = run(server, "/hang", timeout_seconds=0.2, deadline_seconds=5.0)
    assert code(result) == "timeout"
    assert "sent nothing" in result.message  # type: ignore[union-attr]


def test_f3_endless_body_and_huge_content_length(server: LoopbackServer) -> None:
    server.handler("/endless", endless())
    server.handler("/huge", huge_length())
    results = run(server, "/endless", "/huge")
    assert [code(r) for r in results] == ["too_large", "too_large"]
    assert "Content-Length 10000000000" in results[1].message  # type: ignore[union-attr]


def test_f4_gzip_bombs_stopped_on_decoded_bytes(server: LoopbackServer) -> None:
    server.handler("/bomb", gzip_bomb(50 * MB))
    double = gzip.compress(gzip.compress(bytes(20 * MB)))
    server.route("/double", body=double, headers={"Content-Encoding": "gzip, gzip"})
    results = run(server, "/bomb", "/double")
    assert [code(r) for r in results] == ["too_large", "too_large"]
    assert "decoded" in results[0].message  # type: ignore[union-attr]


def test_f4_bomb_memory_stays_flat(server: LoopbackServer) -> None:
    """The cap is checked every 64 KiB of output, so a 200 MiB bomb never inflates
    beyond the cap plus one step, whatever the raw chunk size."""
    server.handler("/bomb", gzip_bomb(200 * MB))
    tracemalloc.start()
    try:
        (result,) = run(server, "/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code(result) == "too_large"
    assert peak < 12 * MB


def test_compressed_feeds_are_decoded(server: LoopbackServer) -> None:
    server.route("/gz", body=gzip.compress(FEED), headers={"Content-Encoding": "gzip"})
    server.route("/zlib", body=zlib.compress(FEED), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    server.route(
        "/raw", body=raw.compress(FEED) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    server.route("/bad", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    server.route("/br", body=b"....", headers={"Content-Encoding": "br"})
    results = run(server, "/gz", "/zlib", "/raw", "/bad", "/br")
    assert [r.body for r in results[:3]] == [FEED] * 3  # type: ignore[union-attr]
    assert "content-encoding" not in results[0].headers  # type: ignore[union-attr]
    assert [code(r) for r in results[3:]] == ["http_error", "http_error"]
    assert server.headers_for("/gz")[0]["accept-encoding"] == "gzip, deflate"


def test_multi_member_gzip_and_trailing_junk(server: LoopbackServer) -> None:
    half = len(FEED) // 2
    members = gzip.compress(FEED[:half]) + gzip.compress(FEED[half:])
    server.route("/members", body=members, headers={"Content-Encoding": "gzip"})
    padded = gzip.compress(FEED) + b"\0" * 16
    server.route("/padded", body=padded, headers={"Content-Encoding": "gzip"})
    results = run(server, "/members", "/padded")
    assert [r.body for r in results] == [FEED, FEED]  # type: ignore[union-attr]


def test_per_source_max_bytes_override(server: LoopbackServer) -> None:
    server.route("/podcast.xml", body=b"x" * (2 * MB))
    url = server.url("/podcast.xml")
    big = Source(url, "podcast", SourceKind.PODCAST, max_bytes=4 * MB)
    jobs = [(FeedState(url), big), job(url), job(server.url("/healthy.xml"))]
    results = fetch_feeds(jobs, settings_for(server))
    assert [code(r) for r in results] == ["Fetched", "too_large", "Fetched"]


def test_oversized_headers_refused(server: LoopbackServer) -> None:
    server.route("/headers", body=FEED, headers={"X-Junk": "x" * 200_000})
    (result,) = run(server, "/headers")
    assert code(result) == "connection"


# --- F10: permanent vs temporary redirects --------------------------------------------


def test_f10_permanent_redirect_only_for_301_308_chains(server: LoopbackServer) -> None:
    server.redirect("/p301", "/healthy.xml", 301)
    server.redirect("/p308", "/p301", 308)
    server.redirect("/t302", "/healthy.xml", 302)
    server.redirect("/t307", "/healthy.xml", 307)
    server.redirect("/mixed", "/t302", 301)
    results = run(server, "/p301", "/p308", "/t302", "/t307", "/mixed")
    final = server.url("/healthy.xml")
    assert [r.permanent_redirect for r in results] == [final, final, None, None, None]  # type: ignore[union-attr]
    assert all(r.final_url == final for r in results)  # type: ignore[union-attr]
    assert results[0].url == server.url("/p301")


# --- F11, F12: rate limits ----------------------------------------------------------------


def test_f11_retry_after_and_http_date(server: LoopbackServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=600)
    server.handler("/429", retry_after(429, "120"))
    server.handler("/503", retry_after(503, format_datetime(when, usegmt=True)))
    server.handler("/forever", retry_after(429, "99999999"))
    results = run(server, "/429", "/503", "/forever")
    assert [code(r) for r in results] == ["rate_limited"] * 3
    waits = [r.retry_after for r in results]  # type: ignore[union-attr]
    assert waits[0] == 120
    assert waits[1] is not None and 590 <= waits[1] <= 600
    assert waits[2] == 24 * 3600


def test_f11_next_fetch_honours_retry_after_end_to_end(server: LoopbackServer) -> None:
    server.handler("/429", retry_after(429, "120"))
    url = server.url("/429")
    state, source = job(url)
    (result, _) = fetch_feeds(
        [(state, source), job(server.url("/healthy.xml"))], settings_for(server)
    )
    now = datetime.now(UTC)
    when = next_fetch_at(result, state, source, settings_for(server), now=now)
    assert when >= now + timedelta(seconds=120)
    assert when <= now + timedelta(hours=24)


def test_f12_rate_limited_without_header_is_one_get(server: LoopbackServer) -> None:
    server.route("/429", status=429, body=b"no")
    (result,) = run(server, "/429")
    assert isinstance(result, FetchError) and result.code == "rate_limited"
    assert result.retry_after is None and result.status == 429
    assert server.hits["/429"] == 1  # no retry inside a run


# --- F13: conditional GET -----------------------------------------------------------------


def test_f13_conditional_get_sends_validators_and_maps_304(server: LoopbackServer) -> None:
    lm = "Wed, 25 Nov 2026 10:00:00 GMT"
    server.route("/etag", body=FEED, etag='"v1"', headers={"Cache-Control": "max-age=900"})
    server.route("/lm", body=FEED, last_modified=lm)
    server.route("/ignores", body=FEED)  # a server that never answers 304
    settings = settings_for(server)
    cold = fetch_feeds([job(server.url("/etag")), job(server.url("/lm"))], settings)
    assert [(r.etag, r.last_modified) for r in cold] == [('"v1"', None), (None, lm)]  # type: ignore[union-attr]
    warm = fetch_feeds(
        [
            job(server.url("/etag"), etag='"v1"'),
            job(server.url("/lm"), last_modified=lm),
            job(server.url("/ignores"), etag='"old"', last_modified=lm),
            job(server.url("/healthy.xml")),
        ],
        settings,
    )
    assert [code(r) for r in warm] == ["NotModified", "NotModified", "Fetched", "Fetched"]
    assert warm[0] == NotModified(server.url("/etag"), etag='"v1"', max_age_seconds=900.0)
    assert warm[1] == NotModified(server.url("/lm"), last_modified=lm)
    sent = server.headers_for("/ignores")[0]
    assert sent["if-none-match"] == '"old"' and sent["if-modified-since"] == lm
    assert "if-none-match" not in server.headers_for("/etag")[0]  # cold run: nothing to send


def test_f13_changing_etag_is_returned(server: LoopbackServer) -> None:
    counter = iter(range(1, 100))

    def fresh(req: RequestHandler) -> None:
        req.send(200, FEED, {"ETag": f'"{next(counter)}"'}, "application/rss+xml")

    server.handler("/churn", fresh)
    (result,) = fetch_feeds([job(server.url("/churn"), etag='"0"')], settings_for(server))
    assert isinstance(result, Fetched) and result.etag == '"1"'


def test_pages_get_no_conditional_headers_and_reject_a_stray_304(server: LoopbackServer) -> None:
    server.route("/page", status=304)
    server.route("/article", body=b"<html><p>hi</p></html>", content_type="text/html")
    page, article = fetch_pages([server.url("/page"), server.url("/article")], settings_for(server))
    assert isinstance(page, FetchError) and page.code == "http_error" and page.status == 304
    assert isinstance(article, Fetched) and article.headers["content-type"] == "text/html"
    sent = server.headers_for("/article")[0]
    assert "if-none-match" not in sent and sent["accept"].startswith("text/html")


# --- F14: typed errors ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_f14_http_errors_and_refused(server: LoopbackServer) -> None:
    server.route("/gone", status=410)
    server.route("/boom", status=500)
    server.route("/teapot", status=418)
    port = free_port()
    refused = f"http://127.0.0.1:{port}/feed"
    settings = settings_for(server, allow_hosts=(server.netloc, f"127.0.0.1:{port}"))
    paths = ("/missing", "/gone", "/boom", "/teapot", "/healthy.xml")
    jobs = [job(server.url(p)) for p in paths] + [job(refused)]
    results = fetch_feeds(jobs, settings)
    assert [code(r) for r in results] == [
        "not_found", "gone", "http_error", "http_error", "Fetched", "connection",
    ]  # fmt: skip
    assert [getattr(r, "status", None) for r in results[:4]] == [404, 410, 500, 418]


# --- politeness of the client ---------------------------------------------------------


def test_user_agent_accept_and_results_in_order(server: LoopbackServer) -> None:
    for i in range(5):
        server.route(f"/f{i}", body=FEED + str(i).encode())
    seen: list[str] = []
    settings = settings_for(server, user_agent="digest-test/1 (+mailto:x@example.org)")
    jobs = [job(server.url(f"/f{i}")) for i in range(5)]
    results = fetch_feeds(jobs, settings, on_result=lambda r: seen.append(r.url))
    assert [r.body[-1:] for r in results] == [str(i).encode() for i in range(5)]  # type: ignore[union-attr]
    assert sorted(seen) == sorted(j[0].url for j in jobs)
    headers = server.headers_for("/f0")[0]
    assert headers["user-agent"] == "digest-test/1 (+mailto:x@example.org)"
    assert "application/rss+xml" in headers["accept"]


def test_callback_error_surfaces_after_all_fetches(server: LoopbackServer) -> None:
    def explode(result: FetchResult) -> None:
        raise RuntimeError("store is down")

    with pytest.raises(RuntimeError, match="store is down"):
        fetch_feeds([job(server.url("/healthy.xml"))] * 3, settings_for(server), on_result=explode)
    assert server.hits["/healthy.xml"] == 3


def concurrency_probe(server: LoopbackServer, path: str, delay: float = 0.15) -> list[int]:
    """A route that records how many requests were in flight at once."""
    state = {"now": 0}
    peaks: list[int] = []
    lock = threading.Lock()

    def slow(req: RequestHandler) -> None:
        with lock:
            state["now"] += 1
            peaks.append(state["now"])
        time.sleep(delay)
        with lock:
            state["now"] -= 1
        req.send(200, FEED, content_type="application/rss+xml")

    server.handler(path, slow)
    return peaks


@pytest.mark.parametrize(("concurrency", "per_host", "peak"), [(10, 2, 2), (3, 10, 3)])
def test_global_and_per_host_concurrency(
    server: LoopbackServer, concurrency: int, per_host: int, peak: int
) -> None:
    peaks = concurrency_probe(server, "/slow")
    settings = settings_for(server, concurrency=concurrency, per_host=per_host)
    results = fetch_feeds([job(server.url(f"/slow?n={i}")) for i in range(8)], settings)
    assert all(isinstance(r, Fetched) for r in results)
    assert max(peaks) == peak


def test_arxiv_hosts_one_at_a_time_with_a_gap(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "SLOW_HOSTS", {"arxiv.org": 0.3})
    peaks = concurrency_probe(server, "/rss/cs.CL", delay=0.05)
    settings = settings_for(server, allow_hosts=(f"export.arxiv.org:{server.port}",), per_host=4)
    guard = make_guard(settings, resolver=lambda host, port: ["127.0.0.1"])
    url = f"http://export.arxiv.org:{server.port}/rss/cs.CL"
    started = time.monotonic()
    results = fetch_feeds([job(url), job(url), job(url)], settings, guard=guard)
    assert all(isinstance(r, Fetched) for r in results)
    assert max(peaks) == 1
    assert time.monotonic() - started >= 0.6
    assert server.headers_for("/rss/cs.CL")[0]["host"] == f"export.arxiv.org:{server.port}"


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("https://bücher.example/a", "https://XN--BCHER-KVA.example/b", True),  # one IDN host
        ("http://Example.org:8080/a", "https://user@example.org/b", True),  # case, port, user
        ("https://example.org/a", "https://example.net/b", False),
    ],
)
def test_a_host_has_one_politeness_slot_however_its_urls_spell_it(
    first: str, second: str, shared: bool
) -> None:
    async def second_waits() -> bool:
        limiter = fetch_module.HostLimiter(FetchSettings(concurrency=10, per_host=1))
        async with limiter.slot(first):
            entered = asyncio.Event()

            async def take() -> None:
                async with limiter.slot(second):
                    entered.set()

            other = asyncio.ensure_future(take())
            for _ in range(5):  # let it run to its wait, or through its slot
                await asyncio.sleep(0)
            waited = not entered.is_set()
        await other
        return waited

    assert asyncio.run(second_waits()) is shared


# --- freshness headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"cache-control": "public, max-age=3600"}, 3600.0),
        ({"cache-control": 'max-age="60"'}, 60.0),
        ({"cache-control": "no-cache, max-age=3600"}, None),
        ({"expires": "Thu, 26 Nov 2026 13:00:00 GMT"}, 3600.0),
        (
            {"expires": "Thu, 26 Nov 2026 13:00:00 GMT", "date": "Thu, 26 Nov 2026 12:30:00 GMT"},
            1800.0,
        ),
        ({"expires": "0"}, None),
        ({"expires": "Thu, 01 Jan 2026 00:00:00 GMT"}, 0.0),
        ({}, None),
    ],
)
def test_max_age(headers: dict[str, str], seconds: float | None, now: datetime) -> None:
    assert max_age(headers, now) == seconds


def test_gzip_without_content_encoding_is_sniffed_under_the_same_cap(
    server: LoopbackServer,
) -> None:
    """ADR 0011 (bodies): a .gz file served as is, with no Content-Encoding, is found
    by its magic bytes and inflated under the same decoded-byte cap."""
    server.route("/feed.xml.gz", body=gzip.compress(FEED))
    server.route("/bomb.gz", body=gzip.compress(bytes(20 * MB)))
    server.route("/plain", body=b"\x1f not gzip")
    results = run(server, "/feed.xml.gz", "/bomb.gz", "/plain")
    assert results[0].body == FEED  # type: ignore[union-attr]
    assert code(results[1]) == "too_large"
    assert results[2].body == b"\x1f not gzip"  # type: ignore[union-attr]
