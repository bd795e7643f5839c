"""`digest history import`, `sections suggest`, `eval sections`, `rules test` and
`rules add` through the command line, on tests/golden/history and a temp database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedgen import write_config
from test_learn import ARXIV, BLOG, papers, posts, seed

from digest.app import drafting
from digest.config import load_config
from digest.rank.history import parse_history
from digest.store import Store
from digest.types import Rule, RuleKind

GOLDEN = Path(__file__).parent / "golden" / "history"
Run = Callable[..., Result]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    sources = [{"name": s.name, "url": s.url, "kind": s.kind.value} for s in (BLOG, ARXIV)]
    sources[1]["section"] = "publications"
    return write_config(tmp_path, sources)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "rank.sqlite"


@pytest.fixture
def run(config: Path, db: Path, now: datetime) -> Run:
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        base = ["--db", str(db), "--config", str(config)]
        return runner.invoke(cli(), [*base, *args], input=stdin, catch_exceptions=False,
                             obj=lambda: now)  # fmt: skip

    return invoke


def cli() -> object:
    from digest.cli import cli as command

    return command


def test_help_lists_the_ranker_commands() -> None:
    result = CliRunner().invoke(cli(), ["--help"])  # type: ignore[arg-type]
    for command in ("history", "rules", "sections", "eval"):
        assert f"  {command} " in result.output


def test_history_import_counts_unknown_sections_and_is_idempotent(run: Run, tmp_path: Path) -> None:
    first = run("history", "import", str(GOLDEN))
    assert first.exit_code == 0, first.output
    # "Ethics and Society" in the fixture is an alias of the project's "Ethics in AI"
    assert "stored 120 from 12 issues (120 new, 0 already stored)" in first.stdout
    again = run("history", "import", str(GOLDEN))
    assert "(0 new, 120 already stored)" in again.stdout
    sports = tmp_path / "sports.jsonl"
    sports.write_text('{"issue": 13, "section": "Sports", "title": "A match"}\n'
                      '{"issue": 13, "section": "Sports", "title": "Another"}\n')  # fmt: skip
    unknown = run("history", "import", str(sports))
    assert "2 items in unknown sections: 'Sports' (2)" in unknown.stderr


def test_history_import_reports_bad_lines_with_file_and_line(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"issue": 1, "section": "Tools", "title": "ok"}\n[1, 2]\n{"issue": 1}\n')
    result = run("history", "import", str(bad))
    assert result.exit_code == 0
    assert "bad.jsonl:2: expected an object" in result.stderr
    assert "bad.jsonl:3: missing or empty 'section'" in result.stderr
    assert "stored 1 from 1 issues" in result.stdout and "2 bad lines" in result.stdout


def test_eval_sections_over_the_golden_history(run: Run) -> None:
    result = run("eval", "sections", str(GOLDEN))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("issues 12, evaluated 4..12, predicted items ")
    assert lines[1].split() == ["method", "accuracy", "macro-F1", "top-2"]
    figures = {line.split()[0]: line.split()[1:] for line in lines[2:5]}
    assert set(figures) == {"model", "tfidf+svm", "majority"}  # baselines in the same run
    accuracy = float(figures["model"][0])
    assert accuracy >= 0.8
    assert accuracy > float(figures["majority"][0])
    assert any(line.startswith("model vs tfidf+svm: accuracy x") for line in lines)
    assert any(line.startswith("publications") for line in lines[3:])
    warm = run("eval", "sections", str(GOLDEN), "--warmup", "10")
    assert warm.stdout.splitlines()[0] != lines[0]


def test_sections_suggest_from_the_model_trained_on_the_database(run: Run, config: Path) -> None:
    assert run("history", "import", str(GOLDEN / "issues-01-11.jsonl")).exit_code == 0
    items, _ = parse_history(GOLDEN / "issue-12.md")
    lines = [json.dumps({"title": i.title, "summary": i.summary, "links": list(i.links)})
             for i in items]  # fmt: skip
    lines.insert(3, "{broken")
    result = run("sections", "suggest", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 1  # one bad line; the rest are still written
    assert "stdin:4: not JSON" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(items)
    sections = load_config(config)
    hits = graded = 0
    for item, got in zip(items, out, strict=True):
        scores = [s["score"] for s in got["sections"]]
        assert got["title"] == item.title and scores == sorted(scores, reverse=True)
        assert got["unsure"] is (scores[0] < 0.5)
        gold = sections.section(item.section)
        if gold is not None and not gold.priority_cut:
            graded += 1
            hits += got["sections"][0]["section"] == gold.key
    assert graded == 9 and hits >= 6


def test_sections_suggest_without_history_uses_the_rules(run: Run) -> None:
    item = {"title": "Releasing tinyparse 1.0",
            "links": ["https://github.com/a/tinyparse/releases/tag/v1"]}  # fmt: skip
    result = run("sections", "suggest", stdin=json.dumps(item) + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sections"][0]["section"] == "tools"


def test_rules_test_prints_what_a_rule_would_move(
    run: Run, config: Path, db: Path, now: datetime
) -> None:
    with Store.open(db) as store:
        seed(store, now, ARXIV, papers(2))
        seed(store, now, BLOG, posts("course", 2))
        drafting.build_draft(store, load_config(config), now=now)
    week = drafting.week_of(now)[0]
    result = run("rules", "test", "--like", "title", "paper number 1", "--section", "Tools")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "rule: like title 'paper number 1' in tools",
        f"{week}:",
        "  publications: +0 -1",
        "    - Paper number 1 on parsing (to tools)",
        "  tools: +1 -0",
        "    + Paper number 1 on parsing (from publications)",
        "1 items would change place in 1 drafts",
    ]
    quiet = run("rules", "test", "--dislike", "source", "Nobody")
    assert f"{week}: no change" in quiet.stdout
    both = run("rules", "test", "--like", "title", "x", "--dislike", "title", "y")
    assert both.exit_code == 2 and "exactly one of" in both.output


def test_rules_add_appends_to_feeds_yaml_keeping_comments(run: Run, config: Path) -> None:
    comments = config.read_text().count("#")
    result = run("rules", "add", "--dislike", "url", "*://*.spam.example/*")
    assert result.exit_code == 0 and "added: dislike url" in result.stdout
    assert run("rules", "add", "--dislike", "url", "*://*.spam.example/*").stdout.startswith(
        "already present"
    )
    assert config.read_text().count("#") >= comments
    assert load_config(config).rules == (Rule(RuleKind.URL, "*://*.spam.example/*", like=False),)


def test_eval_sections_on_the_imported_history_and_a_range(run: Run) -> None:
    empty = run("eval", "sections")
    assert empty.exit_code == 1 and "try `digest history import`" in empty.stderr
    assert run("history", "import", str(GOLDEN)).exit_code == 0
    result = run("eval", "sections", "--from", "6", "--to", "8")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("issues 12, evaluated 6..8, predicted items ")
    windowed = run("eval", "sections", "--from", "6", "--to", "8", "--window", "2")
    assert windowed.exit_code == 0 and windowed.stdout != result.stdout
    unknown = run("eval", "sections", "--from", "no-such-issue")
    assert unknown.exit_code == 2 and "no issue 'no-such-issue'" in unknown.stderr
