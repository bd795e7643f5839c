"""Throughput of digest.fetch.http.fetch_feeds against a loopback server.

    .venv/bin/python bench/fetch_http.py [--feeds 200] [--entries 50] [--concurrency 10]

Serves N generated RSS feeds (gzip-compressed, with an ETag) from tests/httpserver.py
on 127.0.0.1, then times a cold run (every feed a 200) and a warm run (every feed a
304, validators sent) of ``fetch_feeds`` with the address guard on and only the
server allowed, and bare httpx as a baseline. Prints feeds/s and MB/s, each the
median of 3 runs. The server runs in a child process (its threads would otherwise
share our GIL); it is a stdlib threaded server, so it is often the bottleneck. All feeds share
one host, so ``per_host`` is raised to ``concurrency`` to measure the client itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from httpserver import LoopbackServer, RequestHandler  # noqa: E402

from digest.fetch.http import fetch_feeds  # noqa: E402
from digest.types import FeedState, Fetched, FetchSettings, NotModified, Source  # noqa: E402
from digest.types import SourceKind as Kind  # noqa: E402


def make_feed(n: int, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} post {i}</title><link>https://example.org/{n}/{i}</link>"
        f"<guid>https://example.org/{n}/{i}</guid><pubDate>Wed, 25 Nov 2026 10:00:00 GMT"
        f"</pubDate><description>{'Lorem ipsum dolor sit amet. ' * 20}</description></item>"
        for i in range(entries)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Feed {n}</title><link>https://example.org/{n}</link>{items}</channel></rss>"
    ).encode()


def serve(server: LoopbackServer, feeds: int, entries: int) -> int:
    """Register the feeds; return the total decoded size in bytes."""
    total = 0
    for n in range(feeds):
        body = make_feed(n, entries)
        total += len(body)
        packed, etag = gzip.compress(body, 6), f'"feed-{n}"'

        def handle(req: RequestHandler, packed: bytes = packed, etag: str = etag) -> None:
            if req.header("If-None-Match") == etag:
                req.send(304, headers={"ETag": etag})
            else:
                req.send(200, packed, {"ETag": etag, "Content-Encoding": "gzip"}, "text/xml")

        server.handler(f"/feed/{n}.xml", handle)
    return total


def timed(jobs: list[tuple[FeedState, Source]], settings: FetchSettings, want: type) -> float:
    start = time.perf_counter()
    results = fetch_feeds(jobs, settings)
    elapsed = time.perf_counter() - start
    bad = [r for r in results if not isinstance(r, want)]
    if bad:
        raise SystemExit(f"{len(bad)} unexpected results, first: {bad[0]}")
    return elapsed


async def plain_httpx(urls: list[str], concurrency: int) -> None:
    """The baseline: bare httpx, no guard, same concurrency, bodies decoded by httpx."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:

        async def one(url: str) -> None:
            async with gate:
                (await client.get(url)).raise_for_status()

        await asyncio.gather(*(one(u) for u in urls))


def timed_plain(urls: list[str], concurrency: int) -> float:
    start = time.perf_counter()
    asyncio.run(plain_httpx(urls, concurrency))
    return time.perf_counter() - start


def server_process(feeds: int, entries: int, conn: Connection) -> None:
    """Serve from a child process so the server threads do not share our GIL."""
    with LoopbackServer() as server:
        size = serve(server, feeds, entries)
        conn.send((server.netloc, size))
        conn.recv()  # block until the parent is done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=server_process, args=(args.feeds, args.entries, child))
    proc.start()
    try:
        netloc, size = parent.recv()
        bench(args, netloc, size)
    finally:
        parent.send("stop")
        proc.join(10)


def bench(args: argparse.Namespace, netloc: str, size: int) -> None:
    settings = FetchSettings(
        allow_hosts=(netloc,), concurrency=args.concurrency, per_host=args.concurrency
    )
    urls = [f"http://{netloc}/feed/{n}.xml" for n in range(args.feeds)]
    cold = [(FeedState(u), Source(u, u, Kind.BLOG)) for u in urls]
    warm = [(FeedState(u, etag=f'"feed-{n}"'), Source(u, u, Kind.BLOG)) for n, u in
            enumerate(urls)]  # fmt: skip
    print(f"{args.feeds} feeds x {args.entries} entries, {size / 1e6:.1f} MB decoded, "
          f"concurrency {args.concurrency}, server in a separate process")  # fmt: skip
    plain = statistics.median(timed_plain(urls, args.concurrency) for _ in range(3))
    print(f"plain httpx baseline (cold, no guard): {plain:.3f} s, {args.feeds / plain:.0f} feeds/s")
    for name, jobs, want in (("cold (200)", cold, Fetched), ("warm (304)", warm, NotModified)):
        seconds = statistics.median(timed(jobs, settings, want) for _ in range(3))
        mb = size / 1e6 / seconds if want is Fetched else 0.0
        print(f"{name}: {seconds:.3f} s median of 3, {args.feeds / seconds:.0f} feeds/s"
              + (f", {mb:.1f} MB/s" if mb else ""))  # fmt: skip


if __name__ == "__main__":
    main()
