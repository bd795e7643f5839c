"""group_stories: entries about one thing across feeds become one story."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from rankkit import make_entry

from digest.draft.group import group_stories, title_pairs, title_tokens
from digest.types import Entry, LinkRole, SourceKind

PAPER = "https://arxiv.org/abs/2611.01234"
REPO = "https://github.com/acme/tinyllm"


def _family() -> list[Entry]:
    """A paper, a blog post explaining it, a GitHub release and a podcast episode."""
    return [
        make_entry(
            "TinyLLM: small models that reason",
            link="http://arxiv.org/pdf/2611.01234v2",
            feed="https://rss.arxiv.org/rss/cs.CL",
            kind=SourceKind.ARXIV,
            age_days=3,
            text="We present TinyLLM " * 30,
        ),
        make_entry(
            "How we taught a 1B model to reason",
            link="https://acme.ai/blog/tinyllm?utm_source=rss",
            feed="https://acme.ai/feed",
            source="Acme blog",
            age_days=2,
            links=(PAPER + "v1", REPO),
            text="A long explainer about the model. " * 20,
        ),
        make_entry(
            "tinyllm v1.0.0",
            link=REPO + "/releases/tag/v1.0.0",
            feed=REPO + "/releases.atom",
            kind=SourceKind.RELEASE,
            age_days=1,
            links=(PAPER,),  # "code for our paper arXiv:2611.01234"
        ),
        make_entry(
            "Episode 42: small models with the TinyLLM authors",
            link="https://podcast.example.com/42",
            feed="https://podcast.example.com/rss",
            kind=SourceKind.PODCAST,
            age_days=0.5,
            links=("https://arxiv.org/abs/2611.01234",),
        ),
    ]


def test_paper_post_release_podcast_make_one_story(now: datetime) -> None:
    stories = group_stories(_family(), now=now)
    assert len(stories) == 1
    story = stories[0]
    assert story.key == "arxiv:2611.01234"
    assert story.source_count == 4
    roles = {link.role for link in story.links}
    assert {LinkRole.PAPER, LinkRole.POST, LinkRole.RELEASE, LinkRole.PODCAST} <= roles
    assert story.primary_link == PAPER
    assert story.lead.title == "How we taught a 1B model to reason"  # the explainer leads
    paper = next(link for link in story.links if link.role is LinkRole.PAPER)
    assert paper.source_name == "rss.arxiv.org"


def test_blog_links_to_repository_joins_release(now: datetime) -> None:
    post = make_entry("Announcing tinyllm", links=(REPO,), text="x " * 10)
    feed = REPO + "/releases.atom"
    release = make_entry(
        "v1.0.1", link=REPO + "/releases/tag/v1.0.1", kind=SourceKind.RELEASE, feed=feed
    )
    other = make_entry("Unrelated post about databases")
    stories = group_stories([post, release, other], now=now)
    assert sorted(len(s.entries) for s in stories) == [1, 2]
    patch = make_entry(
        "v1.0.2", link=REPO + "/releases/tag/v1.0.2", kind=SourceKind.RELEASE, feed=feed
    )
    stories = group_stories([release, patch], now=now)
    assert len(stories) == 2  # one feed's releases are separate items


def test_a_dependency_link_does_not_join_that_projects_release(now: datetime) -> None:
    post = make_entry(
        "How we fine-tuned a model for legal text",
        links=("https://github.com/huggingface/transformers",),
    )
    release = make_entry(
        "v4.46.0",
        link="https://github.com/huggingface/transformers/releases/tag/v4.46.0",
        kind=SourceKind.RELEASE,
    )
    assert len(group_stories([post, release], now=now)) == 2


def test_citing_an_old_paper_joins_only_that_papers_entry(now: datetime) -> None:
    classic = "https://arxiv.org/abs/1706.03762"
    a = make_entry("Our new attention variant", links=(classic,), feed="https://a/feed")
    b = make_entry("A history of transformers", links=(classic,), feed="https://b/feed")
    assert len(group_stories([a, b], now=now)) == 2  # two posts citing it: two stories
    listing = make_entry("Attention Is All You Need (v8)", link=classic, kind=SourceKind.ARXIV)
    stories = group_stories([a, listing], now=now)
    assert [s.key for s in stories] == ["arxiv:1706.03762"]
    fresh = "https://arxiv.org/abs/2611.04444"
    c = make_entry("Thoughts on the new paper", links=(fresh,), feed="https://a/feed")
    d = make_entry("Podcast about a new paper", links=(fresh,), feed="https://b/feed")
    assert [s.key for s in group_stories([c, d], now=now)] == ["arxiv:2611.04444"]


def test_roundup_linking_many_papers_does_not_merge_them(now: datetime) -> None:
    papers = [
        make_entry(f"Paper {i} on topic {i}", link=f"https://arxiv.org/abs/2611.0000{i}")
        for i in range(1, 6)
    ]
    roundup = make_entry("This week in papers", links=tuple(p.link or "" for p in papers))
    stories = group_stories([*papers, roundup], now=now)
    assert len(stories) == 6


def test_same_canonical_url_from_two_feeds(now: datetime) -> None:
    a = make_entry("OpenAI ships a model", link="https://news.example.com/a?utm_medium=x")
    b = make_entry("Model shipped", link="http://www.news.example.com/a/", feed="https://agg/rss")
    assert len(group_stories([a, b], now=now)) == 1


def test_near_identical_titles_merge_across_feeds_only(now: datetime) -> None:
    a = make_entry("Meta releases Llama 5 with a 1M token context", feed="https://a/feed")
    b = make_entry("Meta Releases Llama 5 With a 1M-Token Context!", feed="https://b/feed")
    c = make_entry("Meta releases Llama 5 with a 1M token context", feed="https://a/feed")
    d = make_entry("Google releases Gemma 4 with a 1M token context", feed="https://c/feed")
    stories = group_stories([a, b, c, d], now=now)
    sizes = sorted(len(s.entries) for s in stories)
    assert sizes == [1, 3]  # a~b and c~b (c and a share a feed, but join through b)
    far = make_entry(
        "Meta releases Llama 5 with a 1M token context", feed="https://z/feed", age_days=30
    )
    assert len(group_stories([a, far], now=now)) == 2  # outside the title window


def test_short_generic_titles_do_not_merge(now: datetime) -> None:
    a = make_entry("v1.2.0", feed="https://github.com/a/b/releases.atom", link="https://x/1")
    b = make_entry("v1.2.0", feed="https://github.com/c/d/releases.atom", link="https://x/2")
    assert len(group_stories([a, b], now=now)) == 2


def test_keys_are_stable_across_rebuilds_and_arrivals(now: datetime) -> None:
    family = _family()
    first = group_stories(family[1:2], now=now)[0].key  # only the blog post so far
    assert first == "arxiv:2611.01234"  # the paper it is about names the story
    shuffled = family[:]
    random.Random(7).shuffle(shuffled)
    assert group_stories(shuffled, now=now)[0].key == first
    lone = make_entry("A post", link="https://blog.example.org/lone")
    key = group_stories([lone], now=now)[0].key
    assert key.startswith("url:") and len(key) == 20
    later = make_entry(
        "A post (syndicated)",
        link="https://blog.example.org/lone",
        feed="https://planet.example.org/rss",
        age_days=0,
    )
    assert group_stories([later, lone], now=now)[0].key == key
    repost = make_entry("A post, again", link="https://blog.example.org/lone", age_days=0)
    stories = group_stories([repost, later, lone], now=now)
    assert key in {s.key for s in stories} and len(stories) == 2  # same feed: not merged


def test_episodes_linking_the_show_homepage_stay_apart(now: datetime) -> None:
    feed = "https://pod.example.org/rss"
    episodes = [
        make_entry(f"Episode {i}: guest number {i}", link="http://www.pod.example.org", feed=feed)
        for i in range(5)
    ]
    stories = group_stories(episodes, now=now)
    assert len(stories) == 5 and len({s.key for s in stories}) == 5


def test_bare_arxiv_listing_leads_when_the_post_is_a_teaser(now: datetime) -> None:
    paper = make_entry("Paper", link=PAPER, kind=SourceKind.ARXIV, text="abstract " * 100)
    teaser = make_entry("New paper!", links=(PAPER,), text="see the paper")
    story = group_stories([teaser, paper], now=now)[0]
    assert story.lead.kind is SourceKind.ARXIV


def test_stories_newest_first(now: datetime) -> None:
    old = make_entry("Old news item about compilers", age_days=5)
    new = make_entry("Fresh news item about gardens", age_days=0.1)
    assert [s.lead.id for s in group_stories([old, new], now=now)] == [new.id, old.id]


_TITLES = st.sampled_from(
    ["Llama 5 released today", "Llama 5 released today!", "Gemma news", "x", "Paper on RL"]
)
_LINKS = st.sampled_from(
    [
        "https://arxiv.org/abs/2401.00001",
        "https://arxiv.org/pdf/2401.00001v3",
        "https://github.com/a/b",
        "https://github.com/a/b/releases/tag/v1",
        "https://blog.example.org/p",
        "https://news.example.com/q",
    ]
)


@st.composite
def _entries(draw: st.DrawFn) -> list[Entry]:
    count = draw(st.integers(0, 25))
    out = []
    for i in range(count):
        out.append(
            make_entry(
                draw(_TITLES),
                link=draw(_LINKS),
                feed=f"https://feed{draw(st.integers(0, 3))}.example/rss",
                age_days=draw(st.floats(0, 20)),
                links=tuple(draw(st.lists(_LINKS, max_size=5))),
                entry_id=i + 1,
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(_entries(), st.randoms())
def test_grouping_is_a_partition_with_order_independent_keys(
    entries: list[Entry], rnd: random.Random
) -> None:
    now = datetime.fromisoformat("2026-11-26T12:00:00+00:00")
    stories = group_stories(entries, now=now)
    ids = sorted(e.id for s in stories for e in s.entries)
    assert ids == sorted(e.id for e in entries)  # every entry exactly once
    assert all(s.entries for s in stories)
    assert len({s.key for s in stories}) == len(stories)
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    again = group_stories(shuffled, now=now)
    by_members = {frozenset(e.id for e in s.entries): s.key for s in stories}
    assert {frozenset(e.id for e in s.entries): s.key for s in again} == by_members


def test_five_thousand_entries_group_quickly(now: datetime) -> None:
    rnd = random.Random(1)
    words = [f"w{i}" for i in range(3000)]
    entries = [
        make_entry(
            " ".join(rnd.sample(words, 7)),
            link=f"https://site{i % 50}.example/{i}",
            feed=f"https://feed{i % 200}.example/rss",
            age_days=rnd.random() * 7,
            links=(f"https://arxiv.org/abs/2611.{rnd.randrange(10000, 12000)}",),
        )
        for i in range(5000)
    ]
    start = time.perf_counter()
    stories = group_stories(entries, now=now)
    assert time.perf_counter() - start < 5.0
    assert sum(len(s.entries) for s in stories) == 5000


# --- blocking: the title index finds what comparing all pairs finds ------------------


def _zipf_titles(rnd: random.Random, count: int, vocabulary: int, longest: int) -> list[str]:
    """Titles from a small Zipf vocabulary (like ../shared/bench/gen_feeds.py), where
    every token is common, and a fifth of them near-copies of another with one word
    changed."""
    words = [f"w{i}" for i in range(vocabulary)]
    cumulative = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(vocabulary)))
    titles: list[str] = []
    originals: list[str] = []
    for _ in range(count):
        if originals and rnd.random() < 0.2:
            copy = rnd.choice(originals).split()
            copy[rnd.randrange(len(copy))] = rnd.choice(words)
            titles.append(" ".join(copy))
        else:
            originals.append(
                " ".join(rnd.choices(words, cum_weights=cumulative, k=rnd.randint(3, longest)))
            )
            titles.append(originals[-1])
    return titles


def test_blocked_title_grouping_equals_comparing_all_pairs(now: datetime) -> None:
    rnd = random.Random(7)
    titles = _zipf_titles(rnd, 1200, 60, 24)  # titles up to 24 words: both index paths
    entries = [
        make_entry(t, feed=f"https://feed{rnd.randrange(40)}.example/rss",
                   age_days=rnd.random() * 6, entry_id=i + 1)
        for i, t in enumerate(titles)
    ]  # fmt: skip
    sets = [title_tokens(e.title) for e in entries]
    wordy = [sum(1 for t in s if len(t) > 1 and not t.isdigit()) >= 3 for s in sets]
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    matches = set()
    for i in range(len(entries)):
        for j in range(i):
            a, b = sets[i], sets[j]
            if wordy[i] and wordy[j] and len(a & b) / len(a | b) >= 0.8:
                matches.add((j, i))
                if entries[i].feed_url != entries[j].feed_url:
                    parent[find(i)] = find(j)
    assert len(matches) > 50  # the vocabulary is small enough for many near-duplicates
    assert matches <= set(title_pairs(sets))
    expected = {frozenset(e.id for k, e in enumerate(entries) if find(k) == root)
                for root in {find(k) for k in range(len(entries))}}  # fmt: skip
    assert {frozenset(e.id for e in s.entries) for s in group_stories(entries, now=now)} == expected


def test_title_blocking_compares_near_linearly_many_pairs() -> None:
    """All pairs of 8,000 titles are 32 million; the index proposes the pairs that
    match (a fifth of the titles are near-copies), so four times the titles is about
    four times the comparisons, not sixteen."""
    counts = []
    for count in (2000, 8000):
        sets = [title_tokens(t) for t in _zipf_titles(random.Random(3), count, 5000, 14)]
        pairs = list(title_pairs(sets))
        close = [(i, j) for i, j in pairs if len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.8]
        assert len(close) > count // 20
        counts.append(len(pairs))
    assert counts[0] < 2000 * 0.25
    assert counts[1] < counts[0] * 5


def test_entries_read_without_content_get_the_same_leads(now: datetime) -> None:
    entries = [replace(e, content_html=e.summary_html, summary_html="") for e in _family()]
    texts = {e.id: e.content_html for e in entries}
    bare = [replace(e, content_html="") for e in entries]
    (blind,) = group_stories(bare, now=now)  # no text at all: the paper leads
    asked: list[int] = []

    def lookup(some: Sequence[Entry]) -> dict[int, str]:
        asked.extend(e.id for e in some)
        return {e.id: texts[e.id] for e in some}

    (full,) = group_stories(entries, now=now)
    (light,) = group_stories(bare, now=now, texts=lookup)
    assert light.lead.id == full.lead.id != blind.lead.id and light.key == full.key
    assert sorted(asked) == sorted(e.id for e in entries)  # asked once, for that story
