"""Translated editions (issue #24): editions in feeds.yaml, the machine's draft with
the real bundled engine, the translator's edits kept through re-translations and
English changes (stale marking), and the approval rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from editionkit import FEEDS_YAML, KEY, save_approved_draft, write_config

from digest.app import drafting
from digest.app.editions import (
    approve_edition,
    edit_translation,
    edition_view,
    mark_reviewed,
    reopen_edition,
    translate_edition,
)
from digest.app.words import set_words
from digest.config import load_config
from digest.config.summary import describe
from digest.errors import ConfigError, ConflictError, NotFoundError, ReviewError
from digest.store import Store
from digest.translate.protect import urls
from digest.types import (
    Action,
    Config,
    EngineName,
    TitlePolicy,
    TranslationOrigin,
    TranslationStatus,
)
from digest.types.edition import ISSUE_TITLE


class Counting:
    """The real engine, counting the sentences it is asked to translate."""

    name = "counting"

    def __init__(self, engine: object) -> None:
        self.engine = engine
        self.sentences = 0

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
        self.sentences += len(sentences)
        return self.engine.translate(sentences, source=source, target=target)  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return write_config(tmp_path)


@pytest.fixture
def approved(store: Store, config: Config, now: datetime) -> Store:
    save_approved_draft(store, config, now)
    return store


@pytest.fixture
def engine(bundled_engine: object) -> Counting:
    return Counting(bundled_engine)


def english_edit(store: Store, config: Config, now: datetime, key: str, summary: str) -> None:
    """The editor reopens the English draft, changes an item's summary, approves again."""
    drafting.reopen_draft(store, config, now=now, key=KEY)
    drafting.decide(store, config, Action.EDIT_SUMMARY, key, summary, now=now, draft_key=KEY)
    drafting.approve_draft(store, config, now=now, key=KEY)


# --- feeds.yaml ---------------------------------------------------------------------


def test_editions_in_feeds_yaml(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    edition = config.edition("pt_br")
    assert edition is not None and config.edition("PT-BR") is edition
    assert (edition.language, edition.path, edition.engine, edition.titles) == (
        "pt-BR", "pt-br", EngineName.BUNDLED, TitlePolicy.KEEP)  # fmt: skip
    assert edition.intro == "Bem-vindos a esta edição."
    assert "editions: pt-BR (bundled, titles keep, folder pt-br)" in describe(config)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - {language: pt-BR}\n", "a second edition for pt-BR"),
        ("  - {language: en}\n", "the newsletter's own language"),
        ("  - {language: fr}\n", "expected one of en, pt-BR"),
        ("  - {language: pt-BR, engine: libretranslate}\n", "needs engine_url"),
        ("  - {language: pt-BR, glossary: nope.yaml}\n", "does not exist"),
        ("  - {language: pt-BR, path: issues}\n", "the folder issues"),
    ],
)
def test_edition_mistakes_name_the_line_and_key(tmp_path: Path, entry: str, message: str) -> None:
    yaml = tmp_path / "feeds.yaml"
    text = FEEDS_YAML if "second" in message else FEEDS_YAML.split("editions:")[0] + "editions:\n"
    yaml.write_text(text + entry, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(yaml)
    assert "editions[" in str(caught.value)


# --- the machine's draft --------------------------------------------------------------


def test_before_translation_every_item_is_there_untranslated(
    approved: Store, config: Config
) -> None:
    view = edition_view(approved, config, "pt-BR")
    assert (view.number, view.draft_key, view.approved, view.published) == (1, KEY, False, False)
    assert [s.title for s in view.sections] == ["Publicações", "Ferramentas"]
    assert [i.handle for i in view.items] == [1, 2, 3]
    assert all(i.machine_summary == "" and not i.translated for i in view.items)
    assert view.counts == {"machine": 3, "reviewed": 0, "stale": 0}
    assert view.title == "O Resumo de PLN e IA" and view.date is None


def test_no_edition_before_the_english_issue_is_approved(
    store: Store, config: Config, now: datetime
) -> None:
    save_approved_draft(store, config, now)
    drafting.reopen_draft(store, config, now=now, key=KEY)
    with pytest.raises(ReviewError, match="no approved English issue"):
        edition_view(store, config, "pt-BR")
    with pytest.raises(ReviewError, match="no fr edition"):
        edition_view(store, config, "fr")
    with pytest.raises(NotFoundError):
        edition_view(store, config, "pt-BR", number=9)


def test_machine_translation_keeps_links_and_terms_and_is_done_once(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    progress: list[tuple[int, int]] = []
    view = translate_edition(approved, config, "pt-BR", now=now, engine=engine,
                             progress=lambda *step: progress.append(step))  # fmt: skip
    assert progress == [(1, 3), (2, 3), (3, 3)]
    for item in view.items:
        assert item.translated and item.status is TranslationStatus.MACHINE
        assert item.summary == item.machine_summary != item.source_summary
        assert urls(item.summary) == urls(item.source_summary)
        assert item.title == item.source_title  # titles: keep
        assert not [w for w in item.warnings if w.kind in ("link", "glossary")], item.warnings
    by_key = {i.key: i for i in view.items}
    assert "Hugging Face" in by_key["mixtral"].summary
    assert "fine-tuning" in by_key["rewarding"].summary
    assert "grandes modelos de linguagem" not in by_key["qa-data"].summary  # title only
    # "no" ("in the") never becomes "não" where the English has no negation...
    assert all("não" not in by_key[k].summary.lower() for k in ("rewarding", "mixtral"))
    assert "não" in by_key["qa-data"].summary.lower()  # ...and stays where it has one
    asked = engine.sentences
    again = translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    assert engine.sentences == asked and again.items == view.items


def test_translated_titles_under_the_translate_policy(
    tmp_path: Path, store: Store, now: datetime, engine: Counting
) -> None:
    config = write_config(tmp_path)
    config = replace(config, editions=(replace(config.editions[0], titles=TitlePolicy.TRANSLATE),))
    save_approved_draft(store, config, now)
    view = translate_edition(store, config, "pt-BR", now=now, engine=engine)
    qa = view.item("qa-data")
    assert qa is not None and "grandes modelos de linguagem" in qa.title


# --- the translator's text ------------------------------------------------------------


def test_an_english_change_marks_the_item_stale_and_keeps_the_translators_text(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    mine = ("Pesquisadores da Meta AI propõem um modelo que é seu próprio juiz. "
            "[Artigo](https://arxiv.org/abs/2401.10020)")  # fmt: skip
    item = edit_translation(approved, config, "pt-BR", "1", summary=mine, now=now)
    assert (item.status, item.summary, item.edited, item.version) == (
        TranslationStatus.REVIEWED, mine, True, 1)  # fmt: skip
    machine_before = item.machine_summary

    later = now + timedelta(hours=1)
    new = "Meta AI trains a model that judges its own answers. [Paper](https://arxiv.org/abs/2401.10020)"
    english_edit(approved, config, later, "rewarding", new)
    stale = edition_view(approved, config, "pt-BR").item("rewarding")
    assert stale is not None and stale.status is TranslationStatus.STALE
    assert stale.summary == mine and stale.source_summary.startswith("Meta AI trains")

    # A re-translation redoes the machine's draft of that item only; the text stays.
    asked = engine.sentences
    view = translate_edition(approved, config, "pt-BR", now=later, engine=engine)
    redone = view.item("rewarding")
    assert redone is not None and engine.sentences - asked <= 3
    assert redone.machine_summary != machine_before and redone.summary == mine
    assert redone.status is TranslationStatus.STALE
    assert view.counts == {"machine": 2, "reviewed": 0, "stale": 1}

    with pytest.raises(ReviewError, match=r"1 stale \(#1\)"):
        approve_edition(approved, config, "pt-BR", now=later)
    reviewed = mark_reviewed(approved, config, "pt-BR", "rewarding", now=later)
    assert reviewed.status is TranslationStatus.REVIEWED and reviewed.summary == mine
    assert approve_edition(approved, config, "pt-BR", now=later).approved


def test_a_machine_draft_of_an_old_english_text_is_stale_until_translated_again(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    english_edit(approved, config, now, "mixtral", "Mistral AI released new weights.")
    item = edition_view(approved, config, "pt-BR").item("mixtral")
    assert item is not None and item.status is TranslationStatus.STALE
    item = translate_edition(approved, config, "pt-BR", now=now, engine=engine).item("mixtral")
    assert item is not None and item.status is TranslationStatus.MACHINE
    assert "Mistral AI" in item.summary and "Hugging Face" not in item.summary


def test_the_translators_text_is_checked_for_links_and_terms(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    wrong = "A Mistral AI lançou um modelo no Abraço de Rosto."
    item = edit_translation(approved, config, "pt-BR", "#2", summary=wrong, now=now)
    kinds = {(w.kind, w.field) for w in item.warnings}
    assert kinds == {("link", "summary"), ("glossary", "summary")}
    assert any("https://arxiv.org/abs/2401.04088" in w.detail for w in item.warnings)


def test_unchanged_text_is_a_review_and_a_stale_page_is_refused(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    view = translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    first = view.items[0]
    same = edit_translation(approved, config, "pt-BR", first.key, title=first.title,
                            summary=first.summary, now=now, expected_version=0)  # fmt: skip
    assert same.status is TranslationStatus.REVIEWED and not same.edited and same.version == 1
    with pytest.raises(ConflictError):
        edit_translation(approved, config, "pt-BR", first.key, summary="Outro texto.", now=now,
                         expected_version=0)  # fmt: skip
    with pytest.raises(ReviewError, match="cannot be empty"):
        edit_translation(approved, config, "pt-BR", first.key, summary=" ", now=now)
    with pytest.raises(ReviewError, match="no item 'nope'"):
        mark_reviewed(approved, config, "pt-BR", "nope", now=now)


# --- approval ---------------------------------------------------------------------------


def test_approval_needs_every_item_translated_and_locks_the_edition(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    with pytest.raises(ReviewError, match=r"3 not translated \(#1, #2, #3\)"):
        approve_edition(approved, config, "pt-BR", now=now)
    with pytest.raises(ReviewError, match="no translation yet"):
        mark_reviewed(approved, config, "pt-BR", "1", now=now)
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    view = approve_edition(approved, config, "pt-BR", now=now)
    assert view.approved and view.approved_at == now
    with pytest.raises(ReviewError, match="is approved"):
        edit_translation(approved, config, "pt-BR", "1", summary="Novo.", now=now)
    assert not reopen_edition(approved, config, "pt-BR", now=now).approved
    assert edit_translation(approved, config, "pt-BR", "1", summary="Novo.", now=now).edited


def test_an_english_change_withdraws_the_approval(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    assert approve_edition(approved, config, "pt-BR", now=now).approved
    english_edit(approved, config, now, "qa-data", "A new summary of the dataset.")
    view = edition_view(approved, config, "pt-BR")
    assert not view.approved and view.counts["stale"] == 1


# --- the issue title ---------------------------------------------------------------------


def english_title(store: Store, config: Config, now: datetime, title: str) -> None:
    """The editor reopens the English draft, gives the issue its own title, approves."""
    drafting.reopen_draft(store, config, now=now, key=KEY)
    set_words(store, config, {"title": title}, now=now, draft_key=KEY)
    drafting.approve_draft(store, config, now=now, key=KEY)


def translate_titles(config: Config) -> Config:
    return replace(config, editions=(replace(config.editions[0], titles=TitlePolicy.TRANSLATE),))


def test_under_keep_the_issue_title_starts_as_the_english_one(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    english = edition_view(approved, config, "pt-BR").source_title
    assert english  # suggested from the top items' short names
    heading = edition_view(approved, config, "pt-BR").issue_title
    assert (heading.key, heading.source_title, heading.machine_title, heading.title) == (
        ISSUE_TITLE, english, english, english)  # fmt: skip
    assert heading.translated and heading.status is TranslationStatus.MACHINE
    assert heading.source_summary == heading.summary == "" and heading.version == 0
    assert edition_view(approved, config, "pt-BR").item(ISSUE_TITLE) == heading
    assert ISSUE_TITLE not in [i.key for i in edition_view(approved, config, "pt-BR").items]
    view = translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    assert view.issue_title == heading  # nothing for the machine to do under keep
    log = approved.translations(KEY, "pt-BR")
    assert log and not [r for r in log if r.item_key == ISSUE_TITLE]
    assert approve_edition(approved, config, "pt-BR", now=now).approved  # as it stands


def test_the_translator_edits_the_issue_title_and_it_goes_stale_like_an_item(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    mine = "Modelos que se recompensam, Mixtral e perguntas difíceis"
    edited = edit_translation(approved, config, "pt-BR", "issue", title=mine, now=now,
                              expected_version=0)  # fmt: skip
    assert (edited.key, edited.title, edited.status, edited.edited, edited.version) == (
        ISSUE_TITLE, mine, TranslationStatus.REVIEWED, True, 1)  # fmt: skip
    with pytest.raises(ConflictError):  # a page that saw version 0 is out of date
        edit_translation(approved, config, "pt-BR", "issue", title="Outro", now=now,
                         expected_version=0)  # fmt: skip
    with pytest.raises(ReviewError, match="the issue title has no summary"):
        edit_translation(approved, config, "pt-BR", "issue", summary="Um resumo.", now=now)
    with pytest.raises(ReviewError, match="the title cannot be empty"):
        edit_translation(approved, config, "pt-BR", "issue", title="  ", now=now)

    # A re-translation never touches it; an English change of the items does not either.
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    english_edit(approved, config, now, "mixtral", "Mistral AI released new weights.")
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    kept = edition_view(approved, config, "pt-BR").issue_title
    assert (kept.title, kept.status) == (mine, TranslationStatus.REVIEWED)

    # The English title changes: stale, the translator's title kept and still shown.
    later = now + timedelta(hours=1)
    english_title(approved, config, later, "Models that reward themselves")
    stale = edition_view(approved, config, "pt-BR").issue_title
    assert stale.status is TranslationStatus.STALE and stale.title == mine
    assert stale.source_title == "Models that reward themselves"
    assert edition_view(approved, config, "pt-BR").counts["stale"] == 0  # items only
    translate_edition(approved, config, "pt-BR", now=later, engine=engine)
    assert edition_view(approved, config, "pt-BR").issue_title == stale

    with pytest.raises(ReviewError, match=r"1 stale \(the issue title\)") as refused:
        approve_edition(approved, config, "pt-BR", now=later)
    assert "digest edition review pt-BR issue" in (refused.value.hint or "")
    reviewed = mark_reviewed(approved, config, "pt-BR", "#issue", now=later)
    assert (reviewed.status, reviewed.title) == (TranslationStatus.REVIEWED, mine)
    assert approve_edition(approved, config, "pt-BR", now=later).approved
    with pytest.raises(ReviewError, match="is approved"):
        edit_translation(approved, config, "pt-BR", "issue", title="Novo", now=later)


def test_an_english_title_change_withdraws_the_approval(
    approved: Store, config: Config, now: datetime, engine: Counting
) -> None:
    translate_edition(approved, config, "pt-BR", now=now, engine=engine)
    assert approve_edition(approved, config, "pt-BR", now=now).approved
    english_title(approved, config, now, "A week of self-rewarding models")
    view = edition_view(approved, config, "pt-BR")
    assert not view.approved
    # Under keep with no text of the translator's, it simply follows the English.
    assert view.issue_title.title == "A week of self-rewarding models"
    assert view.issue_title.status is TranslationStatus.MACHINE


def test_under_translate_the_machine_translates_the_issue_title(
    tmp_path: Path, store: Store, now: datetime, engine: Counting
) -> None:
    config = translate_titles(write_config(tmp_path))
    save_approved_draft(store, config, now)
    english_title(store, config, now, "A dataset of hard questions for large language models")
    before = edition_view(store, config, "pt-BR").issue_title
    assert not before.translated and before.title == before.machine_title == ""
    with pytest.raises(ReviewError, match=r"4 not translated \(the issue title, #1, #2, #3\)"):
        approve_edition(store, config, "pt-BR", now=now)

    progress: list[tuple[int, int]] = []
    view = translate_edition(store, config, "pt-BR", now=now, engine=engine,
                             progress=lambda *step: progress.append(step))  # fmt: skip
    assert progress[-1] == (4, 4)  # the title and three items
    heading = view.issue_title
    assert heading.translated and heading.status is TranslationStatus.MACHINE
    assert "grandes modelos de linguagem" in heading.title == heading.machine_title
    assert heading.summary == heading.machine_summary == ""
    rows = [r for r in store.translations(KEY, "pt-BR") if r.item_key == ISSUE_TITLE]
    assert [(r.field, r.origin) for r in rows] == [("title", TranslationOrigin.MACHINE)]

    # The English title changes: the machine's title is of the old English, stale,
    # and redone by the next translation (alone: the items did not change).
    english_title(store, config, now, "Mixtral of Experts and a dataset")
    assert edition_view(store, config, "pt-BR").issue_title.status is TranslationStatus.STALE
    asked = engine.sentences
    again = translate_edition(store, config, "pt-BR", now=now, engine=engine).issue_title
    assert engine.sentences - asked == 1
    assert again.status is TranslationStatus.MACHINE and again.title != heading.title
    assert again.source_title == "Mixtral of Experts and a dataset"

    # The translator's title is kept through the next re-translation.
    mine = edit_translation(store, config, "pt-BR", "issue", title="Mixtral e dados", now=now)
    english_title(store, config, now, "Mixtral, and a dataset")
    after = translate_edition(store, config, "pt-BR", now=now, engine=engine).issue_title
    assert after.title == mine.title == "Mixtral e dados" and after.edited
    assert after.machine_title != again.machine_title
    assert after.status is TranslationStatus.STALE


def test_the_translators_issue_title_is_checked_for_terms(
    tmp_path: Path, store: Store, now: datetime, engine: Counting
) -> None:
    config = write_config(tmp_path)
    save_approved_draft(store, config, now)
    english_title(store, config, now, "Weights on Hugging Face")
    heading = edit_translation(store, config, "pt-BR", "issue", title="Pesos no Abraço de Rosto",
                               now=now)  # fmt: skip
    assert {(w.kind, w.field) for w in heading.warnings} == {("glossary", "title")}
