"""The least CPU a cold refresh of the reference workload can take in one process.

    .venv/bin/python bench/floor.py [--feeds 500] [--entries 50] [--runs 3] [--reader-seconds S]

Over the workload of ``../shared/bench/refresh-vs-reader`` (gen_feeds.py, cached where
that script caches it), CPU seconds in this process, medians of ``--runs``:

- the three libraries every cold refresh runs over every byte: lxml reading each body,
  nh3 sanitising each HTML fragment (the Cleaner clean_html calls, without its own
  scans), and the regexes that take the search text (what FTS5 indexes) out of each
  sanitised fragment (fts_text);
- their sum, a floor no Python-level change goes below while one process does the work;
- the whole parse as ``digest fetch`` runs it (parse_job_fast: the above and the
  Python that turns elements into EntryData).

Storing, fetching and start-up come on top (the reference benchmark measures the
whole). With ``--reader-seconds`` (reader's cold time from the reference run) it
prints the budget a 10x cold refresh has, next to the floor. ADR 0020 reads these.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from lxml import etree

from digest.parse import ParseJob, parse_job_fast
from digest.sanitize import _CLEANER as NH3  # the very Cleaner clean_html calls
from digest.sanitize import clean_html, fts_text

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench"

# The elements that hold an entry's HTML in RSS 2.0 and Atom, as the fast path reads them.
HTML_TAGS = frozenset({
    "description", "{http://purl.org/rss/1.0/modules/content/}encoded",
    "{http://www.w3.org/2005/Atom}summary", "{http://www.w3.org/2005/Atom}content",
})  # fmt: skip


def workload(feeds: int, entries: int) -> list[bytes]:
    cache = Path(os.environ.get("TMPDIR", "/tmp")) / "digest-refbench"
    data = cache / f"feeds-{feeds}-{entries}"
    if not (data / "manifest.json").exists():
        print(f"generating {feeds} feeds x {entries} entries into {data} ...", flush=True)
        subprocess.run([sys.executable, SHARED / "gen_feeds.py", "--out", data, "--feeds",
                        str(feeds), "--entries", str(entries)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return [p.read_bytes() for p in sorted((data / "feeds").iterdir())]


def cpu(fn: Callable[[], object], runs: int) -> float:
    """Median CPU seconds of ``fn()``."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def fragments(bodies: Iterable[bytes]) -> list[str]:
    """Every entry's HTML text (escaped RSS text, Atom's as written) in the workload."""
    found = []
    for body in bodies:
        for element in etree.fromstring(body).iter(*HTML_TAGS):
            if element.text and "<" in element.text:
                found.append(element.text)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--entries", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reader-seconds", type=float, help="reader's cold refresh, for the budget")
    a = ap.parse_args()
    bodies = workload(a.feeds, a.entries)
    html = fragments(bodies)
    clean = [clean_html(h) for h in html]
    jobs: list[ParseJob] = [
        (body, f"http://127.0.0.1/feeds/{i}", {}, "blog", 200) for i, body in enumerate(bodies)
    ]
    mb = sum(map(len, bodies)) / 1e6
    print(f"{len(bodies)} feeds, {mb:.0f} MB, {len(html)} HTML fragments "
          f"({sum(map(len, html)) / 1e6:.0f} MB); CPU s, median of {a.runs}")  # fmt: skip
    parts = {
        "lxml reads every body": cpu(lambda: [etree.fromstring(b) for b in bodies], a.runs),
        "nh3 sanitises every fragment": cpu(lambda: [NH3.clean(h) for h in html], a.runs),
        "search text of every fragment": cpu(lambda: [fts_text(c) for c in clean], a.runs),
    }
    for name, seconds in parts.items():
        print(f"  {name:34s} {seconds:6.2f}")
    floor = sum(parts.values())
    print(f"  {'= the libraries (floor)':34s} {floor:6.2f}")
    whole = cpu(lambda: [parse_job_fast(job) for job in jobs], a.runs)
    print(f"  {'the whole parse (parse_job_fast)':34s} {whole:6.2f}  "
          f"(Python on top of the libraries: {whole - floor:.2f})")  # fmt: skip
    if a.reader_seconds:
        budget = a.reader_seconds / 10
        print(
            f"10x reader's {a.reader_seconds:.1f} s leaves {budget:.2f} s for the whole run; "
            f"the libraries take {floor / budget:.0%} of it, the parse {whole / budget:.0%}"
        )


if __name__ == "__main__":
    main()
