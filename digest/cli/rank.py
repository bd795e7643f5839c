"""Teaching the ranker: import past issues, try a rule on past weeks, add it to
feeds.yaml (digest.app.rules), suggest sections for items on stdin (read with
digest.rank.history's item reader), and evaluate section guesses over a history
file. The models and the rules are digest.rank's; this module only calls and prints."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

import click
from rich.markup import escape

from digest.app.rules import add_rule, make_rule
from digest.app.suggest import Suggester, section_suggester
from digest.cli import _console as console
from digest.cli._base import App, cli, handle_errors, pass_app
from digest.rank import learn
from digest.rank.history import evaluate_sections, format_report, item_from_json, parse_history
from digest.rank.rules import describe
from digest.types import UNSURE_BELOW, Config, HistoryItem, Rule, RuleKind

KINDS = [k.value for k in RuleKind]


@cli.group()
def history() -> None:
    """Past issues as labelled data for the section model."""


@history.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@pass_app
@handle_errors
def history_import(app: App, file: Path) -> None:
    """Import past issues (JSON Lines or Markdown, or a folder of them).

    Items are stored under the configured section their section name matches (key,
    title or alias); importing the same file again changes nothing.
    """
    with app.store() as store:
        done = learn.import_history(store, app.config, file, now=app.now())
    for problem in done.problems:
        console.err.print(f"[yellow]warning[/]: {escape(problem)}")
    if done.unknown:
        names = ", ".join(f"{name!r} ({n})" for name, n in done.unknown.items())
        console.err.print(
            f"[yellow]warning[/]: {sum(done.unknown.values())} items in unknown sections: "
            f"{escape(names)}"
        )
    click.echo(
        f"read {done.read} items; stored {done.stored} from {done.issues} issues "
        f"({done.new} new, {done.stored - done.new} already stored); "
        f"{sum(done.unknown.values())} in unknown sections; {len(done.problems)} bad lines"
    )


@cli.group()
def rules() -> None:
    """Editor rules (feeds.yaml `rules:`): try one on past weeks before saving it."""


def _rule(config: Config, like: tuple[str, str] | None, dislike: tuple[str, str] | None,
          section: str | None) -> Rule:  # fmt: skip
    if (like is None) == (dislike is None):
        raise click.UsageError("give exactly one of --like KIND VALUE or --dislike KIND VALUE")
    kind, value = like or dislike  # type: ignore[misc]
    return make_rule(config, RuleKind(kind), value, like=like is not None, section=section)


_RULE_OPTIONS = [
    click.option("--like", nargs=2, type=(click.Choice(KINDS), str), default=None,
                 metavar="KIND VALUE", help="Like items whose KIND (source, author, title, "
                 "url) matches VALUE."),
    click.option("--dislike", nargs=2, type=(click.Choice(KINDS), str), default=None,
                 metavar="KIND VALUE", help="Dislike items whose KIND matches VALUE."),
    click.option("--section", default=None,
                 help="Scope: a like pins items into it; a dislike only applies there."),
]  # fmt: skip


def rule_options(fn: Any) -> Any:
    for option in reversed(_RULE_OPTIONS):
        fn = option(fn)
    return fn


@rules.command("test")
@rule_options
@click.option("--weeks", type=click.IntRange(1, 520), default=4, show_default=True)
@pass_app
@handle_errors
def rules_test(
    app: App, like: tuple[str, str] | None, dislike: tuple[str, str] | None,
    section: str | None, weeks: int,
) -> None:  # fmt: skip
    """Dry-run a new rule over the past weeks' drafts; nothing is saved.

    Each draft is rebuilt in memory from its stored entries, with and without the
    rule (your decisions replayed on both), and the items that would enter or leave
    each section are listed.
    """
    rule = _rule(app.config, like, dislike, section)
    with app.store() as store:
        keys, changes = learn.rule_changes(store, app.config, rule, now=app.now(), weeks=weeks)
    click.echo(f"rule: {describe(rule)}")
    if not keys:
        click.echo(f"no drafts built in the last {weeks} weeks")
        return
    for key in keys:
        click.echo("\n".join(_week_lines(key, [c for c in changes if c.draft_key == key])))
    click.echo(f"{len(changes)} items would change place in {len(keys)} drafts")


def _week_lines(key: str, changes: list[learn.Change]) -> list[str]:
    if not changes:
        return [f"{key}: no change"]
    entering: dict[str, list[learn.Change]] = defaultdict(list)
    leaving: dict[str, list[learn.Change]] = defaultdict(list)
    for c in changes:
        if c.after is not None:
            entering[c.after].append(c)
        if c.before is not None:
            leaving[c.before].append(c)
    lines = [f"{key}:"]
    for section in sorted(set(entering) | set(leaving)):
        lines.append(f"  {section}: +{len(entering[section])} -{len(leaving[section])}")
        lines += [f"    + {c.title} (from {c.before or 'not placed'})" for c in entering[section]]
        lines += [f"    - {c.title} (to {c.after or 'not placed'})" for c in leaving[section]]
    return lines


@rules.command("add")
@rule_options
@pass_app
@handle_errors
def rules_add(
    app: App, like: tuple[str, str] | None, dislike: tuple[str, str] | None, section: str | None
) -> None:
    """Append a rule to feeds.yaml's `rules:` (comments and order are kept)."""
    rule = _rule(app.config, like, dislike, section)
    added = add_rule(app.config_path, rule)
    click.echo(f"{'added' if added else 'already present'}: {describe(rule)}")


@cli.group()
def sections() -> None:
    """Section suggestions from the model trained on the database."""


@sections.command("suggest")
@pass_app
@handle_errors
def sections_suggest(app: App) -> None:
    """Read items as JSON Lines on stdin (title, summary, links, optional kind) and
    write them back with `sections`: [{"section": KEY, "score": ...}], best first
    (scores are calibrated probabilities), and `unsure`: true when the first is
    under 0.5.

    Bad lines are reported on stderr with their number; the others are still
    written, and the exit status is 1.
    """
    with app.store() as store:
        sections_for = section_suggester(store, app.config)
    if _suggest_stream(sys.stdin, sections_for):
        sys.exit(1)


def _suggest_stream(stream: TextIO, sections_for: Suggester) -> int:
    """Each good line written back with its sections; the number of bad lines."""
    bad = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            item = item_from_json(data, labelled=False)
        except json.JSONDecodeError as e:
            bad += 1
            console.err.print(f"[red]error[/]: stdin:{number}: not JSON ({escape(e.msg)})")
            continue
        except (TypeError, ValueError) as e:
            bad += 1
            console.err.print(f"[red]error[/]: stdin:{number}: {escape(str(e))}")
            continue
        found = sections_for(item)
        data["sections"] = [{"section": s.section, "score": s.confidence} for s in found]
        data["unsure"] = not found or found[0].confidence < UNSURE_BELOW  # look at it first
        click.echo(json.dumps(data, ensure_ascii=False))
    return bad


@cli.group("eval")
def evaluate() -> None:
    """Measure the ranker on labelled history."""


@evaluate.command("sections")
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--warmup",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="Issues used only for training before the first prediction.",
)
@click.option(
    "--from",
    "first",
    default=None,
    metavar="ISSUE",
    help="First issue to predict (a number or an issue name).",
)
@click.option("--to", "last", default=None, metavar="ISSUE", help="Last issue to predict.")
@click.option("--window", type=click.IntRange(1), default=None, metavar="N",
              help="Train on at most the N issues before each one (default: all).")  # fmt: skip
@pass_app
@handle_errors
def eval_sections(
    app: App, file: Path | None, warmup: int, first: str | None, last: str | None,
    window: int | None,
) -> None:  # fmt: skip
    """Rolling evaluation over a history file or folder (or, without FILE, the history
    imported into the database): for each issue k, train on the issues before k and
    predict k's sections. Prints accuracy, macro-F1, top-2 accuracy and per-section
    precision and recall for the model and, from the same run, for a majority baseline
    and plain tf-idf + LinearSVC, with the model's ratio to each."""
    items = _eval_items(app, file)
    if not items:
        where = escape(str(file)) if file else "the database (try `digest history import`)"
        console.err.print(f"[red]error[/]: no history items in {where}")
        sys.exit(1)
    try:
        report = evaluate_sections(
            items, app.config, warmup=warmup, first=first, last=last, window=window
        )
    except ValueError as e:
        raise click.BadParameter(str(e)) from e
    click.echo(format_report(report))


def _eval_items(app: App, file: Path | None) -> list[HistoryItem]:
    if file is None:
        with app.store() as store:
            return learn.labelled_items(store, app.config)
    items, problems = parse_history(file)
    for problem in problems:
        console.err.print(f"[yellow]warning[/]: {escape(problem)}")
    return items
