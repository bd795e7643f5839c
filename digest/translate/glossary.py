"""The glossary: English terms an edition keeps, fixed translations, translator's notes.

A term is *kept* (it comes back exactly as written, optionally followed on its first
use by a translator's note in the seed newsletter's form, "self-distillation (NT:
auto-destilação)") or *translated* to a fixed target ("paper" -> "artigo"). Matching is
on word boundaries; a term written with a capital ("NLP", "Hugging Face") matches only
that spelling, an all-lower-case one ("fine-tuning") matches any case.

The default glossary for the AI/ML field ships as package data (``glossary/<lang>.yaml``);
the editor's file extends it and wins on the same term. :func:`check` compares any text
(machine or human) with its source and lists what the glossary says is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from digest.errors import ConfigError


@dataclass(frozen=True)
class Term:
    """One glossary entry. ``target`` is None for a kept term."""

    term: str
    target: str | None = None
    note: str | None = None

    @property
    def kept(self) -> bool:
        return self.target is None

    def pattern(self) -> re.Pattern[str]:
        flags = 0 if any(c.isupper() for c in self.term) else re.IGNORECASE
        # Word boundaries that also work for terms starting or ending with a symbol.
        return re.compile(rf"(?<![\w-]){re.escape(self.term)}(?![\w-])", flags)

    @property
    def plural(self) -> bool:
        """Whether the rendered term is a plural noun ("artigos", "embeddings"), so a
        Portuguese determiner before it must be plural too. Names never are."""
        if self.target is not None:
            return self.target.split()[0].endswith("s")
        # "embeddings", "LLMs"; not "Transformers" or "Papers with Code" (names).
        return (self.term.islower() and self.term.endswith("s")) or bool(
            re.fullmatch(r"[A-Z]{2,}s", self.term)
        )

    def render(self, found: str, *, first: bool) -> str:
        """What replaces ``found`` (the source spelling) in the translation."""
        if self.target is not None:
            return _match_case(found, self.target)
        if self.note and first:
            return f"{found} (NT: {self.note})"
        return found


@dataclass(frozen=True)
class Violation:
    """A glossary term of the source that the translation does not render as it should."""

    term: str
    expected: str
    detail: str


@dataclass(frozen=True)
class Glossary:
    language: str
    terms: tuple[Term, ...] = field(default=())

    def merged(self, other: Glossary) -> Glossary:
        """This glossary extended by ``other``; ``other`` wins on the same term."""
        mine = {t.term.lower(): t for t in self.terms}
        mine.update({t.term.lower(): t for t in other.terms})
        return Glossary(self.language, _longest_first(mine.values()))

    def find(self, text: str) -> list[tuple[int, int, Term]]:
        """Non-overlapping (start, end, term) occurrences, longer terms first."""
        taken: list[tuple[int, int, Term]] = []
        for term in self.terms:
            for m in term.pattern().finditer(text):
                if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                    taken.append((m.start(), m.end(), term))
        return sorted(taken, key=lambda hit: hit[0])


def check(glossary: Glossary, source: str, translation: str) -> list[Violation]:
    """Every term used in ``source`` must appear in ``translation`` as the glossary says:
    kept terms as written (as often as in the source), fixed ones as their target."""
    wanted: dict[Term, int] = {}
    for _, _, term in glossary.find(source):
        wanted[term] = wanted.get(term, 0) + 1
    problems = []
    for term, count in wanted.items():
        expected = term.term if term.kept else str(term.target)
        flags = 0 if term.kept and any(c.isupper() for c in term.term) else re.IGNORECASE
        found = len(re.findall(rf"(?<!\w){re.escape(expected)}(?!\w)", translation, flags))
        if found < count:
            problems.append(
                Violation(term.term, expected, f"{expected!r} {found} of {count} times")
            )
    return problems


def default_glossary(language: str) -> Glossary:
    """The glossary shipped with digest for ``language`` (empty when none ships)."""
    name = f"{language}.yaml"
    shipped = resources.files("digest.translate").joinpath("glossary").joinpath(name)
    if not shipped.is_file():
        return Glossary(language)
    return parse_glossary(shipped.read_text(encoding="utf-8"), language, origin=name)


def load_glossary(language: str, path: Path | None = None) -> Glossary:
    """The default glossary for ``language``, extended by the editor's file if given."""
    base = default_glossary(language)
    if path is None:
        return base
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read glossary {path}: {e}") from e
    return base.merged(parse_glossary(text, language, origin=str(path)))


def parse_glossary(text: str, language: str, *, origin: str = "glossary") -> Glossary:
    """Parse ``keep:`` (terms, or {term, note}) and ``translate:`` (term: target)."""
    try:
        data = YAML(typ="safe").load(text) or {}
    except YAMLError as e:
        raise ConfigError(f"{origin}: not valid YAML: {e}") from e
    if not isinstance(data, Mapping):
        raise ConfigError(f"{origin}: expected a mapping with `keep` and `translate`")
    unknown = set(data) - {"language", "keep", "translate"}
    if unknown:
        raise ConfigError(f"{origin}: unknown keys {sorted(unknown)}")
    terms = [_kept(entry, origin) for entry in data.get("keep") or []]
    fixed = data.get("translate") or {}
    if not isinstance(fixed, Mapping):
        raise ConfigError(f"{origin}: `translate` must map terms to their translation")
    terms += [Term(str(k), target=str(v)) for k, v in fixed.items()]
    return Glossary(str(data.get("language", language)), _longest_first(terms))


def _kept(entry: Any, origin: str) -> Term:
    if isinstance(entry, str):
        return Term(entry)
    if isinstance(entry, Mapping) and isinstance(entry.get("term"), str):
        note = entry.get("note")
        return Term(entry["term"], note=str(note) if note else None)
    raise ConfigError(f"{origin}: a `keep` entry is a term or {{term, note}}, not {entry!r}")


def _longest_first(terms: Iterable[Term]) -> tuple[Term, ...]:
    # "question answering" must be found before "question" would be.
    return tuple(sorted(terms, key=lambda t: (-len(t.term), t.term.lower())))


def _match_case(found: str, target: str) -> str:
    if found.isupper() and len(found) > 1:
        return target.upper()
    if found[:1].isupper():
        return target[:1].upper() + target[1:]
    return target
