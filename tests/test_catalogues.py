"""Back catalogues as history: the readers, and the rolling evaluation on real issues.

The corpus tests read This Week in Rust and Haskell Weekly from ../shared/corpus/history
(see its MANIFEST.md) with the section configs in tests/data/catalogues/. The rolling
evaluation is capped for CI: ten issues each, trained on the 40 issues before each one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.config import load_config
from digest.rank.catalogues import catalogue_of, read_haskell_weekly, read_twir
from digest.rank.evaluate import EvalReport, MethodFigures, evaluate_sections
from digest.rank.history import parse_history

CONFIGS = Path(__file__).parent / "data" / "catalogues"

TWIR_ISSUE = """Title: This Week in Rust 484
Number: 484
Date: 2023-03-01
Category: This Week in Rust

Hello and welcome to another issue of *This Week in Rust*!

## Updates from Rust Community

<!--
* [Title of the Linked Page](https://example.com/my_article)
-->

### Official
* [Keyword Generics Progress Report](https://blog.rust-lang.org/inside-rust/2023/02/23/kg.html)

### Project/Tooling Updates
* [video] [Cargo's New Sparse Index](https://www.youtube.com/watch?v=LWef_2IaFDk)
* [Announcing Magmide Month!](https://github.com/magmide/magmide/discussions/28) (proof language)
    * a nested bullet is not an item

## Crate of the Week

This week's crate is [tokio](https://tokio.rs).
* no link here
"""

HW_ISSUE = """Welcome to another issue of Haskell Weekly!

## Featured

- [GHC 8.8.3 released](https://www.haskell.org/ghc/blog/20200224-ghc-8.8.3-released.html) by Ben
  > The GHC team is proud to announce
  > the release of GHC 8.8.3.

- [Sockets and Pipes](https://leanpub.com/sockets-and-pipes) by Type Classes

## Call for participation

- [scotty: Dependency upper bounds](https://github.com/scotty-web/scotty/issues/371)
"""


def test_twir_reader_labels_bullets_with_the_innermost_heading(tmp_path: Path) -> None:
    (tmp_path / "2023-03-01-this-week-in-rust.md").write_text(TWIR_ISSUE, encoding="utf-8")
    assert catalogue_of(tmp_path) is read_twir
    items = read_twir(tmp_path)
    assert [(i.section, i.title) for i in items] == [
        ("Official", "Keyword Generics Progress Report"),
        ("Project/Tooling Updates", "Cargo's New Sparse Index"),
        ("Project/Tooling Updates", "Announcing Magmide Month!"),
    ]  # the comment's example, the nested bullet and the link-less bullet are not items
    assert {i.issue for i in items} == {"484"} and items[0].date == date(2023, 3, 1)
    assert items[1].summary == "[video]" and items[1].links == (
        "https://www.youtube.com/watch?v=LWef_2IaFDk",
    )
    assert items[2].summary == "(proof language)"


def test_haskell_weekly_reader_reads_quotes_and_dates(tmp_path: Path) -> None:
    (tmp_path / "newsletter" / "2020").mkdir(parents=True)
    (tmp_path / "newsletter" / "2020" / "issue-200.markdown").write_text(HW_ISSUE, "utf-8")
    (tmp_path / "Issues.hs").write_text(
        "    Issue.Issue <$> Date.fromGregorian 2020 2 27 <*> Number.fromNatural 200,\n", "utf-8"
    )
    assert catalogue_of(tmp_path) is read_haskell_weekly
    items, problems = parse_history(tmp_path)  # what `digest history import` reads
    assert problems == []
    assert [(i.section, i.title) for i in items] == [
        ("Featured", "GHC 8.8.3 released"),
        ("Featured", "Sockets and Pipes"),
        ("Call for participation", "scotty: Dependency upper bounds"),
    ]
    assert items[0].summary == "by Ben The GHC team is proud to announce the release of GHC 8.8.3."
    assert all(i.issue == "200" and i.date == date(2020, 2, 27) for i in items)
    assert catalogue_of(tmp_path / "Issues.hs") is None
    assert catalogue_of(tmp_path / "newsletter") is None


# --- the real back catalogues (../shared/corpus/history) --------------------------------


def _evaluate(corpus: Path, name: str, first: str, last: str) -> EvalReport:
    config = load_config(CONFIGS / f"{name}.yaml")
    items, problems = parse_history(corpus / "history" / name)
    assert not problems
    return evaluate_sections(items, config, first=first, last=last, window=40)


def _methods(report: EvalReport) -> dict[str, MethodFigures]:
    return {m.name: m for m in report.methods}


@pytest.mark.corpus
def test_the_back_catalogues_parse(corpus: Path) -> None:
    twir, _ = parse_history(corpus / "history" / "twir")
    hw, _ = parse_history(corpus / "history" / "haskell-weekly")
    assert len({i.issue for i in twir}) > 550 and len(twir) > 50_000
    assert len({i.issue for i in hw}) > 490 and len(hw) > 9_000
    official = [i for i in twir if i.issue == "484" and i.section == "Official"]
    assert [i.title for i in official] == ["Keyword Generics Progress Report: February 2023"]
    ghc = next(i for i in hw if i.issue == "200")
    assert ghc.title == "GHC 8.8.3 released" and "proud to announce" in ghc.summary
    assert ghc.date == date(2020, 2, 27)


@pytest.mark.corpus
def test_model_beats_both_baselines_on_haskell_weekly(corpus: Path) -> None:
    """Haskell Weekly issues 330-339 (2022), each trained on the 40 issues before it."""
    report = _evaluate(corpus, "haskell-weekly", "330", "339")
    assert (report.first_issue, report.last_issue) == ("330", "339")
    methods = _methods(report)
    model, svm, majority = methods["model"], methods["tfidf+svm"], methods["majority"]
    assert model.accuracy > svm.accuracy and model.accuracy > majority.accuracy
    assert model.macro_f1 > svm.macro_f1 and model.macro_f1 > majority.macro_f1
    assert model.top2_accuracy >= svm.top2_accuracy
    assert report.predicted > 100
    # the retired "Package of the week" is never suggested
    assert "package" not in {f.section for f in model.per_section if f.support == 0}
    # unsure marks mean something: items marked unsure are placed right less often
    assert report.unsure_accuracy < report.sure_accuracy


@pytest.mark.corpus
def test_model_beats_both_baselines_on_this_week_in_rust(corpus: Path) -> None:
    """This Week in Rust issues 540-549 (2024), each trained on the 40 issues before it."""
    report = _evaluate(corpus, "twir", "540", "549")
    assert (report.first_issue, report.last_issue) == ("540", "549")
    methods = _methods(report)
    model, svm, majority = methods["model"], methods["tfidf+svm"], methods["majority"]
    assert model.accuracy > svm.accuracy and model.accuracy > majority.accuracy
    assert model.macro_f1 > svm.macro_f1 and model.macro_f1 > majority.macro_f1
    assert report.predicted > 200
    assert report.unsure_accuracy < report.sure_accuracy
