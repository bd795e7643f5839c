"""Score stories for the editor, each score a sum of labelled reasons.

The score is additive so the editor can read it: every :class:`Reason` carries the
points it adds. Components (points chosen so a typical week spans about -2..+8):

* recency: ``RECENCY_POINTS * 0.5 ** (age / half_life)`` on the story's newest
  rank_time (a paper from Monday that gets a blog post on Friday is news again);
* source weight: ``WEIGHT_POINTS * (w - 1)`` for the heaviest source carrying it;
* story size: ``SIZE_POINTS * log2(sources)`` when more than one feed carries it;
* topics: each configured phrase found (word boundary, case-insensitive) adds its weight;
* novelty: already featured in a published issue, ``FEATURED_PENALTY``;
* learned relevance: ``RELEVANCE_POINTS * (2p - 1)`` when a model is given.
"""

from __future__ import annotations

import html
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from digest.rank.sections import (
    RelevanceModel,
    SectionModel,
    features_of,
    sections_of,
    story_text,
    suggest_from,
)
from digest.types import Candidate, Config, Reason, Story, Summary, SummaryMethod, Topic

__all__ = ["featured_keys", "rank", "story_summary", "topic_pattern"]

log = logging.getLogger("digest.rank.score")

RECENCY_POINTS = 3.0
WEIGHT_POINTS = 2.0
SIZE_POINTS = 1.0
FEATURED_PENALTY = -10.0
RELEVANCE_POINTS = 2.0
_TAG_RE = re.compile(r"<[^>]+>")


def rank(
    stories: Sequence[Story],
    summaries: Mapping[int, Summary],
    config: Config,
    *,
    now: datetime,
    featured: Mapping[str, int] | None = None,
    model: RelevanceModel | None = None,
    section_model: SectionModel | None = None,
) -> list[Candidate]:
    """Candidates best first (ties broken by story key, so the order is stable). The
    models predict for all stories in one batch (one transform, not one per story)."""
    featured = featured or {}
    summary_of = [story_summary(s, summaries, config.rank.summary_max_words) for s in stories]
    feats = [features_of(s, summary) for s, summary in zip(stories, summary_of, strict=True)]
    relevance = model.predict_many(feats) if model is not None and feats else None
    sections = section_model.predict_many(feats) if section_model is not None and feats else None
    candidates = []
    for i, (story, summary) in enumerate(zip(stories, summary_of, strict=True)):
        reasons = _reasons(story, summary, config, now, featured)
        if relevance is not None:
            p = relevance[i]
            reasons += (Reason(f"learned relevance {p:.2f}", RELEVANCE_POINTS * (2 * p - 1)),)
        learned = sections_of(sections[i], config) if sections is not None else None
        size = section_model.size if section_model is not None else 0
        candidates.append(
            Candidate(
                story=story,
                summary=summary,
                score=round(sum(r.points for r in reasons), 4),
                reasons=reasons,
                suggestions=suggest_from(feats[i], config, learned, size),
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.key))
    log.debug("ranked %d stories", len(candidates))
    return candidates


def story_summary(story: Story, summaries: Mapping[int, Summary], max_words: int = 90) -> Summary:
    """The lead's summary, else any member's, else the lead's feed text (cut to
    ``max_words``: a full post is not a summary) or its title."""
    for entry in story.entries:
        found = summaries.get(entry.id)
        if found is not None:
            return found
    lead = story.lead
    words = html.unescape(_TAG_RE.sub(" ", lead.summary_html)).split()
    if words:
        text = " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")
        return Summary(lead.id, text, SummaryMethod.FEED, min(len(words), max_words))
    return Summary(lead.id, lead.title, SummaryMethod.TITLE, len(lead.title.split()))


def _reasons(
    story: Story,
    summary: Summary,
    config: Config,
    now: datetime,
    featured: Mapping[str, int],
) -> tuple[Reason, ...]:
    text = story_text(story, summary)
    reasons = [_recency(story, now, config.rank.half_life_days)]
    reasons += _weight(story)
    reasons += _size(story)
    reasons += _topics(text, config.rank.topics)
    reasons += _novelty(story, featured)
    return tuple(reasons)


def _recency(story: Story, now: datetime, half_life_days: float) -> Reason:
    newest = max(min(e.rank_time, now) for e in story.entries)
    age_days = max(0.0, (now - newest).total_seconds() / 86400)
    half_life = max(half_life_days, 0.01)
    points = RECENCY_POINTS * 0.5 ** (age_days / half_life)
    if all(e.published is None for e in story.entries):  # its age is only when we saw it
        label = f"undated, first seen {age_days:.1f} days ago (half-life {half_life_days:g} d)"
        return Reason(label, points)
    return Reason(f"{age_days:.1f} days old (half-life {half_life_days:g} d)", points)


def _weight(story: Story) -> list[Reason]:
    heaviest = max(story.entries, key=lambda e: (e.source_weight, -e.id))
    if heaviest.source_weight == 1.0:
        return []
    w = heaviest.source_weight
    return [Reason(f"source weight {w:g} ({heaviest.source_name})", WEIGHT_POINTS * (w - 1))]


def _size(story: Story) -> list[Reason]:
    n = story.source_count
    if n < 2:
        return []
    return [Reason(f"carried by {n} sources", SIZE_POINTS * math.log2(n))]


@lru_cache(maxsize=512)
def topic_pattern(phrase: str) -> re.Pattern[str]:
    """Word-bounded, case-insensitive; words may be separated by spaces or hyphens."""
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.IGNORECASE)


def _topics(text: str, topics: Iterable[Topic]) -> list[Reason]:
    reasons = []
    for topic in topics:
        if topic.phrase.strip() and topic_pattern(topic.phrase.strip()).search(text):
            reasons.append(Reason(f"topic '{topic.phrase}' {topic.weight:+g}", topic.weight))
    return reasons


def featured_keys(story: Story) -> list[str]:
    """Every identity under which an earlier issue may have recorded this story."""
    keys = [story.key]
    if story.key.startswith("arxiv:"):
        keys.append(story.key[6:])
    for entry in story.entries:
        keys.append(entry.canonical)
        if entry.arxiv_id:
            keys += [entry.arxiv_id, f"arxiv:{entry.arxiv_id}"]
    # not story.links: a new post citing an old featured paper is still news
    return keys


def _novelty(story: Story, featured: Mapping[str, int]) -> list[Reason]:
    if not featured:
        return []
    issues = [featured[k] for k in featured_keys(story) if k in featured]
    if not issues:
        return []
    return [Reason(f"already featured in #{max(issues)}", FEATURED_PENALTY)]
