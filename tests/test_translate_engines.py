"""The other engines: a LibreTranslate-compatible server (faked on loopback) and Argos."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner
from httpserver import LoopbackServer, RequestHandler

from digest.cli import cli
from digest.errors import TranslateError
from digest.translate import (
    ArgosEngine,
    LibreTranslateEngine,
    Translator,
    load_glossary,
    make_engine,
)
from digest.translate.engine import normalise_language


class FakeLibreTranslate:
    """Answers POST /translate like LibreTranslate: a list of texts for a list ``q``."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, req: RequestHandler) -> None:
        body = json.loads(req.rfile.read(int(req.headers["Content-Length"])))
        self.bodies.append(body)
        if body.get("api_key") == "wrong":
            req.send(403, b'{"error": "Invalid API key"}', content_type="application/json")
            return
        answer = {"translatedText": [f"<{body['target']}> {q}" for q in body["q"]]}
        req.send(200, json.dumps(answer).encode(), content_type="application/json")


@pytest.fixture
def server() -> Iterator[tuple[LoopbackServer, FakeLibreTranslate]]:
    fake = FakeLibreTranslate()
    with LoopbackServer() as srv:
        srv.handler("/translate", fake)
        srv.route("/broken/translate", body='{"translatedText": "one string"}')
        yield srv, fake


def test_libretranslate_batch_round_trip(
    server: tuple[LoopbackServer, FakeLibreTranslate],
) -> None:
    srv, fake = server
    engine = LibreTranslateEngine(srv.url("/"), api_key="k")
    out = engine.translate(["One.", "Two."], source="en", target="pt-BR")
    assert out == ["<pt> One.", "<pt> Two."]
    assert fake.bodies == [
        {"q": ["One.", "Two."], "source": "en", "target": "pt", "format": "text", "api_key": "k"}
    ]
    assert engine.translate([], source="en", target="pt-BR") == []
    assert srv.hits["/translate"] == 1  # an empty batch asks nothing


def test_libretranslate_behind_the_translator_keeps_links(
    server: tuple[LoopbackServer, FakeLibreTranslate],
) -> None:
    srv, fake = server
    translator = Translator(LibreTranslateEngine(srv.url()), load_glossary("pt-BR"))
    done = translator.translate("NLP news. See [the paper](https://arxiv.org/abs/1).")
    assert done.text == "<pt> NLP news. <pt> See [<pt> the artigo](https://arxiv.org/abs/1)."
    assert len(fake.bodies) == 1  # sentences and the link label in one request
    assert done.flags == ()


def test_libretranslate_failures_are_translate_errors(
    server: tuple[LoopbackServer, FakeLibreTranslate],
) -> None:
    srv, _ = server
    with pytest.raises(TranslateError, match="403"):
        LibreTranslateEngine(srv.url(), api_key="wrong").translate(["x"], source="en", target="pt")
    with pytest.raises(TranslateError, match="not a list of 1 translations"):
        LibreTranslateEngine(srv.url("/broken")).translate(["x"], source="en", target="pt")
    with pytest.raises(TranslateError, match="404"):
        LibreTranslateEngine(srv.url("/nowhere")).translate(["x"], source="en", target="pt")


def test_make_engine_names() -> None:
    assert isinstance(make_engine("libretranslate", url="http://127.0.0.1:1"), LibreTranslateEngine)
    with pytest.raises(TranslateError, match="needs a server URL"):
        make_engine("libretranslate")
    with pytest.raises(TranslateError, match="unknown engine 'deepl'"):
        make_engine("deepl")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("pt_br", "pt-BR"), ("PT-BR", "pt-BR"), ("EN", "en"), ("zh-Hant", "zh-Hant")],
)
def test_normalise_language(code: str, expected: str) -> None:
    assert normalise_language(code) == expected


def test_bundled_engine_refuses_other_languages() -> None:
    from digest.translate import BundledEngine

    with pytest.raises(TranslateError, match="cannot translate en -> fr"):
        BundledEngine().translate(["Hello."], source="en", target="fr")


ARGOS = importlib.util.find_spec("argostranslate") is not None


@pytest.mark.skipif(ARGOS, reason="argostranslate is installed")
def test_argos_missing_says_how_to_install() -> None:
    with pytest.raises(TranslateError, match="pip install argostranslate") as caught:
        ArgosEngine()
    assert caught.value.code == "engine_missing"


@pytest.mark.skipif(not ARGOS, reason="argostranslate is not installed")
def test_argos_translates_with_an_installed_model() -> None:
    engine = ArgosEngine()
    try:
        out = engine.translate(["The paper is out."], source="en", target="pt-BR")
    except TranslateError as e:
        pytest.skip(f"no Argos en->pt model installed: {e}")
    assert len(out) == 1 and out[0] and out[0] != "The paper is out."


def test_cli_pipe_through_a_libretranslate_server(
    server: tuple[LoopbackServer, FakeLibreTranslate], now: datetime
) -> None:
    srv, fake = server
    line = json.dumps({"title": "A title", "summary": "One. [Two](https://x.org/2)", "id": 7})
    args = ["translate", "--to", "pt-BR", "--engine", "libretranslate", "--url", srv.url()]
    result = CliRunner().invoke(cli, args, input=line + "\n", obj=lambda: now)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record == {
        "id": 7,
        "title": "A title",
        "summary": "<pt> One. [<pt> Two](https://x.org/2)",
        "language": "pt-BR",
        "source_hash": record["source_hash"],
        "flags": [],
    }
    assert len(record["source_hash"]) == 16
    assert [b["q"] for b in fake.bodies] == [["One.", "Two"]]


def test_cli_without_a_url_for_libretranslate(now: datetime) -> None:
    args = ["translate", "--to", "pt-BR", "--engine", "libretranslate"]
    result = CliRunner().invoke(cli, args, input="", obj=lambda: now)
    assert result.exit_code == 1
    assert "needs a server URL" in result.stderr
