"""Server time and page weight of the review pages at 300, 3,000 and 30,000
candidates, and a scripted week of keyboard triage in chromium.

    .venv/bin/python bench/web.py [--sizes 300,3000,30000] [--requests 10]
    .venv/bin/python bench/web.py --week 100     # key presses and page height, chromium

Builds a temporary database per size (entries stored through the store, summaries
and the draft through the pipeline), then times each page with Starlette's
TestClient (in-process: no network, so this is the app's own time) and reports its
size. Target: the draft page under 100 ms (median) and 200 KB at every size, since
it renders the placed items first and pages the rest.

``--week N`` serves a draft of N candidates on 127.0.0.1 and triages every one of
them from the keyboard in Debian's chromium (/usr/bin/chromium; Playwright never
downloads a browser) in the pending-only view: it prints the key presses used and
the page height before and after.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.app import drafting, summarise
from digest.config import load_config
from digest.store import Store
from digest.types import (
    Config,
    EntryData,
    ExtractPolicy,
    Fetched,
    ParsedFeed,
    Source,
    SourceKind,
)
from digest.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WORDS = (
    "attention sparse benchmark dataset release library toolkit ethics bias fairness "
    "poetry music course tutorial retrieval translation speech reasoning agents safety "
    "privacy evaluation multilingual tokenizer distillation alignment vision robotics"
).split()


def world(tmp: Path, candidates: int) -> tuple[Config, Path]:
    base = load_config(Path(__file__).resolve().parents[1] / "feeds.yaml")
    kinds = [SourceKind.BLOG, SourceKind.NEWS, SourceKind.RELEASE, SourceKind.PODCAST]
    sources = tuple(
        Source(f"https://feeds{n}.example.org/feed.xml", f"Feed {n}", kinds[n % 4],
               extract=ExtractPolicy.NEVER)
        for n in range(20)
    )  # fmt: skip
    config = replace(base, sources=sources)
    rnd = random.Random(7)
    db = tmp / "bench.sqlite"
    with Store.open(db) as store:
        store.sync_sources(sources, now=NOW)
        per_feed = candidates // len(sources)
        for s in sources:
            entries = tuple(
                EntryData(
                    guid=f"{s.url}#{i}",
                    link=f"https://{s.name.replace(' ', '').lower()}.example.org/post/{i}",
                    title=" ".join(rnd.sample(WORDS, 6)).capitalize() + f" {s.name} {i}",
                    published=NOW - timedelta(hours=rnd.uniform(1, 24 * 6)),
                    summary_html="<p>" + " ".join(rnd.choices(WORDS, k=70)) + ".</p>",
                )
                for i in range(per_feed)
            )
            result = Fetched(s.url, s.url, 200, {}, b"")
            store.record_fetch(result, ParsedFeed(s.url, s.name, None, entries), now=NOW,
                               next_fetch_at=NOW + timedelta(hours=1))  # fmt: skip
        summarise.summarise_pending(store, config, now=NOW)
        started = time.perf_counter()
        draft = drafting.build_draft(store, config, now=NOW)
        print(f"build_draft: {len(draft.items())} candidates in "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
    return config, db


def measure(client: TestClient, path: str, requests: int) -> tuple[float, float]:
    client.get(path)  # warm: template compile, first connection
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, round(len(times) * 0.95) - 1)]


def serve(config: Config, db: Path, out: Path) -> tuple[str, Callable[[], None]]:
    """The review app on 127.0.0.1 in a thread: its base URL and how to stop it."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = create_app(config, db, clock=lambda: NOW, out_dir=out)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop


HEIGHT = "document.documentElement.scrollHeight"
FOCUSED = "document.activeElement && document.activeElement.closest('li.item')?.dataset.key"


def scripted_week(config: Config, db: Path, tmp: Path, now: datetime) -> None:
    """Triage every candidate from the keyboard: approve one in three, reject the
    rest, in the pending-only view where each decision lands on the next item."""
    from playwright.sync_api import sync_playwright

    base, stop = serve(config, db, tmp / "out")
    presses, decided, started = 0, 0, time.perf_counter()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--headless"])  # fmt: skip
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/?filter=pending&show=unplaced&limit=5000")
            first = page.evaluate(HEIGHT)
            pending = page.locator("li.item").count()
            heights = [first]
            while page.locator("li.item").count():
                if not page.evaluate(FOCUSED):
                    page.keyboard.press("j")
                    presses += 1
                key = "a" if decided % 3 == 0 else "r"
                with page.expect_navigation():
                    page.keyboard.press(key)
                presses += 1
                decided += 1
                heights.append(page.evaluate(HEIGHT))
            browser.close()
    finally:
        stop()
    took = time.perf_counter() - started
    print(
        f"triaged {decided} of {pending} pending candidates with {presses} key presses "
        f"({presses / max(decided, 1):.2f} per candidate) in {took:.1f} s"
    )
    print(
        f"page height: {first} px at the start, {max(heights)} px at most, "
        f"{heights[-1]} px at the end; {sum(heights) / len(heights):.0f} px on average"
    )


PAGES = ("/", "/?filter=pending", "/?show=unplaced", "/?show=unplaced&limit=1000", "/feeds",
         "/issues", "/search?q=sparse+bias")  # fmt: skip


def weigh(client: TestClient, path: str) -> int:
    return len(client.get(path).content)


def bench_size(candidates: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config, db = world(Path(tmp), candidates)
        app = create_app(config, db, clock=lambda: NOW, out_dir=Path(tmp) / "out")
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            print(f"{'page':<28} {'median ms':>10} {'p95 ms':>8} {'KB':>8}")
            for path in PAGES:
                median, p95 = measure(client, path, requests)
                print(f"{path:<28} {median:>10.1f} {p95:>8.1f} {weigh(client, path) / 1024:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,3000,30000",
                        help="Comma-separated numbers of candidates.")  # fmt: skip
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--week", type=int, default=0,
                        help="Triage this many candidates in chromium instead.")  # fmt: skip
    args = parser.parse_args()
    if args.week:
        with tempfile.TemporaryDirectory() as tmp:
            config, db = world(Path(tmp), args.week)
            scripted_week(config, db, Path(tmp), NOW)
        return
    for size in (int(n) for n in args.sizes.split(",")):
        print(f"\n== {size} candidates ==")
        bench_size(size, args.requests)


if __name__ == "__main__":
    main()
