"""Benchmark: group + rank a week of 5,000 entries against archives of 10k and 1M, and
train the section model on 1,000 and 50,000 history items.

The archive only reaches rank through ``featured`` (canonical URLs, arXiv ids and story
keys of items already published), a dict lookup per identity, so its size should barely
matter. Prints both times, their ratio and peak traced memory.

The section model is trained (features, temperature fitted on held-out items, the SVM)
on synthetic history items shaped like the back catalogues' (a title, a 40-word summary,
one or two links over 300 hosts, six sections), then suggests sections for a week of
500 items, one item at a time (as ``digest sections suggest`` reads its input) and as
one batch (as ``rank`` does).

    PYTHONPATH=. .venv/bin/python bench/rank.py [--week 5000] [--only rank|sections]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.draft.group import group_stories
from digest.rank.score import rank
from digest.rank.sections import SectionModel, history_features, suggest
from digest.types import (
    Config,
    Entry,
    HistoryItem,
    Newsletter,
    RankSettings,
    SectionConfig,
    SourceKind,
    Topic,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WORDS = [f"word{i}" for i in range(5000)] + ["language", "model", "agents", "benchmark"]
KINDS = list(SourceKind)


def config() -> Config:
    sections = (
        SectionConfig("publications", "Publications", quota=8),
        SectionConfig("tools", "Tools and Datasets", quota=6),
        SectionConfig("articles", "Articles and Blog posts", quota=6),
        SectionConfig("ethics", "Ethics", quota=3, keywords=("bias", "safety", "regulation")),
        SectionConfig("education", "Education", quota=3, keywords=("course", "tutorial")),
        SectionConfig("honourable", "Honourable mentions", quota=10, priority_cut=True),
    )
    topics = (Topic("language model", 1.0), Topic("agents", 0.5), Topic("crypto", -2.0))
    return Config(
        path=Path("feeds.yaml"),
        newsletter=Newsletter("bench", "https://example.org/"),
        sections=sections,
        sources=(),
        rank=RankSettings(topics=topics),
    )


def week(n: int, rnd: random.Random) -> list[Entry]:
    entries = []
    for i in range(n):
        kind = rnd.choice(KINDS)
        paper = f"https://arxiv.org/abs/2411.{rnd.randrange(10000, 10000 + n // 2):05d}"
        link = paper if kind is SourceKind.ARXIV else f"https://site{i % 300}.example/p/{i}"
        when = NOW - timedelta(days=rnd.random() * 7)
        entries.append(
            Entry(
                id=i + 1,
                feed_url=f"https://feed{i % 250}.example/rss",
                source_name=f"Feed {i % 250}",
                kind=kind,
                guid=str(i),
                link=link,
                canonical=link,
                title=" ".join(rnd.sample(WORDS, 8)),
                authors=(),
                published=when,
                first_seen=when,
                rank_time=when,
                summary_html=" ".join(rnd.sample(WORDS, 60)),
                content_html="",
                content_hash=str(i),
                arxiv_id=paper[22:] if kind is SourceKind.ARXIV else None,
                links=(paper,) if rnd.random() < 0.3 else (),
                source_weight=rnd.choice((0.5, 1.0, 1.0, 1.5)),
            )
        )
    return entries


def archive(size: int, week_entries: list[Entry]) -> dict[str, int]:
    """Identities of ``size`` published items; 2% of this week's entries are among them."""
    featured = {f"https://old{i % 997}.example/p/{i}": 1 + i // 100 for i in range(size)}
    for entry in week_entries[::50]:
        featured[entry.canonical] = 99
    return featured


def run(entries: list[Entry], featured: dict[str, int], cfg: Config) -> tuple[float, float, int]:
    """Seconds to group, seconds to rank, and how many candidates were penalised."""
    gc.collect()
    start = time.perf_counter()
    stories = group_stories(entries, now=NOW)
    grouped = time.perf_counter()
    candidates = rank(stories, {}, cfg, now=NOW, featured=featured)
    ranked = time.perf_counter()
    penalised = sum(1 for c in candidates if any("featured" in r.label for r in c.reasons))
    return grouped - start, ranked - grouped, penalised


def peak_mib(entries: list[Entry], featured: dict[str, int], cfg: Config) -> float:
    tracemalloc.start()
    run(entries, featured, cfg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


SECTION_NAMES = ("Publications", "Tools", "Articles", "Ethics", "Education", "Honourable")
HOSTS = [f"host{i}.example" for i in range(297)] + ["arxiv.org", "github.com", "youtube.com"]


def history(n: int, rnd: random.Random) -> list[HistoryItem]:
    """``n`` items over issues of 50, each section with its own word and host habits."""
    items = []
    for i in range(n):
        s = rnd.randrange(len(SECTION_NAMES))
        words = rnd.sample(WORDS[s * 800 : s * 800 + 1200], 20) + rnd.sample(WORDS, 28)
        hosts = rnd.sample(HOSTS[s * 50 : s * 50 + 80], rnd.choice((1, 2)))
        items.append(
            HistoryItem(
                issue=str(i // 50),
                date=None,
                section=SECTION_NAMES[s],
                title=" ".join(words[:8]),
                summary=" ".join(words[8:]),
                links=tuple(f"https://{h}/p/{words[0]}/{i}" for h in hosts),
            )
        )
    return items


def bench_sections(cfg: Config, rnd: random.Random) -> None:
    week_items = [history_features(i) for i in history(500, rnd)]
    SectionModel.train(history(200, rnd), cfg)  # warm up: imports sklearn and scipy
    for size in (1_000, 50_000):
        items = history(size, rnd)
        gc.collect()
        start = time.perf_counter()
        model = SectionModel.train(items, cfg)
        trained = time.perf_counter()
        assert model is not None
        for features in week_items:
            suggest(features, cfg, model)
        one_by_one = time.perf_counter()
        model.predict_many(week_items)
        batch = time.perf_counter()
        print(
            f"section model, {size:>6,} history items: train {trained - start:.2f} s "
            f"({model.size:,} items used: the newest {SectionModel.MAX_AGE_ISSUES + 1} issues "
            f"less Honourable; temperature {model.temperature:.2f}); "
            f"suggest {len(week_items)} items "
            f"{one_by_one - trained:.2f} s one by one "
            f"({(one_by_one - trained) / len(week_items) * 1000:.1f} ms each), "
            f"{batch - one_by_one:.2f} s as a batch"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--week", type=int, default=5000)
    parser.add_argument("--only", choices=("rank", "sections"), default=None)
    args = parser.parse_args()
    rnd = random.Random(42)
    if args.only != "rank":
        bench_sections(config(), rnd)
    if args.only != "sections":
        bench_rank(args.week, rnd)


def bench_rank(size_of_week: int, rnd: random.Random) -> None:
    entries, cfg = week(size_of_week, rnd), config()
    run(entries[:200], {}, cfg)  # warm up imports and regex caches
    results = {}
    for size in (10_000, 1_000_000):
        featured = archive(size, entries)
        runs = [run(entries, featured, cfg) for _ in range(5)]
        group_s = min(r[0] for r in runs)
        rank_s = min(r[1] for r in runs)
        results[size] = group_s + rank_s
        mib = peak_mib(entries, featured, cfg)
        print(
            f"archive {size:>9,}: {len(entries)} entries, group {group_s:.3f} s + rank "
            f"{rank_s:.3f} s (best of 5), {runs[0][2]} already featured, "
            f"peak traced during group+rank {mib:.1f} MiB"
        )
    print(f"ratio 1M/10k: {results[1_000_000] / results[10_000]:.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {rss:.0f} MiB (mostly the 1M-key featured dict itself)")


if __name__ == "__main__":
    main()
