"""An approved English issue with a pt-BR edition configured, built without any
network: the items of tests/data/translate/issue.jsonl (real newsletter-like titles
and Markdown summaries with links and glossary terms) placed in the project's
sections, approved, and the draft approved. Shared by the edition page's tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from feedgen import load, write_config

from digest.app import drafting, summarise
from digest.store import Store
from digest.types import Action, Config, EntryData, Fetched, ParsedFeed

ISSUE = Path(__file__).parent / "data" / "translate" / "issue.jsonl"
# Each item's section, by its place in issue.jsonl: every section gets a few.
SECTIONS = ("publications", "publications", "publications", "education", "articles",
            "tools", "education", "tools", "articles", "tools", "publications",
            "education", "articles", "publications", "articles", "tools", "articles",
            "publications", "tools", "publications", "ethics", "education",
            "ethics", "tools", "honourable")  # fmt: skip


def records(count: int) -> list[dict[str, Any]]:
    lines = ISSUE.read_text(encoding="utf-8").splitlines()[:count]
    return [json.loads(line) for line in lines]


def edition_world(tmp: Path, now: datetime, count: int = 4, **extra: Any) -> tuple[Config, Path]:
    """(config, database): an approved draft of ``count`` items; feeds.yaml has a
    pt-BR edition (and ``extra`` top-level keys)."""
    sources = [{"name": "Lab blog", "url": "http://127.0.0.1:9/blog.xml", "kind": "blog",
                "extract": "never"}]  # fmt: skip
    config = load(write_config(tmp, sources, **({"editions": [{"language": "pt-BR"}]} | extra)))
    wanted = records(count)
    entries = tuple(
        EntryData(guid=f"item-{n}", link=f"https://example.org/post/{n}", title=r["title"],
                  published=now - timedelta(hours=2 + n), summary_html=f"<p>{r['summary']}</p>")
        for n, r in enumerate(wanted)
    )  # fmt: skip
    db = tmp / "db" / "edition.sqlite"
    with Store.open(db) as store:
        store.sync_sources(config.sources, now=now)
        source = config.sources[0]
        result = Fetched(source.url, source.url, 200, {}, b"")
        store.record_fetch(result, ParsedFeed(source.url, source.name, None, entries), now=now,
                           next_fetch_at=now + timedelta(hours=1))  # fmt: skip
        summarise.summarise_pending(store, config, now=now)
        draft = drafting.build_draft(store, config, now=now)
        by_title = {i.title: i for i in draft.items()}
        for n, r in enumerate(wanted):
            key = by_title[r["title"]].key
            for action, value in ((Action.MOVE, SECTIONS[n]), (Action.EDIT_SUMMARY, r["summary"]),
                                  (Action.APPROVE, None)):  # fmt: skip
                drafting.decide(store, config, action, key, value, now=now)
        drafting.approve_draft(store, config, now=now)
    return config, db


def edit_english(config: Config, db: Path, title: str, summary: str, now: datetime) -> str:
    """The editor reopens the approved draft, rewrites the item titled ``title`` and
    approves the draft again; returns the item's key."""
    with Store.open(db) as store:
        drafting.reopen_draft(store, config, now=now)
        item = next(i for i in drafting.require_draft(store, config).items() if i.title == title)
        drafting.decide(store, config, Action.EDIT_SUMMARY, item.key, summary, now=now)
        drafting.approve_draft(store, config, now=now)
    return item.key
