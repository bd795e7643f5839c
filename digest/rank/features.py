"""One feature builder for the section model and the relevance model.

An item becomes four blocks, each l2-normalised and then weighted, side by side in
one sparse matrix:

* ``words``: word 1-2-gram tf-idf over title and summary (sublinear counts);
* ``chars``: character 2-5-gram tf-idf (within word bounds) over the title and the
  start of the summary: catches stems, versions and names ("tokio", "v0.3", "async");
* ``links``: a block of its own so hosts do not swamp the words (they used to be
  marker tokens inside the word tf-idf, where their high idf outweighed the text):
  each link's host and destination kind (:mod:`digest.rank.destinations`), words of
  its path, the first link's kind and host, how many links;
* ``cues``: cue words per kind of section ("paper", "we propose", "library",
  "release", "course", "bias", "podcast", ...) and the rules' evidence: the source's
  section hint and kind, which sections' keywords occur, each link's role. Rules thus
  enter the model as features it weighs against the editor's history.

Block weights are relative to ``words``; the defaults were chosen on the training
issues of the two shared back catalogues (docs/decisions/0010-section-features.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from digest.identity import link_role
from digest.rank.destinations import destination, host_of, path_words
from digest.types import Config

__all__ = [
    "CUES",
    "BlockWeights",
    "FeatureBuilder",
    "Features",
    "cue_tokens",
    "link_tokens",
]

MAX_TEXT = 4000  # characters of summary read; summaries are ~90 words
CHAR_TEXT = 160  # characters of summary the char n-grams read after the title
MAX_LINKS = 5  # a long link list (a changelog) says no more than its first few

# Cue words per kind of section; a phrase matches at word bounds, case-insensitively.
CUES: dict[str, tuple[str, ...]] = {
    "paper": ("paper", "papers", "we propose", "we present", "we show", "preprint", "arxiv",
              "abstract", "study", "thesis", "state of the art", "state-of-the-art"),
    "code": ("library", "crate", "package", "framework", "toolkit", "open source",
             "open-source", "repository", "sdk", "api", "bindings", "implementation", "cli"),
    "release": ("release", "released", "releases", "announcing", "announce", "version",
                "changelog", "launch", "launches", "available now", "1.0"),
    "dataset": ("dataset", "datasets", "corpus", "benchmark", "leaderboard"),
    "course": ("course", "lecture", "lectures", "tutorial", "workshop", "guide", "learn",
               "learning", "introduction to", "beginner", "beginners", "how to", "part 1",
               "walkthrough", "step by step", "book", "chapter"),
    "ethics": ("bias", "policy", "regulation", "fairness", "safety", "privacy", "copyright",
               "law", "ethics", "ethical", "governance", "harm", "rights"),
    "media": ("podcast", "episode", "video", "talk", "interview", "livestream", "slides",
              "recording", "stream"),
    "opinion": ("why", "thoughts", "opinion", "lessons", "i think", "my", "reflections",
                "should", "considered harmful", "in defense of", "the case for"),
    "news": ("announces", "announced", "report", "funding", "acquires", "survey", "results",
             "foundation", "newsletter", "this week in", "this month in", "update", "updates"),
    "community": ("call for", "help wanted", "contributors", "good first issue", "rfc",
                  "proposal", "hiring", "job", "jobs", "meetup", "conference", "event"),
}  # fmt: skip
CUE_CAP = 3  # hits per group counted at most


@dataclass(frozen=True)
class Features:
    """What section rules and models look at, for a live story or a past item."""

    title: str
    summary: str
    links: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # lead's kind first
    hints: tuple[str, ...] = ()  # lead's section hint first


@dataclass(frozen=True)
class BlockWeights:
    words: float = 1.0
    chars: float = 0.7
    links: float = 0.7
    cues: float = 0.35


# --- token blocks ---------------------------------------------------------------------


def link_tokens(features: Features) -> list[str]:
    """Host, destination kind and path words of each link; the first link's kind and
    host marked apart (the item's own page leads, the rest are references)."""
    links = [u for u in features.links if u.strip()][:MAX_LINKS]
    if not links:
        return ["links:0"]
    tokens = [f"links:{min(len(links), 3)}"]
    first = links[0]
    tokens += [f"first:{destination(first)}", f"firsthost:{host_of(first)}"]
    for url in links:
        host = host_of(url)
        tokens += [f"dest:{destination(url)}", f"host:{host}", f"site:{_site(host)}"]
        tokens += [f"path:{w}" for w in path_words(url)]
    return tokens


def _site(host: str) -> str:
    """The last two labels: blog.rust-lang.org and rust-lang.org are one site."""
    return ".".join(host.split(".")[-2:])


def cue_tokens(features: Features, config: Config | None = None) -> list[str]:
    """Cue groups found (title hits marked apart) and, with a config, the rules'
    evidence: section hints, source kinds, keyword hits per section, link roles."""
    tokens: list[str] = []
    summary = features.summary[:MAX_TEXT]
    for group in _cue_groups(features.title):
        tokens.append(f"cue:{group}:title")
    counts = Counter(_cue_groups(features.title) + _cue_groups(summary))
    for group, hits in counts.items():
        tokens += [f"cue:{group}"] * min(hits, CUE_CAP)
    tokens += [f"kind:{k}" for k in features.kinds[:1]]
    tokens += [f"role:{link_role(u)}" for u in features.links[:1]]
    if config is not None:
        tokens += _rule_evidence(features, config)
    return tokens


def _rule_evidence(features: Features, config: Config) -> list[str]:
    tokens = []
    for hint in features.hints[:1]:
        section = config.section(hint)
        if section is not None:
            tokens += [f"hint:{section.key}"] * 2
    text = f"{features.title}\n{features.summary[:MAX_TEXT]}"
    for section in config.sections:
        pattern = _keywords_re(section.keywords)
        if pattern is not None and pattern.search(text):
            tokens.append(f"kw:{section.key}")
    return tokens


def _cue_groups(text: str) -> list[str]:
    """The cue group of each cue phrase found, in order (one scan for all groups)."""
    return [_CUE_GROUP[m.lastgroup or ""] for m in _cues_re().finditer(text)]


@lru_cache(maxsize=1)
def _cues_re() -> re.Pattern[str]:
    """One named alternative per group: ``(?<!\w)(?:(?P<c0>paper|...)|(?P<c1>...))(?!\w)``."""
    alternatives = []
    for i, phrases in enumerate(CUES.values()):
        words = [r"[\s\-]+".join(re.escape(w) for w in p.split()) for p in phrases]
        alternatives.append(f"(?P<c{i}>" + "|".join(words) + ")")
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


_CUE_GROUP = {f"c{i}": group for i, group in enumerate(CUES)}


@lru_cache(maxsize=256)
def _keywords_re(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    return _phrases_re(keywords)


def _phrases_re(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One word-bounded, case-insensitive alternation (one scan, not one per phrase);
    words of a phrase may be separated by spaces or hyphens."""
    parts = [r"[\s\-]+".join(re.escape(w) for w in p.split()) for p in phrases if p.strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def keywords_re(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """The rules' keyword matcher, shared so rules and features agree on a hit."""
    return _keywords_re(keywords)


def _stack(parts: list[Any], rows: int) -> Any:
    from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]

    return hstack(parts, format="csr") if parts else csr_matrix((rows, 1))


def _tokens(tokens: list[str]) -> list[str]:
    """Identity analyzer: token blocks arrive already split (a named function, not a
    lambda, so a fitted builder can be pickled)."""
    return tokens


# --- the builder ---------------------------------------------------------------------


class FeatureBuilder:
    """Fit on training items, then turn any items into one weighted sparse matrix."""

    def __init__(self, config: Config | None = None, weights: BlockWeights | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.config = config
        self.weights = weights or BlockWeights()
        self._blocks: dict[str, Any] = {
            "words": TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                     max_features=100_000),
            "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     min_df=2, max_features=100_000),
            "links": TfidfVectorizer(analyzer=_tokens, sublinear_tf=True),
            "cues": TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, use_idf=False),
        }  # fmt: skip

    def _inputs(self, items: Sequence[Features]) -> dict[str, list[Any]]:
        return {
            "words": [f"{f.title}\n{f.summary[:MAX_TEXT]}" for f in items],
            "chars": [f"{f.title} {f.summary[:CHAR_TEXT]}" for f in items],
            "links": [link_tokens(f) for f in items],
            "cues": [cue_tokens(f, self.config) for f in items],
        }

    def fit(self, items: Sequence[Features]) -> FeatureBuilder:
        self.fit_transform(items)
        return self

    def fit_transform(self, items: Sequence[Features]) -> Any:
        """Fit each weighted block and return the training matrix (one pass: the
        inputs are built once, each vectorizer fits and transforms together)."""
        parts = []
        for name, column in self._inputs(items).items():
            if self._weight(name):
                try:
                    parts.append(self._blocks[name].fit_transform(column) * self._weight(name))
                except ValueError:  # an empty vocabulary (e.g. no char n-gram seen twice)
                    self._blocks[name] = None
        return _stack(parts, len(items))

    def transform(self, items: Sequence[Features]) -> Any:
        parts = [
            self._blocks[name].transform(column) * self._weight(name)
            for name, column in self._inputs(items).items()
            if self._weight(name) and self._blocks[name] is not None
        ]
        return _stack(parts, len(items))

    def _weight(self, name: str) -> float:
        return float(getattr(self.weights, name))
