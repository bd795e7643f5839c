"""The review stage: a pure state machine from (draft snapshot, editor decisions) to
the draft the editor sees, and from an approved draft to an immutable Issue.

Decisions are replayed in order on every read, and a rebuilt snapshot keeps every
decided item where it was (``keep_decided``), so new fetches and new scores never undo
an approval, a move or an edit. Loading and saving drafts is digest.app.drafting's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from digest.errors import ReviewError
from digest.limits import over_limit
from digest.sanitize import safe_url
from digest.types import (
    Action,
    Candidate,
    Config,
    Decision,
    Draft,
    DraftItem,
    DraftSection,
    DraftStatus,
    Issue,
    IssueImage,
    IssueItem,
    IssueLink,
    IssueSection,
    IssueWords,
    ItemStatus,
    LinkRole,
    StoryLink,
)

ALL_ITEMS = "*"  # item key of an approve_all decision
ISSUE_WORDS = "#issue"  # item key of the decisions on the issue's title, subject, intro, outro
WORD_ACTIONS = {
    Action.SET_TITLE: "title",
    Action.SET_SUBJECT: "subject",
    Action.SET_INTRO: "intro",
    Action.SET_OUTRO: "outro",
}
ONE_LINE = (Action.SET_TITLE, Action.SET_SUBJECT)
TITLE_NAMES = 4  # short names of the top items in a suggested title
SHORT_NAME_MAX = 40


@dataclass
class _Working:
    """Mutable state of one item while decisions are replayed."""

    item: DraftItem
    section: str
    placed: bool
    status: ItemStatus
    title: str
    summary: str
    image: str | None
    caption: str = ""
    version: int = 0
    handle: int = 0
    merged_into: str | None = None  # the key of the item whose story it joined
    links: tuple[StoryLink, ...] | None = None  # the editor's links, when edited


def _working(item: DraftItem, placed: bool) -> _Working:
    image = item.candidate.summary.meta.image or None
    return _Working(item, item.section, placed, item.status, item.title, item.summary, image)


def apply_decisions(draft: Draft, decisions: Sequence[Decision]) -> Draft:
    """The draft as the editor left it: snapshot + decisions, in decision order."""
    sections = [s.config.key for s in draft.sections]
    order: dict[str, list[str]] = {
        k: [i.key for i in s.items] for k, s in zip(sections, draft.sections, strict=True)
    }
    work = {i.key: _working(i, True) for s in draft.sections for i in s.items}
    work |= {i.key: _working(i, False) for i in draft.unplaced}
    for handle, key in enumerate(_handle_order(draft), start=1):
        work[key].handle = handle
    words = draft.words
    mine = [d for d in decisions if d.draft_key == draft.key]
    revoked = revoked_ids(mine)
    for d in mine:
        target = work.get(d.item_key)
        if target is not None:  # versions count every stored decision on the item
            target.version += 1
        if d.id in revoked or d.action == Action.UNDO:
            continue
        if d.action in WORD_ACTIONS:
            words = replace(words, **{WORD_ACTIONS[d.action]: (d.value or "").strip()})
            continue
        if d.action == Action.APPROVE_ALL:
            for w in work.values():
                if w.placed and w.status == ItemStatus.PENDING and w.merged_into is None:
                    w.status = ItemStatus.APPROVED
        elif d.action in (Action.MERGE, Action.SPLIT) and target is not None:
            _merge(target, d, work, order)
        elif target is not None:  # a decision on a story that left the window stays stored
            _apply(target, d, order, sections)
    return replace(_freeze(draft, work, order), words=words)


EDITOR_SOURCE = "the editor"  # source name of a link the editor added


def parse_links(text: str, known: Sequence[StoryLink] = ()) -> tuple[StoryLink, ...]:
    """An item's links from "role url" lines (the role may be left out: "post").
    A link the story had keeps its source name. Raises ValueError naming the line."""
    sources = {x.url: x.source_name for x in known}
    links: list[StoryLink] = []
    for n, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        role, url = (words[0], words[-1]) if len(words) > 1 else ("post", words[0])
        checked = safe_url(url)
        if checked is None or not checked.startswith(("http://", "https://")) or len(words) > 2:
            raise ValueError(f"line {n}: expected 'role URL' with an http(s) URL, got {line!r}")
        if role not in {r.value for r in LinkRole}:
            roles = ", ".join(r.value for r in LinkRole)
            raise ValueError(f"line {n}: unknown role {role!r} (use one of: {roles})")
        if checked not in {x.url for x in links}:
            links.append(StoryLink(checked, LinkRole(role), sources.get(checked, EDITOR_SOURCE)))
    if not links:
        raise ValueError("an item needs at least one link")
    return tuple(links)


def links_text(links: Sequence[StoryLink]) -> str:
    """The "role url" lines parse_links reads."""
    return "\n".join(f"{x.role.value} {x.url}" for x in links)


def _merged_candidate(candidate: Candidate, merged: tuple[DraftItem, ...]) -> Candidate:
    """One story out of several: the host's entries and links, then each merged
    item's (a link already there is not repeated)."""
    story = candidate.story
    entries, links = list(story.entries), list(story.links)
    urls = {x.url for x in links}
    for item in merged:
        entries += item.candidate.story.entries
        links += [x for x in item.candidate.story.links if x.url not in urls]
        urls |= {x.url for x in item.candidate.story.links}
    return replace(candidate, story=replace(story, entries=tuple(entries), links=tuple(links)))


def merged_host(draft: Draft, key: str) -> tuple[DraftItem, DraftItem] | None:
    """(the item whose story it joined, the merged item) for a merged item's key."""
    for host in draft.items():
        for guest in all_merged(host):
            if guest.key == key:
                return host, guest
    return None


def all_merged(item: DraftItem) -> list[DraftItem]:
    found = []
    for guest in item.merged:
        found += [guest, *all_merged(guest)]
    return found


def _handle_order(draft: Draft) -> list[str]:
    """Item keys in the order of the snapshot as built: handles come from the build,
    never from the state after decisions, so "reject 3" cannot shift "move 8"."""
    unplaced = sorted(draft.unplaced, key=lambda i: (i.position, i.key))
    return [i.key for s in draft.sections for i in s.items] + [i.key for i in unplaced]


def revoked_ids(decisions: Sequence[Decision]) -> set[int]:
    """Ids of the decisions an undo has revoked (an undo names its target's id)."""
    return {
        int(d.value)
        for d in decisions
        if d.action == Action.UNDO and d.value is not None and d.value.isdigit()
    }


def undoable(decisions: Sequence[Decision], draft_key: str) -> list[Decision]:
    """The decisions an undo can still revoke, latest first."""
    mine = [d for d in decisions if d.draft_key == draft_key]
    revoked = revoked_ids(mine)
    return [d for d in reversed(mine) if d.action != Action.UNDO and d.id not in revoked]


def _apply(w: _Working, d: Decision, order: dict[str, list[str]], sections: list[str]) -> None:
    match d.action:
        case Action.APPROVE:
            w.status = ItemStatus.APPROVED
            _place(w, w.section if w.section in order else sections[0], order)
        case Action.REJECT:
            w.status = ItemStatus.REJECTED
            _unplace(w, order)
        case Action.RESET:
            w.status = ItemStatus.PENDING
        case Action.MOVE:
            if d.value in order and d.value is not None:
                _unplace(w, order)
                w.section = d.value
                _place(w, d.value, order)
        case Action.REORDER:
            keys = order.get(w.section)
            if (
                w.placed
                and keys is not None
                and d.value is not None
                and d.value.lstrip("-").isdigit()
            ):
                keys.remove(w.item.key)
                keys.insert(max(0, min(int(d.value), len(keys))), w.item.key)
        case Action.EDIT_TITLE:
            w.title = d.value or w.item.generated_title
        case Action.EDIT_SUMMARY:
            w.summary = d.value or w.item.generated_summary
        case Action.EDIT_LINKS:
            try:
                w.links = parse_links(d.value or "", w.item.candidate.story.links)
            except ValueError:
                pass  # check_decision refuses these; an old log line is simply skipped

        case Action.SET_IMAGE:  # a URL chooses an image, "" removes it, None restores it
            original = w.item.candidate.summary.meta.image or None
            w.image = original if d.value is None else (d.value.strip() or None)
        case Action.SET_CAPTION:
            w.caption = " ".join((d.value or "").split())


def _merge(
    w: _Working, d: Decision, work: dict[str, _Working], order: dict[str, list[str]]
) -> None:
    """MERGE: ``w`` leaves the draft and its story joins the item ``d.value`` (unless
    that would make a loop); SPLIT: it stands on its own again, unplaced."""
    if d.action == Action.SPLIT:
        w.merged_into = None
        return
    host = work.get(d.value or "")
    seen = set()
    while host is not None and host.merged_into is not None and host.item.key not in seen:
        seen.add(host.item.key)
        host = work.get(host.merged_into)
    if host is None or host is w:
        return
    w.merged_into = host.item.key
    _unplace(w, order)


def _place(w: _Working, section: str, order: dict[str, list[str]]) -> None:
    if not w.placed or w.item.key not in order[section]:
        order[section].append(w.item.key)
    w.section, w.placed = section, True


def _unplace(w: _Working, order: dict[str, list[str]]) -> None:
    for keys in order.values():
        if w.item.key in keys:
            keys.remove(w.item.key)
    w.placed = False


def _freeze(draft: Draft, work: dict[str, _Working], order: dict[str, list[str]]) -> Draft:
    guests: dict[str, list[_Working]] = {}
    for w in work.values():
        if w.merged_into is not None:
            guests.setdefault(w.merged_into, []).append(w)

    def frozen(w: _Working, position: int) -> DraftItem:
        merged = tuple(frozen(g, 0) for g in guests.get(w.item.key, ()))
        candidate = w.item.candidate
        if w.links is not None:
            candidate = replace(candidate, story=replace(candidate.story, links=w.links))
        candidate = _merged_candidate(candidate, merged) if merged else candidate
        return replace(
            w.item,
            candidate=candidate,
            merged=merged,
            section=w.section,
            position=position,
            status=w.status,
            title=w.title,
            summary=w.summary,
            version=w.version,
            handle=w.handle,
            image=w.image,
            caption=w.caption,
        )

    sections = tuple(
        DraftSection(s.config, tuple(frozen(work[k], n) for n, k in enumerate(order[s.config.key])))
        for s in draft.sections
    )
    unplaced = sorted(
        (w for w in work.values() if not w.placed and w.merged_into is None),
        key=lambda w: (w.status == ItemStatus.REJECTED, -w.item.candidate.score),
    )
    return replace(
        draft, sections=sections, unplaced=tuple(frozen(w, n) for n, w in enumerate(unplaced))
    )


def named_items(decisions: Sequence[Decision]) -> set[str]:
    """Keys of the items ``decisions`` act on (a merge also names its host): with the
    placed ones, every item whose state the decisions can have changed."""
    named = {d.item_key for d in decisions}
    return named | {d.value for d in decisions if d.action == Action.MERGE and d.value}


def keep_decided(draft: Draft, previous: Draft | None, decisions: Sequence[Decision]) -> Draft:
    """A rebuilt ``draft`` in which the items the editor decided on keep the section
    and position they had in the ``previous`` snapshot (new scores, models or rules
    never move them) and take the fresh candidate where there is one; decided items
    that left the window stay. Undecided items are placed as the rebuild put them."""
    if previous is None:
        return draft
    decided = {d.item_key for d in decisions}
    if ALL_ITEMS in decided:  # "approve all" decided every item placed at the time
        decided |= {i.key for s in previous.sections for i in s.items}
    old: dict[str, tuple[DraftItem, str | None]] = {i.key: (i, None) for i in previous.unplaced}
    old |= {i.key: (i, s.config.key) for s in previous.sections for i in s.items}
    fresh = {i.key: i for i in draft.items()}
    keep = {k: (replace(fresh.get(k, item), section=item.section), sec, item.position)
            for k, (item, sec) in old.items() if k in decided}  # fmt: skip
    sections = []
    for s in draft.sections:
        items = [i for i in s.items if i.key not in keep]
        for item, sec, position in sorted(keep.values(), key=lambda kept: kept[2]):
            if sec == s.config.key:
                items.insert(min(position, len(items)), item)
        renumbered = tuple(replace(i, position=n) for n, i in enumerate(items))
        sections.append(replace(s, items=renumbered))
    unplaced = [i for i in draft.unplaced if i.key not in keep]
    unplaced += [item for item, sec, _ in keep.values() if sec is None]
    return replace(draft, sections=tuple(sections), unplaced=tuple(unplaced))


def _check_text(action: Action, value: str) -> None:
    """An edited title or summary: not empty, and within digest.limits.FIELD_LIMITS
    (as the web form checks), so `digest edit` cannot publish a 200 KB title."""
    if not value.strip():
        raise ReviewError(
            "the new text is empty", hint="use `reset` to go back to the generated text"
        )
    name = "title" if action == Action.EDIT_TITLE else "summary"
    if problem := over_limit(name, value):
        raise ReviewError(problem, hint=f"shorten the {name}")


def check_decision(
    draft: Draft, config: Config, action: Action, item_key: str, value: str | None
) -> None:
    """Refuse decisions that cannot apply, with a message saying what to do instead."""
    if draft.status != DraftStatus.DRAFT:
        raise ReviewError(
            f"draft {draft.key} is {draft.status.value}",
            hint="run `digest draft reopen` to edit it",
        )
    if action in WORD_ACTIONS:
        _check_words(action, item_key, value)
        return
    if action == Action.SPLIT:
        if merged_host(draft, item_key) is None:
            raise ReviewError(f"{item_key!r} is not merged into another item",
                              hint="see `digest draft show`")  # fmt: skip
        return
    if action == Action.MERGE and (value == item_key or draft.item(value or "") is None):
        raise ReviewError(f"cannot merge into {value!r}",
                          hint="name another item of the draft")  # fmt: skip
    if action not in (Action.APPROVE_ALL, Action.UNDO) and draft.item(item_key) is None:
        raise ReviewError(
            f"no item {item_key!r} in draft {draft.key}", hint="see `digest draft show`"
        )
    if action == Action.MOVE and (value is None or config.section(value) is None):
        keys = ", ".join(s.key for s in config.sections)
        raise ReviewError(f"unknown section {value!r}", hint=f"use one of: {keys}")
    if action == Action.REORDER and (value is None or not value.isdigit()):
        raise ReviewError(f"position must be a whole number >= 0, got {value!r}")
    if action == Action.EDIT_LINKS:
        try:
            parse_links(value or "")
        except ValueError as e:
            hint = "one link a line: role URL, e.g. 'paper https://…'"
            raise ReviewError(f"links not saved: {e}", hint=hint) from e
    if action in (Action.EDIT_TITLE, Action.EDIT_SUMMARY):
        _check_text(action, value or "")
    if action == Action.SET_IMAGE and value and safe_url(value) is None:
        raise ReviewError(f"not an http(s) image URL: {value!r}", hint="give a URL or remove it")


def _check_words(action: Action, item_key: str, value: str | None) -> None:
    if item_key != ISSUE_WORDS:
        raise ReviewError(f"{action.value} applies to the whole issue, not to item {item_key!r}")
    if action in ONE_LINE and any(c in (value or "") for c in "\r\n"):
        raise ReviewError(f"the {WORD_ACTIONS[action]} must be one line")


_VERBS = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.RESET: "back to pending",
    Action.EDIT_TITLE: "new title for",
    Action.EDIT_SUMMARY: "new summary for",
    Action.EDIT_LINKS: "new links for",
    Action.APPROVE_ALL: "approved every placed pending item",
}


def describe(decision: Decision, item: DraftItem | None, config: Config) -> str:
    """What a decision did, in an editor's words, naming the item by handle and title:
    'rejected #8 "Title"', 'moved #3 "Title" to Tools'."""
    if decision.action == Action.APPROVE_ALL:
        return _VERBS[Action.APPROVE_ALL]
    what = f"#{item.handle} \u201c{item.title}\u201d" if item else repr(decision.item_key)
    if decision.action == Action.MOVE:
        section = config.section(decision.value or "")
        return f"moved {what} to {section.title if section else decision.value}"
    if decision.action == Action.MERGE:
        return f"merged {what} into the story of {decision.value}"
    if decision.action == Action.SPLIT:
        return f"split {what} from the story it joined"
    if decision.action == Action.REORDER:
        return f"moved {what} to place {int(decision.value or 0) + 1} in its section"
    return f"{_VERBS.get(decision.action, decision.action.value)} {what}"


def make_issue(
    draft: Draft, config: Config, *, number: int, now: datetime, previous: Issue | None = None
) -> Issue:
    """Snapshot the approved items of an approved draft as an Issue. Republishing the
    same draft keeps number, uid and publication date; ``updated`` moves only when
    the content changed (a correction)."""
    if draft.status == DraftStatus.DRAFT:
        raise ReviewError(
            f"draft {draft.key} is not approved", hint="run `digest draft approve` first"
        )
    sections = tuple(_issue_section(s) for s in draft.sections)
    sections = tuple(s for s in sections if s.items)
    if not sections:
        raise ReviewError(
            f"draft {draft.key} has no approved items", hint="approve some items first"
        )
    words = issue_words(draft, config, sections)
    if previous is not None:
        changed = (previous.sections, previous.words) != (sections, words)
        return replace(
            previous,
            title=words.title,
            words=words,
            sections=sections,
            updated=now if changed else previous.updated,
        )
    host = urlsplit(config.newsletter.site_url).hostname or "digest.invalid"
    return Issue(
        number=number,
        draft_key=draft.key,
        title=words.title,
        published=now,
        updated=now,
        uid=f"tag:{host},{now:%Y-%m-%d}:issue-{number}",
        sections=sections,
        words=words,
    )


def _issue_section(section: DraftSection, *, preview: bool = False) -> IssueSection:
    """The approved items of ``section``; with ``preview`` also the pending ones."""
    config = section.config
    compact = config.priority_cut
    shown = {ItemStatus.APPROVED, ItemStatus.PENDING} if preview else {ItemStatus.APPROVED}
    items = tuple(_issue_item(i, compact=compact) for i in section.items if i.status in shown)
    return IssueSection(config.key, config.title, items, icon=config.icon, compact=compact)


def issue_words(
    draft: Draft, config: Config, sections: Sequence[IssueSection] | None = None
) -> IssueWords:
    """The editor's words with the blanks filled: feeds.yaml's intro and outro and a
    title suggested from the top items (of ``sections``, by default the draft's placed
    items that are not rejected). A blank subject stays blank: publish uses the
    heading, "Issue 12: the title", in the newsletter's language."""
    if sections is None:
        sections = [_issue_section(s, preview=True) for s in draft.sections]
    words = draft.words
    return IssueWords(
        title=words.title or suggested_title(sections),
        subject=words.subject,
        intro=words.intro or config.newsletter.intro,
        outro=words.outro or config.newsletter.outro,
    )


def suggested_title(sections: Sequence[IssueSection]) -> str:
    """The top items' short names, as the model newsletter titles its issues:
    "The Annotated GPT-2, Understanding self-distillation, Haiku, ..."."""
    main = [i for s in sections if not s.compact for i in s.items[:1]]
    rest = [i for s in sections if not s.compact for i in s.items[1:]]
    names = [n for n in (short_name(i.title) for i in main + rest) if n]
    names = list(dict.fromkeys(names))
    if not names:
        return ""
    shown = ", ".join(names[:TITLE_NAMES])
    return shown + ", ..." if len(names) > TITLE_NAMES else shown


def short_name(title: str) -> str:
    """A title's name before its subtitle ("GANILLA: Generative ..." -> "GANILLA")."""
    text = " ".join(title.split())
    for mark in (": ", " — ", " – ", " - ", " | "):
        head = text.split(mark, 1)[0]
        if 0 < len(head) < len(text):
            text = head
    if len(text) > SHORT_NAME_MAX:
        text = text[: SHORT_NAME_MAX - 1].rsplit(" ", 1)[0] + "…"
    return text


def _issue_item(item: DraftItem, *, compact: bool) -> IssueItem:
    story = item.candidate.story
    seen: set[str] = set()
    links = []
    for link in story.links:
        if link.url not in seen:
            seen.add(link.url)
            links.append(IssueLink(link.url, link.role, link.source_name))
    return IssueItem(
        key=item.key,
        title=item.title,
        summary=item.summary,
        links=tuple(links),
        url=story.primary_link or (links[0].url if links else ""),
        image=None if compact else _image(item),
    )


def _image(item: DraftItem) -> IssueImage | None:
    """The item's image by URL, credited to where it came from (never fetched here)."""
    if not item.image:
        return None
    sources = [e.source_name for e in item.candidate.story.entries]
    credit = item.candidate.summary.meta.site_name or (sources[0] if sources else "")
    return IssueImage(url=item.image, alt=item.title, caption=item.caption, credit=credit)
