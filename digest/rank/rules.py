"""Editor rules: standing likes and dislikes from feeds.yaml ``rules:`` (pure).

A rule matches a story by its ``source`` (name or feed URL, case-insensitive), an
``author`` or ``title`` phrase (case-insensitive, word boundary, as rank's topics) or
a ``url`` (a glob such as ``*://*.example.com/*`` when it holds ``*``, ``?`` or ``[``,
else a case-insensitive substring of any link).

Every rule that fires is a :class:`Reason` on the candidate:

* a like adds ``RULE_POINTS``, a dislike subtracts them. ``RULE_POINTS`` exceeds the
  learned relevance model's whole swing (``2 * RELEVANCE_POINTS``), so a rule always
  beats the model;
* when a like and a dislike both fire, the like wins: the dislike is still listed,
  with 0 points;
* with ``section: KEY`` a like *pins* matching items into that section (it becomes
  their first suggestion, confidence 1.0) and adds its points; a section-scoped
  dislike applies only to items suggested for that section (after pins), lowering
  their score so the section's quota goes to others.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from digest.rank.score import RELEVANCE_POINTS, topic_pattern
from digest.types import Candidate, Reason, Rule, RuleKind, SectionSuggestion, Story

__all__ = [
    "RULE_POINTS",
    "Subject",
    "apply_rule_reasons",
    "apply_rules",
    "apply_to",
    "describe",
    "matches",
    "pin_sections",
    "subject_of",
]

log = logging.getLogger("digest.rank.rules")

RULE_POINTS = 2 * RELEVANCE_POINTS + 1.0  # 5.0: more than the model's -2..+2 swing
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Subject:
    """What rules look at: a live story, or a bare item given to `sections suggest`."""

    titles: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # names and feed URLs
    authors: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


def subject_of(story: Story) -> Subject:
    entries = story.entries
    urls = [link.url for link in story.links]
    urls += [u for e in entries for u in (e.link, e.canonical) if u]
    return Subject(
        titles=tuple(dict.fromkeys(e.title for e in entries)),
        sources=tuple(dict.fromkeys(x for e in entries for x in (e.source_name, e.feed_url))),
        authors=tuple(dict.fromkeys(a for e in entries for a in e.authors)),
        urls=tuple(dict.fromkeys(urls)),
    )


def describe(rule: Rule) -> str:
    """``like source 'Simon Willison' in articles``: how reasons and the CLI name it."""
    verb = "like" if rule.like else "dislike"
    where = f" in {rule.section}" if rule.section else ""
    return f"{verb} {rule.kind.value} {rule.value!r}{where}"


def matches(rule: Rule, subject: Subject) -> bool:
    value = rule.value.strip()
    if not value:
        return False
    match rule.kind:
        case RuleKind.SOURCE:
            wanted = value.casefold()
            return any(s.strip().casefold() == wanted for s in subject.sources)
        case RuleKind.AUTHOR:
            return any(topic_pattern(value).search(a) for a in subject.authors)
        case RuleKind.TITLE:
            return any(topic_pattern(value).search(t) for t in subject.titles)
        case RuleKind.URL:
            return any(_url_matches(value, u) for u in subject.urls)
    return False  # pragma: no cover - every kind is handled above


def _url_matches(pattern: str, url: str) -> bool:
    if _GLOB_CHARS & set(pattern):
        return fnmatch.fnmatchcase(url.casefold(), pattern.casefold())
    return pattern.casefold() in url.casefold()


def pin_sections(
    suggestions: Sequence[SectionSuggestion], fired: Iterable[Rule]
) -> tuple[SectionSuggestion, ...]:
    """The first section-scoped like among ``fired`` becomes the first suggestion."""
    pinned = next((r.section for r in fired if r.like and r.section), None)
    if pinned is None:
        return tuple(suggestions)
    rest = [s for s in suggestions if s.section != pinned]
    return (SectionSuggestion(pinned, 1.0), *rest[:1])


def apply_rule_reasons(fired: Sequence[Rule], section: str | None) -> tuple[Reason, ...]:
    """Reasons for the rules that apply to an item placed in ``section``."""
    active = [r for r in fired if r.section is None or r.section == section]
    liked = any(r.like for r in active)
    reasons = []
    for rule in active:
        if rule.like:
            reasons.append(Reason(f"rule: {describe(rule)} {RULE_POINTS:+.1f}", RULE_POINTS))
        elif liked:
            reasons.append(Reason(f"rule: {describe(rule)} 0 (a like wins)", 0.0))
        else:
            reasons.append(Reason(f"rule: {describe(rule)} {-RULE_POINTS:+.1f}", -RULE_POINTS))
    return tuple(reasons)


def apply_to(candidate: Candidate, rules: Sequence[Rule]) -> Candidate:
    subject = subject_of(candidate.story)
    fired = [r for r in rules if matches(r, subject)]
    if not fired:
        return candidate
    suggestions = pin_sections(candidate.suggestions, fired)
    section = suggestions[0].section if suggestions else None
    extra = apply_rule_reasons(fired, section)
    reasons = candidate.reasons + extra
    return replace(
        candidate,
        reasons=reasons,
        score=round(sum(r.points for r in reasons), 4),
        suggestions=suggestions,
    )


def apply_rules(candidates: Sequence[Candidate], rules: Sequence[Rule]) -> list[Candidate]:
    """Candidates with rule reasons, scores and pins, best first again (stable ties)."""
    if not rules:
        return list(candidates)
    ruled = [apply_to(c, rules) for c in candidates]
    ruled.sort(key=lambda c: (-c.score, c.key))
    log.debug("applied %d rules to %d candidates", len(rules), len(ruled))
    return ruled
