"""Items of an edition: a title and a Markdown summary, translated under a title policy.

An edition (issue #24) is a language, an engine, a glossary and a title policy;
digest.app.editions builds :class:`Edition` from feeds.yaml's ``editions:`` and stores
each :class:`TranslatedItem` with its ``source_hash``, which marks a translation stale
once the English text changes (ADR 0018).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from digest.translate.text import Flag, Translator
from digest.types import TitlePolicy

FIELDS = ("title", "summary")


@dataclass(frozen=True)
class Edition:
    """A translated edition of the newsletter."""

    language: str
    translator: Translator
    titles: TitlePolicy = TitlePolicy.KEEP


@dataclass(frozen=True)
class SourceItem:
    title: str
    summary: str

    @property
    def source_hash(self) -> str:
        return hashlib.sha256(f"{self.title}\0{self.summary}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TranslatedItem:
    title: str
    summary: str
    source_hash: str
    flags: tuple[Flag, ...] = field(default=())


def translate_item(edition: Edition, item: SourceItem) -> TranslatedItem:
    """The item in the edition's language; each flag names the field it is about."""
    flags: list[Flag] = []
    title = item.title
    if edition.titles is TitlePolicy.TRANSLATE and item.title.strip():
        done = edition.translator.translate(item.title)
        title = done.text
        flags += [replace(f, field="title") for f in done.flags]
    summary = item.summary
    if item.summary.strip():
        done = edition.translator.translate(item.summary)
        summary = done.text
        flags += [replace(f, field="summary") for f in done.flags]
    return TranslatedItem(title, summary, item.source_hash, tuple(flags))


def translate_records(
    edition: Edition, records: Iterable[Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    """JSON-like records with ``title`` and ``summary``: the same records translated,
    other keys passed through, plus ``flags`` and ``source_hash``."""
    for record in records:
        item = SourceItem(str(record.get("title") or ""), str(record.get("summary") or ""))
        done = translate_item(edition, item)
        yield {
            **record,
            "title": done.title,
            "summary": done.summary,
            "language": edition.language,
            "source_hash": done.source_hash,
            "flags": [{"field": f.field, "kind": f.kind, "detail": f.detail} for f in done.flags],
        }
