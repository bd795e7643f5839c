"""Soak test: the scheduler, a cron-style fetch loop and a scripted editor on one
database for a set number of minutes, with kill -9 of the fetcher at random points.

    .venv/bin/python bench/soak.py [--minutes 1] [--seed 1] [--feeds 150] [--entries 40]

Everything stays on loopback: a local server (its own process) serves generated
feeds whose newest entries change every few seconds, and the article pages they
link to. Then, each in its own process as in production:

- the scheduler: `digest run` with a one-minute tick (due feeds, summaries);
- cron: `digest fetch --all` run back to back; a seeded random half of the runs is
  killed with SIGKILL at a random moment (mid-fetch, mid-commit, mid-summaries);
- the web page: `digest serve`, driven by a scripted editor (this process) that
  approves, rejects and resets random items with a short think time, while a
  second editor rebuilds the draft every 45 seconds.

At the end it prints decisions made and found in the database (the difference is
lost decisions), entries stored, "database is locked" errors that reached a user
(a 503 on the page, a storage_busy line from a command, or in the daemon's log),
tracebacks in any process's output, and the editor's decision latency
percentiles. The exit status is 1 when a decision was lost or a traceback seen.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
DIGEST = [sys.executable, "-m", "digest"]
WORDS = (
    "attention sparse benchmark dataset release library toolkit ethics bias fairness "
    "poetry music course tutorial retrieval translation speech reasoning agents safety "
    "privacy evaluation multilingual tokenizer distillation alignment vision robotics"
).split()
NEW_ENTRY_EVERY = 20.0  # seconds: each feed gains an entry this often
LOCKED = re.compile(r"storage_busy|database is (locked|busy)", re.IGNORECASE)


# --- the loopback feed server (its own process) ---------------------------------------


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def feed_body(port: int, feed: int, entries: int, started: float) -> bytes:
    """Feed ``feed`` as it looks now: ``entries`` items, the newest appearing over time."""
    newest = int((time.time() - started) / NEW_ENTRY_EVERY) + entries
    now = datetime.now(UTC)
    items = []
    for n in range(newest, newest - entries, -1):
        rng = random.Random(feed * 100_003 + n)
        link = f"http://127.0.0.1:{port}/a/{feed}/{n}.html"
        when = now - timedelta(hours=(newest - n) * 3)
        items.append(
            f"<item><title>{escape(_words(rng, 7))}</title><link>{link}</link>"
            f"<guid>{link}</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(_words(rng, 60))}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Soak feed {feed}</title><link>http://127.0.0.1:{port}/</link>"
        f"<description>soak</description>{''.join(items)}</channel></rss>"
    ).encode()


def article_body(path: str) -> bytes:
    rng = random.Random(path)
    paragraphs = "".join(f"<p>{_words(rng, 80)}.</p>" for _ in range(6))
    return (f"<html><head><title>{_words(rng, 6)}</title></head><body><article>"
            f"<h1>{_words(rng, 6)}</h1>{paragraphs}</article></body></html>").encode()  # fmt: skip


def serve_feeds(port_box: multiprocessing.SimpleQueue, entries: int) -> None:  # type: ignore[type-arg]
    started = time.time()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            port = self.server.server_address[1]
            match = re.fullmatch(r"/f/(\d+)\.xml", self.path)
            if match:
                body, kind = feed_body(port, int(match[1]), entries, started), "application/rss+xml"
            elif self.path.startswith("/a/"):
                body, kind = article_body(self.path), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a fetcher killed mid-request resets its connections: expected here

    server = Server(("127.0.0.1", 0), Handler)
    port_box.put(server.server_address[1])
    server.serve_forever()


# --- the world ---------------------------------------------------------------------------


def write_config(folder: Path, port: int, feeds: int) -> Path:
    yaml = YAML(typ="rt")
    data = yaml.load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    data["sources"] = [
        {"name": f"Soak {i}", "url": f"http://127.0.0.1:{port}/f/{i}.xml", "kind": "blog",
         "interval": "1m"}
        for i in range(feeds)
    ]  # fmt: skip
    origin = f"127.0.0.1:{port}"  # feeds and their article pages (/a/...) on purpose
    data["fetch"].update(allow_hosts=[origin], allow_content_hosts=[origin], min_interval="1m",
                         per_host=8, timeout=10, deadline=60)  # fmt: skip
    data["schedule"]["tick"] = "1m"
    data["publish"]["output_dir"] = str(folder / "public")
    path = folder / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Tally:
    made: int = 0
    conflicts: int = 0
    refused: int = 0
    locked_web: int = 0
    latencies: list[float] = field(default_factory=list)
    decided_at: list[float] = field(default_factory=list)  # when each decision was sent
    rebuilds: list[float] = field(default_factory=list)
    rebuilding: list[tuple[float, float]] = field(default_factory=list)  # (start, end)
    fetch_runs: int = 0
    killed: int = 0
    turned_away: int = 0
    locked_cli: int = 0
    tracebacks: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- the actors ----------------------------------------------------------------------------


def cron_loop(base: list[str], logs: Path, until: float, rng: random.Random, tally: Tally) -> None:
    """`digest fetch --all` back to back; half of the runs get a SIGKILL at a random time."""
    n = 0
    while time.monotonic() < until:
        n += 1
        log = logs / f"fetch-{n:04d}.log"
        with log.open("wb") as out:
            child = subprocess.Popen([*base, "fetch", "--all"], stdout=out, stderr=out)
            kill_at = rng.uniform(0.3, 12.0) if rng.random() < 0.5 else None
            limit = kill_at if kill_at is not None else until - time.monotonic() + 120
            try:
                child.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)  # the point of the soak: a crash mid-run
                child.wait()
                tally.killed += 1
        text = log.read_text(encoding="utf-8", errors="replace")
        tally.fetch_runs += 1
        tally.turned_away += "another run is in progress" in text
        tally.locked_cli += len(LOCKED.findall(text))
        if "Traceback" in text:
            tally.tracebacks += text.count("Traceback")
            tally.errors.append(f"{log.name}: {text.strip().splitlines()[-1][:200]}")
        time.sleep(rng.uniform(0.0, 2.0))


def editor(url: str, until: float, rng: random.Random, tally: Tally) -> None:
    """Approve, reject and reset random items, reading each for a moment."""
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < until:
            page = client.get("/")
            if page.status_code == 503:
                tally.locked_web += bool(LOCKED.search(page.text))
                time.sleep(1)
                continue
            csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
            items = re.findall(r'name="item" value="([^"]+)">\s*<input type="hidden" '
                               r'name="version" value="(\d+)"', page.text)  # fmt: skip
            draft = re.search(r'name="draft" value="([^"]+)"', page.text)
            if not (csrf and items and draft):
                time.sleep(1)
                continue
            versions = dict(items)  # as the page's script keeps them after each answer
            for _ in range(5):
                key = rng.choice(list(versions))
                form = {"csrf": csrf[1], "draft": draft[1], "item": key,
                        "version": versions[key],
                        "op": rng.choice(["approve", "reject", "reset"])}  # fmt: skip
                versions[key] = str(int(versions[key]) + decide(client, form, tally))
                time.sleep(rng.uniform(0.2, 0.8))  # the editor reads the next item
                if time.monotonic() >= until:
                    return


def rebuilder(url: str, until: float, every: float, tally: Tally) -> None:
    """A second editor (another tab) rebuilding the draft while the first decides."""
    with httpx.Client(base_url=url, timeout=300) as client:
        while time.monotonic() + every < until:
            time.sleep(every)
            page = client.get("/")
            csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
            if not csrf:
                tally.locked_web += page.status_code == 503
                continue
            began = time.perf_counter()
            answer = client.post("/draft/build", data={"csrf": csrf[1]})
            tally.rebuilds.append(time.perf_counter() - began)
            tally.rebuilding.append((began, time.perf_counter()))
            tally.locked_web += answer.status_code == 503


def decide(client: httpx.Client, form: dict[str, str], tally: Tally) -> int:
    """One decision on the review page; how many decisions it recorded."""
    began = time.perf_counter()
    answer = client.post("/decide", data=form, headers={"x-requested-with": "fetch"})
    tally.latencies.append(time.perf_counter() - began)
    tally.decided_at.append(began)
    if answer.status_code == 200:
        made = int(answer.json().get("decisions", 0))
        tally.made += made
        return made
    if answer.status_code == 409:
        tally.conflicts += 1  # the item changed (a rebuild): the page says reload
    elif answer.status_code == 503:
        tally.locked_web += 1
    else:
        tally.refused += 1
        tally.errors.append(f"decide {answer.status_code}: {answer.text[:200]}")
    return 0


# --- the run -------------------------------------------------------------------------------


def count_tracebacks(path: Path, tally: Tally) -> None:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    if "Traceback" in text:
        tally.tracebacks += text.count("Traceback")
        tally.errors.append(f"{path.name}: {text[text.index('Traceback') :][:600]}")
    tally.locked_cli += len(LOCKED.findall(text))


def found_in_database(db: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        decisions = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
        entries = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    return int(decisions), int(entries)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--feeds", type=int, default=150)
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the run's files here.")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="digest-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)

    box: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve_feeds, args=(box, args.entries), daemon=True)
    server.start()
    port = box.get()
    config = write_config(folder, port, args.feeds)
    db = folder / "digest.sqlite"
    base = [*DIGEST, "--config", str(config), "--db", str(db)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    tally = Tally()

    print(f"soak: {args.feeds} feeds x {args.entries} entries on 127.0.0.1:{port}, "
          f"{args.minutes} min, seed {args.seed}, files in {folder}", flush=True)  # fmt: skip
    began = time.perf_counter()
    subprocess.run([*base, "fetch", "--all", "--no-summaries"], check=True, capture_output=True)
    subprocess.run([*base, "draft", "build"], check=True, capture_output=True)
    print(f"soak: first fetch and draft in {time.perf_counter() - began:.0f} s", flush=True)

    web_port = free_port()
    with (logs / "serve.log").open("wb") as serve_log, (logs / "run.log").open("wb") as run_log:
        web = subprocess.Popen([*base, "serve", "--port", str(web_port)], stdout=serve_log,
                               stderr=serve_log, env=env)  # fmt: skip
        daemon = subprocess.Popen([*base, "-v", "run"], stdout=run_log, stderr=run_log, env=env)
        try:
            _wait_for(f"http://127.0.0.1:{web_port}/feeds")
            until = time.monotonic() + args.minutes * 60
            cron_rng, editor_rng = random.Random(rng.random()), random.Random(rng.random())
            actors = [
                threading.Thread(target=cron_loop, args=(base, logs, until, cron_rng, tally)),
                threading.Thread(target=editor, args=(f"http://127.0.0.1:{web_port}", until,
                                                      editor_rng, tally)),
                threading.Thread(target=rebuilder, args=(f"http://127.0.0.1:{web_port}", until,
                                                         45.0, tally)),
            ]  # fmt: skip
            for actor in actors:
                actor.start()
            for actor in actors:
                actor.join()
        finally:
            for child in (web, daemon):
                child.send_signal(signal.SIGINT)
            for child in (web, daemon):
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
            server.terminate()
    count_tracebacks(logs / "serve.log", tally)
    count_tracebacks(logs / "run.log", tally)
    found, entries = found_in_database(db)
    report(tally, found, entries)
    return 1 if found < tally.made or tally.tracebacks else 0


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the review page did not answer at {url}")


def report(tally: Tally, found: int, entries: int) -> None:
    lat = tally.latencies
    print(
        f"decisions made      {tally.made} (conflicts {tally.conflicts}, refused {tally.refused})"
    )
    print(f"decisions found     {found}  (lost: {max(0, tally.made - found)})")
    print(f"entries             {entries}")
    print(f"fetch runs          {tally.fetch_runs} (killed -9: {tally.killed}, "
          f"turned away by the lease: {tally.turned_away})")  # fmt: skip
    print(f"locked errors shown {tally.locked_web + tally.locked_cli} "
          f"(web {tally.locked_web}, commands and daemon log {tally.locked_cli})")  # fmt: skip
    print(f"tracebacks          {tally.tracebacks}")
    if lat:
        print(f"decision latency    n={len(lat)} p50 {statistics.median(lat):.3f} s  "
              f"p95 {pct(lat, 0.95):.3f} s  max {max(lat):.3f} s")  # fmt: skip
        during = [x for x, at in zip(lat, tally.decided_at, strict=True)
                  if any(a <= at <= b for a, b in tally.rebuilding)]  # fmt: skip
        calm = [x for x, at in zip(lat, tally.decided_at, strict=True)
                if not any(a <= at <= b for a, b in tally.rebuilding)]  # fmt: skip
        for label, part in (("  during a rebuild", during), ("  no rebuild running", calm)):
            if part:
                print(f"{label:<22}n={len(part)} p50 {statistics.median(part):.3f} s  "
                      f"p95 {pct(part, 0.95):.3f} s  max {max(part):.3f} s")  # fmt: skip
    if tally.rebuilds:
        rebuilds = tally.rebuilds
        print(f"draft rebuild       n={len(rebuilds)} median "
              f"{statistics.median(rebuilds):.1f} s  max {max(rebuilds):.1f} s")  # fmt: skip
    for line in tally.errors[:10]:
        print(f"  ! {line}")


if __name__ == "__main__":
    sys.exit(main())
