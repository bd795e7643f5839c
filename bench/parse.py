"""Throughput of digest.parse.parse_feed against plain feedparser over the real corpus.

    .venv/bin/python bench/parse.py [CORPUS_DIR]

Prints feeds/s and MB/s for: plain ``feedparser.parse(BytesIO(body))`` (its own
sanitiser and relative-URI pass on), feedparser with ``sanitize_html=False``, feedparser
with both passes off ("bare", what parse_feed runs), and ``parse_feed`` (bare
feedparser + nh3 sanitising/resolving + our normalisation), each the median of 3 runs
in this one process, and the ratios.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest.errors import ParseError
from digest.parse import parse_feed

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feeds" / "real"


def load(root: Path) -> list[bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".json"))
    files += sorted(p for p in root.rglob("*.json") if not p.name.endswith(".expected.json"))
    return [p.read_bytes() for p in files]


def run(bodies: list[bytes], fn: Callable[[bytes], object]) -> float:
    start = time.perf_counter()
    for body in bodies:
        try:
            fn(body)
        except ParseError:
            pass
    return time.perf_counter() - start


def ours(body: bytes) -> object:
    return parse_feed(body, url="https://example.com/feed.xml")


def plain(body: bytes) -> object:
    return feedparser.parse(io.BytesIO(body))


def unsanitised(body: bytes) -> object:
    return feedparser.parse(io.BytesIO(body), sanitize_html=False)


def bare(body: bytes) -> object:
    return feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    bodies = load(root)
    megabytes = sum(len(b) for b in bodies) / 1e6
    print(f"{len(bodies)} files, {megabytes:.2f} MB from {root}")
    results = {}
    runners = [
        ("feedparser", plain),
        ("feedparser-nosan", unsanitised),
        ("feedparser-bare", bare),
        ("parse_feed", ours),
    ]
    for name, fn in runners:
        seconds = statistics.median(run(bodies, fn) for _ in range(3))
        results[name] = seconds
        print(f"{name:18s} {seconds:7.2f} s  {len(bodies) / seconds:7.1f} feeds/s  "
              f"{megabytes / seconds:6.2f} MB/s")  # fmt: skip
    ratio = results["parse_feed"] / results["feedparser"]
    share = 1 - results["feedparser-nosan"] / results["feedparser"]
    print(f"parse_feed / feedparser time ratio: {ratio:.2f}")
    print(f"feedparser's own sanitiser: {share:.0%} of plain feedparser's time")


if __name__ == "__main__":
    main()
