"""Peak memory of `digest fetch` on one huge feed (issue #20 point 5).

    .venv/bin/python bench/big_feed.py [--entries 48000 100000] [--max-entries 500]

For each size, generates one RSS feed of that many entries, as close to the fetch
byte cap (fetch.max_bytes, 10 MiB) as the count allows: 48,000 entries fill it with
~200-byte entries, 100,000 take the smallest entries that still differ. It serves the
feed from a thread of this process on 127.0.0.1, runs `digest fetch` as a fresh
process on an empty database and samples /proc every 10 ms: the peak is the largest
sum of VmRSS over the fetch process and all its descendants (the parse workers) at
one instant. Also printed: the largest single-process VmHWM, the wall time, and the
entries stored.

``--max-entries 0`` writes no fetch.max_entries into feeds.yaml, so the same command
measures a checkout from before the setting existed:

    git archive <commit> | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before:$PWD/.venv/lib/python3.11/site-packages \
        .venv/bin/python bench/big_feed.py --max-entries 0 --python "$PWD/.venv/bin/python -S"

(``-S``: no .pth files, so the editable install's finder does not shadow the copy.)
"""

from __future__ import annotations

import argparse
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
CAP = 10 * 1024 * 1024  # fetch.max_bytes' default
WORDS = "sparse attention benchmark dataset release tokenizer evaluation ".split()


def feed_body(entries: int, budget: int = CAP - 4096) -> bytes:
    """An RSS 2.0 feed of ``entries`` entries, each padded with words so the whole is
    just under ``budget`` bytes (no padding when the entries alone fill it)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    head = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        "<title>Big</title><link>https://example.org/</link><description>b</description>"
    )
    bare = [
        f"<item><guid>e{i}</guid><title>t{i}</title>"
        f"<pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate>"
        for i in range(entries)
    ]
    spare = (budget - len(head) - sum(map(len, bare)) - 30) // entries - len("</item>")
    items = []
    for i, item in enumerate(bare):
        link = f"<link>https://example.org/{i}</link><description>"
        room = spare - len(link) - len("</description>")
        if room > 0:
            words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(room // 9 + 1))
            item += f"{link}{words[:room].strip()}</description>"
        items.append(item + "</item>")
    return (head + "".join(items) + "</channel></rss>").encode()


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_config(directory: Path, url: str, max_entries: int) -> Path:
    yaml = YAML(typ="rt")
    data = yaml.load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    data["sources"] = [{"name": "Big", "url": url, "kind": "blog"}]
    data["fetch"]["allow_hosts"] = ["127.0.0.1"]
    data["fetch"]["deadline"] = 600
    if max_entries:
        data["fetch"]["max_entries"] = max_entries
    path = directory / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # the process ended between listing and reading
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from the parent ids in /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _status(int(entry)).get("PPid", "").strip()
            if ppid.isdigit():
                parents[int(entry)] = int(ppid)
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree.extend(frontier)
    return tree


def _kb(status: dict[str, str], key: str) -> int:
    return int(status.get(key, "0 kB").split()[0])


def measure(command: list[str], cwd: str) -> tuple[int, int, float, str]:
    """Peak tree RSS (kB), largest process VmHWM (kB), seconds, output. Run from
    ``cwd``, not the checkout, whose digest/ would come first on sys.path."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = hwm = 0
    while proc.poll() is None:
        statuses = [_status(pid) for pid in _tree(proc.pid)]
        peak = max(peak, sum(_kb(s, "VmRSS") for s in statuses))
        hwm = max([hwm, *(_kb(s, "VmHWM") for s in statuses)])
        time.sleep(0.01)
    output = proc.stdout.read().decode() if proc.stdout else ""
    return peak, hwm, time.perf_counter() - started, output


def run(entries: int, max_entries: int, python: list[str]) -> None:
    body = feed_body(entries)
    server = serve(body)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"http://127.0.0.1:{server.server_port}/big.xml"
        config = write_config(Path(tmp), url, max_entries)
        db = Path(tmp) / "big.sqlite"
        command = [*python, "-m", "digest", "--config", str(config), "--db", str(db), "fetch"]
        peak, hwm, seconds, output = measure(command, tmp)
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    server.shutdown()
    print(f"{entries:>7,} entries, {len(body) / 2**20:5.2f} MiB: peak tree RSS "
          f"{peak / 1024:6.1f} MB, largest process VmHWM {hwm / 1024:6.1f} MB, "
          f"{seconds:5.1f} s, {stored:,} stored")  # fmt: skip
    if "fetched 1 feeds" not in output:
        print(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[48_000, 100_000])
    parser.add_argument("--max-entries", type=int, default=500,
                        help="fetch.max_entries; 0: not set (a checkout without it)")  # fmt: skip
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter (and flags) that runs digest")  # fmt: skip
    args = parser.parse_args()
    for entries in args.entries:
        run(entries, args.max_entries, shlex.split(args.python))


if __name__ == "__main__":
    main()
