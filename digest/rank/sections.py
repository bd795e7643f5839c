"""Which section a story belongs in, and filling a draft's sections.

Cold start uses rules: the source's section hint (strongest), its kind (arXiv ->
publications, release -> tools, blog/podcast/news -> articles), link domains (arxiv.org
-> publications, github.com/huggingface.co -> tools) and each section's keywords. Once
past issues exist, :class:`SectionModel` learns the editor's habits from words,
character n-grams, links and cue words (:mod:`digest.rank.features`, where the rules'
evidence is also a feature). The rules stay as a prior whose share fades as history
grows (``RULE_PRIOR_ITEMS``): a fixed blend cost accuracy once the model was good. A
rule that pins a section (``rules.pin_sections``) still pins it. Retired sections are
kept for history and never suggested. "Honourable mentions" (``priority_cut``) is a
priority cut, not a topic, so it is never suggested; ``fill_sections`` sends overflow
there instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from digest.draft.titles import item_title
from digest.identity import link_role, may_be_reference
from digest.rank.features import Features, keywords_re
from digest.rank.models import (
    DEFAULT_TEMPERATURE,
    RelevanceModel,
    SectionModel,
    fit_temperature,
    history_features,
    issue_order,
    model_text,
    sections_of,
    softmax,
    suggestible,
)
from digest.types import (
    Candidate,
    Config,
    Draft,
    DraftItem,
    DraftSection,
    DraftStatus,
    ItemStatus,
    LinkRole,
    SectionConfig,
    SectionSuggestion,
    SourceKind,
    Story,
    Summary,
)

__all__ = [
    "DEFAULT_TEMPERATURE",
    "Features",
    "RelevanceModel",
    "SectionModel",
    "features_of",
    "fill_sections",
    "fit_temperature",
    "history_features",
    "issue_order",
    "model_text",
    "rule_share",
    "sections_of",
    "softmax",
    "story_text",
    "suggest",
    "suggest_from",
    "suggest_sections",
]

log = logging.getLogger("digest.rank.sections")

HINT_POINTS = 3.0
KIND_POINTS = 2.0
DOMAIN_POINTS = 1.0
KEYWORD_POINTS = 1.25
MAX_KEYWORDS = 3
MAX_TEXT = 4000  # characters of summary the rules read; summaries are ~90 words
RULE_PRIOR = 1.0  # mass kept for "none of these": one weak rule is not certainty
# The rules' share next to a trained model is RULE_PRIOR_ITEMS / (RULE_PRIOR_ITEMS + n)
# for n training items: a third at 100 items, 1/21 at 1,000 (the rules help only while
# history is short; a fixed 0.4 share cost 4.5 points of accuracy once the model was good).
RULE_PRIOR_ITEMS = 50

PAPERS = ("publications", "papers", "research")
TOOLS = ("tools", "tools and datasets", "tools & datasets", "datasets", "code", "resources")
ARTICLES = ("articles", "articles and blog posts", "blog posts", "blogs", "news")
_KIND_NAMES = {
    SourceKind.ARXIV: PAPERS,
    SourceKind.RELEASE: TOOLS,
    SourceKind.BLOG: ARTICLES,
    SourceKind.PODCAST: ARTICLES,
    SourceKind.NEWS: ARTICLES,
}
_KINDS = frozenset(str(k) for k in SourceKind)
_ROLE_NAMES = {LinkRole.PAPER: PAPERS, LinkRole.CODE: TOOLS, LinkRole.RELEASE: TOOLS}


def features_of(story: Story, summary: Summary) -> Features:
    return Features(
        title=story.lead.title,
        summary=summary.text,
        links=tuple(link.url for link in story.links),
        kinds=tuple(dict.fromkeys(str(e.kind) for e in story.entries)),
        hints=tuple(dict.fromkeys(e.section_hint for e in story.entries if e.section_hint)),
    )


def story_text(story: Story, summary: Summary) -> str:
    """Titles of all members plus the summary: what topics and relevance read."""
    titles = dict.fromkeys(e.title for e in story.entries)
    return "\n".join([*titles, summary.text])


# --- suggestions ---------------------------------------------------------------


def suggest_sections(
    story: Story, summary: Summary, config: Config, model: SectionModel | None = None
) -> tuple[SectionSuggestion, ...]:
    """The two likeliest topic sections, confidence in [0, 1], best first."""
    return suggest(features_of(story, summary), config, model)


def suggest(
    features: Features, config: Config, model: SectionModel | None = None
) -> tuple[SectionSuggestion, ...]:
    """The rules' scores normalised to confidences (RULE_PRIOR held back) and, with a
    model, mixed in as a prior whose share fades with the model's history; a weak
    Articles guess if nothing fits."""
    if model is None:
        return suggest_from(features, config)
    return suggest_from(features, config, model.predict_sections(features, config), model.size)


def suggest_from(
    features: Features,
    config: Config,
    learned: dict[str, float] | None = None,
    history_items: int = 0,
) -> tuple[SectionSuggestion, ...]:
    """:func:`suggest` given the model's section probabilities (batch callers predict
    many items at once)."""
    topics = [s for s in config.sections if suggestible(s)]
    if not topics:
        return ()
    scores = _rule_scores(features, config)
    total = sum(scores.values())
    confidence = {k: v / (total + RULE_PRIOR) for k, v in scores.items()}
    if learned:
        confidence = _mix(confidence, learned, rule_share(history_items))
    if not any(confidence.values()):
        fallback = _remembered(config, ARTICLES) or topics[0]
        return (SectionSuggestion(fallback.key, 0.1),)
    order = {s.key: i for i, s in enumerate(config.sections)}
    ranked = sorted(
        (k for k, v in confidence.items() if v > 0), key=lambda k: (-confidence[k], order[k])
    )
    return tuple(SectionSuggestion(k, round(min(1.0, confidence[k]), 4)) for k in ranked[:2])


def rule_share(history_items: int) -> float:
    """How much the rules weigh next to a model trained on ``history_items``."""
    return RULE_PRIOR_ITEMS / (RULE_PRIOR_ITEMS + max(history_items, 0))


def _mix(rules: dict[str, float], learned: dict[str, float], share: float) -> dict[str, float]:
    keys = set(rules) | set(learned)
    return {k: share * rules.get(k, 0.0) + (1 - share) * learned.get(k, 0.0) for k in keys}


def _rule_scores(features: Features, config: Config) -> dict[str, float]:
    scores: dict[str, float] = {}

    def add(section: SectionConfig | None, points: float) -> None:
        if section is not None and suggestible(section):
            scores[section.key] = scores.get(section.key, 0.0) + points

    for i, hint in enumerate(features.hints):
        add(_remembered(config, (hint,), exact=True), HINT_POINTS if i == 0 else HINT_POINTS / 2)
    for i, kind in enumerate(features.kinds):
        names = _KIND_NAMES.get(SourceKind(kind)) if kind in _KINDS else None
        if names:
            add(_remembered(config, names), KIND_POINTS if i == 0 else KIND_POINTS / 2)
    # only papers, code and releases count: most links are neither, and cheap to tell
    roles = {link_role(url) for url in features.links if may_be_reference(url)}
    for role in sorted(roles & set(_ROLE_NAMES)):
        add(_remembered(config, _ROLE_NAMES[role]), DOMAIN_POINTS)
    text = f"{features.title}\n{features.summary[:MAX_TEXT]}"
    for section in config.sections:
        pattern = keywords_re(section.keywords)
        if pattern is not None:
            hits = {" ".join(m.group().casefold().split()) for m in pattern.finditer(text)}
            if hits:
                add(section, KEYWORD_POINTS * min(len(hits), MAX_KEYWORDS))
    return scores


# The section names looked up for the config last ranked with: a window asks the same
# few names for each of thirty thousand stories, and a lookup compares every alias.
_LOOKUPS: list[tuple[Config, dict[tuple[bool, tuple[str, ...]], SectionConfig | None]]] = []


def _remembered(
    config: Config, names: tuple[str, ...], *, exact: bool = False
) -> SectionConfig | None:
    """``_find(config, names)``; with ``exact``, ``config.section(names[0])``."""
    memo = _LOOKUPS[0][1] if _LOOKUPS and _LOOKUPS[0][0] is config else None
    if memo is None:
        memo = {}
        _LOOKUPS[:] = [(config, memo)]
    key = (exact, names)
    if key not in memo:
        memo[key] = config.section(names[0]) if exact else _find(config, names)
    return memo[key]


def _find(config: Config, names: Iterable[str]) -> SectionConfig | None:
    """The first topic section named (key, title or alias) by one of ``names``; else
    one whose key or title contains the first name (e.g. "tools-and-data")."""
    names = tuple(names)
    for name in names:
        found = config.section(name)
        if found is not None and suggestible(found):
            return found
    stem = names[0].casefold()
    return next(
        (
            s
            for s in config.sections
            if suggestible(s) and (stem in s.key.casefold() or stem in s.title.casefold())
        ),
        None,
    )


# --- filling a draft ---------------------------------------------------------------


def fill_sections(
    candidates: Sequence[Candidate],
    config: Config,
    *,
    key: str,
    period_start: datetime,
    period_end: datetime,
    min_score: float = 0.0,
) -> Draft:
    """Best score first, each candidate goes to its top suggestion while that section
    has quota left; overflow scoring at least ``min_score`` goes to the priority-cut
    section (Honourable mentions) up to its quota; the rest are unplaced (pending)."""
    placed: dict[str, list[Candidate]] = {s.key: [] for s in config.sections}
    quotas = {s.key: s.quota for s in config.sections}
    cut = next((s for s in config.sections if s.priority_cut), None)
    unplaced: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-c.score, c.key)):
        target = cand.suggestions[0].section if cand.suggestions else None
        if target in placed and len(placed[target]) < quotas[target]:
            placed[target].append(cand)
        elif cut is not None and cand.score >= min_score and len(placed[cut.key]) < cut.quota:
            placed[cut.key].append(cand)
        else:
            unplaced.append(cand)
    fallback = cut.key if cut is not None else config.sections[0].key
    sections = tuple(
        DraftSection(s, tuple(_item(c, s.key, i) for i, c in enumerate(placed[s.key])))
        for s in config.sections
    )
    rest = tuple(
        _item(c, c.suggestions[0].section if c.suggestions else fallback, i)
        for i, c in enumerate(unplaced)
    )
    return Draft(key, period_start, period_end, DraftStatus.DRAFT, sections, rest)


def _item(cand: Candidate, section: str, position: int) -> DraftItem:
    title = item_title(cand.story.lead)
    summary = cand.summary.text
    return DraftItem(
        key=cand.key,
        section=section,
        position=position,
        title=title,
        summary=summary,
        status=ItemStatus.PENDING,
        candidate=cand,
        generated_title=title,
        generated_summary=summary,
    )
