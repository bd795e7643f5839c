"""Translate: draft another language's edition of an issue, offline, and flag what to check.

What it does: turns English Markdown (an item's title and summary) into another language
through an :class:`~digest.translate.engine.Engine` (the bundled Bergamot en<->pt-BR
models by default; LibreTranslate or Argos where configured), sentence by sentence, with
links, URLs, inline code and glossary terms protected by placeholders and checked to come
back unchanged, and flags for truncated sentences, mangled placeholders, missing links
and glossary violations.

What it does not: store translations, track the translator's review (stale, reviewed),
read editions from feeds.yaml or publish them; the store, config and publish stages
and digest.app.editions do (ADR 0018), on :class:`~digest.translate.item.TranslatedItem`.
Pure apart from the engine call; the engine is imported lazily, so digest runs without
the `translate` extra and says how to install it when asked to translate.
"""

from __future__ import annotations

from digest.translate.engine import (
    ArgosEngine,
    BundledEngine,
    Engine,
    LibreTranslateEngine,
    make_engine,
)
from digest.translate.glossary import Glossary, Term, Violation, check, load_glossary
from digest.translate.item import (
    Edition,
    SourceItem,
    TranslatedItem,
    translate_item,
    translate_records,
)
from digest.translate.sentences import split_sentences
from digest.translate.text import Flag, Translated, Translator, check_text
from digest.types import TitlePolicy

__all__ = [
    "ArgosEngine",
    "BundledEngine",
    "Edition",
    "Engine",
    "Flag",
    "Glossary",
    "LibreTranslateEngine",
    "SourceItem",
    "Term",
    "TitlePolicy",
    "Translated",
    "TranslatedItem",
    "Translator",
    "Violation",
    "check",
    "check_text",
    "load_glossary",
    "make_engine",
    "split_sentences",
    "translate_item",
    "translate_records",
]
