"""Make feed text safe: one allow-list HTML sanitiser (nh3) and one URL scheme check.

Every HTML fragment that came from a feed goes through :func:`clean_html` exactly
once, at parse time, so the UI, e-mail, Markdown and Atom all render the same safe
fragment. Every URL goes through :func:`safe_url`: only http, https and mailto
survive, relative ones are resolved against a base, and anything else is dropped.
"""

from __future__ import annotations

import html as htmllib
import re
from html.entities import html5 as _HTML5
from urllib.parse import urljoin, urlsplit

import nh3

__all__ = [
    "clean_html",
    "clean_text",
    "decode_entities",
    "fts_text",
    "html_to_text",
    "safe_url",
    "strip_control",
]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
        "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small",
        "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "time", "tr", "u", "ul",
    }
)  # fmt: skip
# Tags whose *content* goes too: code, styling, embedded documents, forms.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "svg", "math", "form", "textarea", "select", "button", "template", "noscript",
        "title", "head", "meta", "base", "link", "audio", "video", "canvas", "noembed",
        "noframes", "xmp", "plaintext",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
    "del": {"datetime"},
    "ins": {"datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Absolute http(s), a plain host, a port urlsplit accepts, then printable ASCII only:
# nothing for safe_url to strip, resolve or refuse, so it is returned as it is.
_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,4})?(?:[/?#][!-~]*)?")
# WHATWG URL parsing removes tab and newline anywhere and trims C0 controls and space.
_URL_INVISIBLE_RE = re.compile(r"[\t\n\r]")
_URL_TRIM = "".join(chr(c) for c in range(0x21))
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ASCII_CONTROLS = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_BLOCK_RE = re.compile(
    r"<(/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|pre|section|"
    r"article|header|footer|figure|figcaption|img)\b)",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")
# h1 belongs to the page that embeds the fragment, h5/h6 render as tiny text: map to h2-h4.
_HEADING_RE = re.compile(r"<(/?)h([156])\b", re.IGNORECASE)


def _demote(match: re.Match[str]) -> str:
    return f"<{match.group(1)}h{'2' if match.group(2) == '1' else '4'}"


def safe_url(url: str | None, base: str | None = None) -> str | None:
    """``url`` resolved against ``base`` if it is http(s) or mailto after that, else None.

    ``JaVa\\tscript:``, ``data:``, ``vbscript:``, ``file:`` and unresolvable
    protocol-relative ``//host`` URLs (no base) all give None.
    """
    if not url:
        return None
    if _PLAIN_URL_RE.fullmatch(url):  # most feed URLs: what the steps below return unchanged
        return url
    text = _URL_INVISIBLE_RE.sub("", strip_control(url)).strip(_URL_TRIM)
    if not text:
        return None
    match = _SCHEME_RE.match(text)
    if match is None:
        if not base or safe_url(base) is None:
            return None
        try:
            text = urljoin(base, text)
        except ValueError:
            return None
        match = _SCHEME_RE.match(text)
        if match is None:
            return None
    scheme = match.group(1).lower()
    if scheme not in URL_SCHEMES:
        return None
    if scheme == "mailto":
        return text
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return scheme + text[len(scheme) :]


# A URL attribute whose value the resolving path might change: anything but a plain
# absolute http(s) URL with a host (or a mailto for href), quoted or not; entities stay
# encoded. The pattern starts at "=" and looks back for the name, so the regex engine
# skips to each "=" (20x faster than starting at the name); a space before "=" or a
# longer name ending in href/src/cite only sends a fragment down the slower path.
_PLAIN_HTTP = r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,4})?(?:[/?#][^\s\"'<>\\]*)?"
_PLAIN_MAILTO = r"mailto:[^\s\"'<>\\]+"


def _not_plain(name: str, plain: str) -> str:
    """After the "=": ``name`` (any case) just before it, then a value that is not ``plain``."""
    any_case = "".join(f"[{c}{c.upper()}]" for c in name)
    value = rf"(?:\"(?:{plain})\"|'(?:{plain})'|(?:{plain})(?=[\s>]|$))"
    return rf"(?<={any_case}=)\s*(?!{value})"


_UNPLAIN_URL_RE = re.compile(
    f"=(?:{_not_plain('href', f'{_PLAIN_HTTP}|{_PLAIN_MAILTO}')}"
    f"|{_not_plain('src', _PLAIN_HTTP)}|{_not_plain('cite', _PLAIN_HTTP)}|(?<=\\s=))"
)

# Built once: the common fragment, whose links are all plain absolute URLs, needs no
# per-URL Python callback (nh3's scheme allow-list does the whole job) and is ~4x faster.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes=set(URL_SCHEMES),
    url_relative="deny",
)


def clean_html(html: str, base_url: str | None = None, *, controls: bool = True) -> str:
    """Sanitise an HTML fragment with an allow-list; links get ``rel="noopener noreferrer"``.

    Relative ``href``/``src`` are resolved against ``base_url`` (dropped without one).
    ``controls=False``: the caller knows ``html`` holds no character strip_control
    drops (a strict XML parser's text), which spares a scan of it.
    """
    if not html:
        return ""
    html = _HEADING_RE.sub(_demote, strip_control(html) if controls else html)
    plain = _UNPLAIN_URL_RE.search(html) is None
    cleaned = _CLEANER.clean(html) if plain else _clean_resolving(html, base_url)
    # nh3 decodes character references, so "&#1;" comes out as a raw control character.
    return strip_control(cleaned) if "&#" in html else cleaned


def _clean_resolving(html: str, base_url: str | None) -> str:
    """The general path: every URL attribute through safe_url, relative ones resolved."""
    base = safe_url(base_url) if base_url else None

    def url_filter(element: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        resolved = safe_url(value, base)
        if resolved is not None and element == "img" and resolved.startswith("mailto"):
            return None
        return resolved

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=url_filter,
        strip_comments=True,
        link_rel="noopener noreferrer",
        url_schemes=set(URL_SCHEMES),
        url_relative=(lambda url: safe_url(url, base)) if base else "deny",
    )


def strip_control(text: str) -> str:
    """Drop C0 controls (but tab, LF, CR), NUL, lone surrogates and U+FFFE/U+FFFF."""
    if text.isprintable():  # none of them is printable; stops at the first that is not
        return text
    if text.isascii():  # the common case: one C pass, 4x faster than the regex
        raw = text.encode("ascii")
        kept = raw.translate(None, _ASCII_CONTROLS)
        return text if len(kept) == len(raw) else kept.decode("ascii")
    return _CONTROL_RE.sub("", text)


# Built once, as _CLEANER: nh3.clean builds its cleaner on every call, which was two
# thirds of a short HTML title's 25 us (every RSS title that looks like HTML comes here).
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT), attributes={})


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    if not html:
        return ""
    spaced = _BLOCK_RE.sub(r" <\1", strip_control(html))
    stripped = _TEXT_CLEANER.clean(spaced)
    text = strip_control(htmllib.unescape(stripped))
    return _SPACE_RE.sub(" ", text).strip()


# In nh3's output every "<" in text is escaped and attribute values are double-quoted
# (a ">" may stand inside one), so this finds every tag; comments are stripped by then.
_FTS_TAG_RE = re.compile(r'<[A-Za-z/][^>"]*(?:"[^"]*"[^>"]*)*>')
_FTS_BLOCK_RE = re.compile(
    r"<(?=/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|pre|section|"
    r"article|header|footer|figure|figcaption|img)\b)"
)  # case-sensitive: nh3 writes tag names in lowercase (3x faster than IGNORECASE)
# Markup the regexes do not handle (comments, scripts, ...) goes the long way; nh3
# writes tag names in lowercase, so a case-sensitive search finds them (2x faster).
_FTS_UNUSUAL_RE = re.compile(r"<(?:[!?]|script|style|title|textarea)")


def fts_text(body_html: str) -> str:
    """The words of a fragment already sanitised by clean_html, for the search index:
    html_to_text's words without a second nh3 pass (4x faster). Whitespace is left as
    it stands (FTS5's tokenizer skips it; a search snippet is tidied when shown), a
    third of the work saved; anything unusual goes the long way.

    The search index does not store this text: it computes it again (SQL function
    ``fts_text``, store/db.py) to show snippets and to take a changed entry out. A
    change to what this returns therefore needs a schema migration that rebuilds
    the index (``INSERT INTO search_index (search_index) VALUES ('rebuild')``)."""
    if not body_html:
        return ""
    if _FTS_UNUSUAL_RE.search(body_html):
        return html_to_text(body_html)
    text = _FTS_TAG_RE.sub("", _FTS_BLOCK_RE.sub(" <", body_html))
    if "&" in text:
        text = htmllib.unescape(text)
        text = strip_control(text) if "&#" in body_html else text  # a reference to a control
    return text


def clean_text(cleaned_html: str) -> str:
    """:func:`html_to_text` of a fragment clean_html already sanitised, without a
    second nh3 pass (an arXiv abstract: 16 -> 4 us)."""
    return " ".join(fts_text(cleaned_html).split())


_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")


def decode_entities(text: str, dtd_entities: frozenset[str] = frozenset()) -> str:
    """A plain-text value (a text title, an author, a feed title) with character
    references still in it after XML parsing: its publisher escaped it twice
    ("Blog &amp;#8211; InfluxData"), and a reader expects "Blog – InfluxData". Each
    HTML reference is decoded once; others stay as written ("Q&A;"), except those named
    in ``dtd_entities``: entities the document's DTD declared, which are never expanded
    (an entity attack's "&lol9;") and are not text (ADR 0011)."""
    if "&" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#"):
            return htmllib.unescape(match.group(0))
        if name in dtd_entities:
            return ""
        return _HTML5.get(f"{name};", match.group(0))

    return _ENTITY_RE.sub(one, text)
