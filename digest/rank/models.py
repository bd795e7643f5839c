"""The learned models: which section (:class:`SectionModel`) and how relevant
(:class:`RelevanceModel`), both over :class:`~digest.rank.features.FeatureBuilder`.

Margins of a linear SVM become probabilities through a softmax whose temperature the
section model fits on its newest training issues, held out (docs/decisions/0010).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from digest.identity import link_role
from digest.rank.features import BlockWeights, FeatureBuilder, Features
from digest.types import Config, HistoryItem, LinkRole, SectionConfig, SourceKind

__all__ = [
    "DEFAULT_TEMPERATURE",
    "RelevanceModel",
    "SectionModel",
    "fit_temperature",
    "history_features",
    "issue_order",
    "model_text",
    "sections_of",
    "softmax",
    "suggestible",
]

DEFAULT_TEMPERATURE = 0.25  # before enough history to fit one (SVM margins are small)
RELEVANCE_TEMPERATURE = 0.25


def suggestible(section: SectionConfig) -> bool:
    """A topic section still in use: not the priority cut, not retired."""
    return not section.priority_cut and not section.retired


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

    def slice(self, start: int, stop: int) -> _Training:
        return _Training(self.feats[start:stop], self.labels[start:stop], self.ages[start:stop])

    def recent(self, max_age: int) -> _Training:
        start = next((i for i, age in enumerate(self.ages) if age <= max_age), len(self.ages))
        return self.slice(start, len(self.ages))


class SectionModel:
    """Title, summary, links and cues (:class:`FeatureBuilder`) -> linear SVM with
    recent issues weighted up -> softmax with a temperature fitted on the newest
    training issues held out (calibration)."""

    MIN_ITEMS = 20
    MIN_PER_CLASS = 2
    HALF_LIFE_ISSUES = 52.0
    MAX_AGE_ISSUES = 312  # six half-lives: older items weigh under 1/64 and only cost time
    HOLDOUT = 0.2  # newest share of training items held out to fit the temperature
    MIN_HOLDOUT = 30
    MAX_HOLDOUT = 2_000  # enough to fit one number ...
    MAX_CALIBRATION_TRAIN = 10_000  # ... with a first fit on the items just before them

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
        data = _labelled(items, config, cls.MIN_PER_CLASS).recent(cls.MAX_AGE_ISSUES)
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
        """Train on older items, fit the temperature on the newest ones (both capped,
        so a long history does not double the training time)."""
        cut = len(data.labels) - min(int(len(data.labels) * cls.HOLDOUT), cls.MAX_HOLDOUT)
        tail = data.labels[cut:]
        head = data.slice(max(0, cut - cls.MAX_CALIBRATION_TRAIN), cut)
        if len(tail) < cls.MIN_HOLDOUT or len(set(head.labels)) < 2:
            return DEFAULT_TEMPERATURE
        builder, classifier = cls._fit(head, config, weights)
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
        if section is not None and suggestible(section):
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
        return self.predict_many([item])[0]

    def predict_many(self, items: Sequence[Features | str]) -> list[float]:
        """P(approved) per item, in one transform."""
        matrix = self._builder.transform([_as_features(x) for x in items])
        approved = [int(c) for c in self._classifier.classes_].index(1)
        return [
            softmax([float(m) for m in row], RELEVANCE_TEMPERATURE)[approved]
            for row in _margins(self._classifier, matrix)
        ]


def _as_features(item: Features | str) -> Features:
    return item if isinstance(item, Features) else Features(item, "")
