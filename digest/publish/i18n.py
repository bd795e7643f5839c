"""The fixed words of an issue in the newsletter's language, and its dates.

A small dict catalog is enough for the handful of strings the templates use.
Languages without a catalog fall back to English; dates always go through
babel so they follow the locale even then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

_EN: dict[str, str] = {
    "Issue": "Issue",
    "Published on": "Published on",
    "Updated on": "Updated on",
    "Sections": "Sections",
    "In this issue": "In this issue",
    "Read online": "Read online",
    "All issues": "All issues",
    "Previous issue": "Previous issue",
    "Next issue": "Next issue",
    "Atom feed": "Atom feed",
    "JSON Feed": "JSON Feed",
    "Subscribe": "Subscribe",
    "No issues yet.": "No issues yet.",
    "You receive this e-mail because you subscribed to": (
        "You receive this e-mail because you subscribed to"
    ),
    "paper": "paper",
    "code": "code",
    "post": "post",
    "podcast": "podcast",
    "release": "release",
    "news": "news",
    "link.paper": "paper on {place}",
    "link.code": "code on {place}",
    "link.post": "post on {place}",
    "link.podcast": "podcast episode on {place}",
    "link.release": "release on {place}",
    "link.news": "news on {place}",
    "E-mail": "E-mail",
    "Unsubscribe": "Unsubscribe",
    "View this issue in your browser": "View this issue in your browser",
    "Don't want these e-mails?": "Don't want these e-mails?",
}

_PT_BR: dict[str, str] = {
    "Issue": "Edição",
    "Published on": "Publicada em",
    "Updated on": "Atualizada em",
    "Sections": "Seções",
    "In this issue": "Nesta edição",
    "Read online": "Ler online",
    "All issues": "Todas as edições",
    "Previous issue": "Edição anterior",
    "Next issue": "Próxima edição",
    "Atom feed": "Feed Atom",
    "JSON Feed": "JSON Feed",
    "Subscribe": "Assinar",
    "No issues yet.": "Nenhuma edição ainda.",
    "You receive this e-mail because you subscribed to": ("Você recebe este e-mail porque assinou"),
    "paper": "artigo",
    "code": "código",
    "post": "post",
    "podcast": "podcast",
    "release": "versão",
    "news": "notícia",
    "link.paper": "artigo em {place}",
    "link.code": "código em {place}",
    "link.post": "post em {place}",
    "link.podcast": "episódio de podcast em {place}",
    "link.release": "versão em {place}",
    "link.news": "notícia em {place}",
    "E-mail": "E-mail",
    "Unsubscribe": "Cancelar a assinatura",
    "View this issue in your browser": "Veja esta edição no navegador",
    "Don't want these e-mails?": "Não quer mais estes e-mails?",
}

CATALOGS: dict[str, dict[str, str]] = {"en": _EN, "pt_BR": _PT_BR}
_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Translator:
    """Translates the templates' fixed strings and formats dates for one locale."""

    locale: str  # babel form, e.g. "pt_BR"
    catalog: dict[str, str]

    @property
    def tag(self) -> str:
        """The BCP 47 tag for ``lang``/``xml:lang`` attributes, e.g. ``pt-BR``."""
        return self.locale.replace("_", "-")

    def __call__(self, msgid: str) -> str:
        return self.catalog.get(msgid) or _EN.get(msgid, msgid)

    def link(self, role: str, place: str) -> str:
        """A link's label naming where it goes: "paper on arxiv.org"."""
        pattern = self.catalog.get(f"link.{role}") or _EN.get(f"link.{role}", "{place}")
        return pattern.replace("{place}", place)

    def date(self, value: datetime, fmt: str = "long") -> str:
        return str(format_date(value.date(), format=fmt, locale=self.locale))


def normalise_language(language: str) -> str:
    """``pt-br``, ``pt_BR`` and ``pt`` become ``pt_BR``; anything unusable ``en``."""
    text = (language or "").strip().replace("_", "-")
    if not _TAG.match(text):
        return "en"
    try:
        locale = Locale.parse(text, sep="-")
    except (UnknownLocaleError, ValueError):
        return "en"
    if locale.language == "pt" and locale.territory in (None, "BR"):
        return "pt_BR"
    return str(locale)


def translator(language: str) -> Translator:
    locale = normalise_language(language)
    catalog = CATALOGS.get(locale) or CATALOGS.get(locale.split("_")[0]) or _EN
    return Translator(locale=locale, catalog=catalog)


def language_name(language: str) -> str:
    """The language's name in itself, for a link to an edition in it: "English",
    "Português (Brasil)"."""
    name = Locale.parse(normalise_language(language)).display_name or language
    return name[:1].upper() + name[1:]
