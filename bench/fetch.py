"""A whole refresh (fetch, parse, store) of digest against lemon24/reader, same feeds.

    .venv/bin/python bench/fetch.py [--feeds 500] [--entries 50] [--runs 3]
                                    [--kinds blogs|mixed] [--sizes real|small]
                                    [--latency-ms 0]

Generates N feeds of E entries and serves them gzip-compressed with ETags from a
child process on 127.0.0.1, optionally answering each request after ``--latency-ms``.
``--kinds blogs`` (the default): RSS 2.0 and Atom blogs with HTML content
(GitHub release feeds are Atom too). ``--sizes real`` (the default) sizes each blog's
entries like a real feed's: feed n takes its typical entry size from the deciles of
the shared corpus (below), and its entries vary from half to one and a half times
that. ``--sizes small`` gives every blog entry 0.7-2.2 KB, as this benchmark did
before (a quarter of real feeds' entries are that small). ``--kinds mixed``: feeds.yaml's
proportions, one feed in nine an arXiv listing and one a podcast (iTunes tags,
enclosures); both take digest's lxml fast path (a real podcast with Podcasting 2.0 or
media tags goes to feedparser).
Every size goes through digest's one refresh path; ``--feeds 2`` (say) measures a tiny
refresh, whose few bodies the stream parses in-process instead of starting workers.
For each tool, in a fresh subprocess per run (so peak RSS is its own), the tools taking
turns: a cold refresh into an empty database (everything new) and a warm one
(everything 304). Prints medians, feeds/s, entries/s, peak RSS and the digest/reader
ratios, and the cold ratio of each turn.

reader is a benchmark-only dependency: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

PARAGRAPH = (
    "<p>Large language models keep getting better at following instructions, yet the "
    "evaluation of <a href='https://example.org/x'>long-form answers</a> remains hard. "
    "We describe <em>three</em> lessons from a year of running evaluations.</p>"
)
# Bytes of one <item>/<entry> element in the real feeds of ../shared/corpus: each feed's
# median entry, and the 5th, 15th, ..., 95th percentiles of those over 131 feeds
# (median 2.3 KB, mean 4.6 KB; full-content blogs make the long tail).
REAL_ENTRY_BYTES = (568, 866, 1490, 1901, 2298, 3094, 4664, 6176, 8943, 15784)


def kind_of(n: int, kinds: str) -> str:
    if kinds == "mixed" and n % 9 in (1, 2):
        return "arxiv" if n % 9 == 1 else "podcast"
    return "blog"


def make_feed(n: int, entries: int, kind: str = "blog", sizes: str = "real") -> bytes:
    if kind == "arxiv":
        return _arxiv_feed(n, entries)
    if kind == "podcast":
        return _podcast_feed(n, entries)
    if n % 2:
        return _atom_feed(n, entries, sizes)
    items = "".join(
        f"<item><title>Feed {n} post {i}</title><link>https://example.org/{n}/{i}</link>"
        f"<guid>https://example.org/{n}/{i}</guid><pubDate>Wed, 2{i % 6} Nov 2026 10:00:00 GMT"
        f"</pubDate><description>{_escape(_body(n, i, sizes))}</description></item>"
        for i in range(entries)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Feed {n}</title><link>https://example.org/{n}</link>{items}</channel></rss>"
    ).encode()


def _body(n: int, i: int, sizes: str) -> str:
    """Entry i of blog n: ``sizes`` "small" as before, "real" from REAL_ENTRY_BYTES."""
    if sizes == "small":
        return PARAGRAPH * (2 + i % 6)
    typical = REAL_ENTRY_BYTES[n * 3 % len(REAL_ENTRY_BYTES)]  # feeds of both formats
    wanted = typical * (0.5 + (i % 6) / 5) - 250  # the element's other markup: ~250 B
    return PARAGRAPH * max(1, round(wanted / len(_escape(PARAGRAPH))))


def _atom_feed(n: int, entries: int, sizes: str) -> bytes:
    items = "".join(
        f"<entry><id>tag:example.org,2026:{n}/{i}</id><title>Feed {n} post {i}</title>"
        f"<link href='https://example.org/{n}/{i}'/><updated>2026-11-2{i % 6}T10:00:00Z"
        f"</updated><author><name>A. Writer</name></author>"
        f"<content type='html'>{_escape(_body(n, i, sizes))}</content></entry>"
        for i in range(entries)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<id>tag:example.org,2026:{n}</id><title>Feed {n}</title>"
        f"<updated>2026-11-25T10:00:00Z</updated>{items}</feed>"
    ).encode()


def _arxiv_feed(n: int, entries: int) -> bytes:
    """Like rss.arxiv.org's daily listings: one dc:creator for all authors, an abstract."""
    items = "".join(
        f"<item><title>A study of things, part {n}.{i}</title>"
        f"<link>https://arxiv.org/abs/2611.{n:03d}{i:02d}</link>"
        f"<description>arXiv:2611.{n:03d}{i:02d}v1 Announce Type: new \nAbstract: "
        f"{'We study things and find results that matter. ' * 12}</description>"
        f"<guid isPermaLink='false'>oai:arXiv.org:2611.{n:03d}{i:02d}v1</guid>"
        f"<category>cs.CL</category><pubDate>Wed, 25 Nov 2026 00:00:00 -0500</pubDate>"
        f"<arxiv:announce_type>new</arxiv:announce_type>"
        f"<dc:creator>A. Author, B. Author, C. Author</dc:creator></item>"
        for i in range(entries)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss xmlns:arxiv='http://arxiv.org/schemas/atom'"
        " xmlns:dc='http://purl.org/dc/elements/1.1/' version='2.0'><channel>"
        f"<title>cs.CL updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CL</link>"
        f"<description>cs.CL updates</description>{items}</channel></rss>"
    ).encode()


def _podcast_feed(n: int, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Episode {i} of show {n}</title><link>https://pod.example/{n}/{i}</link>"
        f"<guid>pod-{n}-{i}</guid><pubDate>Wed, 2{i % 6} Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>{_escape(PARAGRAPH * 2)}</description>"
        f"<enclosure url='https://pod.example/{n}/{i}.mp3' length='48000000' type='audio/mpeg'/>"
        f"<itunes:duration>00:52:{i % 60:02d}</itunes:duration>"
        f"<itunes:episode>{i}</itunes:episode></item>"
        for i in range(entries)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' "
        "xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'><channel>"
        f"<title>Show {n}</title><link>https://pod.example/{n}</link>"
        f"<itunes:author>Hosts</itunes:author>{items}</channel></rss>"
    ).encode()


def _escape(html: str) -> str:
    return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serve(
    feeds: int,
    entries: int,
    conn: Connection,
    kinds: str = "blogs",
    latency: float = 0.0,
    sizes: str = "real",
) -> None:
    from httpserver import LoopbackServer, RequestHandler

    with LoopbackServer() as server:
        for n in range(feeds):
            body = make_feed(n, entries, kind_of(n, kinds), sizes)
            packed, etag = gzip.compress(body, 6), f'"feed-{n}"'

            def handle(req: RequestHandler, packed: bytes = packed, etag: str = etag) -> None:
                time.sleep(latency)  # the server's thread for this connection only
                if req.header("If-None-Match") == etag:
                    req.send(304, headers={"ETag": etag})
                else:
                    req.send(200, packed, {"ETag": etag, "Content-Encoding": "gzip"},
                             "application/xml")  # fmt: skip

            server.handler(f"/feed/{n}.xml", handle)
        conn.send(server.url("/"))
        conn.recv()  # stop


def run_digest(base: str, feeds: int, workdir: Path, kinds: str = "blogs") -> dict[str, float]:
    from datetime import UTC, datetime, timedelta

    from digest.app.refresh import refresh
    from digest.config import load_config
    from digest.store import Store

    sources = "\n".join(
        f"  - {{name: F{n}, url: '{base}feed/{n}.xml', kind: {kind_of(n, kinds)}}}"
        for n in range(feeds)
    )
    config_path = workdir / "feeds.yaml"
    config_path.write_text(
        "newsletter: {title: Bench, site_url: 'https://example.org/'}\n"
        "sections: [{key: a, title: A}]\n"
        f"fetch: {{allow_hosts: ['{base.split('/')[2]}'], concurrency: 10, per_host: 10}}\n"
        f"sources:\n{sources}\n"
    )
    config = load_config(config_path)
    now = datetime.now(UTC)
    with Store.open(workdir / "digest.sqlite") as store:
        start = time.perf_counter()
        cold = refresh(store, config, now=now, due_only=False)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        refresh(store, config, now=now + timedelta(hours=1), due_only=False)
        warm_s = time.perf_counter() - start
        entries = store.count_entries()
    assert all(o.ok for o in cold), [o for o in cold if not o.ok][:3]
    return {"cold": cold_s, "warm": warm_s, "entries": entries}


def run_reader(base: str, feeds: int, workdir: Path, kinds: str = "blogs") -> dict[str, float]:
    from reader import make_reader

    r = make_reader(str(workdir / "reader.sqlite"))
    for n in range(feeds):
        r.add_feed(f"{base}feed/{n}.xml")
    start = time.perf_counter()
    r.update_feeds(workers=10, scheduled=False)
    cold_s = time.perf_counter() - start
    start = time.perf_counter()
    r.update_feeds(workers=10, scheduled=False)
    warm_s = time.perf_counter() - start
    entries = r.get_entry_counts().total
    r.close()
    return {"cold": cold_s, "warm": warm_s, "entries": entries}


def child(tool: str, base: str, feeds: int, kinds: str) -> None:
    if os.environ.get("BENCH_SKIP_SNIFFIO"):
        # What-if: httpcore imports sniffio on every request and, with anyio >= 4.7 no
        # longer installing it, each failed import walks sys.path (~0.15 ms, several
        # per request). Marking it absent shows what installing sniffio would save.
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        run = run_digest if tool == "digest" else run_reader
        result = run(base, feeds, Path(tmp), kinds)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Largest waited-for child. digest's parse workers are children of the fork server,
    # which is not waited for before this point, so they do not show here (see README).
    result["children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def run_once(tool: str, base: str, feeds: int, kinds: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", tool, "--base", base, "--feeds", str(feeds),
         "--kinds", kinds],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(
    tools: list[str], base: str, feeds: int, runs: int, kinds: str
) -> dict[str, list[dict[str, float]]]:
    """Each tool's runs, taken in turns (digest, reader, digest, ...): this VM's speed
    drifts for tens of seconds at a time, and a tool whose runs all fell in one slow
    stretch would be misjudged."""
    results: dict[str, list[dict[str, float]]] = {tool: [] for tool in tools}
    for _ in range(runs):
        for tool in tools:
            results[tool].append(run_once(tool, base, feeds, kinds))
    return results


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default="digest,reader")
    parser.add_argument("--kinds", choices=("blogs", "mixed"), default="blogs")
    parser.add_argument("--sizes", choices=("real", "small"), default="real",
                        help="blog entries sized like the corpus's, or all small")  # fmt: skip
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="the server waits this long before each answer")  # fmt: skip
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--base", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.base, args.feeds, args.kinds)
        return
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(
        target=_serve,
        args=(args.feeds, args.entries, theirs, args.kinds, args.latency_ms / 1000, args.sizes),
    )
    server.start()
    base = ours.recv()
    try:
        runs = measure(args.tools.split(","), base, args.feeds, args.runs, args.kinds)
    finally:
        ours.send("stop")
        server.join(10)
    figures = {tool: _median(results) for tool, results in runs.items()}
    print(f"{args.feeds} feeds x {args.entries} entries ({args.kinds}, {args.sizes} sizes, "
          f"server latency {args.latency_ms:g} ms), median of {args.runs} runs each, "
          "the tools taking turns")  # fmt: skip
    print(f"{'tool':8} {'cold s':>8} {'feeds/s':>8} {'entries/s':>10} {'warm s':>8} "
          f"{'feeds/s':>8} {'peak MB':>8} {'child MB':>8}")  # fmt: skip
    for tool, f in figures.items():
        print(f"{tool:8} {f['cold']:8.2f} {args.feeds / f['cold']:8.0f} "
              f"{f['entries'] / f['cold']:10.0f} {f['warm']:8.2f} {args.feeds / f['warm']:8.0f} "
              f"{f['peak_mb']:8.0f} {f['children_mb']:8.0f}")  # fmt: skip
    if {"digest", "reader"} <= figures.keys():
        d, r = figures["digest"], figures["reader"]
        print(
            f"digest vs reader: cold {r['cold'] / d['cold']:.1f}x faster, "
            f"warm {r['warm'] / d['warm']:.1f}x faster, "
            f"peak memory {d['peak_mb'] / r['peak_mb']:.2f}x"
        )
        pairs = zip(runs["digest"], runs["reader"], strict=True)
        turns = sorted(theirs["cold"] / ours["cold"] for ours, theirs in pairs)
        print(f"cold, turn by turn: {', '.join(f'{x:.1f}x' for x in turns)}")


if __name__ == "__main__":
    main()
