"""Learning from the store: history import (both formats, bad lines, unknown
sections, idempotent), issue memory from history, the section and relevance models
trained on decisions, rebuilds that never move decided items, and rule dry runs."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rankkit import make_config

from digest.app import drafting
from digest.rank import learn
from digest.store import Store
from digest.store.history import history_count, history_featured, issue_number
from digest.types import (
    Action,
    Config,
    EntryData,
    Fetched,
    ItemStatus,
    ParsedFeed,
    Rule,
    RuleKind,
    Source,
    SourceKind,
)

GOLDEN = Path(__file__).parent / "golden" / "history"
BLOG = Source("https://lab.example.org/feed.xml", "Lab Blog", SourceKind.BLOG)
ARXIV = Source("https://arxiv.example.org/cs.CL", "arXiv cs.CL", SourceKind.ARXIV,
               section="publications")  # fmt: skip


def seed(store: Store, now: datetime, source: Source, items: list[tuple[str, str, float]]) -> None:
    """Store (title, link, age in days) entries as if ``source`` had just been fetched."""
    store.sync_sources([BLOG, ARXIV], now=now)
    entries = tuple(
        EntryData(guid=link, link=link, title=title, published=now - timedelta(days=age),
                  summary_html=f"{title}. A short note about {title.lower()}.")
        for title, link, age in items
    )  # fmt: skip
    parsed = ParsedFeed(source.url, source.name, None, entries)
    store.record_fetch(Fetched(source.url, source.url, 200, {}, b""), parsed, now=now,
                       next_fetch_at=now)  # fmt: skip


def papers(n: int, start: int = 1, age: float = 1.0) -> list[tuple[str, str, float]]:
    return [(f"Paper number {i} on parsing", f"https://arxiv.org/abs/2611.{i:05d}", age)
            for i in range(start, start + n)]  # fmt: skip


def posts(topic: str, n: int, age: float = 1.0) -> list[tuple[str, str, float]]:
    slug = topic.replace(" ", "-")
    return [(f"{topic.title()} notes {i}", f"https://lab.example.org/{slug}-{i}", age)
            for i in range(n)]  # fmt: skip


@pytest.fixture
def config() -> Config:
    return make_config()


# --- history import ---------------------------------------------------------------


def test_history_import_of_both_formats_reports_bad_lines_and_unknown_sections(
    store: Store, config: Config, tmp_path: Path, now: datetime
) -> None:
    folder = tmp_path / "history"
    folder.mkdir()
    rows = [
        {"issue": "7", "date": "2024-02-01", "section": "Papers", "title": "A",
         "links": ["https://arxiv.org/abs/2402.00001"]},
        {"issue": "7", "date": "2024-02-01", "section": "Sports", "title": "B"},
        {"issue": "7", "date": "2024-02-01", "section": "Sports", "title": "C"},
        {"issue": "7", "section": "tools & datasets", "title": "D"},
    ]  # fmt: skip
    lines = [json.dumps(r) for r in rows]
    lines.insert(2, "{not json")
    (folder / "old.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "issue-8.md").write_text(
        "**Orphan item** before any heading\n# Issue 8 (2024-02-08)\n## Education\n"
        "**A course on parsing** Lectures. [link](https://uni.example.edu/parsing)\n"
        "## Weather\n**Sunny** Nice.\n",
        encoding="utf-8",
    )
    done = learn.import_history(store, config, folder, now=now)
    assert (done.read, done.stored, done.new, done.issues) == (6, 3, 3, 2)
    assert done.unknown == {"Sports": 2, "Weather": 1}
    assert done.problems == ("issue-8.md:1: item before any '# Issue' and '## Section' heading",
                             "old.jsonl:3: not JSON (Expecting property name enclosed in "
                             "double quotes)")  # fmt: skip
    sections = {i.title: i.section for i in learn.labelled_items(store, config)}
    assert sections == {"A": "publications", "D": "tools", "A course on parsing": "education"}

    again = learn.import_history(store, config, folder, now=now + timedelta(days=1))
    assert (again.stored, again.new) == (3, 0)
    assert history_count(store.db) == 3


def test_imported_history_counts_as_already_featured(
    store: Store, config: Config, tmp_path: Path, now: datetime
) -> None:
    line = {"issue": "Issue 41", "section": "Publications", "title": "Old paper",
            "links": ["https://arxiv.org/pdf/2611.00002v2"]}  # fmt: skip
    (tmp_path / "h.jsonl").write_text(json.dumps(line), encoding="utf-8")
    learn.import_history(store, config, tmp_path / "h.jsonl", now=now)
    assert issue_number("Issue 41") == 41 and issue_number("special") == 0
    assert history_featured(store.db)["arxiv:2611.00002"] == 41
    seed(store, now, ARXIV, papers(3))
    draft = drafting.build_draft(store, config, now=now)
    by_link = {i.candidate.story.lead.link: i for i in draft.items()}
    labels = [r.label for r in by_link["https://arxiv.org/abs/2611.00002"].candidate.reasons]
    assert "already featured in #41" in labels
    other = by_link["https://arxiv.org/abs/2611.00001"].candidate.reasons
    assert not any("featured" in r.label for r in other)


# --- models -------------------------------------------------------------------------


def test_section_model_trains_on_history_and_on_the_editors_moves(
    store: Store, config: Config, now: datetime
) -> None:
    assert learn.section_model(store, config) is None  # cold start: rules only
    learn.import_history(store, config, GOLDEN / "issues-01-11.jsonl", now=now)
    model = learn.section_model(store, config)
    assert model is not None and model.size >= 90
    seed(store, now, BLOG, posts("course", 3))
    draft = drafting.build_draft(store, config, now=now)
    item = draft.items()[0]
    drafting.decide(store, config, Action.MOVE, item.key, "ethics", now=now)
    labelled = {i.title: i.section for i in learn.labelled_items(store, config)}
    assert labelled[item.title] == "ethics"
    assert len(labelled) == history_count(store.db) + 1  # pending items teach nothing


def test_learned_relevance_changes_the_order_after_approve_and_reject(
    store: Store, config: Config, now: datetime
) -> None:
    seed(store, now, BLOG, posts("retrieval augmented generation", 6)
         + posts("celebrity gossip", 6))  # fmt: skip
    draft = drafting.build_draft(store, config, now=now)
    assert learn.relevance_model(store, config) is None
    for item in draft.items():
        action = Action.APPROVE if "Retrieval" in item.title else Action.REJECT
        drafting.decide(store, config, action, item.key, now=now)
    approved, rejected = learn.relevance_examples(store, config)
    assert (len(approved), len(rejected)) == (6, 6)

    later = now + timedelta(days=10)
    seed(store, later, BLOG, [("Retrieval augmented generation at scale",
                               "https://lab.example.org/rag-scale", 1.0),
                              ("Celebrity gossip about chatbots",
                               "https://lab.example.org/gossip-new", 0.5)])  # fmt: skip
    memory = learn.featured(store)
    cold = learn.window_candidates(store, config, now=later, models=learn.Models(),
                                   featured=memory)  # fmt: skip
    assert cold[0].story.lead.title.startswith("Celebrity")  # newer, so first
    models = learn.train_models(store, config)
    warm = learn.window_candidates(store, config, now=later, models=models, featured=memory)
    assert warm[0].story.lead.title.startswith("Retrieval")
    assert any(r.label.startswith("learned relevance") for r in warm[0].reasons)


# --- rebuilds and rules ------------------------------------------------------------


def test_rebuild_with_rules_and_models_never_moves_or_drops_decided_items(
    store: Store, config: Config, now: datetime, tmp_path: Path
) -> None:
    learn.import_history(store, config, GOLDEN / "issues-01-11.jsonl", now=now)
    seed(store, now, ARXIV, papers(4))
    seed(store, now, BLOG, posts("course", 3))
    draft = drafting.build_draft(store, config, now=now)
    first, second = draft.sections[0].items[:2]
    third = draft.items()[-1]
    drafting.decide(store, config, Action.APPROVE, first.key, now=now)
    drafting.decide(store, config, Action.MOVE, second.key, "ethics", now=now)
    drafting.decide(store, config, Action.REJECT, third.key, now=now)

    later = now + timedelta(days=3)  # the first papers are still in the window
    seed(store, later, ARXIV, papers(3, start=50, age=0.1))
    ruled = replace(config, rules=(
        Rule(RuleKind.SOURCE, "arXiv cs.CL", section="education"),
        Rule(RuleKind.TITLE, "parsing", like=False),
    ))  # fmt: skip
    rebuilt = drafting.build_draft(store, ruled, now=later)
    assert rebuilt.key == draft.key
    kept = rebuilt.item(first.key)
    assert kept is not None and kept.status == ItemStatus.APPROVED
    assert kept.section == first.section and kept in rebuilt.sections[0].items
    assert kept.position == first.position
    moved = rebuilt.item(second.key)
    assert moved is not None and moved.section == "ethics"
    rejected = rebuilt.item(third.key)
    assert rejected is not None and rejected.status == ItemStatus.REJECTED
    new = [i for i in rebuilt.items() if "number 5" in i.title]
    assert len(new) == 3  # undecided items follow the rules (a pin, a dislike)
    assert all(i.candidate.section == "education" for i in new)
    assert all(any("rule: dislike" in r.label for r in i.candidate.reasons) for i in new)


def test_rule_changes_lists_items_entering_and_leaving_sections(
    store: Store, config: Config, now: datetime
) -> None:
    seed(store, now, ARXIV, papers(2))
    seed(store, now, BLOG, posts("course", 2))
    drafting.build_draft(store, config, now=now)
    rule = Rule(RuleKind.URL, "*://arxiv.org/abs/2611.00001*", section="tools")
    keys, changes = learn.rule_changes(store, config, rule, now=now, weeks=4)
    assert keys == [drafting.week_of(now)[0]]
    assert [(c.title, c.before, c.after) for c in changes] == [
        ("Paper number 1 on parsing", "publications", "tools")
    ]
    none, _ = learn.rule_changes(store, config, rule, now=now + timedelta(weeks=6), weeks=4)
    assert none == []


def test_approve_all_keeps_every_placed_item_where_it_was(
    store: Store, config: Config, now: datetime
) -> None:
    seed(store, now, ARXIV, papers(3))
    seed(store, now, BLOG, posts("course", 2))
    draft = drafting.build_draft(store, config, now=now)
    placed = {i.key: i.section for s in draft.sections for i in s.items}
    drafting.decide(store, config, Action.APPROVE_ALL, "*", now=now)
    ruled = replace(config, rules=(Rule(RuleKind.SOURCE, "Lab Blog", section="tools"),))
    rebuilt = drafting.build_draft(store, ruled, now=now + timedelta(hours=1))
    assert {i.key: i.section for s in rebuilt.sections for i in s.items} == placed
    assert all(i.status == ItemStatus.APPROVED for s in rebuilt.sections for i in s.items)
