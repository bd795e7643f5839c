"""Factories shared by test_group, test_rank and test_sections: hand-made Entry,
Story, Summary and Config values (no store, no clock)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from digest.identity import arxiv_id, canonical_url
from digest.types import (
    Config,
    Entry,
    Newsletter,
    RankSettings,
    SectionConfig,
    SourceKind,
    Summary,
    SummaryMethod,
    Topic,
)

NOW = datetime.fromisoformat("2026-11-26T12:00:00+00:00")
_ids = itertools.count(1)


def make_entry(
    title: str = "Something happened",
    *,
    link: str | None = None,
    feed: str = "https://blog.example.org/feed.xml",
    source: str | None = None,
    kind: SourceKind = SourceKind.BLOG,
    age_days: float = 1.0,
    links: tuple[str, ...] = (),
    text: str = "",
    weight: float = 1.0,
    hint: str | None = None,
    entry_id: int | None = None,
    **extra: Any,
) -> Entry:
    """An Entry as the store would hand it over; ``age_days`` sets rank/first-seen."""
    eid = entry_id if entry_id is not None else next(_ids)
    link = link if link is not None else f"https://blog.example.org/post-{eid}"
    when = NOW - timedelta(days=age_days)
    return Entry(
        id=eid,
        feed_url=feed,
        source_name=source or [*feed.split("/"), "", "", feed][2],
        kind=kind,
        guid=f"guid-{eid}",
        link=link,
        canonical=canonical_url(link) if link else "",
        title=title,
        authors=(),
        published=when,
        first_seen=extra.pop("first_seen", when),
        rank_time=when,
        summary_html=text,
        content_html="",
        content_hash=f"hash-{eid}",
        arxiv_id=arxiv_id(link) if link else None,
        links=links,
        section_hint=hint,
        source_weight=weight,
        **extra,
    )


def summary_for(entry: Entry, text: str | None = None) -> Summary:
    body = text if text is not None else entry.title
    return Summary(entry.id, body, SummaryMethod.FEED, len(body.split()))


SECTIONS = (
    SectionConfig("publications", "Publications", ("papers",), quota=3),
    SectionConfig("tools", "Tools and Datasets", ("tools & datasets",), quota=3),
    SectionConfig("articles", "Articles and Blog posts", ("articles & blog posts",), quota=3),
    SectionConfig(
        "ethics",
        "Ethics and Society",
        quota=2,
        keywords=("bias", "fairness", "safety", "regulation", "AI Act", "copyright"),
    ),
    SectionConfig(
        "education",
        "Education",
        quota=2,
        keywords=("course", "tutorial", "lecture", "textbook", "workshop"),
    ),
    SectionConfig("honourable", "Honourable mentions", ("honorable mentions",), 4, True),
)


def make_config(
    topics: tuple[Topic, ...] = (),
    sections: tuple[SectionConfig, ...] = SECTIONS,
    half_life_days: float = 3.0,
) -> Config:
    return Config(
        path=Path("feeds.yaml"),
        newsletter=Newsletter("AI digest", "https://digest.example.org/"),
        sections=sections,
        sources=(),
        rank=RankSettings(window_days=7, half_life_days=half_life_days, topics=topics),
    )
