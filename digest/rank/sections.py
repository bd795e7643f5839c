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
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from digest.identity import link_role
from digest.rank.features import BlockWeights, FeatureBuilder, Features, keywords_re
from digest.types import (
    Candidate,
    Config,
    Draft,
    DraftItem,
    DraftSection,
    DraftStatus,
    HistoryItem,
    ItemStatus,
    LinkRole,
    SectionConfig,
    SectionSuggestion,
    SourceKind,
    Story,
    Summary,
)

__all__ = [
    "Features",
    "RelevanceModel",
    "SectionModel",
    "features_of",
    "fill_sections",
    "rule_share",
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
DEFAULT_TEMPERATURE = 0.25  # before enough history to fit one (SVM margins are small)
RELEVANCE_TEMPERATURE = 0.25

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


def _suggestible(section: SectionConfig) -> bool:
    return not section.priority_cut and not section.retired


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
    topics = [s for s in config.sections if _suggestible(s)]
    if not topics:
        return ()
    scores = _rule_scores(features, config)
    total = sum(scores.values())
    confidence = {k: v / (total + RULE_PRIOR) for k, v in scores.items()}
    if learned:
        confidence = _mix(confidence, learned, rule_share(history_items))
    if not any(confidence.values()):
        fallback = _find(config, ARTICLES) or topics[0]
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
        if section is not None and _suggestible(section):
            scores[section.key] = scores.get(section.key, 0.0) + points

    for i, hint in enumerate(features.hints):
        add(config.section(hint), HINT_POINTS if i == 0 else HINT_POINTS / 2)
    for i, kind in enumerate(features.kinds):
        names = _KIND_NAMES.get(SourceKind(kind)) if kind in _KINDS else None
        if names:
            add(_find(config, names), KIND_POINTS if i == 0 else KIND_POINTS / 2)
    roles = {link_role(url) for url in features.links}
    for role in sorted(roles & set(_ROLE_NAMES)):
        add(_find(config, _ROLE_NAMES[role]), DOMAIN_POINTS)
    text = f"{features.title}\n{features.summary[:MAX_TEXT]}"
    for section in config.sections:
        pattern = keywords_re(section.keywords)
        if pattern is not None:
            hits = {" ".join(m.group().casefold().split()) for m in pattern.finditer(text)}
            if hits:
                add(section, KEYWORD_POINTS * min(len(hits), MAX_KEYWORDS))
    return scores


def _find(config: Config, names: Iterable[str]) -> SectionConfig | None:
    """The first topic section named (key, title or alias) by one of ``names``; else
    one whose key or title contains the first name (e.g. "tools-and-data")."""
    names = tuple(names)
    for name in names:
        found = config.section(name)
        if found is not None and _suggestible(found):
            return found
    stem = names[0].casefold()
    return next(
        (
            s
            for s in config.sections
            if _suggestible(s) and (stem in s.key.casefold() or stem in s.title.casefold())
        ),
        None,
    )


# --- learned models -------------------------------------------------------------


def model_text(features: Features) -> str:
    """Title, summary and marker tokens for link domains and source kinds: the plain
    tf-idf baseline's input (``digest eval sections`` compares against it)."""
    hosts = {urlsplit(u).netloc.lower().removeprefix("www.") for u in features.links}
    markers = [f"dom_{h.replace('.', '_').replace('-', '_')}" for h in sorted(hosts) if h]
    markers += [f"kind_{k}" for k in features.kinds]
    return " ".join([features.title, features.summary, *markers])


def _svm(c: float = 1.0, balanced: bool = False) -> Any:
    """LinearSVC rather than LogisticRegression: as accurate on our history and ~30x
    faster to train (lbfgs thrashes under a busy multi-threaded BLAS)."""
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced" if balanced else None, random_state=0)


def _margins(classifier: Any, matrix: Any) -> Any:
    """One margin per class and row (a binary SVM gives one number for classes_[1])."""
    import numpy as np

    raw = classifier.decision_function(matrix)
    if raw.ndim == 1:
        return np.column_stack([-raw, raw])
    return raw


def softmax(margins: Sequence[float], temperature: float) -> list[float]:
    """Margins -> probabilities at ``temperature`` (fitted on held-out training items)."""
    top = max(margins)
    exps = [math.exp((m - top) / temperature) for m in margins]
    total = sum(exps)
    return [e / total for e in exps]


def fit_temperature(margins: Any, gold: Sequence[int]) -> float:
    """The softmax temperature with the least log loss on held-out margins: one number
    fitted on a few hundred items cannot overfit the way per-class calibrators do."""
    import numpy as np

    rows = np.arange(len(gold))
    best, best_loss = DEFAULT_TEMPERATURE, math.inf
    for t in np.geomspace(0.05, 5.0, 60):
        z = margins / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z[rows, gold] - np.log(np.exp(z).sum(axis=1))
        loss = float(-log_p.mean())
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


@dataclass(frozen=True)
class _Training:
    """Usable items oldest first: features, labels and each item's age in issues."""

    feats: list[Features]
    labels: list[str]
    ages: list[int]

    def weights(self, half_life: float) -> list[float]:
        """Recent issues count more: editors' habits drift. A year of weekly issues
        as the half-life: on Haskell Weekly's issues 300-307 and 380-387 (rolling, 150
        issues of history) it gave 0.730 first-choice accuracy, against 0.719 at 10
        issues and 0.716 with no decay."""
        return [0.5 ** (age / half_life) for age in self.ages]

    def head(self, cut: int) -> _Training:
        return _Training(self.feats[:cut], self.labels[:cut], self.ages[:cut])


class SectionModel:
    """Title, summary, links and cues (:class:`FeatureBuilder`) -> linear SVM with
    recent issues weighted up -> softmax with a temperature fitted on the newest
    training issues held out (calibration)."""

    MIN_ITEMS = 20
    MIN_PER_CLASS = 2
    HALF_LIFE_ISSUES = 52.0
    HOLDOUT = 0.2  # newest share of training items held out to fit the temperature
    MIN_HOLDOUT = 30

    def __init__(
        self,
        builder: FeatureBuilder,
        classifier: Any,
        labels: tuple[str, ...],
        size: int,
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> None:
        self._builder = builder
        self._classifier = classifier
        self.labels = labels
        self.size = size
        self.temperature = temperature

    @classmethod
    def train(
        cls,
        items: Sequence[HistoryItem],
        config: Config | None = None,
        *,
        weights: BlockWeights | None = None,
        calibrate: bool = True,
    ) -> SectionModel | None:
        """None when there is too little history (fewer than MIN_ITEMS usable items or
        fewer than two sections). With ``config``, labels become section keys and
        priority-cut or unknown sections are left out (retired ones are kept: they
        teach the model what is not in the live sections)."""
        data = _labelled(items, config, cls.MIN_PER_CLASS)
        if len(data.labels) < cls.MIN_ITEMS or len(set(data.labels)) < 2:
            return None
        temperature = DEFAULT_TEMPERATURE
        if calibrate:
            temperature = cls._temperature(data, config, weights)
        builder, classifier = cls._fit(data, config, weights)
        classes = tuple(str(c) for c in classifier.classes_)
        return cls(builder, classifier, classes, len(data.labels), temperature)

    @classmethod
    def _fit(
        cls, data: _Training, config: Config | None, weights: BlockWeights | None
    ) -> tuple[FeatureBuilder, Any]:
        builder = FeatureBuilder(config, weights)
        matrix = builder.fit_transform(data.feats)
        classifier = _svm().fit(
            matrix, data.labels, sample_weight=data.weights(cls.HALF_LIFE_ISSUES)
        )
        return builder, classifier

    @classmethod
    def _temperature(
        cls, data: _Training, config: Config | None, weights: BlockWeights | None
    ) -> float:
        """Train on the older items, fit the temperature on the newest ones."""
        cut = int(len(data.labels) * (1 - cls.HOLDOUT))
        tail = data.labels[cut:]
        if len(tail) < cls.MIN_HOLDOUT or len(set(data.labels[:cut])) < 2:
            return DEFAULT_TEMPERATURE
        builder, classifier = cls._fit(data.head(cut), config, weights)
        known = {str(c): i for i, c in enumerate(classifier.classes_)}
        rows = [i for i, label in enumerate(tail) if label in known]
        if len(rows) < cls.MIN_HOLDOUT:
            return DEFAULT_TEMPERATURE
        margins = _margins(classifier, builder.transform([data.feats[cut + i] for i in rows]))
        return fit_temperature(margins, [known[tail[i]] for i in rows])

    def predict(self, features: Features) -> dict[str, float]:
        """Probability per label the model was trained on."""
        return self.predict_many([features])[0]

    def predict_many(self, items: Sequence[Features]) -> list[dict[str, float]]:
        margins = _margins(self._classifier, self._builder.transform(items))
        return [
            dict(zip(self.labels, softmax([float(m) for m in row], self.temperature), strict=True))
            for row in margins
        ]

    def predict_sections(self, features: Features, config: Config) -> dict[str, float]:
        """Probabilities mapped to this config's suggestible sections, renormalised:
        retired and priority-cut sections give their mass to the others."""
        return sections_of(self.predict(features), config)


def sections_of(probs: dict[str, float], config: Config) -> dict[str, float]:
    mapped: dict[str, float] = {}
    for label, p in probs.items():
        section = config.section(label)
        if section is not None and _suggestible(section):
            mapped[section.key] = mapped.get(section.key, 0.0) + p
    total = sum(mapped.values())
    return {k: v / total for k, v in mapped.items()} if total > 0 else {}


def _labelled(items: Sequence[HistoryItem], config: Config | None, min_per_class: int) -> _Training:
    """Usable items in issue order (by date, then number), dropping labels seen fewer
    than ``min_per_class`` times (nothing to learn from one example)."""
    order = {issue: i for i, issue in enumerate(issue_order(items))}
    pairs = [(item, _label(item.section, config)) for item in items]
    counts = Counter(label for _, label in pairs if label is not None)
    kept = [(i, lab) for i, lab in pairs if lab is not None and counts[lab] >= min_per_class]
    kept.sort(key=lambda pair: order[pair[0].issue])  # stable: file order within an issue
    newest = len(order) - 1
    return _Training(
        [history_features(i) for i, _ in kept],
        [lab for _, lab in kept],
        [newest - order[i.issue] for i, _ in kept],
    )


def issue_order(items: Sequence[HistoryItem]) -> list[str]:
    """Issue names by date (undated first), then number, then name."""
    first: dict[str, date | None] = {}
    for item in items:
        first.setdefault(item.issue, item.date)

    def key(issue: str) -> tuple[date, int, str]:
        when = first[issue] or date.min
        return (when, int(issue) if issue.isdigit() else 0, issue)

    return sorted(first, key=key)


def _label(section: str, config: Config | None) -> str | None:
    if not section.strip():
        return None
    if config is None:
        return section.strip().casefold()
    found = config.section(section)
    return found.key if found is not None and not found.priority_cut else None


def history_features(item: HistoryItem) -> Features:
    kinds = (item.kind,) if item.kind else _guess_kinds(item.links)
    return Features(item.title, item.summary, item.links, kinds)


def _guess_kinds(links: Sequence[str]) -> tuple[str, ...]:
    """Past items rarely record the source kind; the first link's role stands in."""
    if not links:
        return ()
    role = link_role(links[0])
    kind = {LinkRole.PAPER: SourceKind.ARXIV, LinkRole.RELEASE: SourceKind.RELEASE}.get(role)
    return (str(kind),) if kind else ()


class RelevanceModel:
    """Approved vs rejected items -> P(approved): the section model's features, one
    linear model (texts given as plain strings are read as titles)."""

    MIN_PER_CLASS = 3
    MIN_ITEMS = 10

    def __init__(self, builder: FeatureBuilder, classifier: Any) -> None:
        self._builder = builder
        self._classifier = classifier

    @classmethod
    def train(
        cls, approved: Sequence[Features | str], rejected: Sequence[Features | str]
    ) -> RelevanceModel | None:
        """None unless both classes have MIN_PER_CLASS items and MIN_ITEMS in all."""
        if min(len(approved), len(rejected)) < cls.MIN_PER_CLASS:
            return None
        if len(approved) + len(rejected) < cls.MIN_ITEMS:
            return None
        builder = FeatureBuilder()
        matrix = builder.fit_transform([_as_features(x) for x in (*approved, *rejected)])
        classifier = _svm().fit(matrix, [1] * len(approved) + [0] * len(rejected))
        return cls(builder, classifier)

    def predict(self, item: Features | str) -> float:
        margins = _margins(self._classifier, self._builder.transform([_as_features(item)]))[0]
        probs = softmax([float(m) for m in margins], RELEVANCE_TEMPERATURE)
        classes = [int(c) for c in self._classifier.classes_]
        return probs[classes.index(1)]


def _as_features(item: Features | str) -> Features:
    return item if isinstance(item, Features) else Features(item, "")


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
    title = " ".join(cand.story.lead.title.split())
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
