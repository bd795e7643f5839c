"""The summary step of `digest fetch` alone: wall time, CPU time and peak memory of the
whole process tree, on one core (one worker) and on two (two workers).

    .venv/bin/python bench/summarise.py [--feeds 100 500] [--entries 50] [--runs 3]
                                        [--digest .venv/bin/digest] [--extract]

Generates the shared workload (../shared/bench/gen_feeds.py --base-date now, so a
week of entries falls in the ranking window) and serves it on 127.0.0.1
(../shared/bench/serve.py). For each size, `digest fetch --no-summaries` stores the
feeds once; then each run copies that database and times a fresh `digest fetch`
process, whose feeds are not due yet: what it does is the summary step (start-up
included, as cron runs it). One core: under `taskset -c CPU`, where digest starts one
worker; two cores: as is. The two take turns, so a neighbour's load hits both alike;
the figures are medians, and the speed-up is one core's median wall time over two's.

CPU is the whole tree's (the workers' included): each run is measured by a helper
process that makes itself the child subreaper, reaps every descendant and reads
RUSAGE_CHILDREN. Memory is the peak of the tree's summed PSS, sampled every 20 ms.

The generated entries link to pages on hosts that do not resolve here, so by default
the sources say `extract: never` (no article fetches; teaser detection still runs
for every entry); `--extract` keeps the default policy, and each teaser then waits
for its DNS lookup to fail.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
PR_SET_CHILD_SUBREAPER = 36


# --- the measuring helper (a process of its own: it reaps all its descendants) --------


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def measure(out: Path, command: list[str]) -> None:
    """Run ``command``; write its wall seconds, the tree's CPU seconds and peak PSS."""
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans come to us
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, sum(_pss_kb(p) for p in _tree(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    signal.alarm(60)  # the fork server leaves when digest has: reap it (and its workers)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    out.write_text(json.dumps({"rc": proc.returncode, "wall": wall, "cpu": cpu, "peak_kb": peak,
                               "err": err.decode()[-500:]}))  # fmt: skip


# --- the benchmark ----------------------------------------------------------------------


def feeds_yaml(base: str, names: list[str], extract: bool) -> str:
    lines = ["newsletter:\n  title: Bench\n  site_url: https://example.org/\n  language: en",
             "sections:\n  - key: articles\n    title: Articles",
             "fetch:\n  allow_hosts: ['127.0.0.1']", "sources:"]  # fmt: skip
    for name in names:
        lines.append(f"  - name: {name}\n    url: {base}/feeds/{name}\n    kind: blog")
        if not extract:
            lines.append("    extract: never")
    return "\n".join(lines) + "\n"


def copy_db(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def timed(work: Path, command: list[str], cpu: str | None) -> dict[str, Any]:
    out = work / "measure.json"
    prefix = ["taskset", "-c", cpu] if cpu is not None else []
    helper = [sys.executable, __file__, "--measure", str(out), "--", *prefix, *command]
    subprocess.run(helper, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result['err']}")
    return result


def bench_size(args: argparse.Namespace, work: Path, base: str, names: list[str]) -> None:
    size = len(names)
    config = work / f"feeds-{size}.yaml"
    config.write_text(feeds_yaml(base, names, args.extract))
    stored = work / f"stored-{size}.sqlite"
    digest = [str(args.digest), "--config", str(config)]
    subprocess.run([*digest, "--db", str(stored), "fetch", "--no-summaries"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    one_cpu = str(min(os.sched_getaffinity(0)))
    results: dict[str, list[dict[str, Any]]] = {"one core": [], "two cores": []}
    for _ in range(args.runs):
        for label, cpu in (("one core", one_cpu), ("two cores", None)):
            db = work / "run.sqlite"
            for stale in work.glob("run.sqlite*"):
                stale.unlink()
            copy_db(stored, db)
            results[label].append(timed(work, [*digest, "--db", str(db), "fetch"], cpu))
    with sqlite3.connect(db) as conn:
        made = conn.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
    walls = {k: statistics.median(r["wall"] for r in v) for k, v in results.items()}
    for label, runs in results.items():
        cpu_s = statistics.median(r["cpu"] for r in runs)
        peak = statistics.median(r["peak_kb"] for r in runs) / 1024
        print(f"{size:>5} feeds {made:>6} summaries  {label:<9}  wall {walls[label]:6.2f}s  "
              f"cpu {cpu_s:6.2f}s  peak {peak:5.0f} MB  "
              f"(walls {' '.join(format(r['wall'], '.2f') for r in runs)})")  # fmt: skip
    print(
        f"{size:>5} feeds  speed-up two cores / one: x{walls['one core'] / walls['two cores']:.2f}"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]), sys.argv[sys.argv.index("--") + 1 :])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--digest", type=Path, default=ROOT / ".venv" / "bin" / "digest")
    parser.add_argument("--extract", action="store_true", help="keep the default policy")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="digest-summarise-"))
    data = work / "workload"
    subprocess.run([sys.executable, str(SHARED / "gen_feeds.py"), "--out", str(data), "--feeds",
                    str(max(args.feeds)), "--entries", str(args.entries), "--base-date", "now"],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    names = [f["name"] for f in json.loads((data / "manifest.json").read_text())["files"]]
    server = subprocess.Popen([sys.executable, str(SHARED / "serve.py"), "--dir", str(data),
                               "--port-file", str(work / "port"), "--max-seconds", "7200"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while not (work / "port").exists() or not (work / "port").read_text().strip():
            time.sleep(0.1)
        base = f"http://127.0.0.1:{(work / 'port').read_text().strip()}"
        for size in sorted(args.feeds):
            bench_size(args, work, base, names[:size])
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
