"""digest.translate around any engine: sentences, glossary, placeholders and flags.

These use small fake engines so every flag can be provoked on purpose; the real
bundled engine is exercised in test_translate.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import ConfigError, TranslateError
from digest.translate import (
    Edition,
    Glossary,
    SourceItem,
    Term,
    TitlePolicy,
    Translator,
    check,
    load_glossary,
    split_sentences,
    translate_item,
)
from digest.translate.glossary import default_glossary, parse_glossary
from digest.translate.protect import shield, urls
from digest.translate.sentences import ABBREVIATIONS, chunk


class FakeEngine:
    """Applies ``fn`` to every sentence and records the batches it was given."""

    name = "fake"

    def __init__(self, fn: Callable[[str], str] = lambda s: s.upper()) -> None:
        self.fn = fn
        self.batches: list[list[str]] = []

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
        self.batches.append(list(sentences))
        return [self.fn(s) for s in sentences]


GLOSSARY = Glossary(
    "pt-BR",
    (
        Term("self-distillation", note="auto-destilação"),
        Term("Hugging Face"),
        Term("paper", target="artigo"),
        Term("NLP"),
    ),
)


# --- sentences -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Methods, e.g. LoRA, help. It works.", ["Methods, e.g. LoRA, help.", "It works."]),
        ("Vaswani et al. Showed it. Then.", ["Vaswani et al. Showed it.", "Then."]),
        ("PyTorch v2.1 is out. It is 3.5% faster.", ["PyTorch v2.1 is out.", "It is 3.5% faster."]),
        ("See https://arxiv.org/abs/2401.1. Next.", ["See https://arxiv.org/abs/2401.1.", "Next."]),
        ("J. Smith wrote it. Fig. 3 shows it.", ["J. Smith wrote it.", "Fig. 3 shows it."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("It ends (really). XQ0Z starts.", ["It ends (really).", "XQ0Z starts."]),
        ("lower case after a dot. stays together", ["lower case after a dot. stays together"]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


# The splitter as it was before it read abbreviations back from the dot and tried a
# run of dots from its start only: what replaced it must split exactly as it did.
_OLD_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_OLD_START = re.compile(r"\s+[\"'“‘(\[*_]*[A-Z0-9À-Ý]")


def _old_split(text: str) -> list[str]:
    def abbreviation(before: str) -> bool:
        found = re.search(r"(\S+)$", before[:-1]) if before.endswith(".") else None
        word = found.group(1).lstrip("([\"'“‘*_").lower() if found else ""
        return bool(found) and (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()))

    sentences, start = [], 0
    for match in _OLD_END.finditer(text):
        if _OLD_START.match(text, match.end()) and not abbreviation(
            text[start : match.start() + 1]
        ):
            sentences.append(text[start : match.end()].strip())
            start = match.end()
    return [s for s in [*sentences, text[start:].strip()] if s]


PIECES = ["Dr", ".", "!", "?", " ", "\n", "e.g", "J", "x", "Word", "(", '"', "”", ")", "]",
          "...", "A", "3", "et al", "\t", "*", "é", "À"]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join))
def test_sentences_split_as_the_old_splitter_did(text: str) -> None:
    assert split_sentences(text) == _old_split(text)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["." * 200_000 + "x", "Use e.g. " * 100_000],
                         ids=["run-of-dots", "run-of-abbreviations"])  # fmt: skip
def test_splitting_takes_linear_time(text: str) -> None:
    # The old splitter was quadratic on both: hours at these sizes; now well under a second.
    assert "".join(split_sentences(text)).replace(" ", "") == text.replace(" ", "")


def test_chunk_cuts_long_sentences_at_clauses() -> None:
    sentence = "first part here; second part here, third part here: fourth part."
    assert chunk(sentence, 100) == [sentence]
    assert chunk(sentence, 35) == [
        "first part here; second part here,",
        "third part here: fourth part.",
    ]
    assert " ".join(chunk(sentence, 10)) == sentence  # a clause longer than the limit stays
    assert chunk("no clause ends at all in this one", 5) == ["no clause ends at all in this one"]


# --- glossary --------------------------------------------------------------------


def test_default_glossary_ships_the_field_terms() -> None:
    glossary = default_glossary("pt-BR")
    terms = {t.term: t for t in glossary.terms}
    for kept in ("NLP", "Hugging Face", "fine-tuning", "question answering", "framework"):
        assert terms[kept].kept, kept
    assert terms["paper"].target == "artigo"
    assert terms["self-distillation"].note == "auto-destilação"
    assert default_glossary("xx").terms == ()


def test_editor_glossary_extends_and_wins(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "keep:\n  - dair.ai\n  - {term: paper, note: artigo}\ntranslate:\n  framework: arcabouço\n",
        encoding="utf-8",
    )
    glossary = load_glossary("pt-BR", mine)
    terms = {t.term: t for t in glossary.terms}
    assert terms["dair.ai"].kept
    assert terms["paper"].kept and terms["paper"].note == "artigo"
    assert terms["framework"].target == "arcabouço"
    assert terms["NLP"].kept  # the default is still there


@pytest.mark.parametrize(
    "text",
    ["keep: [1, {note: x}]", "- a list", "translate: [a, b]", "other: 1", "keep: [unclosed"],
)
def test_bad_glossary_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_glossary(text, "pt-BR")


def test_capitalised_terms_match_exactly_lower_case_ones_any_case() -> None:
    found = [t.term for _, _, t in GLOSSARY.find("nlp NLP Paper paper hugging face")]
    assert found == ["NLP", "paper", "paper"]


def test_check_lists_violations() -> None:
    source = "NLP and Hugging Face: the paper, NLP again."
    assert check(GLOSSARY, source, "NLP e Hugging Face: o artigo, NLP de novo.") == []
    problems = {
        v.term: v.detail for v in check(GLOSSARY, source, "PNL e Abraçando o Face: o papel, NLP")
    }
    assert problems == {
        "NLP": "'NLP' 1 of 2 times",
        "Hugging Face": "'Hugging Face' 0 of 1 times",
        "paper": "'artigo' 0 of 1 times",
    }


# --- placeholders ----------------------------------------------------------------


def test_shield_replaces_links_urls_code_and_terms() -> None:
    text = (
        "See [the paper](https://arxiv.org/abs/2401.1) and `pip install x` at "
        "https://github.com/a/b. Also dair.ai and NLP (https://en.wikipedia.org/wiki/A_(b))."
    )
    shielded = shield(text, GLOSSARY)
    assert "http" not in shielded.text and "`" not in shielded.text
    assert "NLP" not in shielded.text and "dair.ai" not in shielded.text
    kinds = sorted((s.kind, s.original) for s in shielded.spans)
    assert ("url", "https://en.wikipedia.org/wiki/A_(b)") in kinds
    assert ("url", "https://github.com/a/b") in kinds  # the sentence's dot stays outside
    (link,) = [s for s in shielded.spans if s.kind == "link"]
    assert link.target == "https://arxiv.org/abs/2401.1"
    assert link.label is not None and link.label.text == "the XQ0Z"  # "paper" is a term


def test_urls_finds_link_targets_autolinks_and_bare_urls() -> None:
    text = "[a](https://x.org/1) <https://x.org/2> and https://x.org/3."
    assert urls(text) == ["https://x.org/1", "https://x.org/2", "https://x.org/3"]


# --- the translator with fake engines ------------------------------------------


def test_links_code_and_terms_come_back_unchanged() -> None:
    engine = FakeEngine()
    translator = Translator(engine, GLOSSARY)
    source = (
        "- Hugging Face shows self-distillation. See [the paper](https://arxiv.org/abs/1) "
        "and `code_here()`.\n- More self-distillation at https://x.org/a_b."
    )
    done = translator.translate(source)
    assert done.text == (
        "- Hugging Face SHOWS self-distillation (NT: auto-destilação). SEE [THE artigo]"
        "(https://arxiv.org/abs/1) AND `code_here()`.\n- MORE self-distillation AT https://x.org/a_b."
    )
    assert done.flags == ()
    assert len(engine.batches) == 1  # every sentence and label of the text in one batch


def test_mangled_placeholder_is_flagged_and_the_span_kept() -> None:
    def mangle(s: str) -> str:
        return s.replace("XQ0Z", "XQ 0Z").upper()

    done = Translator(FakeEngine(mangle), GLOSSARY).translate("Ask NLP people today.")
    assert [f.kind for f in done.flags] == ["placeholder"]
    assert "XQ0Z came back 0 times" in done.flags[0].detail
    assert done.text == "ASK NLP PEOPLE TODAY."  # retranslated around the span


def test_short_output_is_flagged() -> None:
    sentence = "This sentence is long enough to be checked for being cut off early by an engine."
    done = Translator(FakeEngine(lambda s: s[: len(s) // 2]), GLOSSARY).translate(sentence)
    assert [f.kind for f in done.flags] == ["short"]
    assert done.flags[0].detail.startswith("0.50x")
    almost = Translator(FakeEngine(lambda s: s[: int(len(s) * 0.85)]), GLOSSARY)
    assert almost.translate(sentence).flags == ()


def test_dropped_link_and_term_are_flagged() -> None:
    translator = Translator(FakeEngine(), GLOSSARY)
    flags = translator.check("Read [it](https://x.org/p) on NLP.", "Leia isso sobre PNL.")
    assert sorted(f.kind for f in flags) == ["glossary", "link"]
    assert "https://x.org/p" in next(f.detail for f in flags if f.kind == "link")


def test_an_engine_that_loses_sentences_is_an_error() -> None:
    class Lossy(FakeEngine):
        def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
            return list(sentences)[:-1]

    with pytest.raises(TranslateError, match="returned 1 sentences for 2"):
        Translator(Lossy(), GLOSSARY).translate("One here. Two here.")


def test_blank_lines_and_markers_keep_the_layout() -> None:
    done = Translator(FakeEngine(), GLOSSARY).translate("## Title\n\n1. first\n> quoted")
    assert done.text == "## TITLE\n\n1. FIRST\n> QUOTED"


def test_a_doubled_article_before_a_link_is_removed() -> None:
    answers = {"See XQ0Z now.": "Veja o XQ0Z agora.", "the XQ0Z": "o XQ0Z"}
    translator = Translator(FakeEngine(answers.__getitem__), GLOSSARY)
    done = translator.translate("See [the paper](https://x.org/p) now.")
    assert done.text == "Veja [o artigo](https://x.org/p) agora."


def test_title_policy_and_flag_fields() -> None:
    def halve_long(s: str) -> str:
        return s[: len(s) // 2] if len(s) >= 60 else s.upper()

    translator = Translator(FakeEngine(halve_long), GLOSSARY)
    item = SourceItem(
        "A title on NLP", "A summary that is long enough to be cut short by the engine."
    )
    kept = translate_item(Edition("pt-BR", translator, TitlePolicy.KEEP), item)
    assert kept.title == "A title on NLP"
    assert [(f.field, f.kind) for f in kept.flags] == [("summary", "short")]
    assert kept.source_hash == item.source_hash
    done = translate_item(Edition("pt-BR", translator, TitlePolicy.TRANSLATE), item)
    assert done.title == "A TITLE ON NLP"
    changed = SourceItem(item.title, item.summary + " More.")
    assert changed.source_hash != item.source_hash  # what marks a translation stale


def test_quotes_go_in_straight_and_come_back_curly() -> None:
    engine = FakeEngine(lambda s: s.replace("said", "disse"))
    done = Translator(engine, GLOSSARY).translate("She said “yes” and ‘no’ to `x = 'a'`.")
    assert engine.batches == [["She said \"yes\" and 'no' to XQ0Z."]]
    assert done.text == "She disse “yes” and ’no’ to `x = 'a'`."  # code is untouched
    plain = Translator(engine, GLOSSARY).translate('She said "yes".')
    assert plain.text == 'She disse "yes".'


def test_fallback_leaves_punctuation_between_spans_alone() -> None:
    calls: list[str] = []

    def mangle(s: str) -> str:
        calls.append(s)
        return "nada" if "XQ" in s else s.upper()

    done = Translator(FakeEngine(mangle), GLOSSARY).translate("NLP | Hugging Face | see it")
    assert done.text == "NLP | Hugging Face | SEE IT"
    assert calls[1:] == [" | see it"]  # the " | " between the two spans is not sent


def test_determiners_before_plural_terms_become_plural() -> None:
    glossary = Glossary(
        "pt-BR",
        (Term("large language models", target="grandes modelos"), Term("LLMs"), Term("NLP")),
    )
    answers = {
        "It uses XQ0Z and XQ1Z for XQ2Z.": "Usa o XQ0Z e do XQ1Z pela XQ2Z.",
    }
    engine = FakeEngine(answers.__getitem__)
    done = Translator(engine, glossary).translate("It uses large language models and LLMs for NLP.")
    assert done.text == "Usa os grandes modelos e dos LLMs pela NLP."
    french = Translator(engine, glossary, target="fr").translate(
        "It uses large language models and LLMs for NLP."
    )
    assert french.text == "Usa o grandes modelos e do LLMs pela NLP."  # only for pt


@pytest.mark.parametrize(
    ("term", "plural"),
    [
        (Term("embeddings"), True),
        (Term("LLMs"), True),
        (Term("Transformers"), False),
        (Term("Papers with Code"), False),
        (Term("prompt"), False),
        (Term("paper", target="artigo"), False),
        (Term("papers", target="artigos"), True),
    ],
)
def test_plural_terms(term: Term, plural: bool) -> None:
    assert term.plural is plural


# --- properties ------------------------------------------------------------------

_WORDS = st.sampled_from(
    ["The", "model", "e.g.", "et al.", "v2.1", "3.5%", "NLP", "Hugging Face", "it.", "Yes!",
     "(see", "Fig.", "2)", "dair.ai", "https://x.org/a_(b)", "[the code](https://y.org/c)",
     "`x.y()`", "J.", "Smith", "ok?", "“quoted”", "-", "|"]
)  # fmt: skip
_TEXT = st.lists(_WORDS, max_size=30).map(" ".join)


@given(_TEXT)
def test_splitting_keeps_every_word(text: str) -> None:
    assert " ".join(split_sentences(text)).split() == text.split()


@given(st.lists(_TEXT, min_size=1, max_size=3).map("\n".join))
def test_an_identity_engine_gives_the_text_back(text: str) -> None:
    kept_only = Glossary("pt-BR", (Term("Hugging Face"), Term("NLP")))
    done = Translator(FakeEngine(lambda s: s), kept_only, target="en").translate(text)
    assert done.text.split() == text.split()
    assert done.flags == ()


def test_a_doubled_article_in_the_source_stays() -> None:
    text = "The [the code](https://y.org/c) is here."
    assert Translator(FakeEngine(lambda s: s), GLOSSARY).translate(text).text == text
