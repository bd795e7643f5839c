"""Shield what must come back unchanged: Markdown links, URLs, inline code, glossary terms.

Each protected span becomes a placeholder ``XQ<n>Z`` before the engine sees the text.
The bundled engine copies that shape verbatim (24 of 24 in our probe, where ``__0__``,
``⟦0⟧`` and backtick-quoted text were mangled or dropped); :func:`unshield` puts the
spans back and reports any placeholder that did not come back exactly once, so a
mangled one is a flag, never silent loss. A link's label is not a placeholder's
business: it is shielded on its own (:attr:`Span.label`) and translated beside the
sentences, so "[the paper](url)" becomes "[o artigo](url)" with the URL untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from digest.translate.glossary import Glossary, Term

PLACEHOLDER = re.compile(r"XQ(\d+)Z")

_CODE = re.compile(r"`[^`\n]+`")
# [label](target) and ![alt](target); a target may hold one level of parentheses.
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(((?:[^()\s]|\([^()\s]*\))+(?:\s+\"[^\"\n]*\")?)\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]+>")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\[\]()]*(?:\([^\s()]*\)[^\s<>\[\]()]*)*")
# Bare domains and paths ("dair.ai", "github.com/org/repo") that engines break apart.
_DOMAIN = re.compile(
    r"(?<![\w@/.-])[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|ai|dev|co|edu|gov|app|me|xyz)"
    r"(?:/[^\s)\]]*)?(?![\w-])"
)
_TRAILING = ".,;:!?'\""


@dataclass(frozen=True)
class Span:
    """One protected piece: its kind, its source text, and for a link its parts."""

    kind: str  # "code" | "link" | "url" | "term"
    original: str
    term: Term | None = None
    label: Shielded | None = None
    prefix: str = ""  # "!" for an image
    target: str = ""  # a link's target, exactly as written


@dataclass(frozen=True)
class Shielded:
    """Text with placeholders, and the spans they stand for (placeholder n = spans[n])."""

    text: str
    spans: tuple[Span, ...] = field(default=())

    def labels(self) -> list[Shielded]:
        return [s.label for s in self.spans if s.label is not None]


def shield(text: str, glossary: Glossary) -> Shielded:
    """Replace code, links, URLs and glossary terms of ``text`` by placeholders."""
    spans: list[Span] = []

    def sub(pattern: re.Pattern[str], make: Callable[[re.Match[str]], Span], s: str) -> str:
        def repl(m: re.Match[str]) -> str:
            spans.append(make(m))
            return f"XQ{len(spans) - 1}Z"

        return pattern.sub(repl, s)

    masked = sub(_CODE, lambda m: Span("code", m.group(0)), text)
    masked = sub(_LINK, lambda m: _link(m, glossary), masked)
    masked = sub(_AUTOLINK, lambda m: Span("url", m.group(0)), masked)
    masked = _sub_url(masked, spans, _URL)
    masked = _sub_url(masked, spans, _DOMAIN)
    masked = _sub_terms(masked, spans, glossary)
    return Shielded(masked, tuple(spans))


def _link(m: re.Match[str], glossary: Glossary) -> Span:
    label = shield(m.group(2), glossary)
    return Span("link", m.group(0), label=label, prefix=m.group(1), target=m.group(3))


def _sub_url(text: str, spans: list[Span], pattern: re.Pattern[str]) -> str:
    out, pos = [], 0
    for m in pattern.finditer(text):
        url = m.group(0).rstrip(_TRAILING)  # "see https://x.org." ends the sentence
        if PLACEHOLDER.fullmatch(url) or not url:
            continue
        out += [text[pos : m.start()], f"XQ{len(spans)}Z"]
        spans.append(Span("url", url))
        pos = m.start() + len(url)
    return "".join(out) + text[pos:]


def _sub_terms(text: str, spans: list[Span], glossary: Glossary) -> str:
    out, pos = [], 0
    for start, end, term in glossary.find(text):
        if PLACEHOLDER.search(text[start:end]):
            continue
        out += [text[pos:start], f"XQ{len(spans)}Z"]
        spans.append(Span("term", text[start:end], term=term))
        pos = end
    return "".join(out) + text[pos:]


def placeholder_problems(source: str, translated: str) -> list[str]:
    """Placeholders of ``source`` that ``translated`` lacks or repeats, and strays."""
    wanted = PLACEHOLDER.findall(source)
    got = PLACEHOLDER.findall(translated)
    problems = [f"XQ{n}Z came back {got.count(n)} times" for n in wanted if got.count(n) != 1]
    problems += [f"XQ{n}Z was invented" for n in sorted(set(got) - set(wanted))]
    return problems


def unshield(translated: str, spans: Sequence[Span], render: Callable[[int, Span], str]) -> str:
    """Put back the span behind every placeholder, as ``render(index, span)`` says."""

    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return render(n, spans[n]) if n < len(spans) else m.group(0)

    return PLACEHOLDER.sub(repl, translated)


def split_at_placeholders(text: str) -> list[str]:
    """``"a XQ0Z b"`` -> ``["a ", "XQ0Z", " b"]``: the fallback that cannot lose a span."""
    return [p for p in re.split(r"(XQ\d+Z)", text) if p]


def urls(text: str) -> list[str]:
    """Every link target and URL of ``text``, in order (for checking the output)."""
    found = [m.group(3) for m in _LINK.finditer(text)]
    rest = _LINK.sub(" ", text)
    found += [m.group(0)[1:-1] for m in _AUTOLINK.finditer(rest)]
    rest = _AUTOLINK.sub(" ", rest)
    found += [u.rstrip(_TRAILING) for u in _URL.findall(rest)]
    return [u for u in found if u]
