"""Benchmark: `digest draft build` as the editor runs it (issue #22, ADR 0016).

1. Growth: the reference workload (../shared/bench/gen_feeds.py --base-date now, so a
   week of entries are candidates) at 100, 500 and 2,000 feeds, served on loopback;
   `digest fetch --no-summaries`, then `digest draft build` twice (the first build of
   the week, then a rebuild), each a fresh process of .venv/bin/digest, measured by
   ../shared/bench/tree_peak.py (wall time, peak PSS of the process tree). Medians of
   --runs, each first build on a fresh copy of the fetched database.
2. Archive size: the same window of candidates over 10,000 and 1,000,000 stored
   entries outside it (inserted straight into SQLite through the store's schema);
   the build should not notice the archive (target: within 1.5x).

Targets: 30,000 candidates built in under 5 s and 300 MB, first build and rebuild.

    .venv/bin/python bench/draft.py [--sizes 100,500,2000] [--runs 3] [--archive 10000,1000000]
                                    [--skip-growth] [--skip-archive]

Generated feeds and archives are cached under $TMPDIR/digest-draftbench (by date, as
the window moves with it). Timings are noisy on a shared machine: quote medians and
ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
DIGEST = ROOT / ".venv" / "bin" / "digest"
CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "digest-draftbench"
TARGET_SECONDS, TARGET_MB, TARGET_CANDIDATES, TARGET_RATIO = 5.0, 300.0, 30_000, 1.5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,500,2000", help="feed counts, comma-separated")
    ap.add_argument("--entries", type=int, default=50, help="entries a feed")
    ap.add_argument("--runs", type=int, default=3, help="builds measured per size (median)")
    ap.add_argument("--archive", default="10000,1000000", help="stored entries: small,large")
    ap.add_argument("--window", type=int, default=5000, help="candidates in the archive test")
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument("--skip-archive", action="store_true")
    a = ap.parse_args()
    if not DIGEST.exists():
        sys.exit(f"no {DIGEST}: run `make .venv/.installed` first")
    CACHE.mkdir(parents=True, exist_ok=True)
    if not a.skip_growth:
        growth([int(n) for n in a.sizes.split(",")], a.entries, a.runs)
    if not a.skip_archive:
        small, large = (int(n) for n in a.archive.split(","))
        archive(small, large, a.window, a.runs)


# --- measuring a fresh process --------------------------------------------------------


def measure(*args: str | Path) -> tuple[float, float]:
    """(wall seconds, peak MB of the process tree) of one run of digest; its CPU
    seconds (user + system, tree_peak's sampling included) go to CPU_SECONDS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            [sys.executable, SHARED / "tree_peak.py", out.name, "--", DIGEST, *args],
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"digest {' '.join(map(str, args))} failed:\n{done.stderr[-2000:]}")
        wall, peak_kb = Path(out.name).read_text().split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return float(wall), int(peak_kb) / 1024


# CPU seconds of each measured run: on a busy machine wall time waits for a core.
CPU_SECONDS: list[float] = []


def candidates(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM draft_items WHERE draft_key = "
            "(SELECT key FROM drafts ORDER BY key DESC LIMIT 1)"
        ).fetchone()
    return int(row[0])


def builds(config: Path, fetched: Path, runs: int) -> tuple[list[float], ...]:
    """First build and rebuild, ``runs`` times, each first build on a fresh copy."""
    first_s, first_mb, again_s, again_mb, first_cpu, again_cpu = [], [], [], [], [], []
    work = fetched.with_name("work.sqlite")
    for _ in range(runs):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(fetched, work)
        for seconds, mb, cpu in (first_s, first_mb, first_cpu), (again_s, again_mb, again_cpu):
            s, m = measure("--config", config, "--db", work, "draft", "build")
            seconds.append(s)
            mb.append(m)
            cpu.append(CPU_SECONDS[-1])
    return first_s, first_mb, again_s, again_mb, first_cpu, again_cpu


# --- 1. growth: the reference workload at several sizes ---------------------------------


def workload(feeds: int, entries: int) -> Path:
    """gen_feeds.py output at ``feeds`` feeds, dated today (a smaller workload is a
    prefix of a larger one, so the largest size asked for is generated once)."""
    today = datetime.now(UTC).strftime("%Y%m%d")
    data = CACHE / f"feeds-{feeds}-{entries}-{today}"
    if not (data / "manifest.json").exists():
        print(f"generating {feeds} feeds x {entries} entries into {data} ...", flush=True)
        subprocess.run(
            [sys.executable, SHARED / "gen_feeds.py", "--out", data, "--feeds", str(feeds),
             "--entries", str(entries), "--base-date", "now"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return data


@contextmanager
def serving(data: Path, run: Path) -> Iterator[str]:
    port_file = run / "port"
    server = subprocess.Popen(
        [sys.executable, SHARED / "serve.py", "--dir", data, "--port-file", port_file,
         "--max-seconds", "7200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        else:
            sys.exit("serve.py did not start")
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        server.terminate()
        server.wait()


def feeds_yaml(path: Path, sources: list[tuple[str, str]]) -> None:
    lines = [
        "newsletter:\n  title: Bench\n  site_url: https://example.org/\n  language: en",
        "sections:\n  - key: articles\n    title: Articles",
        "fetch:\n  allow_hosts: ['127.0.0.1']",
        "sources:",
    ]
    lines += [f"  - name: {name}\n    url: {url}\n    kind: blog" for name, url in sources]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def growth(sizes: list[int], entries: int, runs: int) -> None:
    data = workload(max(sizes), entries)
    files = [f["name"] for f in json.loads((data / "manifest.json").read_text())["files"]]
    rows = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp, serving(data, Path(tmp)) as base:
        for size in sorted(sizes):
            run = Path(tmp) / str(size)
            run.mkdir()
            config, fetched = run / "feeds.yaml", run / "fetched.sqlite"
            feeds_yaml(config, [(name, f"{base}/feeds/{name}") for name in files[:size]])
            fetch_s, _ = measure("--config", config, "--db", fetched, "fetch",
                                        "--no-summaries")  # fmt: skip
            first_s, first_mb, again_s, again_mb, first_cpu, again_cpu = builds(
                config, fetched, runs
            )
            count = candidates(fetched.with_name("work.sqlite"))
            rows.append(
                (size, count, fetch_s, first_s, again_s, first_mb, again_mb, first_cpu, again_cpu)
            )
            print(f"  {size} feeds: {count} candidates, first {first_s} s, rebuild "
                  f"{again_s} s", flush=True)  # fmt: skip
    print(f"\n`digest draft build` (fresh processes, median of {runs}; fetch --no-summaries)")
    print(f"{'feeds':>6} {'candidates':>10} {'fetch s':>8} {'first s':>8} {'rebuild s':>9} "
          f"{'first MB':>8} {'rebuild MB':>10} {'first cpu':>9} {'rebuild cpu':>11}")  # fmt: skip
    med = statistics.median
    for size, count, fetch_s, fs, rs, fm, rm, fc, rc in rows:
        print(f"{size:>6} {count:>10,} {fetch_s:>8.1f} {med(fs):>8.2f} {med(rs):>9.2f} "
              f"{med(fm):>8.0f} {med(rm):>10.0f} {med(fc):>9.2f} {med(rc):>11.2f}")  # fmt: skip
    size, count, _, fs, rs, fm, rm, _, _ = rows[-1]
    worst_s, worst_mb = max(med(fs), med(rs)), max(med(fm), med(rm))
    ok = worst_s < TARGET_SECONDS and worst_mb < TARGET_MB
    print(f"target at ~{TARGET_CANDIDATES:,} candidates: < {TARGET_SECONDS:g} s and "
          f"< {TARGET_MB:g} MB; at {count:,}: {worst_s:.2f} s ({worst_s / TARGET_SECONDS:.2f} "
          f"of the target), {worst_mb:.0f} MB ({worst_mb / TARGET_MB:.2f}): "
          f"{'met' if ok else 'NOT met'}")  # fmt: skip


# --- 2. archive size: the same window over a small and a large archive -----------------

ARCHIVE_FEEDS = 200
_WORDS = [f"w{i}" for i in range(3000)] + ["language", "model", "agents", "benchmark"]


def archive(small: int, large: int, window: int, runs: int) -> None:
    now = datetime.now(UTC)
    times = {}
    for size in (small, large):
        db, config = archive_db(size, window, now)
        work = db.with_name(f"work-{size}.sqlite")
        shutil.copyfile(db, work)
        walls = [measure("--config", config, "--db", work, "draft", "build")[0]
                 for _ in range(runs)]  # fmt: skip
        times[size] = statistics.median(walls)
        print(f"  {size:,} archived + {window:,} in the window: build {walls} s "
              f"({candidates(work):,} candidates)", flush=True)  # fmt: skip
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    ratio = times[large] / times[small]
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"\narchive size: {small:,} -> {large:,} stored entries, build "
          f"{times[small]:.2f} s -> {times[large]:.2f} s: x{ratio:.2f} "
          f"(target within x{TARGET_RATIO:g}: {verdict})")  # fmt: skip


def archive_db(size: int, window: int, now: datetime) -> tuple[Path, Path]:
    """A database of ``size`` entries first seen 30 to 400 days ago plus ``window``
    entries of the last six days, and its feeds.yaml (the feeds are never fetched)."""
    day = now.strftime("%Y%m%d")
    db = CACHE / f"archive-{size}-{window}-{day}.sqlite"
    config = CACHE / f"archive-{ARCHIVE_FEEDS}.yaml"
    feeds = [f"https://feeds{i}.example/rss" for i in range(ARCHIVE_FEEDS)]
    feeds_yaml(config, [(f"feed{i}", url) for i, url in enumerate(feeds)])
    if db.exists():
        return db, config
    print(f"writing {size:,} archived entries into {db} ...", flush=True)
    sys.path.insert(0, str(ROOT))
    from digest.config import load_config
    from digest.store import Store

    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with Store.open(partial) as store:
        store.sync_sources(load_config(config).sources, now=now - timedelta(days=400))
    rnd = random.Random(size)
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(INSERT, (_row(rnd, i, feeds, now, old=True) for i in range(size)))
    fixed = random.Random(0)  # the same window over either archive
    conn.executemany(INSERT, (_row(fixed, size + i, feeds, now, old=False) for i in range(window)))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    partial.rename(db)
    return db, config


INSERT = (
    "INSERT INTO entries (feed_url, guid, link, canonical, title, published, first_seen, "
    "last_seen, summary_html, content_html, content_hash, links) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _row(rnd: random.Random, i: int, feeds: list[str], now: datetime, *, old: bool) -> tuple:
    feed = feeds[i % len(feeds)]
    age = timedelta(days=rnd.uniform(30, 400) if old else rnd.uniform(0, 6))
    when = (now - age).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    title = " ".join(rnd.choices(_WORDS, k=rnd.randint(5, 11)))
    link = f"https://site{i % 997}.example/posts/{i}"
    paper = f"https://arxiv.org/abs/2611.{rnd.randrange(10000, 14000)}"
    summary = f"<p>{title}. " + " ".join(rnd.choices(_WORDS, k=60)) + "</p>"
    links = json.dumps([link, paper] if rnd.random() < 0.2 else [link])
    digest = hashlib.sha256(f"{i}".encode()).hexdigest()
    return (feed, f"g{i}", link, link, title, when, when, when, summary, "", digest, links)


if __name__ == "__main__":
    main()
