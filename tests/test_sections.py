"""Section suggestions (rules and learned), filling a draft, past-issue history."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from rankkit import make_config, make_entry, summary_for

from digest.draft.group import group_stories
from digest.rank.history import evaluate_sections, format_report, parse_history
from digest.rank.score import rank
from digest.rank.sections import (
    DEFAULT_TEMPERATURE,
    RULE_PRIOR_ITEMS,
    Features,
    SectionModel,
    fill_sections,
    fit_temperature,
    history_features,
    rule_share,
    softmax,
    suggest,
    suggest_sections,
)
from digest.types import (
    UNSURE_BELOW,
    Candidate,
    Config,
    Entry,
    HistoryItem,
    ItemStatus,
    SectionConfig,
    SectionSuggestion,
    SourceKind,
)

HISTORY = Path(__file__).parent / "golden" / "history"


def _top(entry: Entry, now: datetime, text: str | None = None) -> list[str]:
    story = group_stories([entry], now=now)[0]
    return [s.section for s in suggest_sections(story, summary_for(entry, text), make_config())]


@pytest.mark.parametrize(
    ("kind", "link", "expected"),
    [
        (SourceKind.ARXIV, "https://arxiv.org/abs/2611.00009", "publications"),
        (SourceKind.RELEASE, "https://github.com/a/b/releases/tag/v2", "tools"),
        (SourceKind.BLOG, "https://blog.example.org/a", "articles"),
        (SourceKind.PODCAST, "https://pod.example.org/ep1", "articles"),
        (SourceKind.NEWS, "https://news.example.org/x", "articles"),
    ],
)
def test_kind_rules(now: datetime, kind: SourceKind, link: str, expected: str) -> None:
    assert _top(make_entry("Something new", link=link, kind=kind), now)[0] == expected


def test_link_domains_point_to_tools_and_publications() -> None:
    config = make_config()
    hf = Features("New model", "weights", ("https://huggingface.co/acme/model-7b",))
    paper = Features("Work", "text", ("https://arxiv.org/abs/2611.00001",))
    assert suggest(hf, config)[0].section == "tools"
    assert suggest(paper, config)[0].section == "publications"


def test_keywords_pick_ethics_and_education(now: datetime) -> None:
    ethics = make_entry("Regulation of AI in the EU", kind=SourceKind.NEWS)
    edu = make_entry("A free course and lecture notes on transformers")
    assert _top(ethics, now, "Fairness and bias audits under new regulation")[0] == "ethics"
    assert _top(edu, now, "A tutorial with exercises")[0] == "education"


def test_section_hint_wins_and_confidence_is_bounded(now: datetime) -> None:
    entry = make_entry("Release notes", kind=SourceKind.RELEASE, hint="education")
    story = group_stories([entry], now=now)[0]
    got = suggest_sections(story, summary_for(entry), make_config())
    assert got[0].section == "education"
    assert 1 <= len(got) <= 2
    assert all(0.0 <= s.confidence <= 1.0 for s in got)
    assert got[0].confidence >= got[-1].confidence


def test_honourable_mentions_is_never_a_topic(now: datetime) -> None:
    entry = make_entry("Misc", hint="honourable", text="honourable mentions")
    assert "honourable" not in _top(entry, now)
    items = [
        HistoryItem(str(i), None, "Honourable mentions" if i % 2 else "Publications", f"t{i}", "")
        for i in range(40)
    ]
    model = SectionModel.train(items + _history()[:40], make_config())
    assert model is not None and "honourable" not in model.labels


def test_no_signal_falls_back_to_articles() -> None:
    got = suggest(Features("Hmm", "nothing"), make_config())
    assert got[0].section == "articles" and got[0].confidence == pytest.approx(0.1)


# --- fill_sections ----------------------------------------------------------------


def _candidates(now: datetime, kind: SourceKind, count: int, feed: str) -> list[Candidate]:
    entries = [
        make_entry(f"{kind} item {i} {feed}", kind=kind, age_days=i / 10, feed=feed)
        for i in range(count)
    ]
    return rank(group_stories(entries, now=now), {}, make_config(), now=now)


def test_quotas_hold_overflow_goes_to_honourable_then_unplaced(now: datetime) -> None:
    config = make_config()
    cands = _candidates(now, SourceKind.ARXIV, 6, "a") + _candidates(now, SourceKind.BLOG, 5, "b")
    draft = fill_sections(
        cands, config, key="2026-W48", period_start=now - timedelta(days=7), period_end=now
    )
    sizes = {s.config.key: len(s.items) for s in draft.sections}
    assert [s.config.key for s in draft.sections] == [s.key for s in config.sections]
    assert sizes == {
        "publications": 3,
        "tools": 0,
        "articles": 3,
        "ethics": 0,
        "education": 0,
        "honourable": 4,
    }
    assert len(draft.unplaced) == 1
    assert all(i.status is ItemStatus.PENDING for i in draft.items())
    assert len({i.key for i in draft.items()}) == 11
    pubs = next(s for s in draft.sections if s.config.key == "publications").items
    assert [i.position for i in pubs] == [0, 1, 2]
    assert pubs[0].candidate.score >= pubs[-1].candidate.score
    assert pubs[0].title == pubs[0].generated_title
    assert draft.unplaced[0].section in {"publications", "articles"}


def test_low_scores_skip_honourable_mentions(now: datetime) -> None:
    cands = _candidates(now, SourceKind.ARXIV, 5, "a")
    draft = fill_sections(
        cands, make_config(), key="k", period_start=now, period_end=now, min_score=99.0
    )
    assert len(draft.unplaced) == 2
    assert not next(s for s in draft.sections if s.config.priority_cut).items


# --- history and the learned model ----------------------------------------------------


def _history() -> list[HistoryItem]:
    items, problems = parse_history(HISTORY)
    assert not problems
    return items


def test_golden_history_parses() -> None:
    items = _history()
    assert len(items) == 120
    assert len({i.issue for i in items}) == 12
    md = [i for i in items if i.issue == "12"]
    assert len(md) == 10
    assert md[0].links == ("https://arxiv.org/abs/2405.01100",)
    assert md[0].summary.endswith("after RLHF. paper")
    assert md[0].date is not None and md[0].date.isoformat() == "2024-03-25"


def test_model_learns_the_editors_sections() -> None:
    config = make_config()
    items = _history()
    train = [i for i in items if i.issue != "12"]
    model = SectionModel.train(train, config)
    assert model is not None
    assert set(model.labels) == {"publications", "tools", "articles", "ethics", "education"}
    test = [i for i in items if i.issue == "12" and i.section != "Honourable mentions"]
    hits = sum(
        suggest(history_features(i), config, model)[0].section == config.section(i.section).key  # type: ignore[union-attr]
        for i in test
    )
    assert hits >= 6


def test_too_little_history_gives_no_model() -> None:
    assert SectionModel.train(_history()[:10], make_config()) is None
    assert SectionModel.train([], None) is None


def test_rolling_evaluation_reports_figures() -> None:
    report = evaluate_sections(_history(), make_config(), warmup=3)
    assert report.issues == 12 and report.predicted == 81
    assert report.top2_accuracy >= report.accuracy >= 0.6
    assert 0.0 < report.macro_f1 <= 1.0
    assert {f.section for f in report.per_section} >= {"publications", "tools"}
    assert "macro-F1" in format_report(report)


def test_bad_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    good = {"issue": 1, "section": "Tools", "title": "ok", "links": ["https://x.org"]}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"issue": "1", "section": "", "title": "no section"}),
        "",
        json.dumps({**good, "links": "https://x.org"}),
        json.dumps([1, 2]),
        json.dumps({**good, "date": "2024-13-45"}),
    ]
    (tmp_path / "h.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "i.md").write_text(
        "**Orphan item** before headings\n\n# Issue 7 (2024-02-01)\n"
        "stray text\n## Tools\n- **Real item**: does things <https://github.com/a/b>\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    items, problems = parse_history(tmp_path)
    assert [i.title for i in items] == ["ok", "Real item"]
    assert items[1].links == ("https://github.com/a/b",) and items[1].issue == "7"
    lines_reported = [p.split(": ")[0] for p in problems]
    assert lines_reported == [
        "h.jsonl:2",
        "h.jsonl:3",
        "h.jsonl:5",
        "h.jsonl:6",
        "h.jsonl:7",
        "i.md:1",
        "i.md:4",
    ]


# --- sections that change, rules as a fading prior, calibration -----------------------


def _retire(config: Config, key: str) -> Config:
    sections = tuple(replace(s, retired=s.key == key) for s in config.sections)
    return replace(config, sections=sections)


def test_a_retired_section_is_kept_for_training_but_never_suggested() -> None:
    config = _retire(make_config(), "education")
    model = SectionModel.train(_history(), config)
    assert model is not None and "education" in model.labels  # its history still teaches
    course = Features("A free course with lecture notes", "tutorial, lecture, course")
    assert suggest(course, make_config(), model)[0].section == "education"  # while live
    for got in (suggest(course, config, model), suggest(course, config)):
        assert got and "education" not in {s.section for s in got}
    assert "education" not in model.predict_sections(course, config)
    assert sum(model.predict_sections(course, config).values()) == pytest.approx(1.0)


def test_a_new_section_is_suggested_after_a_few_examples() -> None:
    config = replace(
        make_config(),
        sections=(*make_config().sections, SectionConfig("podcasts", "Podcasts")),
    )
    items = _history()
    new = [
        HistoryItem("12", None, "Podcasts", f"Episode {i}: talking {topic}", "We talk about it.",
                    (f"https://podcasts.apple.com/us/podcast/show/id{i}",))
        for i, topic in enumerate(("agents", "scaling", "robotics", "evals"))
    ]  # fmt: skip
    model = SectionModel.train([*items, *new], config)
    assert model is not None and "podcasts" in model.labels
    episode = Features(
        "Episode 5: talking alignment", "We talk.", ("https://podcasts.apple.com/us/podcast/x/id9",)
    )
    assert suggest(episode, config, model)[0].section == "podcasts"


def test_the_rules_share_fades_as_history_grows() -> None:
    assert rule_share(0) == 1.0
    assert rule_share(RULE_PRIOR_ITEMS) == pytest.approx(0.5)
    assert rule_share(1000) < 0.05 < rule_share(100)
    # cold start: the Education keywords decide; with 110 items of history the model
    # (which files such items under articles) outweighs a keyword hit
    config = make_config()
    items = [
        HistoryItem(str(i // 10), None, "Articles", f"How we built tutorial tool {i}",
                    "a blog post with a tutorial", (f"https://blog.example.org/p/{i}",))
        for i in range(100)
    ] + [
        HistoryItem(str(i), None, "Publications", f"Paper {i}", "we propose",
                    (f"https://arxiv.org/abs/2611.{i:05d}",))
        for i in range(10)
    ]  # fmt: skip
    item = Features("How we built a tutorial tool", "a blog post with a tutorial",
                    ("https://blog.example.org/p/new",))  # fmt: skip
    assert suggest(item, config)[0].section == "education"
    model = SectionModel.train(items, config)
    assert model is not None
    assert suggest(item, config, model)[0].section == "articles"


def test_fit_temperature_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(7)
    margins = rng.normal(0.0, 1.0, size=(4000, 4))
    gold = [int(rng.choice(4, p=softmax(list(row), 0.5))) for row in margins]
    assert fit_temperature(margins, gold) == pytest.approx(0.5, rel=0.15)
    shuffled = [int(g) for g in rng.integers(0, 4, size=4000)]  # labels unrelated to margins
    assert fit_temperature(margins, shuffled) > 3.0  # spread out: the model knows nothing


def test_the_model_fits_its_temperature_on_held_out_issues() -> None:
    items = _history()
    model = SectionModel.train(items * 2, make_config())  # enough to hold out 30 items
    assert model is not None and model.temperature != DEFAULT_TEMPERATURE
    uncalibrated = SectionModel.train(items * 2, make_config(), calibrate=False)
    assert uncalibrated is not None and uncalibrated.temperature == DEFAULT_TEMPERATURE
    probs = model.predict(history_features(items[0]))
    assert sum(probs.values()) == pytest.approx(1.0)


def test_unsure_suggestions_are_marked_for_the_editor(now: datetime) -> None:
    # a hint for Education against an arXiv paper: the rules are split 3 to 3
    entry = make_entry(
        "Work", link="https://arxiv.org/abs/2611.00009", kind=SourceKind.ARXIV, hint="education"
    )
    (cand,) = rank(group_stories([entry], now=now), {}, make_config(), now=now)
    assert cand.suggestions[0].confidence < UNSURE_BELOW and cand.section_unsure
    sure = replace(cand, suggestions=(SectionSuggestion("tools", 0.9),))
    assert not sure.section_unsure
    assert not replace(cand, suggestions=()).section_unsure


def test_items_older_than_six_half_lives_are_left_out() -> None:
    items = [
        HistoryItem(str(i), date(2000, 1, 6) + timedelta(weeks=i),
                    "Publications" if i % 2 else "Tools", f"item {i}", "text", ())
        for i in range(400)
    ]  # fmt: skip
    model = SectionModel.train(items, make_config(), calibrate=False)
    assert model is not None and model.size == SectionModel.MAX_AGE_ISSUES + 1  # ages 0..312


def test_draft_show_marks_unsure_sections(now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from digest.cli import _console as console

    split = make_entry(
        "Work", link="https://arxiv.org/abs/2611.00009", kind=SourceKind.ARXIV, hint="education"
    )
    clear = make_entry("A release", link="https://github.com/a/b/releases/tag/v2",
                       kind=SourceKind.RELEASE, feed="b")  # fmt: skip
    cands = rank(group_stories([split, clear], now=now), {}, make_config(), now=now)
    draft = fill_sections(cands, make_config(), key="k", period_start=now, period_end=now)
    monkeypatch.setattr(console, "out", Console(width=300, color_system=None, highlight=False))
    with console.out.capture() as captured:
        console.draft_view(draft)
    lines = [line for line in captured.get().splitlines() if "sections:" in line]
    assert len(lines) == 2
    assert sum("(unsure)" in line for line in lines) == 1  # only the split one
