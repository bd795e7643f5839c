"""Editor rules as a use case: turn what the editor asked for into a Rule (its
section resolved from a key, title or alias) and append it to feeds.yaml's `rules:`,
keeping the file's comments and order (digest.config.append_entries).

Trying a rule on past weeks is digest.rank.learn.rule_changes; how a rule scores is
digest.rank.rules. This module only builds and saves rules.
"""

from __future__ import annotations

from pathlib import Path

from digest.config import append_entries, load_config
from digest.errors import ConfigError
from digest.types import Config, Rule, RuleKind

__all__ = ["add_rule", "make_rule"]


def make_rule(
    config: Config, kind: RuleKind, value: str, *, like: bool, section: str | None = None
) -> Rule:
    """A like (or dislike) of items whose ``kind`` matches ``value``, scoped to
    ``section`` (key, title or alias) when given; ConfigError for an unknown section."""
    key = None
    if section is not None:
        found = config.section(section)
        if found is None:
            raise ConfigError(f"unknown section {section!r}", hint="use a key, title or alias")
        key = found.key
    return Rule(kind, value, like=like, section=key)


def add_rule(path: Path, rule: Rule) -> bool:
    """Append ``rule`` to the `rules:` of the feeds.yaml at ``path`` (re-validated);
    False when an identical rule is already there."""
    if rule in load_config(path).rules:
        return False
    entry = {"like" if rule.like else "dislike": rule.kind.value, "value": rule.value,
             "section": rule.section}  # fmt: skip
    return append_entries(path, "rules", [entry]) == 1
