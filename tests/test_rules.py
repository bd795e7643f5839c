"""Editor rules: matching, like beats dislike, section scope, rules beat the learned
model, reasons on every score, and the feeds.yaml `rules:` loader."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rankkit import NOW, make_config, make_entry, summary_for

from digest.config import load_config
from digest.draft.group import group_stories
from digest.errors import ConfigError
from digest.rank.rules import RULE_POINTS, Subject, apply_rules, matches, subject_of
from digest.rank.score import rank
from digest.rank.sections import RelevanceModel
from digest.types import Candidate, Entry, Rule, RuleKind, SourceKind


def ranked(entries: list[Entry], rules: tuple[Rule, ...] = (), **kw: object) -> list[Candidate]:
    config = replace(make_config(), rules=rules)
    stories = group_stories(entries, now=NOW)
    summaries = {e.id: summary_for(e) for e in entries}
    return apply_rules(rank(stories, summaries, config, now=NOW, **kw), config.rules)  # type: ignore[arg-type]


def by_title(candidates: list[Candidate], title: str) -> Candidate:
    return next(c for c in candidates if c.story.lead.title == title)


def rule_reasons(candidate: Candidate) -> list[str]:
    return [r.label for r in candidate.reasons if r.label.startswith("rule:")]


@pytest.mark.parametrize(
    ("rule", "subject", "expected"),
    [
        (Rule(RuleKind.SOURCE, "simon willison"), Subject(sources=("Simon Willison",)), True),
        (Rule(RuleKind.SOURCE, "https://x.org/f"), Subject(sources=("https://x.org/f",)), True),
        (Rule(RuleKind.SOURCE, "Simon"), Subject(sources=("Simon Willison",)), False),
        (Rule(RuleKind.AUTHOR, "jane doe"), Subject(authors=("Jane Doe, John Roe",)), True),
        (Rule(RuleKind.TITLE, "GAN"), Subject(titles=("An organ donor story",)), False),
        (Rule(RuleKind.TITLE, "large language"), Subject(titles=("Large-language models",)), True),
        (Rule(RuleKind.URL, "*://*.example.com/*"), Subject(urls=("http://a.example.com/",)), True),
        (Rule(RuleKind.URL, "*://*.example.com/*"), Subject(urls=("https://example.org/",)), False),
        (Rule(RuleKind.URL, "Medium.com/"), Subject(urls=("https://medium.com/@x/post",)), True),
    ],
)  # fmt: skip
def test_what_each_kind_of_rule_matches(rule: Rule, subject: Subject, expected: bool) -> None:
    assert matches(rule, subject) is expected


def test_subject_of_a_story_has_sources_authors_titles_and_links() -> None:
    entry = make_entry("Hello", source="Lab Blog", links=("https://github.com/a/b",))
    entry = replace(entry, authors=("Ada Lovelace",))
    (story,) = group_stories([entry], now=NOW)
    subject = subject_of(story)
    assert "Lab Blog" in subject.sources and entry.feed_url in subject.sources
    assert subject.authors == ("Ada Lovelace",) and subject.titles == ("Hello",)
    assert entry.link in subject.urls


def test_a_like_adds_and_a_dislike_subtracts_a_labelled_reason() -> None:
    liked = make_entry("Notes on sparse attention", source="Lab Blog")
    disliked = make_entry("Crypto meets transformers", source="Other Blog")
    rules = (Rule(RuleKind.SOURCE, "Lab Blog"), Rule(RuleKind.TITLE, "crypto", like=False))
    plain = ranked([liked, disliked])
    ruled = ranked([liked, disliked], rules)
    up, down = by_title(ruled, liked.title), by_title(ruled, disliked.title)
    assert rule_reasons(up) == [f"rule: like source 'Lab Blog' {RULE_POINTS:+.1f}"]
    assert rule_reasons(down) == [f"rule: dislike title 'crypto' {-RULE_POINTS:+.1f}"]
    assert up.score == pytest.approx(by_title(plain, liked.title).score + RULE_POINTS)
    assert down.score == pytest.approx(by_title(plain, disliked.title).score - RULE_POINTS)


def test_when_a_like_and_a_dislike_both_match_the_like_wins() -> None:
    entry = make_entry("Crypto and language models", source="Lab Blog")
    rules = (Rule(RuleKind.TITLE, "crypto", like=False), Rule(RuleKind.SOURCE, "lab blog"))
    (plain,) = ranked([entry])
    (ruled,) = ranked([entry], rules)
    assert rule_reasons(ruled) == [
        "rule: dislike title 'crypto' 0 (a like wins)",
        f"rule: like source 'lab blog' {RULE_POINTS:+.1f}",
    ]
    assert ruled.score == pytest.approx(plain.score + RULE_POINTS)


def test_rules_beat_the_learned_relevance_model() -> None:
    approved = [f"retrieval augmented generation study {i}" for i in range(8)]
    rejected = [f"celebrity chatbot gossip roundup {i}" for i in range(8)]
    model = RelevanceModel.train(approved, rejected)
    assert model is not None
    loved = make_entry("Retrieval augmented generation study", source="A")
    hated = make_entry("Celebrity chatbot gossip roundup", source="B")
    plain = ranked([loved, hated], model=model)
    assert plain[0].story.lead.title == loved.title
    ruled = ranked([loved, hated], (Rule(RuleKind.SOURCE, "B"),), model=model)
    assert ruled[0].story.lead.title == hated.title  # the like outweighs the model's swing
    ruled = ranked([loved, hated], (Rule(RuleKind.SOURCE, "A", like=False),), model=model)
    assert ruled[0].story.lead.title == hated.title


def test_a_section_scoped_like_pins_the_item_into_that_section() -> None:
    paper = make_entry("A paper", link="https://arxiv.org/abs/2611.01234", kind=SourceKind.ARXIV,
                       source="arXiv", hint="publications")  # fmt: skip
    (plain,) = ranked([paper])
    assert plain.section == "publications"
    (pinned,) = ranked([paper], (Rule(RuleKind.URL, "arxiv.org/abs/2611", section="education"),))
    assert pinned.section == "education" and pinned.suggestions[0].confidence == 1.0
    assert rule_reasons(pinned) == [
        f"rule: like url 'arxiv.org/abs/2611' in education {RULE_POINTS:+.1f}"
    ]


def test_a_section_scoped_dislike_applies_only_to_items_suggested_there() -> None:
    paper = make_entry("Benchmarks", link="https://arxiv.org/abs/2611.04321",
                       kind=SourceKind.ARXIV, source="arXiv", hint="publications")  # fmt: skip
    post = make_entry("Benchmarks explained", source="Lab Blog", hint="articles")
    rule = Rule(RuleKind.TITLE, "benchmarks", like=False, section="publications")
    ruled = ranked([paper, post], (rule,))
    assert rule_reasons(by_title(ruled, paper.title)) == [
        f"rule: dislike title 'benchmarks' in publications {-RULE_POINTS:+.1f}"
    ]
    assert rule_reasons(by_title(ruled, post.title)) == []


def test_every_score_is_the_sum_of_its_reasons() -> None:
    entries = [make_entry(f"Story {i} about crypto" if i % 2 else f"Story {i}", source=f"S{i % 3}")
               for i in range(9)]  # fmt: skip
    rules = (Rule(RuleKind.SOURCE, "S1"), Rule(RuleKind.TITLE, "crypto", like=False),
             Rule(RuleKind.SOURCE, "S2", section="tools"))  # fmt: skip
    ruled = ranked(entries, rules)
    assert [c.score for c in ruled] == sorted((c.score for c in ruled), reverse=True)
    for c in ruled:
        assert c.reasons and c.score == pytest.approx(sum(r.points for r in c.reasons), abs=1e-3)
    assert sum(1 for c in ruled if rule_reasons(c)) == 7


# --- feeds.yaml ------------------------------------------------------------------

CONFIG = """newsletter: {title: T, site_url: "https://t.example.org/"}
sections:
  - {key: tools, title: Tools}
  - {key: articles, title: Articles}
sources: []
rules:
"""


def config_with(tmp_path: Path, *rules: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG + "".join(f"  - {r}\n" for r in rules), encoding="utf-8")
    return path


def test_rules_load_from_feeds_yaml(tmp_path: Path) -> None:
    config = load_config(config_with(
        tmp_path,
        "{like: source, value: Simon Willison}",
        "{dislike: title, value: sponsored}",
        '{like: url, value: "*://*.example.com/*", section: Tools}',
    ))  # fmt: skip
    assert config.rules == (
        Rule(RuleKind.SOURCE, "Simon Willison"),
        Rule(RuleKind.TITLE, "sponsored", like=False),
        Rule(RuleKind.URL, "*://*.example.com/*", section="tools"),
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{like: colour, value: x}", "rules[1].like: expected one of source, author"),
        ("{like: title, dislike: title, value: x}", "rules[1]: give exactly one"),
        ("{like: title}", "rules[1].value: is required"),
        ("{like: title, value: x, section: sports}", "rules[1].section: unknown"),
        ("{like: title, value: x, weight: 2}", "rules[1].weight: unknown key"),
    ],
)
def test_rule_mistakes_name_file_line_and_key(tmp_path: Path, rule: str, message: str) -> None:
    path = config_with(tmp_path, "{like: title, value: fine}", rule)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}:8: {message}" in str(err.value)
