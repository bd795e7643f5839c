"""rank: additive scores, each part a labelled Reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rankkit import make_config, make_entry, summary_for

from digest.draft.group import group_stories
from digest.errors import ParseError
from digest.identity import canonical_url
from digest.parse import parse_feed
from digest.rank.score import rank, topic_pattern
from digest.rank.sections import RelevanceModel, fill_sections
from digest.types import Candidate, Entry, SourceKind, Summary, SummaryMethod, Topic


def _rank_one(entry: Entry, now: datetime, **kwargs: object) -> Candidate:
    stories = group_stories([entry], now=now)
    config = kwargs.pop("config", make_config())
    out = rank(stories, {entry.id: summary_for(entry)}, config, now=now, **kwargs)  # type: ignore[arg-type]
    return out[0]


def _labels(candidate: Candidate) -> list[str]:
    return [r.label for r in candidate.reasons]


def test_recency_halves_every_half_life(now: datetime) -> None:
    fresh = _rank_one(make_entry("Fresh", age_days=0), now)
    old = _rank_one(make_entry("Old", age_days=3), now)
    assert fresh.score == pytest.approx(3.0)
    assert old.score == pytest.approx(1.5)
    assert _labels(old) == ["3.0 days old (half-life 3 d)"]


def test_future_dates_are_capped_at_now(now: datetime) -> None:
    entry = make_entry("From 2099", age_days=-365 * 70)
    assert _rank_one(entry, now).score == pytest.approx(3.0)


def test_source_weight_moves_score_and_names_the_source(now: datetime) -> None:
    heavy = _rank_one(make_entry("x", weight=1.5, source="OpenAI blog", age_days=0), now)
    light = _rank_one(make_entry("y", weight=0.5, age_days=0), now)
    assert "source weight 1.5 (OpenAI blog)" in _labels(heavy)
    assert heavy.score == pytest.approx(4.0)
    assert light.score == pytest.approx(2.0)


def test_story_size_counts_sources(now: datetime) -> None:
    paper = "https://arxiv.org/abs/2611.00001"
    entries = [
        make_entry("Paper", link=paper, kind=SourceKind.ARXIV, feed="https://arxiv/rss"),
        make_entry("Post", links=(paper,), feed="https://a/feed"),
        make_entry("Pod", links=(paper,), feed="https://b/feed", kind=SourceKind.PODCAST),
    ]
    stories = group_stories(entries, now=now)
    cand = rank(stories, {}, make_config(), now=now)[0]
    assert "carried by 3 sources" in _labels(cand)
    assert any(r.points == pytest.approx(1.585, abs=1e-3) for r in cand.reasons)


def test_topics_positive_and_negative_word_boundary(now: datetime) -> None:
    topics = (Topic("language model", 1.0), Topic("crypto", -2.0), Topic("RAG", 0.5))
    config = make_config(topics=topics)
    good = make_entry("A new Language-Model for Welsh", age_days=0)
    bad = make_entry("Crypto and AI: a match", age_days=0)
    neither = make_entry("Cryptography for dragons and fragments", age_days=0)
    stories = group_stories([good, bad, neither], now=now)
    summaries = {e.id: summary_for(e) for e in (good, bad, neither)}
    by_id = {c.story.lead.id: c for c in rank(stories, summaries, config, now=now)}
    assert "topic 'language model' +1" in _labels(by_id[good.id])
    assert "topic 'crypto' -2" in _labels(by_id[bad.id])
    assert _labels(by_id[neither.id]) == ["0.0 days old (half-life 3 d)"]  # no RAG in fRAGments
    assert by_id[good.id].score > by_id[neither.id].score > by_id[bad.id].score


def test_topic_pattern_is_case_insensitive_and_bounded() -> None:
    pattern = topic_pattern("language model")
    assert pattern.search("LANGUAGE   MODEL")
    assert not pattern.search("multilanguage model")


@pytest.mark.parametrize(
    "featured_key",
    ["arxiv:2611.00002", "2611.00002", "https://arxiv.org/abs/2611.00002"],
)
def test_already_featured_is_penalised(now: datetime, featured_key: str) -> None:
    entry = make_entry("Old paper", link="https://arxiv.org/pdf/2611.00002v3", age_days=0)
    cand = _rank_one(entry, now, featured={featured_key: 12, "other": 40})
    assert "already featured in #12" in _labels(cand)
    assert cand.score < 0


def test_featured_by_story_key(now: datetime) -> None:
    entry = make_entry("A post", link="https://blog.example.org/featured", age_days=0)
    key = group_stories([entry], now=now)[0].key
    cand = _rank_one(entry, now, featured={key: 3})
    assert cand.score == pytest.approx(3.0 - 10.0)


def test_every_candidate_has_reasons_and_is_sorted(now: datetime) -> None:
    entries = [make_entry(f"Item number {i} about things", age_days=i / 3) for i in range(20)]
    stories = group_stories(entries, now=now)
    cands = rank(stories, {}, make_config(), now=now)
    assert all(c.reasons for c in cands)
    assert all(c.suggestions for c in cands)
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    for c in cands:
        assert c.score == pytest.approx(sum(r.points for r in c.reasons), abs=1e-3)


def test_summary_falls_back_to_feed_text_then_title(now: datetime) -> None:
    with_text = make_entry("Title A", text="<p>Some <b>feed</b> text</p>")
    bare = make_entry("Title B")
    cands = rank(group_stories([with_text, bare], now=now), {}, make_config(), now=now)
    by_id = {c.story.lead.id: c.summary for c in cands}
    assert by_id[with_text.id].text == "Some feed text"
    assert by_id[with_text.id].method is SummaryMethod.FEED
    assert by_id[bare.id] == Summary(bare.id, "Title B", SummaryMethod.TITLE, 2)


def test_learned_relevance_reason(now: datetime) -> None:
    approved = [f"new open weights language model release {i}" for i in range(8)]
    rejected = [f"celebrity gossip and stock tips {i}" for i in range(8)]
    model = RelevanceModel.train(approved, rejected)
    assert model is not None
    good = _rank_one(make_entry("Open weights language model", age_days=0), now, model=model)
    bad = _rank_one(make_entry("Stock tips from a celebrity", age_days=0), now, model=model)
    assert any(label.startswith("learned relevance") for label in _labels(good))
    assert good.score > 3.0 > bad.score


def test_relevance_model_needs_both_classes() -> None:
    assert RelevanceModel.train(["a b c"] * 20, []) is None
    assert RelevanceModel.train(["a"] * 3, ["b"] * 3) is None


def test_old_items_rank_below_fresh_ones(now: datetime) -> None:
    entries = [make_entry(f"Story {i} words here", age_days=d) for i, d in enumerate((6, 0, 2))]
    cands = rank(group_stories(entries, now=now), {}, make_config(), now=now)
    ages = [(now - c.story.lead.rank_time) / timedelta(days=1) for c in cands]
    assert ages == sorted(ages)


def _corpus_entries(corpus: Path, now: datetime) -> list[Entry]:
    kinds = {
        "arxiv": SourceKind.ARXIV,
        "github": SourceKind.RELEASE,
        "partytime": SourceKind.PODCAST,
    }
    entries: list[Entry] = []
    for path in sorted((corpus / "feeds" / "real").rglob("*")):
        if not path.is_file() or path.suffix not in {".xml", ".atom", ".rss", ".json"}:
            continue
        if path.stat().st_size > 200_000:
            continue  # feedparser's time on the big ones is not what this test measures
        kind = kinds.get(path.parent.name, SourceKind.BLOG)
        try:
            feed = parse_feed(path.read_bytes(), url=f"https://corpus.test/{path.name}", kind=kind)
        except ParseError:
            continue
        for data in feed.entries:
            when = min(data.published or now, now)
            entries.append(
                Entry(
                    id=len(entries) + 1,
                    feed_url=feed.url,
                    source_name=feed.title or path.name,
                    kind=kind,
                    guid=data.guid,
                    link=data.link,
                    canonical=canonical_url(data.link or ""),
                    title=data.title,
                    authors=data.authors,
                    published=data.published,
                    first_seen=now,
                    rank_time=when,
                    summary_html=data.summary_html,
                    content_html=data.content_html,
                    content_hash=str(len(entries)),
                    arxiv_id=data.arxiv_id,
                    links=data.links,
                )
            )
    return entries


@pytest.mark.corpus
def test_real_feeds_group_rank_and_fill(corpus: Path, now: datetime) -> None:
    entries = _corpus_entries(corpus, now)
    assert len(entries) > 1000
    config = make_config(topics=(Topic("language model", 1.0), Topic("podcast", -0.5)))
    stories = group_stories(entries, now=now)
    assert sorted(e.id for s in stories for e in s.entries) == [e.id for e in entries]
    assert len({s.key for s in stories}) == len(stories)
    cands = rank(stories, {}, config, now=now, featured={stories[0].key: 1})
    assert all(c.reasons and c.suggestions for c in cands)
    draft = fill_sections(cands, config, key="2026-W48", period_start=now, period_end=now)
    for section in draft.sections:
        assert len(section.items) <= section.config.quota
    assert len(draft.items()) == len(cands)
