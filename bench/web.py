"""Server time of the review pages over a draft of ~500 candidates.

    .venv/bin/python bench/web.py [--candidates 500] [--requests 30]

Builds a temporary database (entries stored through the store, summaries and the
draft through the pipeline), then times each page with Starlette's TestClient
(in-process: no network, so this is the app's own time). Target: median < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import warnings
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config, db = world(Path(tmp), args.candidates)
        app = create_app(config, db, clock=lambda: NOW, out_dir=Path(tmp) / "out")
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            print(f"{'page':<22} {'median ms':>10} {'p95 ms':>8}")
            for path in ("/", "/?show=unplaced", "/feeds", "/issues", "/search?q=sparse+bias",
                         "/refresh/status"):  # fmt: skip
                median, p95 = measure(client, path, args.requests)
                print(f"{path:<22} {median:>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
