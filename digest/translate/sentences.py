"""Split a line of prose into sentences, so no engine sees a paragraph it would cut short.

The bundled engine stops early on long paragraphs (issue #24: 40 of 386 lost more than a
fifth of their text); one sentence at a time it does not. The splitter is deliberately
small: a sentence ends at ``.``, ``!`` or ``?`` (optionally followed by closing quotes or
brackets) when whitespace and a likely sentence start follow, unless the word before the
dot is a known abbreviation ("e.g.", "et al.", "Fig.") or a single initial. A dot with no
space after it (URLs, "v2.1", "3.5%", "arxiv.org") never ends a sentence.
"""

from __future__ import annotations

import re

# Lower-cased, without the final dot. "No." is left out: "no." ends many sentences.
ABBREVIATIONS = frozenset(
    {
        "e.g", "i.e", "al", "etc", "vs", "cf", "approx", "fig", "figs", "eq", "eqs", "sec",
        "ch", "vol", "pp", "p", "dr", "mr", "mrs", "ms", "prof", "jr", "sr", "st", "inc",
        "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "u.s", "u.k", "ph.d", "a.k.a", "viz", "resp", "incl", "ed",
        "eds", "tab", "ref", "refs", "nos",
    }
)  # fmt: skip

# Candidate end: terminal punctuation, any closing quotes/brackets, then whitespace.
# A run of "." "!" "?" is tried from its first character only (the lookbehind): a
# later start finds nothing the first did not, and trying each made a long run of
# dots quadratic.
_END = re.compile(r"(?<![.!?])[.!?]+[\"'”’)\]]*(?=\s+)")
# What may start the next sentence: a capital, a digit, an opening quote or bracket,
# Markdown emphasis, or a placeholder (which is upper case).
_START = re.compile(r"\s+[\"'“‘(\[*_]*[A-Z0-9À-Ý]")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order; joining them with single spaces restores it
    up to whitespace. Empty or blank text gives an empty list."""
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if not _START.match(text, end) or _is_abbreviation(text, start, match.start() + 1):
            continue
        sentences.append(text[start:end].strip())
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return [s for s in sentences if s]


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether the word that ends ``text[start:end]`` (with the punctuation, its last
    character) is an abbreviation or an initial ("J. Smith") rather than the end of a
    sentence. The word is read back from ``end``, never the sentence so far: a long
    run of abbreviations, each a candidate end, was quadratic."""
    if end <= start or text[end - 1] != ".":
        return False
    stop = end - 1
    if stop > start and text[stop - 1] == "\n":  # as the regex it replaced: "$" matched
        stop -= 1  # before a final newline too
    begin = stop
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
    if begin == stop:  # a space, or nothing, before the dot
        return False
    word = text[begin:stop].lstrip("([\"'“‘*_").lower()
    if word in ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()


_CLAUSE_END = re.compile(r"(?<=[;:,])\s+")


def chunk(sentence: str, limit: int) -> list[str]:
    """``sentence`` cut after ``;``, ``:`` or ``,`` into pieces of at most ``limit``
    characters where it can be. The bundled engine's output stops near 580 characters
    however long the input, so a run-on sentence is sent as clauses instead."""
    if len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if pieces and len(pieces[-1]) + 1 + len(clause) <= limit:
            pieces[-1] = f"{pieces[-1]} {clause}"
        else:
            pieces.append(clause)
    return pieces
