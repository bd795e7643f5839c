"""digest.sanitize: RELIABILITY rows O1 (hostile HTML), O2 (markup in text), O3 (URL
schemes) and P9 (control characters). Payloads are our own, modelled on the kinds of
case feedparser's ``wellformed/sanitize`` suite and the SimplePie#872 report cover."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import sanitize
from digest.sanitize import (
    _CONTROL_RE,
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    clean_html,
    decode_entities,
    html_to_text,
    safe_url,
    strip_control,
)

BASE = "https://blog.example.com/posts/one/"

# (payload, text that must survive or None)
O1_PAYLOADS = [
    ("<p>ok</p><script>alert(1)</script>", "ok"),
    ("<p>ok<SCRIPT SRC=//evil.example/x.js></SCRIPT></p>", "ok"),
    ('<img src="x.png" onerror="alert(1)">', None),
    ('<a href="/x" onmouseenter="alert(1)" onclick=alert(1)>link</a>', "link"),
    ('<p onmouseover="alert(1)" ONLOAD="x()">text</p>', "text"),
    ('<svg onload="alert(1)"><circle r="4"/></svg>after', "after"),
    ('<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>', None),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", None),
    ("<style>body{display:none}</style>visible", "visible"),
    ('<iframe src="https://evil.example/"></iframe>after', "after"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">m', "m"),
    ('<base href="https://evil.example/"><a href="x">rel</a>', "rel"),
    ('<form action="https://evil.example/"><input name=q><button>go</button></form>f', "f"),
    ('<div style="position:fixed;top:0;left:0;width:100%;opacity:0.01">overlay</div>', "overlay"),
    ('<object data="https://evil.example/x.swf"></object><embed src="x.swf">e', "e"),
    ('<a href="javascript:alert(1)">js</a>', "js"),
    ('<a href="JaVa&#x09;ScRiPt:alert(1)">tab</a>', "tab"),
    ('<a href="&#106;avascript:alert(1)">ent</a>', "ent"),
    ('<a href="vbscript:msgbox(1)">vb</a>', "vb"),
    ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>', "d"),
    ('<img src="data:image/svg+xml,<svg onload=alert(1)>">', None),
    ('<a href="file:///etc/passwd">f</a>', "f"),
    ("<!-- <script>alert(1)</script> -->c", "c"),
    ('<p>a</p><link rel="stylesheet" href="https://evil.example/x.css">', "a"),
    ('<img src="x" style="behavior:url(x.htc)" alt="alt">', None),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', None),
    ('<a href="https://ok.example/" target="_blank">ok</a>', "ok"),
]

_ON_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(("payload", "keep"), O1_PAYLOADS)
def test_clean_html_removes_active_content(payload: str, keep: str | None) -> None:
    out = clean_html(payload, BASE)
    lowered = out.lower()
    for needle in ("<script", "<style", "<iframe", "<svg", "<math", "<form", "<meta", "<base"):
        assert needle not in lowered
    assert "<object" not in lowered and "<embed" not in lowered and "<link" not in lowered
    assert not _ON_HANDLER.search(out)
    assert "javascript:" not in lowered and "vbscript:" not in lowered
    assert "data:" not in lowered and "file:" not in lowered
    assert "style=" not in lowered
    if keep is not None:
        assert keep in out


def test_clean_html_keeps_the_allowed_structure() -> None:
    html = (
        "<h2>Title</h2><p>Some <em>em</em> and <strong>strong</strong> "
        '<a href="https://example.org/a" title="t">link</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote>"
        "<pre><code>x = 1</code></pre><br>"
        '<figure><img src="https://img.example/a.png" alt="a"><figcaption>c</figcaption></figure>'
    )
    out = clean_html(html)
    assert out == (
        "<h2>Title</h2><p>Some <em>em</em> and <strong>strong</strong> "
        '<a href="https://example.org/a" title="t" rel="noopener noreferrer">link</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote>"
        "<pre><code>x = 1</code></pre><br>"
        '<figure><img src="https://img.example/a.png" alt="a"><figcaption>c</figcaption></figure>'
    )


def test_clean_html_resolves_relative_links_against_base() -> None:
    out = clean_html(
        '<a href="../two/">t</a><img src="/i.png"><a href="//cdn.example/x">p</a>', BASE
    )
    assert 'href="https://blog.example.com/posts/two/"' in out
    assert 'src="https://blog.example.com/i.png"' in out
    assert 'href="https://cdn.example/x"' in out


def test_clean_html_without_base_drops_relative_links() -> None:
    out = clean_html('<a href="/x">t</a><img src="i.png">')
    assert "href" not in out and "src" not in out
    assert ">t</a>" in out


def test_clean_html_ignores_a_hostile_base() -> None:
    out = clean_html('<a href="x">t</a>', "javascript:alert(1)//")
    assert "href" not in out


def test_clean_html_maps_headings_and_adds_rel() -> None:
    out = clean_html('<h1>a</h1><h6>b</h6><a href="mailto:x@example.com">m</a>')
    assert (
        out == '<h2>a</h2><h4>b</h4><a href="mailto:x@example.com" rel="noopener noreferrer">m</a>'
    )


def test_clean_html_empty() -> None:
    assert clean_html("") == ""


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVa\tscript:alert(1)",
        "java\nscript:alert(1)",
        " \x01javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "smb://host/share",
        "ftp://example.com/x",
        "http:evil.example",
        "https:///nohost",
        "https://example.com:99999999/",
        "",
        "   ",
        None,
    ],
)
def test_safe_url_rejects(url: str | None) -> None:
    assert safe_url(url) is None
    assert safe_url(url, BASE) is None


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://example.com/x", None, "https://example.com/x"),
        ("HTTPS://example.com/x", None, "https://example.com/x"),
        ("  http://example.com/x\n", None, "http://example.com/x"),
        ("mailto:a@example.com", None, "mailto:a@example.com"),
        ("//evil.example/x", None, None),
        ("//cdn.example/x", "http://base.example/", "http://cdn.example/x"),
        ("/x", None, None),
        ("/x", "https://base.example/a/b", "https://base.example/x"),
        ("y", "https://base.example/a/b", "https://base.example/a/y"),
        ("y", "javascript:alert(1)", None),
    ],
)
def test_safe_url_resolves(url: str, base: str | None, expected: str | None) -> None:
    assert safe_url(url, base) == expected


_PLAIN_URLS = st.from_regex(sanitize._PLAIN_URL_RE, fullmatch=True)  # the fast path's own


@given(_PLAIN_URLS, st.sampled_from([" ", "\t", "\x01", "\n "]))
def test_safe_url_plain_urls_skip_no_step(url: str, lead: str) -> None:
    """Plain absolute URLs are returned as they are; with a leading space or control
    they take the general path, which must give the same."""
    assert safe_url(url) == url
    assert safe_url(lead + url) == url
    assert safe_url(lead + url, BASE) == url


def test_strip_control_p9() -> None:
    text = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\udfffi\ufffej\uffffk\tl\nm\rn"
    assert strip_control(text) == "abcdefghijk\tl\nm\rn"
    assert strip_control("Grüße 日本 🙂") == "Grüße 日本 🙂"


def test_clean_html_strips_control_chars() -> None:
    assert clean_html("<p>a\x00b\x0bc\ud800d</p>") == "<p>abcd</p>"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello&nbsp;<b>wo</b>rld</p><p>x &amp; y &lt;z&gt;</p>", "Hello world x & y <z>"),
        ("<p>one</p><p>two</p>", "one two"),
        ("a<br>b<br/>c", "a b c"),
        ("<script>alert(1)</script><style>p{}</style>visible", "visible"),
        ("Caf&eacute; &#8220;quoted&#8221;", "Café “quoted”"),
        ("  lots \n\n of   space  ", "lots of space"),
        ('"><img src=x onerror=alert(1)>', '">'),
        ("</title><script>alert(1)</script>t", "t"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_to_text_keeps_inline_words_together() -> None:
    assert html_to_text("<p>Hello <b>wo</b>rld</p>") == "Hello world"


_fragments = st.lists(
    st.sampled_from(
        [
            "<script>",
            "</script>",
            "<img src=x onerror=alert(1)>",
            "<a href='javascript:alert(1)'>",
            '<a href="JaVa\tscript:x">',
            "<svg onload=alert(1)>",
            "<math>",
            "<style>",
            "<p>",
            "</p>",
            "<div onclick='x'>",
            "text",
            "<",
            ">",
            '"',
            "'",
            "&",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "<iframe src=x>",
            "<b",
            "=",
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_fragments)
def test_clean_html_output_is_never_active(html: str) -> None:
    out = clean_html(html, BASE).lower()
    assert "<script" not in out
    assert "onerror=" not in out
    assert "javascript:" not in out


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


@settings(max_examples=200, deadline=None)
@given(st.one_of(_fragments, st.text(max_size=200)))
def test_clean_html_emits_only_allowed_tags_and_attributes(html: str) -> None:
    collector = _TagCollector()
    collector.feed(clean_html(html, BASE))
    for tag, attrs in collector.seen:
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}
            if name in {"href", "src", "cite"}:
                assert value is not None and value.startswith(("https:", "http:", "mailto:"))


_URLS = st.one_of(
    st.from_regex(r"https?://[a-z0-9.\-]{1,12}(:[0-9]{1,5})?(/[a-z0-9/?#=&%._~\-]{0,20})?",
                  fullmatch=True),
    st.sampled_from(["mailto:a@b.example", "/rel/path", "../up", "//cdn.example/x",
                     "HTTP://UPPER.example/", "http://", "javascript:alert(1)", "", "#frag",
                     "http://a\u200bb.example/", "http://example.org:99999/"]),
)  # fmt: skip


@given(href=_URLS, src=_URLS, text=st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_the_fast_path_cleans_exactly_like_the_resolving_path(
    href: str, src: str, text: str
) -> None:
    from digest.sanitize import _clean_resolving

    fragment = f'<p>{text}<a href="{href}">link</a><img src="{src}" alt="x"></p>'
    base = "https://blog.example/posts/"
    assert clean_html(fragment, base) == strip_control(
        _clean_resolving(_clean_input(fragment), base)
    )


def _clean_input(html: str) -> str:
    from digest.sanitize import _HEADING_RE, _demote, strip_control

    return _HEADING_RE.sub(_demote, strip_control(html))


@pytest.mark.parametrize("raw", ["&#1", "a&#1;b", "&#x0b;", "<p title='&#2;'>x&#31;</p>"])
def test_character_references_to_controls_do_not_survive_cleaning(raw: str) -> None:
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", clean_html(raw, "https://e.org/"))


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_strip_control_ascii_fast_path_drops_what_the_regex_drops(text: str) -> None:
    assert strip_control(text) == _CONTROL_RE.sub("", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Blog &#8211; InfluxData", "Blog – InfluxData"),
        ("Ann &gt; Bob &amp; co", "Ann > Bob & co"),
        ("&#x41;BC", "ABC"),
        ("R&D; and Q&A", "R&D; and Q&A"),  # looks like a reference, is not one
        ("AT&T", "AT&T"),
        ("&amp;amp;", "&amp;"),  # once, not until nothing is left
        ("t &lol9;", "t &lol9;"),  # unknown, and not declared by the document
    ],
)
def test_decode_entities_decodes_each_reference_once(text: str, expected: str) -> None:
    assert decode_entities(text) == expected


def test_decode_entities_drops_references_to_the_documents_own_entities() -> None:
    assert decode_entities("t &lol9; &amp;", frozenset({"lol9"})) == "t  &"


def test_strip_control_drops_every_control_character_whatever_the_text_around() -> None:
    """Its printable-text shortcut lets none through: each C0 control (but tab, LF, CR),
    lone surrogate and U+FFFE/U+FFFF goes, in ASCII and in non-ASCII text alike."""
    dropped = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    dropped += ["\ud800", "\udfff", "\ufffe", "\uffff"]
    for char in dropped:
        for around in ("ab", "éß", "a\u00a0"):
            assert strip_control(f"{around}{char}{around}") == around * 2
    assert strip_control("keep\ttab\nand\rbreaks é") == "keep\ttab\nand\rbreaks é"
