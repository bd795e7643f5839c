"""Translate Markdown text through any engine, and say what may have gone wrong.

For each line: keep its list or heading marker, shield links, URLs, code and glossary
terms (:mod:`.protect`), split the rest into sentences (:mod:`.sentences`), translate
every sentence and link label of the text in one engine batch, then put the spans back.
A sentence whose placeholders did not come back exactly once is translated again in
pieces between its spans (which cannot lose one) and flagged. The result carries flags:

- ``short``: a sentence came back shorter than ``min_ratio`` (0.8) of its source
  (engines stop early on long input; Portuguese is usually longer than English);
- ``placeholder``: the engine mangled a placeholder (the fallback kept the span);
- ``link``: a URL or link target of the source is missing from the output;
- ``glossary``: a glossary term is not rendered as the glossary says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from digest.errors import TranslateError
from digest.translate.engine import Engine
from digest.translate.glossary import Glossary, check
from digest.translate.protect import (
    PLACEHOLDER,
    Shielded,
    Span,
    placeholder_problems,
    shield,
    split_at_placeholders,
    unshield,
    urls,
)
from digest.translate.sentences import chunk, split_sentences

# Leading Markdown that is layout, not prose: list markers, headings, quotes.
_MARKER = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#{1,6}\s+|>\s*)*")
# A label translated on its own brings its article, and the engine adds one before the
# link's placeholder too: "Veja o [o artigo](url)" -> "Veja [o artigo](url)".
_DOUBLED_ARTICLE = re.compile(r"\b(o|a|os|as|um|uma|the|an) \[(\1) ", re.IGNORECASE)
# The bundled model drops curly quotes, and mangles what they enclose ("“judged”" ->
# "-judged"); it keeps straight ones. So quotes go in straight and come back curly.
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_PAIRED_QUOTES = re.compile(r'"([^"\n]*)"')
# Portuguese singular determiners and contractions; each takes an "s" in the plural.
_PT_DETERMINER = re.compile(r"\b([OoAa]|[NnDd][oa]|[Aa]o|[Pp]el[oa]) (XQ(\d+)Z)")
_LETTER = re.compile(r"[^\W\d_]")
# Below this many characters a "short" ratio is noise ("Code." -> "Código.").
MIN_CHECKED_CHARS = 60


@dataclass(frozen=True)
class Flag:
    """Something a reviewer should look at; ``field`` names the item field, if any."""

    kind: str  # "short" | "placeholder" | "link" | "glossary"
    detail: str
    field: str = ""


@dataclass(frozen=True)
class Translated:
    text: str
    flags: tuple[Flag, ...] = field(default=())


@dataclass
class _Unit:
    """One shielded piece of prose (a line's body or a link label) and its sentences."""

    shielded: Shielded
    sentences: list[str]
    out: list[str] = field(default_factory=list)


class Translator:
    """An engine plus a glossary for one direction (e.g. en -> pt-BR)."""

    def __init__(
        self,
        engine: Engine,
        glossary: Glossary,
        *,
        source: str = "en",
        target: str = "pt-BR",
        min_ratio: float = 0.8,
        max_chars: int | None = 400,
    ) -> None:
        self.engine = engine
        self.glossary = glossary
        self.source = source
        self.target = target
        self.min_ratio = min_ratio
        self.max_chars = max_chars

    def translate(self, text: str) -> Translated:
        """``text`` (Markdown, one or more lines) translated, with its flags."""
        lines = text.split("\n")
        markers = [_MARKER.match(line).group(0) for line in lines]  # type: ignore[union-attr]
        bodies = [
            self._unit(shield(line[len(m) :], self.glossary))
            for line, m in zip(lines, markers, strict=True)
        ]
        labels = [self._unit(label) for b in bodies for label in b.shielded.labels()]
        units = [*bodies, *labels]
        flags = self._run(units)
        pending = iter(labels)
        noted: set[str] = set()
        out = [m + self._restore(b, pending, noted) for m, b in zip(markers, bodies, strict=True)]
        result = "\n".join(out)
        if not _DOUBLED_ARTICLE.search(text):  # unless the source doubles it itself
            result = _DOUBLED_ARTICLE.sub(r"[\2 ", result)
        return Translated(result, (*flags, *self.check(text, result)))

    def check(self, source: str, translation: str) -> list[Flag]:
        """Link and glossary flags of any translation (machine or human) of ``source``."""
        return check_text(self.glossary, source, translation)

    def _unit(self, shielded: Shielded) -> _Unit:
        sentences = split_sentences(shielded.text.translate(_STRAIGHT))
        if self.max_chars:
            sentences = [piece for s in sentences for piece in chunk(s, self.max_chars)]
        return _Unit(shielded, sentences)

    def _run(self, units: Sequence[_Unit]) -> list[Flag]:
        """Translate every sentence of ``units`` in one batch; fill ``unit.out``."""
        batch = [s for u in units for s in u.sentences if _has_prose(s)]
        answers = iter(self._engine(batch))
        flags: list[Flag] = []
        for unit in units:
            for sentence in unit.sentences:
                if not _has_prose(sentence):  # "XQ0Z | XQ1Z": nothing to translate
                    unit.out.append(sentence)
                    continue
                unit.out.append(self._accept(sentence, next(answers), flags))
        return flags

    def _accept(self, sentence: str, answer: str, flags: list[Flag]) -> str:
        problems = placeholder_problems(sentence, answer)
        if problems:
            flags.append(Flag("placeholder", f"{'; '.join(problems)} in {sentence!r}"))
            answer = self._in_pieces(sentence)
        if len(sentence) >= MIN_CHECKED_CHARS and len(answer) < self.min_ratio * len(sentence):
            ratio = len(answer) / len(sentence)
            flags.append(Flag("short", f"{ratio:.2f}x its source: {sentence!r}"))
        return answer

    def _in_pieces(self, sentence: str) -> str:
        """Translate the prose between placeholders on its own; keep placeholders."""
        pieces = split_at_placeholders(sentence)
        # Only pieces with a letter: the model invents words for a lone "." or " | ".
        prose = [p for p in pieces if _has_prose(p)]
        done = dict(zip(prose, self._engine(prose), strict=True))
        return "".join(_spaced(p, done[p]) if p in done else p for p in pieces)

    def _engine(self, sentences: list[str]) -> list[str]:
        if not sentences:
            return []
        answers = self.engine.translate(sentences, source=self.source, target=self.target)
        if len(answers) != len(sentences):
            raise TranslateError(
                f"the {self.engine.name} engine returned {len(answers)} sentences "
                f"for {len(sentences)}"
            )
        return answers

    def _restore(self, unit: _Unit, labels: Iterator[_Unit], noted: set[str]) -> str:
        """The unit's translation with every span put back (notes on first use)."""
        restored_labels: dict[int, str] = {}
        for n, span in enumerate(unit.shielded.spans):
            if span.label is not None:
                label_unit = next(labels)
                restored_labels[n] = self._restore(label_unit, iter(()), noted)

        def render(n: int, span: Span) -> str:
            if span.kind == "link":
                return f"{span.prefix}[{restored_labels[n]}]({span.target})"
            if span.term is not None:
                first = span.term.term not in noted
                noted.add(span.term.term)
                return span.term.render(span.original, first=first)
            return span.original

        text = " ".join(unit.out)
        if self.target.lower().startswith("pt"):
            text = _plural_determiners(text, unit.shielded.spans)
        if any(q in unit.shielded.text for q in "“”"):
            text = _PAIRED_QUOTES.sub(r"“\1”", text)
        if any(q in unit.shielded.text for q in "‘’"):
            text = text.replace("'", "’")
        return unshield(text, unit.shielded.spans, render)


def check_text(glossary: Glossary, source: str, translation: str) -> list[Flag]:
    """Link and glossary flags of any translation of ``source`` (a translator's text
    too: no engine needed)."""
    flags = []
    got = urls(translation)
    for url in dict.fromkeys(urls(source)):
        if got.count(url) < urls(source).count(url):
            flags.append(Flag("link", f"missing or changed: {url}"))
    for v in check(glossary, source, translation):
        flags.append(Flag("glossary", f"{v.term}: expected {v.detail}"))
    return flags


def _plural_determiners(text: str, spans: Sequence[Span]) -> str:
    """The model sees a placeholder as a singular noun ("integra o XQ3Z"); before a
    plural term the determiner becomes plural ("integra os grandes modelos")."""

    def repl(m: re.Match[str]) -> str:
        n = int(m.group(3))
        term = spans[n].term if n < len(spans) else None
        if term is None or not term.plural:
            return m.group(0)
        return f"{m.group(1)}s {m.group(2)}"

    return _PT_DETERMINER.sub(repl, text)


def _has_prose(text: str) -> bool:
    """Whether ``text`` has a letter outside its placeholders."""
    return _LETTER.search(PLACEHOLDER.sub("", text)) is not None


def _spaced(source: str, translation: str) -> str:
    """Keep the spaces around a piece that sat between two placeholders."""
    lead = source[: len(source) - len(source.lstrip())]
    trail = source[len(source.rstrip()) :]
    return f"{lead}{translation.strip()}{trail}"
