"""The review state machine: pure, so it is tested with hand-made drafts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from digest.config import load_config
from digest.draft.review import (
    ALL_ITEMS,
    apply_decisions,
    check_decision,
    describe,
    keep_decided,
    make_issue,
    undoable,
)
from digest.errors import ReviewError
from digest.types import (
    Action,
    Candidate,
    Config,
    Decision,
    Draft,
    DraftItem,
    DraftSection,
    DraftStatus,
    ItemStatus,
    LinkRole,
    Reason,
    SectionSuggestion,
    Story,
    StoryLink,
    Summary,
    SummaryMethod,
)

KEY = "2026-W48"


@pytest.fixture
def config() -> Config:
    return load_config(Path(__file__).resolve().parents[1] / "feeds.yaml")


def item(key: str, section: str, position: int = 0, score: float = 1.0) -> DraftItem:
    story = Story(key, (), (StoryLink(f"https://example.org/{key}", LinkRole.POST, "Ex"),),
                  f"https://example.org/{key}")  # fmt: skip
    summary = Summary(0, f"summary of {key}", SummaryMethod.FEED, 3)
    candidate = Candidate(story, summary, score, (Reason("r", score),),
                          (SectionSuggestion(section, 0.9),))  # fmt: skip
    return DraftItem(key, section, position, f"title {key}", summary.text, ItemStatus.PENDING,
                     candidate, f"title {key}", summary.text)  # fmt: skip


def draft(config: Config, now: datetime) -> Draft:
    placed = {"publications": ["a", "b", "c"], "tools": ["d"]}
    sections = tuple(
        DraftSection(s, tuple(item(k, s.key, n) for n, k in enumerate(placed.get(s.key, []))))
        for s in config.sections
    )
    return Draft(KEY, now, now + timedelta(days=7), DraftStatus.DRAFT, sections,
                 (item("x", "tools", 0, 0.5),))  # fmt: skip


def decision(action: Action, key: str, value: str | None = None, *, at: datetime) -> Decision:
    return Decision(KEY, key, action, value, at)


def keys(d: Draft, section: str) -> list[str]:
    return [i.key for s in d.sections if s.config.key == section for i in s.items]


def numbered(d: Draft) -> Draft:
    """``d`` with the handles apply_decisions gives: 1, 2, ... in snapshot order."""
    handles = {i.key: n for n, i in enumerate(d.items(), start=1)}
    return replace(
        d,
        sections=tuple(
            replace(s, items=tuple(replace(i, handle=handles[i.key]) for i in s.items))
            for s in d.sections
        ),
        unplaced=tuple(replace(i, handle=handles[i.key]) for i in d.unplaced),
    )


def test_no_decisions_is_the_snapshot(config: Config, now: datetime) -> None:
    d = draft(config, now)
    assert apply_decisions(d, []) == numbered(d)


def handles(d: Draft) -> dict[str, int]:
    return {i.key: i.handle for i in d.items()}


def test_handles_come_from_the_build_and_never_shift(config: Config, now: datetime) -> None:
    d = draft(config, now)
    before = handles(apply_decisions(d, []))
    assert sorted(before.values()) == list(range(1, 6)) and before["x"] == 5
    after = apply_decisions(d, [
        decision(Action.REJECT, "a", at=now),
        decision(Action.MOVE, "b", "tools", at=now),
        decision(Action.REORDER, "c", "0", at=now),
        decision(Action.APPROVE, "x", at=now),
    ])  # fmt: skip
    assert [i.key for i in after.items()] != [i.key for i in d.items()]  # the order changed
    assert handles(after) == before  # the handles did not


def test_undo_revokes_a_decision_and_keeps_the_log(config: Config, now: datetime) -> None:
    log = [
        Decision(KEY, "a", Action.REJECT, None, now, id=1),
        Decision(KEY, "b", Action.EDIT_TITLE, "Typed", now, id=2),
        Decision(KEY, "b", Action.UNDO, "2", now, id=3),
    ]
    d = apply_decisions(draft(config, now), log)
    a, b = d.item("a"), d.item("b")
    assert a and a.status == ItemStatus.REJECTED
    assert b and b.title == "title b" and b.version == 2  # both stored rows count
    assert [x.id for x in undoable(log, KEY)] == [1]  # an undo and what it revoked are spent
    d = apply_decisions(draft(config, now), [*log, Decision(KEY, "a", Action.UNDO, "1", now, id=4)])
    assert d.item("a").status == ItemStatus.PENDING  # type: ignore[union-attr]
    assert undoable([*log, Decision(KEY, "a", Action.UNDO, "1", now, id=4)], KEY) == []


def test_describe_names_the_item_by_handle_and_title(config: Config, now: datetime) -> None:
    d = apply_decisions(draft(config, now), [])
    c = d.item("c")
    assert (
        describe(decision(Action.REJECT, "c", at=now), c, config)
        == "rejected #3 \u201ctitle c\u201d"
    )
    moved = describe(decision(Action.MOVE, "c", "tools", at=now), c, config)
    assert moved.startswith("moved #3 \u201ctitle c\u201d to ") and moved.endswith(
        config.section("tools").title  # type: ignore[union-attr]
    )


def test_approve_reject_move_reorder_edit(config: Config, now: datetime) -> None:
    d = apply_decisions(draft(config, now), [
        decision(Action.APPROVE, "a", at=now),
        decision(Action.REJECT, "b", at=now),
        decision(Action.MOVE, "c", "ethics", at=now),
        decision(Action.REORDER, "a", "5", at=now),
        decision(Action.EDIT_TITLE, "d", "Better title", at=now),
        decision(Action.APPROVE, "x", at=now),
    ])  # fmt: skip
    assert keys(d, "publications") == ["a"]
    assert keys(d, "ethics") == ["c"]
    assert keys(d, "tools") == ["d", "x"]  # approving an unplaced item places it
    a, b, tool = d.item("a"), d.item("b"), d.item("d")
    assert a and a.status == ItemStatus.APPROVED and a.version == 2
    assert b and b.status == ItemStatus.REJECTED and b in d.unplaced
    assert tool and tool.title == "Better title" and tool.generated_title == "title d"


def test_reorder_within_a_section(config: Config, now: datetime) -> None:
    d = apply_decisions(draft(config, now), [decision(Action.REORDER, "c", "0", at=now)])
    assert keys(d, "publications") == ["c", "a", "b"]
    assert [i.position for i in d.sections[0].items] == [0, 1, 2]


def test_approve_all_approves_placed_pending_items_only(config: Config, now: datetime) -> None:
    d = apply_decisions(draft(config, now), [
        decision(Action.REJECT, "b", at=now), decision(Action.APPROVE_ALL, ALL_ITEMS, at=now)
    ])  # fmt: skip
    status = {i.key: i.status for i in d.items()}
    assert status == {"a": ItemStatus.APPROVED, "c": ItemStatus.APPROVED,
                      "d": ItemStatus.APPROVED, "b": ItemStatus.REJECTED,
                      "x": ItemStatus.PENDING}  # fmt: skip


def test_decisions_on_vanished_items_are_ignored(config: Config, now: datetime) -> None:
    d = draft(config, now)
    assert apply_decisions(d, [decision(Action.APPROVE, "gone", at=now)]) == numbered(d)


def test_check_decision_explains_what_to_do(config: Config, now: datetime) -> None:
    d = draft(config, now)
    with pytest.raises(ReviewError, match="no item"):
        check_decision(d, config, Action.APPROVE, "zzz", None)
    with pytest.raises(ReviewError, match="use one of"):
        check_decision(d, config, Action.MOVE, "a", "Sports")
    check_decision(d, config, Action.MOVE, "a", "Ética em IA")  # an alias works
    with pytest.raises(ReviewError, match="empty"):
        check_decision(d, config, Action.EDIT_SUMMARY, "a", "  ")
    with pytest.raises(ReviewError, match="reopen"):
        check_decision(replace(d, status=DraftStatus.APPROVED), config, Action.APPROVE, "a", None)


def test_issue_identity_is_stable_across_republishing(config: Config, now: datetime) -> None:
    approved = replace(
        apply_decisions(draft(config, now), [decision(Action.APPROVE_ALL, "*", at=now)]),
        status=DraftStatus.APPROVED,
    )
    issue = make_issue(approved, config, number=3, now=now)
    assert issue.uid == "tag:digest.example.org,2026-11-26:issue-3"
    assert [s.key for s in issue.sections] == ["publications", "tools"]
    later = now + timedelta(days=1)
    same = make_issue(approved, config, number=9, now=later, previous=issue)
    assert (same.uid, same.number, same.updated) == (issue.uid, 3, issue.updated)
    corrected = apply_decisions(approved, [decision(Action.EDIT_TITLE, "a", "Fixed", at=now)])
    fixed = make_issue(corrected, config, number=9, now=later, previous=issue)
    assert fixed.uid == issue.uid and fixed.updated == later and fixed.published == now


def test_an_unapproved_draft_cannot_become_an_issue(config: Config, now: datetime) -> None:
    with pytest.raises(ReviewError, match="not approved"):
        make_issue(draft(config, now), config, number=1, now=now)


def rebuilt(config: Config, now: datetime, placed: dict[str, list[DraftItem]],
            unplaced: list[DraftItem]) -> Draft:  # fmt: skip
    sections = tuple(
        DraftSection(s, tuple(replace(i, section=s.key, position=n)
                              for n, i in enumerate(placed.get(s.key, []))))
        for s in config.sections
    )  # fmt: skip
    return Draft(KEY, now, now + timedelta(days=7), DraftStatus.DRAFT, sections, tuple(unplaced))


def test_keep_decided_without_a_previous_snapshot_is_the_rebuild(
    config: Config, now: datetime
) -> None:
    fresh = rebuilt(config, now, {"tools": [item("e", "tools")]}, [])
    assert keep_decided(fresh, None, [decision(Action.APPROVE, "e", at=now)]) == fresh


def test_decided_items_keep_their_place_in_a_rebuild(config: Config, now: datetime) -> None:
    previous = draft(config, now)  # publications a b c, tools d, unplaced x
    fresh_c = item("c", "publications", score=2.0)
    fresh = rebuilt(
        config,
        now,
        {
            "publications": [fresh_c, item("e", "publications"), item("a", "publications")],
            "tools": [item("x", "tools")],
        },
        [item("d", "tools")],
    )  # b left the window; undecided a and d follow the rebuild
    decided = [decision(Action.APPROVE, "b", at=now), decision(Action.EDIT_TITLE, "c", "T", at=now),
               decision(Action.REJECT, "x", at=now)]  # fmt: skip
    kept = keep_decided(fresh, previous, decided)
    assert keys(kept, "publications") == ["e", "b", "c", "a"]
    publications = next(s for s in kept.sections if s.config.key == "publications")
    assert [i.position for i in publications.items] == [0, 1, 2, 3]
    assert keys(kept, "tools") == []  # x was unplaced when the editor decided on it
    assert [i.key for i in kept.unplaced] == ["d", "x"]
    c = kept.item("c")
    assert c is not None and c.candidate.score == 2.0  # the fresh candidate, the old place


def test_approve_all_keeps_every_item_placed_at_the_time(config: Config, now: datetime) -> None:
    previous = draft(config, now)
    fresh = rebuilt(config, now, {"tools": [item("a", "tools"), item("x", "tools")]}, [])
    kept = keep_decided(fresh, previous, [decision(Action.APPROVE_ALL, ALL_ITEMS, at=now)])
    assert keys(kept, "publications") == ["a", "b", "c"]
    assert keys(kept, "tools") == ["d", "x"]  # d back at its place; x (unplaced then) follows


def test_merge_joins_two_stories_and_split_or_undo_parts_them(
    config: Config, now: datetime
) -> None:
    log = [Decision(KEY, "b", Action.EDIT_TITLE, "B kept", now, id=1),
           Decision(KEY, "b", Action.MERGE, "a", now, id=2)]  # fmt: skip
    d = apply_decisions(draft(config, now), log)
    a = d.item("a")
    assert d.item("b") is None and keys(d, "publications") == ["a", "c"]
    assert a is not None and [m.key for m in a.merged] == ["b"]
    assert a.merged[0].title == "B kept" and a.merged[0].handle == 2
    assert [x.url for x in a.candidate.story.links] == [
        "https://example.org/a", "https://example.org/b"]  # fmt: skip
    check_decision(d, config, Action.SPLIT, "b", None)  # allowed: b is merged
    with pytest.raises(ReviewError):
        check_decision(d, config, Action.SPLIT, "c", None)
    with pytest.raises(ReviewError):
        check_decision(d, config, Action.MERGE, "c", "c")

    approved = apply_decisions(draft(config, now), [*log, decision(Action.APPROVE, "a", at=now)])
    issue = make_issue(replace(approved, status=DraftStatus.APPROVED), config, number=1, now=now)
    published = [x.url for x in issue.sections[0].items[0].links]
    assert published == ["https://example.org/a", "https://example.org/b"]
    split = apply_decisions(draft(config, now), [*log, Decision(KEY, "b", Action.SPLIT, None, now)])
    b = split.item("b")
    assert b is not None and b in split.unplaced and b.title == "B kept"
    assert split.item("a").merged == ()  # type: ignore[union-attr]
    undone = apply_decisions(draft(config, now), [*log, Decision(KEY, "b", Action.UNDO, "2", now)])
    assert undone.item("b") is not None and undone.item("a").merged == ()  # type: ignore[union-attr]
    # a merge into an item that itself joined another goes to that story
    chain = apply_decisions(draft(config, now), [
        *log, Decision(KEY, "a", Action.MERGE, "c", now), Decision(KEY, "d", Action.MERGE, "a", now)
    ])  # fmt: skip
    c = chain.item("c")
    assert c is not None and {m.key for m in c.merged} == {"a", "d"}
    assert len({x.url for x in c.candidate.story.links}) == 4


def test_links_are_edited_as_role_url_lines(config: Config, now: datetime) -> None:
    from digest.draft.review import links_text, parse_links

    known = (StoryLink("https://example.org/a", LinkRole.POST, "Ex"),)
    links = parse_links("paper https://arxiv.org/abs/2611.00001\n\nhttps://example.org/a\n", known)
    assert [(x.role, x.url, x.source_name) for x in links] == [
        (LinkRole.PAPER, "https://arxiv.org/abs/2611.00001", "the editor"),
        (LinkRole.POST, "https://example.org/a", "Ex"),
    ]
    assert parse_links(links_text(links), known) == links
    for bad in ("", "paper javascript:alert(1)", "essay https://example.org/", "a b c"):
        with pytest.raises(ValueError):
            parse_links(bad)
    d = draft(config, now)
    with pytest.raises(ReviewError, match="links not saved"):
        check_decision(d, config, Action.EDIT_LINKS, "a", "code ftp://example.org/x")
    edited = apply_decisions(d, [decision(Action.EDIT_LINKS, "a", links_text(links), at=now)])
    assert edited.item("a").candidate.story.links == links  # type: ignore[union-attr]
    approved = apply_decisions(d, [decision(Action.EDIT_LINKS, "a", links_text(links), at=now),
                                   decision(Action.APPROVE, "a", at=now)])  # fmt: skip
    issue = make_issue(replace(approved, status=DraftStatus.APPROVED), config, number=1, now=now)
    assert [x.url for x in issue.sections[0].items[0].links] == [x.url for x in links]
