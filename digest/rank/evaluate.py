"""How well sections are suggested: the rolling protocol, with baselines in the same run.

For each issue k in the evaluated range, every method is trained on the issues before k
(at most ``window`` of them, newest) and suggests k's items:

* ``model``: :func:`digest.rank.sections.suggest` with a :class:`SectionModel`, as the
  draft does (rules as a fading prior, retired sections never suggested);
* ``tfidf+svm``: plain word tf-idf over title, summary and link-domain markers with a
  LinearSVC, the model this project had before (and the usual strong baseline);
* ``majority``: the commonest section of the training issues.

The model's gain is printed as a ratio to each baseline, so a figure is never shown
without what it beats. Calibration is checked too: the share of items marked unsure
(top probability under ``UNSURE_BELOW``) and the accuracy on either side of that line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from digest.rank.models import (
    SectionModel,
    history_features,
    issue_order,
    model_text,
    sections_of,
)
from digest.rank.sections import suggest_from
from digest.types import UNSURE_BELOW, Config, HistoryItem

__all__ = [
    "EvalReport",
    "MethodFigures",
    "SectionFigures",
    "evaluate_sections",
    "format_report",
    "issue_order",
]

log = logging.getLogger("digest.rank.evaluate")


@dataclass(frozen=True)
class SectionFigures:
    section: str
    precision: float
    recall: float
    f1: float
    support: int
    first_issue: str = ""  # where the section first appears in the history read
    last_issue: str = ""
    retired: bool = False


@dataclass(frozen=True)
class MethodFigures:
    name: str
    accuracy: float
    macro_f1: float
    top2_accuracy: float
    per_section: tuple[SectionFigures, ...]


@dataclass(frozen=True)
class EvalReport:
    """Rolling evaluation: for each issue k evaluated, train on issues before k."""

    issues: int  # issues in the history read
    predicted: int
    accuracy: float  # the model's figures, also in ``methods[0]``
    macro_f1: float
    top2_accuracy: float
    per_section: tuple[SectionFigures, ...]
    rules_accuracy: float  # the cold-start rules alone on the same items, for contrast
    skipped: int  # items in priority-cut or unknown sections
    methods: tuple[MethodFigures, ...] = ()  # model, then the baselines
    first_issue: str = ""  # the evaluated range
    last_issue: str = ""
    unsure_share: float = 0.0  # items whose top probability is under UNSURE_BELOW
    sure_accuracy: float = 0.0
    unsure_accuracy: float = 0.0


def evaluate_sections(
    items: Sequence[HistoryItem],
    config: Config,
    *,
    warmup: int = 3,
    first: str | None = None,
    last: str | None = None,
    window: int | None = None,
) -> EvalReport:
    """Issues from ``first`` to ``last`` (numbers or names; default: all after the
    ``warmup`` first issues), each predicted by methods trained on the issues before."""
    order = issue_order(items)
    by_issue: dict[str, list[HistoryItem]] = {}
    for item in items:
        by_issue.setdefault(item.issue, []).append(item)
    start = max(warmup, _position(order, first, default=0))
    stop = _position(order, last, default=len(order) - 1) + 1
    run = _Run(config)
    for k in range(start, stop):
        past = [
            i for issue in order[max(0, k - window) if window else 0 : k] for i in by_issue[issue]
        ]
        run.issue(past, by_issue[order[k]])
    evaluated = order[start:stop]
    return run.report(items, order, evaluated)


def _position(order: list[str], issue: str | None, *, default: int) -> int:
    """Where ``issue`` is in ``order``; a number not present counts from the next one."""
    if issue is None:
        return default
    if issue in order:
        return order.index(issue)
    if issue.isdigit():
        later = [i for i, name in enumerate(order) if name.isdigit() and int(name) >= int(issue)]
        return later[0] if later else len(order)
    raise ValueError(f"no issue {issue!r} in the history")


class _Run:
    """Collects each method's ranked guesses against the editor's sections."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.gold: list[str] = []
        self.guesses: dict[str, list[list[str]]] = {"model": [], "tfidf+svm": [], "majority": []}
        self.rules: list[list[str]] = []
        self.top_p: list[float] = []
        self.skipped = 0

    def issue(self, past: Sequence[HistoryItem], current: Sequence[HistoryItem]) -> None:
        targets = []
        for item in current:
            section = self.config.section(item.section)
            if section is None or section.priority_cut:
                self.skipped += 1
            else:
                targets.append(item)
                self.gold.append(section.key)
        if not targets:
            return
        model_guesses, probs = _model(past, targets, self.config)
        self.guesses["model"] += model_guesses
        self.top_p += probs
        self.guesses["tfidf+svm"] += _tfidf_svm(past, targets, self.config)
        self.guesses["majority"] += _majority(past, targets, self.config)
        self.rules += [
            [s.section for s in suggest_from(history_features(i), self.config)] for i in targets
        ]

    def report(
        self, items: Sequence[HistoryItem], order: list[str], evaluated: list[str]
    ) -> EvalReport:
        lives = _lives(items, order, self.config)
        methods = tuple(
            _figures(name, self.gold, guesses, lives) for name, guesses in self.guesses.items()
        )
        model = methods[0]
        hits = [
            bool(g) and g[0] == gold
            for g, gold in zip(self.guesses["model"], self.gold, strict=True)
        ]
        unsure = [p < UNSURE_BELOW for p in self.top_p]
        return EvalReport(
            issues=len(order),
            predicted=len(self.gold),
            accuracy=model.accuracy,
            macro_f1=model.macro_f1,
            top2_accuracy=model.top2_accuracy,
            per_section=model.per_section,
            rules_accuracy=_share(
                [bool(r) and r[0] == g for r, g in zip(self.rules, self.gold, strict=True)]
            ),
            skipped=self.skipped,
            methods=methods,
            first_issue=evaluated[0] if evaluated else "",
            last_issue=evaluated[-1] if evaluated else "",
            unsure_share=_share(unsure),
            sure_accuracy=_share([h for h, u in zip(hits, unsure, strict=True) if not u]),
            unsure_accuracy=_share([h for h, u in zip(hits, unsure, strict=True) if u]),
        )


# --- the methods ----------------------------------------------------------------------


def _model(
    past: Sequence[HistoryItem], targets: Sequence[HistoryItem], config: Config
) -> tuple[list[list[str]], list[float]]:
    """Ranked sections and the top confidence per item, as the draft would get them."""
    model = SectionModel.train(past, config)
    feats = [history_features(i) for i in targets]
    learned = model.predict_many(feats) if model is not None else [{} for _ in feats]
    size = model.size if model is not None else 0
    guesses, top = [], []
    for f, probs in zip(feats, learned, strict=True):
        found = suggest_from(f, config, sections_of(probs, config) if probs else None, size)
        guesses.append([s.section for s in found])
        top.append(found[0].confidence if found else 0.0)
    return guesses, top


def _tfidf_svm(
    past: Sequence[HistoryItem], targets: Sequence[HistoryItem], config: Config
) -> list[list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts, labels = _training(past, config)
    if len(set(labels)) < 2:
        return _majority(past, targets, config)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=50000)
    classifier = LinearSVC(random_state=0).fit(vectorizer.fit_transform(texts), labels)
    margins = classifier.decision_function(
        vectorizer.transform([model_text(history_features(i)) for i in targets])
    )
    classes = [str(c) for c in classifier.classes_]
    return [_ranked(classes, row, config) for row in margins.reshape(len(targets), -1)]


def _ranked(classes: list[str], row: Any, config: Config) -> list[str]:
    if len(classes) == 2 and len(row) == 1:
        row = [-row[0], row[0]]
    order = sorted(range(len(classes)), key=lambda i: -float(row[i]))
    return [classes[i] for i in order if _live(classes[i], config)][:2]


def _majority(
    past: Sequence[HistoryItem], targets: Sequence[HistoryItem], config: Config
) -> list[list[str]]:
    _, labels = _training(past, config)
    common = [label for label, _ in Counter(labels).most_common() if _live(label, config)][:2]
    return [common for _ in targets]


def _training(past: Sequence[HistoryItem], config: Config) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for item in past:
        section = config.section(item.section)
        if section is not None and not section.priority_cut:
            texts.append(model_text(history_features(item)))
            labels.append(section.key)
    return texts, labels


def _live(key: str, config: Config) -> bool:
    section = config.section(key)
    return section is not None and not section.retired and not section.priority_cut


# --- figures --------------------------------------------------------------------------


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def _lives(
    items: Sequence[HistoryItem], order: list[str], config: Config
) -> dict[str, tuple[str, str, bool]]:
    """Section key -> (first issue, last issue, retired) over the whole history read."""
    rank = {issue: i for i, issue in enumerate(order)}
    seen: dict[str, list[str]] = {}
    for item in items:
        section = config.section(item.section)
        if section is not None:
            seen.setdefault(section.key, []).append(item.issue)
    lives = {}
    for key, issues in seen.items():
        ordered = sorted(issues, key=rank.__getitem__)
        retired = bool(getattr(config.section(key), "retired", False))
        lives[key] = (ordered[0], ordered[-1], retired)
    return lives


def _figures(
    name: str,
    gold: list[str],
    guesses: list[list[str]],
    lives: dict[str, tuple[str, str, bool]],
) -> MethodFigures:
    top1 = [g[0] if g else "" for g in guesses]
    per_section = []
    for section in sorted(set(gold) | set(top1) - {""}):
        tp = sum(1 for g, p in zip(gold, top1, strict=True) if g == p == section)
        predicted, actual = top1.count(section), gold.count(section)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        life = lives.get(section, ("", "", False))
        per_section.append(SectionFigures(section, precision, recall, f1, actual, *life))
    scored = [f for f in per_section if f.support]
    return MethodFigures(
        name=name,
        accuracy=_share([g == p for g, p in zip(gold, top1, strict=True)]),
        macro_f1=sum(f.f1 for f in scored) / len(scored) if scored else 0.0,
        top2_accuracy=_share([g in p[:2] for g, p in zip(gold, guesses, strict=True)]),
        per_section=tuple(per_section),
    )


def format_report(report: EvalReport) -> str:
    lines = [
        f"issues {report.issues}, evaluated {report.first_issue}..{report.last_issue}, "
        f"predicted items {report.predicted}, skipped {report.skipped}",
        f"{'method':<12}{'accuracy':>9}{'macro-F1':>10}{'top-2':>8}",
    ]
    for m in report.methods:
        lines.append(f"{m.name:<12}{m.accuracy:>9.3f}{m.macro_f1:>10.3f}{m.top2_accuracy:>8.3f}")
    lines.append(f"{'rules alone':<12}{report.rules_accuracy:>9.3f}")
    lines += _ratios(report)
    lines.append(
        f"unsure (top probability < {UNSURE_BELOW:.0%}): {report.unsure_share:.1%} of items; "
        f"accuracy {report.sure_accuracy:.3f} when sure, {report.unsure_accuracy:.3f} when unsure"
    )
    for m in report.methods:
        lines += ["", f"{m.name}: per section", _section_header()]
        lines += [_section_line(f) for f in m.per_section]
    return "\n".join(lines)


def _ratios(report: EvalReport) -> list[str]:
    if not report.methods:
        return []
    model, *baselines = report.methods
    out = []
    for b in baselines:
        parts = [
            f"{label} x{mine / theirs:.2f}" if theirs else f"{label} n/a"
            for label, mine, theirs in (
                ("accuracy", model.accuracy, b.accuracy),
                ("macro-F1", model.macro_f1, b.macro_f1),
                ("top-2", model.top2_accuracy, b.top2_accuracy),
            )
        ]
        out.append(f"model vs {b.name}: " + ", ".join(parts))
    return out


def _section_header() -> str:
    return f"{'section':<24}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}  seen"


def _section_line(f: SectionFigures) -> str:
    seen = f"{f.first_issue}..{f.last_issue}" + (" retired" if f.retired else "")
    return f"{f.section:<24}{f.precision:>10.2f}{f.recall:>8.2f}{f.f1:>7.2f}{f.support:>9}  {seen}"
