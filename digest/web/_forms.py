"""Item forms of the draft page -> the editor decisions the CLI would record. It
validates the form and plans decisions; recording them is digest.app.drafting's.

Every item form posts ``item``, ``version`` (the item's version the page showed),
``draft`` (the draft key) and ``op``; ``apply_item_form`` turns that into one or
two ``drafting.decide`` calls guarded by the version, so a stale tab gets a
ConflictError instead of silently overwriting another tab's work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from digest.app import drafting
from digest.draft.review import links_text
from digest.errors import ReviewError
from digest.limits import over_limit
from digest.store import Store
from digest.types import Action, Config, Decision, Draft, DraftItem

SIMPLE = {"approve": Action.APPROVE, "reject": Action.REJECT, "reset": Action.RESET}
Plan = list[tuple[Action, str | None]]


def mention_section(config: Config) -> str | None:
    """The "Honourable mentions" section: the first with ``priority_cut``."""
    return next((s.key for s in config.sections if s.priority_cut), None)


def _int(form: Mapping[str, str], name: str) -> int:
    value = form.get(name, "").strip()
    if not value.isdigit():
        raise ReviewError(f"the form field {name!r} must be a whole number >= 0",
                          hint="reload the page and try again")  # fmt: skip
    return int(value)


def _text(form: Mapping[str, str], name: str) -> str:
    return " ".join(form.get(name, "").split()) if name == "title" else form.get(name, "").strip()


def _capped(name: str, value: str) -> str:
    """``value`` if it fits digest.limits.FIELD_LIMITS, server-side (the page's
    maxlength is only a hint to the browser). Checked on the edited text only, so a
    long generated text never blocks editing the other field."""
    if problem := over_limit(name, value):
        raise ReviewError(problem, hint=f"shorten the {name}")
    return value


def plan(
    op: str, form: Mapping[str, str], item: DraftItem, config: Config, *, placed: bool = True
) -> Plan:
    """The decisions an item form asks for (empty when nothing changes)."""
    if op in SIMPLE:
        return [(SIMPLE[op], None)]
    if op == "move":
        return [(Action.MOVE, form.get("section", ""))]
    if op == "mention":
        key = mention_section(config)
        if key is None:
            raise ReviewError("no honourable-mentions section",
                              hint="mark a section `priority_cut: true` in feeds.yaml")  # fmt: skip
        return [(Action.MOVE, key)]
    if op in ("up", "down", "reorder"):
        if not placed:
            raise ReviewError("only items placed in a section can be reordered",
                              hint="approve or move the item into a section first")  # fmt: skip
        if op == "reorder":
            return [(Action.REORDER, str(_int(form, "position")))]
        step = -1 if op == "up" else 1
        return [(Action.REORDER, str(max(0, item.position + step)))]
    if op == "edit":
        wanted: Plan = []
        title, summary = _text(form, "title"), _text(form, "summary")
        if title != item.title:
            wanted.append((Action.EDIT_TITLE, _capped("title", title)))
        if summary != item.summary:
            wanted.append((Action.EDIT_SUMMARY, _capped("summary", summary)))
        if "links" in form:
            lines = (" ".join(line.split()) for line in form["links"].splitlines())
            links = "\n".join(line for line in lines if line)
            if links != links_text(item.candidate.story.links):
                wanted.append((Action.EDIT_LINKS, links))
        return wanted
    raise ReviewError(f"unknown action {op[:40]!r}", hint="reload the page")


@dataclass(frozen=True)
class FormResult:
    """What an item form did: the draft before and after, and the decisions made."""

    before: Draft
    after: Draft
    item_key: str
    decisions: tuple[Decision, ...]


def apply_item_form(
    store: Store, config: Config, form: Mapping[str, str], *, now: datetime
) -> FormResult:
    """Record the form's decisions; return what they changed."""
    draft = drafting.require_draft(store, config, form.get("draft") or None)
    item = draft.item(form.get("item", ""))
    if item is None:
        raise ReviewError("that item is no longer in the draft", hint="reload the page")
    version = _int(form, "version")
    placed = any(item in s.items for s in draft.sections)
    decisions = plan(form.get("op", ""), form, item, config, placed=placed)
    after, made = draft, []
    for n, (action, value) in enumerate(decisions):
        after = drafting.decide(store, config, action, item.key, value, now=now,
                                draft_key=draft.key, expected_version=version + n)  # fmt: skip
        made.append(Decision(draft.key, item.key, action, value, now))
    return FormResult(draft, after, item.key, tuple(made))


def neighbour(draft: Draft, key: str, shown: Callable[[str], bool]) -> str | None:
    """The nearest item after ``key`` in page order that the page still ``shown``
    (or before it, when none is): where the page lands when ``key`` itself leaves
    the view, so a reject does not jump to the top and triage goes on down the page."""
    keys = [i.key for i in draft.items()]  # sections in order, then the unplaced
    if key not in keys:
        return None
    at = keys.index(key)
    after = (k for k in keys[at + 1 :] if shown(k))
    before = (k for k in reversed(keys[:at]) if shown(k))
    return next(after, None) or next(before, None)
