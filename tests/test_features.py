"""The section and relevance models' feature blocks, each on items written for the test."""

from __future__ import annotations

import math

import pytest
from rankkit import make_config

from digest.rank.destinations import destination, host_of, path_words
from digest.rank.features import (
    CUE_CAP,
    MAX_LINKS,
    BlockWeights,
    FeatureBuilder,
    Features,
    cue_tokens,
    link_tokens,
)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://arxiv.org/abs/2611.00001", "paper"),
        ("https://export.arxiv.org/pdf/2611.00001v2", "paper"),
        ("https://huggingface.co/papers/2611.00001", "paper"),
        ("https://example.edu/~ann/slides/attention.pdf", "paper"),
        ("https://github.com/tokio-rs/tokio", "code"),
        ("https://huggingface.co/acme/model-7b", "code"),
        ("https://crates.io/crates/serde", "code"),
        ("https://github.com/tokio-rs/tokio/issues/123", "issue"),
        ("https://github.com/rust-lang/rust/pull/9", "issue"),
        ("https://github.com/Byron/gitoxide/discussions/757", "discussion"),
        ("https://github.com/tokio-rs/tokio/releases/tag/v1.0", "release"),
        ("https://www.youtube.com/watch?v=LWef_2IaFDk", "video"),
        ("https://youtu.be/abc", "video"),
        ("https://www.coursera.org/learn/nlp", "course"),
        ("https://example.org/course/deep-learning/", "course"),
        ("https://podcasts.apple.com/us/podcast/x/id1", "podcast"),
        ("https://rustacean-station.org/episode/ferrocene/", "podcast"),
        ("https://www.nytimes.com/2026/01/01/tech/ai.html", "news"),
        ("https://medium.com/@ann/why-rust", "blog"),
        ("https://ann.example.net/blog/why-rust", "blog"),
        ("https://ann.example.net/2023/02/why-rust.html", "blog"),
        ("https://www.reddit.com/r/rust/comments/1/x/", "discussion"),
        ("https://acme.example.com/careers/haskell-engineer", "jobs"),
        ("https://docs.rs/serde", "docs"),
        ("https://example.com/", "other"),
        ("not a url", "none"),
    ],
)
def test_destination_kinds(url: str, kind: str) -> None:
    assert destination(url) == kind


def test_hosts_and_path_words() -> None:
    assert host_of("https://WWW.Example.org:8080/a") == "example.org"
    assert host_of("http://[::1") == ""
    words = path_words("https://blog.example.org/posts/2023/02/why-async-rust-is-hard.html")
    assert words == ["posts", "why", "async", "rust", "hard"]  # no ids, no ".html"


def test_link_block_marks_the_first_link_and_reads_paths() -> None:
    item = Features(
        "Faster parsing",
        "",
        ("https://arxiv.org/abs/2611.00001", "https://github.com/acme/fastparse"),
    )
    tokens = link_tokens(item)
    assert tokens[:4] == ["links:2", "first:paper", "firsthost:arxiv.org", "dest:paper"]
    assert {"host:github.com", "dest:code", "path:acme", "path:fastparse"} <= set(tokens)
    assert "site:rust-lang.org" in link_tokens(Features("t", "", ("https://blog.rust-lang.org/x",)))
    assert link_tokens(Features("no links", "")) == ["links:0"]
    many = Features("t", "", tuple(f"https://site{i}.example/" for i in range(20)))
    assert sum(t.startswith("host:") for t in link_tokens(many)) == MAX_LINKS


def test_cue_block_counts_groups_and_marks_title_hits() -> None:
    item = Features(
        "A new dataset for code review",
        "We propose a benchmark. The paper, the paper, the paper and the paper.",
    )
    tokens = cue_tokens(item)
    assert "cue:dataset:title" in tokens and "cue:paper:title" not in tokens
    assert tokens.count("cue:paper") == CUE_CAP  # five hits, capped
    assert tokens.count("cue:dataset") == 2  # "dataset" in the title, "benchmark"
    assert not any(t.startswith("cue:media") for t in tokens)
    assert "cue:course" in cue_tokens(Features("Lecture notes", "a tutorial"))
    assert "cue:media:title" in cue_tokens(Features("Podcast: episode 12", ""))


def test_cue_block_carries_the_rules_evidence() -> None:
    config = make_config()
    item = Features(
        "Bias audits of hiring models",
        "new regulation",
        ("https://arxiv.org/abs/2611.00001",),
        kinds=("arxiv",),
        hints=("Education",),
    )
    tokens = cue_tokens(item, config)
    assert "kind:arxiv" in tokens and "role:paper" in tokens
    assert tokens.count("hint:education") == 2  # the hint resolved to its key, strong
    assert "kw:ethics" in tokens  # ethics' keywords occur
    assert not any(t.startswith(("hint:", "kw:")) for t in cue_tokens(item))  # no config


def _row_norm(builder: FeatureBuilder, item: Features) -> float:
    row = builder.transform([item])
    return math.sqrt(float(row.multiply(row).sum()))


def test_blocks_are_normalised_then_weighted() -> None:
    items = [
        Features(f"Release {i} of tokio-console", "a library", (f"https://github.com/a/b{i}",))
        for i in range(5)
    ]
    weights = BlockWeights(words=1.0, chars=0.5, links=0.3, cues=0.2)
    builder = FeatureBuilder(None, weights).fit(items)
    expected = math.sqrt(1.0**2 + 0.5**2 + 0.3**2 + 0.2**2)
    assert _row_norm(builder, items[0]) == pytest.approx(expected)
    words_only = FeatureBuilder(None, BlockWeights(1.0, 0.0, 0.0, 0.0)).fit(items)
    assert _row_norm(words_only, items[0]) == pytest.approx(1.0)
    assert words_only.transform(items).shape[1] < builder.transform(items).shape[1]


def test_char_block_sees_inside_words_the_word_block_misses() -> None:
    train = [Features("tokio-console", ""), Features("tokio-console for async", "")]
    chars = FeatureBuilder(None, BlockWeights(0.0, 1.0, 0.0, 0.0)).fit(train)
    words = FeatureBuilder(None, BlockWeights(1.0, 0.0, 0.0, 0.0)).fit(train)
    unseen = Features("tokioconsole", "")  # one word the vocabulary never saw
    assert words.transform([unseen]).nnz == 0
    assert chars.transform([unseen]).nnz > 0


def test_links_tell_apart_items_with_the_same_words() -> None:
    video = Features("Rust ownership", "explained", ("https://www.youtube.com/watch?v=1",))
    paper = Features("Rust ownership", "explained", ("https://arxiv.org/abs/2611.1",))
    builder = FeatureBuilder().fit([video, paper])
    a, b = builder.transform([video]), builder.transform([paper])
    assert (a != b).nnz > 0
    text_only = FeatureBuilder(None, BlockWeights(1.0, 0.7, 0.0, 0.0)).fit([video, paper])
    assert (text_only.transform([video]) != text_only.transform([paper])).nnz == 0
