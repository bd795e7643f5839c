"""What `digest check` prints: what feeds.yaml configures, in a few lines.

The settings listed are the ones that differ from their defaults, found through
the schema, so a new key shows up here without touching this module.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from digest.config import schema
from digest.types import Config, EditionSettings, SectionConfig


def describe(config: Config) -> list[str]:
    """Lines for the terminal: newsletter, sections, sources, rules, changed settings."""
    n = config.newsletter
    kinds = Counter(s.kind.value for s in config.sources)
    likes = sum(r.like for r in config.rules)
    lines = [
        f"{config.path}: ok - {len(config.sections)} sections, {len(config.sources)} sources, "
        f"language {n.language}",
        f"newsletter: {n.title} <{n.site_url}>",
        "sections: " + ", ".join(_section(s) for s in config.sections),
        "sources: " + (", ".join(f"{c} {k}" for k, c in sorted(kinds.items())) or "none"),
        f"rules: {likes} likes, {len(config.rules) - likes} dislikes",
        f"topics: {len(config.rank.topics)}",
        "editions: " + (", ".join(_edition(e) for e in config.editions) or "none"),
        "e-mail: " + (_smtp(config) if config.publish.smtp else "not configured (no publish.smtp)"),
        f"output: {config.publish.output_dir}",
        "templates: " + (str(config.publish.templates_dir or "the shipped ones")),
    ]
    changed = [f"  {line}" for line in _changed(config)] or ["  none"]
    return [*lines, "settings that differ from the defaults:", *changed]


def _section(section: SectionConfig) -> str:
    notes = [f"quota {section.quota}"]
    if section.priority_cut:
        notes.append("priority cut")
    if section.retired:
        notes.append("retired")
    return f"{section.key} ({', '.join(notes)})"


def _edition(edition: EditionSettings) -> str:
    notes = [edition.engine.value, f"titles {edition.titles.value}", f"folder {edition.path}"]
    if edition.recipients:
        notes.append(f"{len(edition.recipients)} recipients")
    return f"{edition.language} ({', '.join(notes)})"


def _smtp(config: Config) -> str:
    smtp = config.publish.smtp
    assert smtp is not None
    text = f"{smtp.host}:{smtp.port} to {len(smtp.recipients)} recipients"
    if smtp.user:  # the password is only ever in the environment: say if `--send` will find it
        found = "set" if os.environ.get(smtp.password_env) else "NOT set"
        text += f", as {smtp.user}, password from ${smtp.password_env} ({found})"
    return text


def _changed(config: Config) -> Iterator[str]:
    """``fetch.deadline=3`` for each setting of the blocks that differs from its default
    (paths and e-mail have their own lines)."""
    for spec in schema.specs(Config):
        block = getattr(config, spec.name)
        if spec.block is None or spec.many or spec.required:  # newsletter: shown above
            continue
        for inner in schema.specs(spec.block):
            value = getattr(block, inner.name)
            if inner.block is None and inner.value_type is not Path and value != inner.default:
                yield f"{spec.key}.{inner.key}={schema.show(inner, value)}"
