"""`digest translate`: a pipe from English JSON Lines to translated JSON Lines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

import click

from digest.cli import _console as console
from digest.cli._base import cli, handle_errors
from digest.errors import ErrorCode, TranslateError
from digest.translate import (
    Edition,
    TitlePolicy,
    Translator,
    load_glossary,
    make_engine,
    translate_records,
)
from digest.translate.engine import ENGINES


@cli.command("translate")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--to", "target", required=True, help="Language of the edition, e.g. pt-BR.")
@click.option("--from", "source", default="en", show_default=True, help="Language of the input.")
@click.option("--glossary", type=click.Path(exists=True, path_type=Path), help="Your terms.")
@click.option(
    "--titles",
    type=click.Choice([p.value for p in TitlePolicy]),
    default=TitlePolicy.KEEP.value,
    show_default=True,
    help="Keep item titles in the original or translate them.",
)
@click.option("--engine", type=click.Choice(ENGINES), default="bundled", show_default=True)
@click.option("--url", help="Server URL for the libretranslate engine.")
@handle_errors
def translate(
    file: TextIO,
    target: str,
    source: str,
    glossary: Path | None,
    titles: str,
    engine: str,
    url: str | None,
) -> None:
    """Translate JSON Lines (`title`, `summary` in Markdown) from FILE or stdin.

    Writes the same records with both fields translated, links and glossary terms
    kept, plus `flags` (short, placeholder, link, glossary) and `source_hash`.
    """
    translator = Translator(
        make_engine(engine, url=url), load_glossary(target, glossary), source=source, target=target
    )
    edition = Edition(target, translator, TitlePolicy(titles))
    items, kinds = 0, Counter[str]()
    for record in translate_records(edition, _records(file)):
        click.echo(json.dumps(record, ensure_ascii=False))
        items += 1
        kinds.update(flag["kind"] for flag in record["flags"])
    found = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none"
    console.err.print(f"translated {items} items to {target}; flags: {found}")


def _records(file: TextIO) -> Any:
    for number, line in enumerate(file, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise TranslateError(f"line {number}: not JSON: {e}", code=ErrorCode.BAD_INPUT) from e
        if not isinstance(record, dict):
            raise TranslateError(f"line {number}: expected an object", code=ErrorCode.BAD_INPUT)
        yield record
