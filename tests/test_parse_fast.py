"""digest.parse.fast: the lxml path must give exactly what the feedparser path gives for
every feed it accepts (golden feeds, the real corpus and feedparser's own test suite),
and hand everything unusual to feedparser."""

from __future__ import annotations

import time
from pathlib import Path

import feedparser
import pytest
from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin
from feedparser.util import FeedParserDict
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import ParseError
from digest.parse import parse_feed
from digest.parse.fast import read_fast
from digest.parse.values import feed_date, join_uri, split_author
from digest.types import ParsedFeed, SourceKind

GOLDEN = Path(__file__).parent / "golden" / "feeds"
URL = "https://example.org/feed.xml"

RSS = (
    b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
    b"xmlns:content='http://purl.org/rss/1.0/modules/content/' "
    b"xmlns:dc='http://purl.org/dc/elements/1.1/' "
    b"xmlns:x='https://example.org/ext'><channel><title>T &amp; co</title>"
    b"<link>https://example.org/</link><ttl>30</ttl>"
    b"<item><title>A &lt;b&gt;bold&lt;/b&gt; title</title><link>https://example.org/a</link>"
    b"<guid isPermaLink='false'>a-1</guid><pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate>"
    b"<dc:creator>Ann</dc:creator><category>nlp</category><x:score>3</x:score>"
    b"<description><![CDATA[<p>Hi <a href='/rel'>there</a></p>]]></description>"
    b"<content:encoded><![CDATA[<p>Full text</p><script>x()</script>]]></content:encoded>"
    b"<enclosure url='https://example.org/a.png' type='IMAGE/PNG' length='12'/></item>"
    b"<item><guid>https://example.org/b</guid><title>B</title></item></channel></rss>"
)


def _both(
    body: bytes, headers: dict[str, str] | None = None, kind: SourceKind = SourceKind.BLOG
) -> tuple[object, object]:
    out = []
    for fast in (False, True):
        try:
            out.append(parse_feed(body, url=URL, headers=headers, kind=kind, fast=fast))
        except ParseError as e:
            out.append(e.code)
    return out[0], out[1]


def test_a_plain_rss_feed_takes_the_fast_path_and_agrees() -> None:
    assert read_fast(RSS, {}) is not None
    slow, quick = _both(RSS)
    assert isinstance(quick, ParsedFeed) and quick == slow
    assert quick.entries[0].title == "A bold title" and quick.ttl_minutes == 30
    assert quick.entries[1].link == "https://example.org/b"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (RSS.replace(b"utf-8", b"iso-8859-1"), {}),
        (RSS, {"Content-Type": "application/rss+xml; charset=windows-1252"}),
        (RSS.replace(b"<channel>", b"<!DOCTYPE rss><channel>", 1), {}),
        (RSS.replace(b"<channel>", b"<channel xmlns:y='urn:y' y:base='https://o.example/'>"), {}),
        (RSS.replace(b"<x:score>3</x:score>", b"<x:score><title>t</title></x:score>"), {}),
        (RSS.replace(b"<dc:creator>Ann</dc:creator>", b"<author>Ann <b>L</b></author>"), {}),
        (RSS.replace(b"</title><link>", b"</title><title>again</title><link>", 1), {}),
        (RSS.replace(b"version='2.0'", b"version='0.91'"), {}),
        (RSS.replace(b"xmlns:x='https://example.org/ext'",
                     b"xmlns:x='http://search.yahoo.com/mrss/'"), {}),
        (RSS[:-20], {}),
    ],
    ids=["latin1-decl", "cp1252-header", "doctype", "foreign-base", "ext-with-children",
         "rss-author-markup", "repeated-title", "rss-0.91", "media-ns", "not-well-formed"],
)  # fmt: skip
def test_anything_unusual_goes_to_feedparser(body: bytes, headers: dict[str, str]) -> None:
    assert read_fast(body, headers) is None
    slow, quick = _both(body, headers)
    assert slow == quick


ATOM = (
    "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'{feed}>"
    "<title>Blog</title><link href='/' rel='alternate' type='text/html'/><id>tag:b,1:feed</id>"
    "{entries}</feed>"
)
ENTRY = (
    "<entry{entry}><title type='text'>Post {n}</title><link href='posts/{n}/' rel='alternate'/>"
    "<id>posts/{n}</id><updated>2026-11-0{n}T10:00:00Z</updated>"
    "<summary type='html'>&lt;p&gt;See &lt;a href='x/{n}'&gt;this&lt;/a&gt;&lt;/p&gt;</summary>"
    "<content type='html'{content}>&lt;p&gt;&lt;img src='i/{n}.png'&gt; "
    "&lt;a href='/abs/{n}'&gt;a&lt;/a&gt;&lt;/p&gt;</content></entry>"
)


@pytest.mark.parametrize(
    ("feed", "entry", "content"),
    [("", "", " xml:base='https://blog.example/'"),
     ("", "", " xml:base='https://blog.example/a/'"),
     (" xml:base='https://blog.example/root/'", "", ""),
     (" xml:base='https://blog.example/root/'", " xml:base='sub/'", " xml:base='../c/'"),
     ("", " xml:base='https://blog.example/e/'", " xml:base=''"),
     ("", " base='https://plain.example/'", ""),
     ("", "", " xml:base = 'https://spaced.example/'"),
     ("", " Base='https://upper.example/'", ""),
     ("", "", " xml:base='javascript:alert(1)'")],
    ids=["on-content", "on-content-with-path", "on-feed", "nested-relative",
         "empty-on-content", "bare-base-attribute", "spaced", "upper-case-bare-base",
         "unsafe-scheme"],
)  # fmt: skip
def test_xml_base_takes_the_fast_path_and_agrees(
    monkeypatch: pytest.MonkeyPatch, feed: str, entry: str, content: str
) -> None:
    # feedparser's base tracking has a quirk the fast path must copy: the first
    # xml:base under a parent without one stays in force after its element, into the
    # next entries, and then sways their links, ids and the base of their HTML.
    entries = "".join(ENTRY.format(n=n, entry=entry if n else "", content=content if n else "")
                      for n in (0, 1, 2))  # fmt: skip
    body = ATOM.format(feed=feed, entries=entries).encode()
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it


XHTML_ENTRY = (
    "<entry><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>A <b>bold</b> "
    "title</div></title><link href='https://blog.example/x'/><id>tag:b,1:x</id>"
    "<updated>2026-11-02T10:00:00Z</updated><content type='xhtml'>{content}</content></entry>"
)


@pytest.mark.parametrize(
    "content",
    ["<div xmlns='http://www.w3.org/1999/xhtml'><p>One &amp; <a href='/rel' REL='NoFollow' "
     "title='say \"hi\"'>two</a><br/>three</p>\n<img src='i.png' alt='&lt;i&gt;'/></div>",
     "\n  <xhtml:div xmlns:xhtml='http://www.w3.org/1999/xhtml'><xhtml:P>Up</xhtml:P>"
     "</xhtml:div>\n",
     "<div xmlns='http://www.w3.org/1999/xhtml'>plain text only</div>"],
    ids=["markup", "prefixed-upper-case", "text-only"],
)  # fmt: skip
def test_inline_xhtml_takes_the_fast_path_and_agrees(
    monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    # feedparser rebuilds XHTML content from its parser's events (lowercased names,
    # <br></br>, escaped text, the wrapping div dropped); the fast path does the same.
    body = ATOM.format(feed="", entries=XHTML_ENTRY.format(content=content)).encode()
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].title == "A bold title"


@pytest.mark.parametrize(
    "content",
    ["<div xmlns='http://www.w3.org/1999/xhtml'><svg xmlns='http://www.w3.org/2000/svg'/></div>",
     "text <div xmlns='http://www.w3.org/1999/xhtml'>beside</div>",
     "<div xmlns='http://www.w3.org/1999/xhtml'><p xmlns='http://www.w3.org/1999/xhtml'>again"
     "</p></div>",
     "<div xmlns='http://www.w3.org/1999/xhtml'><p xml:lang='en'>lang</p></div>"],
    ids=["svg", "text-beside-div", "namespace-declared-again", "namespaced-attribute"],
)  # fmt: skip
def test_inline_xhtml_oddities_go_to_feedparser(content: str) -> None:
    body = ATOM.format(feed="", entries=XHTML_ENTRY.format(content=content)).encode()
    assert read_fast(body, {}) is None
    slow, quick = _both(body)
    assert slow == quick


MEDIA = (
    "<media:content url='https://example.org/{n}.jpg' medium='image' width='1200'/>",
    "<media:content URL='https://example.org/{n}.png' TYPE='Image/PNG'/>",
    "<media:content url='https://example.org/{n}.mp4' type='video/mp4'/>"
    "<media:content url='https://example.org/{n}.webp' medium='image'/>",
)


@pytest.mark.parametrize(
    ("media", "image"),
    zip(MEDIA, ("https://example.org/1.jpg", "https://example.org/1.png",
                "https://example.org/1.webp"), strict=True),
    ids=["medium", "upper-case", "second-is-image"],
)  # fmt: skip
def test_media_content_and_podcasting_elements_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch, media: str, image: str
) -> None:
    # An entry's image may come from media:content; Podcasting 2.0 elements are read
    # from the body by podcast_tags whichever path parses the rest.
    body = RSS.replace(b"<x:score>3</x:score>", media.format(n=1).encode() + (
        b"<podcast:transcript url='https://example.org/t.vtt' type='text/vtt'/>"
        b"<podcast:person role='host'>Ann</podcast:person>")).replace(
        b"xmlns:x='https://example.org/ext'",
        b"xmlns:media='http://search.yahoo.com/mrss/' "
        b"xmlns:podcast='https://podcastindex.org/namespace/1.0'")  # fmt: skip
    assert read_fast(body, {}) is not None
    slow, quick = _both(body, kind=SourceKind.PODCAST)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL, kind=SourceKind.PODCAST) == quick  # lxml read it
    assert quick.entries[0].image == image  # before the enclosure's image
    assert quick.entries[0].extra["transcript_url"] == "https://example.org/t.vtt"


@pytest.mark.parametrize(
    "odd",
    ["<media:content url='https://example.org/1.jpg'><media:rating>adult</media:rating>"
     "</media:content>",
     "<media:content xmlns:y='urn:y' y:url='https://example.org/1.jpg'/>",
     "<media:thumbnail url='https://example.org/1.jpg'><media:title>t</media:title>"
     "</media:thumbnail>",
     "<podcast:chapters url='https://example.org/c.json'><podcast:x/></podcast:chapters>"],
    ids=["media-children", "media-foreign-attribute", "media-thumbnail-children",
         "podcast-children"],
)  # fmt: skip
def test_media_and_podcasting_oddities_go_to_feedparser(odd: str) -> None:
    body = RSS.replace(b"<x:score>3</x:score>", odd.encode()).replace(
        b"xmlns:x='https://example.org/ext'",
        b"xmlns:media='http://search.yahoo.com/mrss/' "
        b"xmlns:podcast='https://podcastindex.org/namespace/1.0'")  # fmt: skip
    assert read_fast(body, {}) is None
    slow, quick = _both(body, kind=SourceKind.PODCAST)
    assert slow == quick


def test_golden_feeds_agree() -> None:
    """The golden feeds are mostly odd on purpose (feedparser reads them); either way
    the result is the same."""
    for path in sorted(GOLDEN.iterdir()):
        if path.suffix in {".xml", ".atom"}:
            slow, quick = _both(path.read_bytes())
            assert slow == quick, path.name


def _feeds(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".json")


@pytest.mark.corpus
@pytest.mark.parametrize("part", ["feeds/real", "feeds/peer-suite"])
def test_fast_path_agrees_with_feedparser_on_every_feed_it_accepts(corpus: Path, part: str) -> None:
    accepted, disagree = 0, []
    for path in _feeds(corpus / part):
        body = path.read_bytes()
        if read_fast(body.lstrip(), {}) is None:
            continue
        accepted += 1
        kind = SourceKind.ARXIV if "arxiv" in path.parts else SourceKind.BLOG
        slow, quick = _both(body, kind=kind)
        if slow != quick:
            disagree.append(str(path.relative_to(corpus)))
    assert disagree == []
    assert accepted >= (30 if part == "feeds/real" else 600)  # the path is really used


def test_arxiv_listings_take_the_fast_path_and_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # rss.arxiv.org's RSS shape (the corpus has its Atom shape, checked above): the
    # announce type, dc:creator with every author, dc:rights, categories.
    item = (
        "<item><title>A study of things</title><link>https://arxiv.org/abs/2611.00{n}</link>"
        "<description>arXiv:2611.00{n}v1 Announce Type: {t} \nAbstract: We study things."
        "</description><guid isPermaLink='false'>oai:arXiv.org:2611.00{n}v1</guid>"
        "<category>cs.CL</category><category>cs.AI</category>"
        "<pubDate>Wed, 25 Nov 2026 00:00:00 -0500</pubDate>"
        "<arxiv:announce_type>{t}</arxiv:announce_type><dc:rights>CC BY 4.0</dc:rights>"
        "<dc:creator>A. Author, B. Author</dc:creator></item>"
    )
    body = (
        "<?xml version='1.0' encoding='UTF-8'?><rss xmlns:arxiv='http://arxiv.org/schemas/atom'"
        " xmlns:dc='http://purl.org/dc/elements/1.1/' version='2.0'><channel>"
        "<title>cs.CL updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CL</link>"
        + "".join(item.format(n=n, t=t) for n, t in ((101, "new"), (102, "replace-cross")))
        + "</channel></rss>"
    ).encode()
    assert read_fast(body, {}) is not None
    slow, quick = _both(body, kind=SourceKind.ARXIV)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL, kind=SourceKind.ARXIV) == quick  # lxml read it
    assert quick.entries[1].extra["announce_type"] == "replace-cross"
    assert quick.entries[0].authors == ("A. Author", "B. Author")


def _not_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("feedparser was used")


PODCAST = (
    "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' "
    "xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'><channel><title>Show</title>"
    "<link>https://pod.example/</link>{channel}<itunes:author>Hosts</itunes:author>"
    "<itunes:owner><itunes:name>Owner</itunes:name><itunes:email>o@pod.example</itunes:email>"
    "</itunes:owner><itunes:category text='Technology'><itunes:category text='AI'/>"
    "</itunes:category><itunes:explicit>no</itunes:explicit>"
    "<itunes:image href='https://pod.example/show.png'/>"
    "<itunes:new-feed-url>https://new.pod.example/feed</itunes:new-feed-url>{items}"
    "</channel></rss>"
)
EPISODE = (
    "<item><title>Episode {n}</title><link>https://pod.example/{n}</link><guid>ep-{n}</guid>"
    "<pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate>{bodies}"
    "<enclosure url='https://pod.example/{n}.mp3' length='480' type='audio/mpeg'/>"
    "<itunes:duration>00:52:0{n}</itunes:duration><itunes:episode>{n}</itunes:episode>"
    "<itunes:season>2</itunes:season><itunes:episodeType>full</itunes:episodeType>"
    "<itunes:title>Ep {n}</itunes:title><itunes:subtitle>Short</itunes:subtitle>"
    "<itunes:image href='https://pod.example/{n}.png'/>"
    "<itunes:keywords>ai, ethics,,</itunes:keywords>"
    "{author}</item>"
)
_D = "<description><![CDATA[<p>Show <b>notes</b></p>]]></description>"
_S = "<itunes:summary>Plain summary</itunes:summary>"
_S_HTML = "<itunes:summary><![CDATA[<p>HTML summary</p>]]></itunes:summary>"
_C = "<content:encoded><![CDATA[<p>Full notes</p>]]></content:encoded>"


@pytest.mark.parametrize(
    ("channel", "bodies"),
    [("", _D + _S), ("", _S + _D), ("", _D + _S_HTML), ("", _S + _C + _D), ("", _C + _S),
     ("<itunes:summary>CS</itunes:summary><description>CD</description>", _D + _S),
     ("<description>CD</description><itunes:summary>CS</itunes:summary>", _S + _D)],
    ids=["desc-then-summary", "summary-then-desc", "html-summary", "summary-content-desc",
         "content-then-summary", "channel-leaks-into-first-item", "channel-no-leak"],
)  # fmt: skip
def test_podcasts_itunes_elements_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch, channel: str, bodies: str
) -> None:
    # feedparser files description, itunes:summary and content:encoded by their order
    # (and a channel's state sways the first item): both paths must agree on each.
    items = "".join(
        EPISODE.format(n=n, bodies=bodies, author="<itunes:author>Guest</itunes:author>" * n)
        for n in (0, 1)
    )
    body = PODCAST.format(channel=channel, items=items).encode()
    body = body.replace(b"<rss ", b"<rss xmlns:content='http://purl.org/rss/1.0/modules/content/' ")
    assert read_fast(body, {}) is not None
    slow, quick = _both(body, kind=SourceKind.PODCAST)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL, kind=SourceKind.PODCAST) == quick  # lxml read it
    first, second = quick.entries
    assert first.duration_seconds == 3120 and first.extra["episode"] == "0"
    assert first.extra["episode_type"] == "full" and first.image == "https://pod.example/0.png"
    assert first.categories == ("ai", "ethics")
    assert first.authors == ("Owner",)  # feedparser files the owner over the show's author
    assert second.authors == ("Guest",)
    assert quick.new_feed_url == "https://new.pod.example/feed"


@pytest.mark.parametrize(
    "odd",
    ["<itunes:category text='AI'/>", "<itunes:author>a@pod.example <i>A</i></itunes:author>",
     "<itunes:title>Ep <b>1</b></itunes:title>",
     "<itunes:isClosedCaptioned>Yes</itunes:isClosedCaptioned>"],
    ids=["item-category", "author-markup", "markup-in-ignored", "unknown-itunes"],
)  # fmt: skip
def test_podcast_oddities_go_to_feedparser(odd: str) -> None:
    items = EPISODE.format(n=1, bodies=_D, author=odd)
    body = PODCAST.format(channel="", items=items).encode()
    assert read_fast(body, {}) is None
    slow, quick = _both(body, kind=SourceKind.PODCAST)
    assert slow == quick


def test_repaired_and_c1_values_take_the_fast_path_and_agree() -> None:
    """The fast path skips the C1 scan and clean_html's control scan when the bytes
    cannot need them: a C1 reference, and a mojibake repair that makes U+FFFE (the
    only control a value read by lxml can get), must still be handled."""
    mojibake = "<p>cafÃ© ï¿¾ done</p>".encode()  # "café \ufffe done" read as latin-1
    body = RSS.replace(b"<p>Full text</p>", mojibake).replace(b"B</title>", b"B &#150; c</title>")
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    assert quick.entries[0].content_html == "<p>café  done</p>"
    assert quick.entries[1].title == "B \u2013 c"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25),
    st.integers(0, 61), st.integers(0, 61),
    st.sampled_from(["Z", "GMT", "UTC", "+00:00", "-05:30", "+14:00", "+0000", "-0800", "+2359",
                     "-99:99", "EST", "+05"]),
    st.booleans(),
)  # fmt: skip
def test_common_dates_are_read_as_feedparser_reads_them(
    year: int, month: int, day: int, hour: int, minute: int, second: int, zone: str, rss: bool
) -> None:
    """The fast path reads RFC 822 and W3C-DTF dates itself (out-of-range values, year
    0 and unknown zones included): the same 9-tuple as feedparser's, or its None."""
    if rss:
        text = f"{_DAYS[day % 7]}, {day:02} {_MONTHS[month % 12]} {year:04} "
        text += f"{hour:02}:{minute:02}:{second:02} {zone}"
    else:
        text = f"{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}"
    assert feed_date(text) == _parse_date(text)


def test_feedparser_date_cases_are_read_as_feedparser_reads_them() -> None:
    cases = ["Sun, 01 Nov 2026 08:30:00 GMT", "Thu, 01 Jan 1970 00:00:00 +0000",
             "Mon, 31 Dec 0001 23:00:00 -0100", "Sat, 29 Feb 2025 10:00:00 GMT",
             "2026-11-01T08:30:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00",
             "2026-11-01T08:30:00.5Z", "Sun, 1 Nov 2026 08:30:00 GMT",
             "2026-11-01T24:00:00Z"]  # fmt: skip
    for text in cases:
        assert feed_date(text) == _parse_date(text), text


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["", "http://example.org/a/b", "https://example.org/", "http://[bad/",
                     "ftp://x/y", "HTTP://X/", "//host/p", "rel/path", "http://e.org:80/a?q#f"]),
    st.sampled_from(["http://", "https://", "HTTP://", "http:///", "http:", "", "https://a"]),
    st.text(alphabet="ab/:.-?#;[]% @!$&'()*+,=~_0Z\t", max_size=12),
)  # fmt: skip
def test_links_are_joined_as_feedparser_joins_them(base: str, head: str, tail: str) -> None:
    """join_uri returns a plain absolute URI as it is: what feedparser's _urljoin gives."""
    assert join_uri(base, head + tail) == _urljoin(base, head + tail)


@pytest.mark.parametrize(
    ("person", "reparsed"),
    [("<podcast:person role='host'>Ann Lee</podcast:person>", False),
     ("<podcast:person role='host'>Ann<!-- x --> Lee</podcast:person>", True),
     ("<podcast:person role='host'>Ann<?pi x?> Lee</podcast:person>", True)],
    ids=["tree-reused", "comment", "processing-instruction"],
)  # fmt: skip
def test_podcast_tags_read_the_fast_paths_tree_unless_it_left_markup_out(
    monkeypatch: pytest.MonkeyPatch, person: str, reparsed: bool
) -> None:
    """The fast path's tree lacks comments and processing instructions, which split an
    element's text: with one in the body, podcast_tags parses the body itself."""
    body = RSS.replace(b"<x:score>3</x:score>", person.encode()).replace(
        b"xmlns:x='https://example.org/ext'",
        b"xmlns:podcast='https://podcastindex.org/namespace/1.0'",
    )
    slow, quick = _both(body, kind=SourceKind.PODCAST)
    assert isinstance(quick, ParsedFeed) and quick == slow
    assert quick.entries[0].extra["persons"] == ("Ann (host)" if reparsed else "Ann Lee (host)")
    if not reparsed:
        monkeypatch.setattr("digest.parse.extras._podcast_tree", _not_called)
        assert parse_feed(body, url=URL, kind=SourceKind.PODCAST) == quick


@pytest.mark.parametrize(
    ("author", "expected"),
    [("a@example.org (Ann Lee)", "Ann Lee"), ("Ann Lee &lt;a@example.org&gt;", "Ann Lee"),
     ("a@example.org", "a@example.org"), ("(a@example.org)", "a@example.org"),
     ("Ann &amp;lt;a@example.org&amp;gt;", "Ann"), ("a@example (Ann)", "a@example (Ann)"),
     ("Ann (a@b.c.museum)", "Ann (um"), ("mailto:a@example.org?subject=Hi there", "mailto: there"),
     ("a@[10.0.0.1] (Ann)", "Ann"), ("a@@x.org, b@y.org (Bo)", "a@@x.org, (Bo"),
     ("  @example.org  ", "@example.org"), ("Ann", "Ann")],
    ids=["email-name", "name-angle", "email-only", "email-in-parens", "escaped-angles",
         "no-tld", "long-tld", "subject", "ip-literal", "second-address", "no-local-part",
         "no-address"],
)  # fmt: skip
def test_rss_authors_with_an_address_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch, author: str, expected: str
) -> None:
    # feedparser takes the first e-mail address out of an RSS author (its regex) and
    # keeps the rest, unwrapped, as the name; digest shows the name, else the address.
    body = RSS.replace(b"<dc:creator>Ann</dc:creator>", f"<author>{author}</author>".encode())
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].authors == (expected,)


def test_channel_authors_and_several_item_authors_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A channel's managingEditor, author and dc:creator are the feed's authors, which
    # an item without its own inherits; webMaster and dc:publisher are read nowhere.
    channel = (b"<managingEditor>ed@example.org (Ed)</managingEditor>"
               b"<webMaster>web@example.org (Web)</webMaster><ttl>30</ttl>")  # fmt: skip
    item = (b"<author>a@example.org (Ann)</author><dc:creator>Bo &lt;b@example.org&gt;"
            b"</dc:creator><author>c@example.org</author>"
            b"<dc:publisher>P</dc:publisher>")  # fmt: skip
    body = RSS.replace(b"<ttl>30</ttl>", channel).replace(b"<dc:creator>Ann</dc:creator>", item)
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].authors == ("Ann", "Bo", "c@example.org")
    assert quick.entries[1].authors == ("Ed",)


@pytest.mark.parametrize(
    "odd",
    ["<managingEditor>Ed <b>E</b></managingEditor>", "<webMaster><b>W</b></webMaster>",
     "<dc:title>Again</dc:title>"],
    ids=["editor-markup", "webmaster-markup", "dc-title"],
)  # fmt: skip
def test_channel_author_oddities_go_to_feedparser(odd: str) -> None:
    body = RSS.replace(b"<ttl>30</ttl>", odd.encode())
    assert read_fast(body, {}) is None
    slow, quick = _both(body)
    assert slow == quick


class _Context:
    """Just enough of feedparser's parser for its _sync_author_detail."""

    def __init__(self, author: str) -> None:
        self.context = {"author": author, "authors": [FeedParserDict()]}

    def _get_context(self) -> dict[str, object]:
        return self.context


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="ab.-_+@()<>[]?=; 0189x\u00e9", max_size=40)
       | st.from_regex(r"[ab(]{0,3}[ab.]{1,6}@[ab0-9.\[\]]{1,12}(\?subject=[a b]{0,4})?[ )]{0,2}",
                       fullmatch=True))  # fmt: skip
def test_authors_are_split_as_feedparser_splits_them(text: str) -> None:
    """split_author finds the address feedparser's regex finds (without its quadratic
    search) and leaves the same name."""
    text = text.strip()
    parser = _Context(text)
    _FeedParserMixin._sync_author_detail(parser)  # type: ignore[arg-type]
    assert split_author(text) == dict(parser.context["authors"][0])  # type: ignore[index]


def test_splitting_a_hostile_author_stays_linear() -> None:
    """feedparser's own search is quadratic in a run of address characters; the
    fast path's is not (its regex takes 4 s on 40 KB; this, 0.1 s on 1 MB)."""
    start = time.process_time()
    assert split_author("a" * 200_000 + "@" + "b." * 100_000) == {
        "name": "a" * 200_000 + "@" + "b." * 100_000
    }
    assert split_author("a@" * 200_000) == {"name": "a@" * 200_000}
    assert time.process_time() - start < 1.0


def test_atom_dates_in_rss_items_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # feedparser reads atom:updated and atom:published in an RSS item as the item's
    # dates (the last of dc:date and atom:updated wins); other Atom elements there
    # are not inert extensions (feedparser's Atom prefix is "", its table's key mixed-case).
    dates = (b"<dc:date>2026-11-20T10:00:00Z</dc:date><atom:updated>2026-11-21T10:00:00Z"
             b"</atom:updated><atom:published>2026-11-19T10:00:00Z</atom:published>")  # fmt: skip
    body = RSS.replace(b"<x:score>3</x:score>", dates).replace(
        b"xmlns:x='https://example.org/ext'", b"xmlns:atom='http://www.w3.org/2005/Atom'"
    )
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].updated is not None and quick.entries[0].updated.day == 21
    odd = body.replace(b"<atom:published>", b"<atom:summary>x</atom:summary><atom:published>")
    assert read_fast(odd, {}) is None
    slow, quick = _both(odd)
    assert slow == quick


THUMBNAILS = (
    "<media:thumbnail url='https://example.org/t.jpg' width='75'/>",
    "<media:thumbnail URL='https://example.org/T.jpg'>https://example.org/text.jpg"
    "</media:thumbnail>",
    "<media:thumbnail> /img/t.jpg </media:thumbnail>",
    "<media:thumbnail xml:base='https://cdn.example/a/'>t.jpg</media:thumbnail>",
    "<media:thumbnail/><media:content url='https://example.org/c.jpg' medium='image'/>",
    "<media:content url='https://example.org/c.jpg' medium='image'/>"
    "<media:thumbnail url='https://example.org/t.jpg'/><media:thumbnail url='https://x.example/2'/>",
)


@pytest.mark.parametrize(
    ("thumbnail", "image"),
    zip(THUMBNAILS, ("https://example.org/t.jpg", "https://example.org/T.jpg",
                     "https://example.org/img/t.jpg", "https://cdn.example/a/t.jpg",
                     "https://example.org/c.jpg", "https://example.org/t.jpg"), strict=True),
    ids=["url", "attribute-over-text", "relative-text", "text-under-base", "empty",
         "thumbnails-before-content"],
)  # fmt: skip
@pytest.mark.parametrize("atom", [False, True], ids=["rss", "atom"])
def test_media_thumbnails_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch, thumbnail: str, image: str, atom: bool
) -> None:
    # feedparser files <media:thumbnail>'s attributes, or its text (a URL resolved
    # against the base in force) when it has no url; digest takes it as the image.
    media = "xmlns:media='http://search.yahoo.com/mrss/'"
    if atom:
        entries = ENTRY.format(n=1, entry="", content="").replace(
            "</entry>", thumbnail + "</entry>"
        )
        body = ATOM.format(feed=" " + media, entries=entries).encode()
        body = body.replace(b"<link href='/'", b"<link href='https://example.org/'")
    else:
        body = RSS.replace(b"<x:score>3</x:score>", thumbnail.encode()).replace(
            b"<enclosure url='https://example.org/a.png' type='IMAGE/PNG' length='12'/>", b""
        )
        body = body.replace(b"xmlns:x='https://example.org/ext'", media.encode())
        body = body.replace(b"<channel>", b"<channel>" + THUMBNAILS[0].encode())  # the feed's
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].image == image


ATOM_PEOPLE = (
    "<author><name>A</name></author><author><email>e@example.org</email></author>",
    "<author><name>A</name><email>a@example.org</email></author><author><uri>/u</uri></author>",
    "<author><name>A</name></author><author><name></name><email>e@example.org</email></author>"
    "<author><uri>u</uri></author>",
    "<author><name>Dirk WÃ¼bben</name><arxiv:affiliation>U</arxiv:affiliation></author>"
    "<author>Bob b@example.org</author><author></author>",
)
# An RSS-style author (dc:creator, an <author> with text only) becomes feedparser's
# author_detail, which later Atom values are written into: left to feedparser.
ATOM_PEOPLE_ODD = (
    "<author>Bob b@example.org</author><author><uri>https://u.example/</uri></author>",
    "<author>C (c@example.org)</author><author><email>e@example.org</email></author>",
)


def _atom_people(people: str, where: str) -> bytes:
    namespaces = (" xmlns:dc='http://purl.org/dc/elements/1.1/'"
                  " xmlns:arxiv='http://arxiv.org/schemas/atom'")  # fmt: skip
    entry = "<entry><title>P</title><id>tag:e</id>{}</entry>"
    entries = entry.format(people if where == "entry" else "") + entry.format("")
    body = ATOM.format(feed=namespaces, entries=entries).encode()
    if where == "feed":
        body = body.replace(b"<entry>", people.encode() + b"<entry>", 1)
    return body


@pytest.mark.parametrize("people", ATOM_PEOPLE,
                         ids=["email-after-name", "uri-after-both", "empty-name",
                              "as-written-then-text"])  # fmt: skip
@pytest.mark.parametrize("where", ["entry", "feed"])
def test_atom_people_are_filed_as_feedparser_files_them(people: str, where: str) -> None:
    """feedparser files an Atom person's first value over its context's "author"
    string split as an RSS author: a person with only an e-mail or a uri inherits the
    name before it; names and e-mails are kept as written (no mojibake repair)."""
    body = _atom_people(people, where)
    found = read_fast(body, {})
    assert found is not None
    raw = feedparser.parse(body)
    want = raw.entries[0] if where == "entry" else raw.feed
    got = found[1][0] if where == "entry" else found[0]
    assert got["authors"] == [dict(person) for person in want["authors"]]
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow


def test_dc_creators_in_atom_entries_are_filed_as_feedparser_files_them() -> None:
    body = _atom_people("<author><name>A</name></author><dc:creator>c@example.org (C)"
                        "</dc:creator><dc:creator>D WÃ¼</dc:creator>", "entry")  # fmt: skip
    found = read_fast(body, {})
    assert found is not None
    want = [dict(person) for person in feedparser.parse(body).entries[0]["authors"]]
    assert (
        found[1][0]["authors"]
        == want
        == [{"name": "A"}, {"name": "C", "email": "c@example.org"}, {"name": "D W\u00fc"}]
    )
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow


@pytest.mark.parametrize("people", ATOM_PEOPLE_ODD, ids=["text-then-uri", "text-then-email"])
@pytest.mark.parametrize("where", ["entry", "feed"])
def test_atom_people_after_a_text_author_go_to_feedparser(people: str, where: str) -> None:
    body = _atom_people(people, where)
    assert read_fast(body, {}) is None
    slow, quick = _both(body)
    assert slow == quick
    body = _atom_people("<author><name>N</name></author>" + people, where)
    assert read_fast(body, {}) is not None  # an Atom person first: no text author's detail
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow


ARXIV_API = (
    "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
    "xmlns:arxiv='http://arxiv.org/schemas/atom' "
    "xmlns:opensearch='http://a9.com/-/spec/opensearch/1.1/'><title>ArXiv Query</title>"
    "<id>http://arxiv.org/api/q</id><opensearch:totalResults>1</opensearch:totalResults>"
    "<entry><id>http://arxiv.org/abs/2611.00101v2</id><updated>2026-11-25T00:00:00Z</updated>"
    "<published>2026-11-20T00:00:00Z</published><title>A study</title>"
    "<summary>We study things.</summary><author><name>A. Author</name>"
    "<arxiv:affiliation>Uni</arxiv:affiliation></author><author><name>B. Author</name></author>"
    "{extra}<link href='http://arxiv.org/abs/2611.00101v2' rel='alternate' type='text/html'/>"
    "<link title='pdf' href='http://arxiv.org/pdf/2611.00101v2' rel='related'/>"
    "<arxiv:primary_category term='cs.CL' scheme='http://arxiv.org/schemas/atom'/>"
    "<category term='cs.CL' scheme='http://arxiv.org/schemas/atom'/>"
    "<category term='cs.AI' scheme='http://arxiv.org/schemas/atom'/></entry></feed>"
)
_ARXIV_EXTRA = ("<arxiv:comment>12 pages, 3 figures</arxiv:comment>"
                "<arxiv:journal_ref>J. Things 1 (2026)</arxiv:journal_ref>"
                "<arxiv:doi>10.1000/xyz</arxiv:doi>")  # fmt: skip


def test_arxiv_api_entries_take_the_fast_path_and_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # export.arxiv.org's API adds a comment, a journal reference, a DOI, the primary
    # category (attributes only) and authors' affiliations: all filed as feedparser does.
    body = ARXIV_API.format(extra=_ARXIV_EXTRA).encode()
    assert read_fast(body, {}) is not None
    slow, quick = _both(body, kind=SourceKind.ARXIV)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL, kind=SourceKind.ARXIV) == quick  # lxml read it
    extra = quick.entries[0].extra
    assert extra["comment"] == "12 pages, 3 figures" and extra["doi"] == "10.1000/xyz"
    assert extra["journal_ref"] == "J. Things 1 (2026)" and extra["primary_category"] == "cs.CL"
    assert quick.entries[0].authors == ("A. Author", "B. Author")


@pytest.mark.parametrize(
    "odd",
    ["<arxiv:comment lang='en'>12 pages</arxiv:comment>",
     "<arxiv:comment>two</arxiv:comment><arxiv:comment>again</arxiv:comment>",
     "<arxiv:doi>10.1000/<b>x</b></arxiv:doi>"],
    ids=["attribute", "repeated", "markup"],
)  # fmt: skip
def test_arxiv_api_oddities_go_to_feedparser(odd: str) -> None:
    body = ARXIV_API.format(extra=odd).encode()
    assert read_fast(body, {}) is None
    slow, quick = _both(body, kind=SourceKind.ARXIV)
    assert slow == quick


def test_an_arxiv_primary_category_with_text_goes_to_feedparser() -> None:
    body = ARXIV_API.format(extra="").replace(
        "scheme='http://arxiv.org/schemas/atom'/>", "scheme='x'>cs.CL</arxiv:primary_category>", 1
    )
    assert read_fast(body.encode(), {}) is None


WP = "xmlns='com-wordpress:feed-additions:1'"


def test_elements_of_an_unknown_default_namespace_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # WordPress's <site xmlns="com-wordpress:feed-additions:1">: feedparser files it
    # under its local name, read nowhere; so is feedburner:browserFriendly ("info").
    body = RSS.replace(b"<ttl>30</ttl>", f"<ttl>30</ttl><site {WP}>1234</site>".encode())
    body = body.replace(b"<x:score>3</x:score>", f"<post-id {WP}>42</post-id>".encode())
    friendly = (b"<fb:browserFriendly xmlns:fb='http://rssnamespace.org/feedburner/ext/1.0'>"
                b"Hi</fb:browserFriendly>")  # fmt: skip
    body = body.replace(b"<channel>", b"<channel>" + friendly)
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it


@pytest.mark.parametrize(
    "odd",
    [f"<title {WP}>Another</title>", f"<mediathing {WP}>x</mediathing>",
     f"<thing {WP} xmlns:media='com-wordpress:feed-additions:1'>x</thing>",
     f"<thing {WP}>x</thing><y:z xmlns:y='urn:y' xmlns:media='com-wordpress:feed-additions:1'>"
     "1</y:z>",
     f"<site {WP}><b>1</b></site>",
     "<fb:browserFriendly xmlns:fb='http://rssnamespace.org/feedburner/ext/1.0'><b>Hi</b>"
     "</fb:browserFriendly>"],
    ids=["handled-name", "read-prefix", "prefix-declared-too", "prefix-declared-elsewhere",
         "children", "markup"],
)  # fmt: skip
def test_unknown_default_namespace_oddities_go_to_feedparser(odd: str) -> None:
    body = RSS.replace(b"<x:score>3</x:score>", odd.encode())
    assert read_fast(body, {}) is None
    slow, quick = _both(body)
    assert slow == quick


RDF = (
    "<?xml version='1.0' encoding='utf-8'?><rdf:RDF "
    "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='{ns}' "
    "xmlns:dc='http://purl.org/dc/elements/1.1/' "
    "xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
    "<channel rdf:about='https://example.org/'><title>T &amp; co</title>"
    "<link>https://example.org/</link><description>About</description>"
    "<dc:date>2026-11-25T10:00:00Z</dc:date><dc:creator>ed@example.org (Ed)</dc:creator>"
    "<image rdf:resource='https://example.org/logo.png'/><items><rdf:Seq>"
    "<rdf:li rdf:resource='https://example.org/a?x=1&amp;y=2'/>"
    "<rdf:li rdf:resource='https://example.org/b'/></rdf:Seq></items></channel>"
    "<image rdf:about='https://example.org/logo.png'><title>T</title>"
    "<url>https://example.org/logo.png</url><link>https://example.org/</link></image>"
    "<item rdf:about='https://example.org/a?x=1&amp;amp;y=2'><title>A &lt;b&gt;bold&lt;/b&gt;"
    "</title><link>https://example.org/a</link><dc:date>2026-11-25T09:00:00Z</dc:date>"
    "<dc:subject>nlp</dc:subject><dc:subject>ml</dc:subject><dc:language>en</dc:language>"
    "<description>&lt;p&gt;Hi&lt;/p&gt;</description>"
    "<content:encoded><![CDATA[<p>Full</p>]]></content:encoded></item>"
    "<item rdf:about='https://example.org/b'><title>B</title><link>/b</link>"
    "<dc:creator>Bo</dc:creator></item>{tail}</rdf:RDF>"
)
RSS10, RSS090 = "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"


@pytest.mark.parametrize("ns", [RSS10, RSS090], ids=["rss-1.0", "rss-0.90"])
def test_rdf_feeds_take_the_fast_path_and_agree(monkeypatch: pytest.MonkeyPatch, ns: str) -> None:
    # RSS 1.0 and 0.90: items beside the channel under rdf:RDF, elements in a namespace
    # feedparser files as none, an item's rdf:about as its id.
    body = RDF.format(ns=ns, tail="").encode()
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    first, second = quick.entries
    assert first.guid == "https://example.org/a?x=1&amp;y=2" and first.categories == ("nlp", "ml")
    assert first.title == "A bold"
    assert second.authors == ("Bo",) and quick.title == "T & co"


@pytest.mark.parametrize(
    "tail",
    ["<textinput rdf:about='x'><title>Search</title></textinput>",
     "<item rdf:about='https://example.org/c' lastmod='2026-11-20'><title>C</title></item>",
     "<dc:title>T</dc:title>", "<item xmlns='urn:other'><title>D</title></item>"],
    ids=["textinput", "cdf-attribute", "extension-at-root", "foreign-item"],
)  # fmt: skip
def test_rdf_oddities_go_to_feedparser(tail: str) -> None:
    body = RDF.format(ns=RSS10, tail=tail).encode()
    assert read_fast(body, {}) is None
    slow, quick = _both(body)
    assert slow == quick


def test_rdf_with_the_item_before_the_channel_goes_to_feedparser() -> None:
    body = RDF.format(ns=RSS10, tail="").replace(
        "<channel ", "<item><title>0</title></item><channel "
    )
    assert read_fast(body.encode(), {}) is None


def test_rdf_with_podcasting_elements_goes_to_feedparser() -> None:
    body = RDF.format(ns=RSS10, tail="").replace(
        "<dc:creator>Bo</dc:creator>",
        "<podcast:transcript xmlns:podcast='https://podcastindex.org/namespace/1.0' "
        "url='https://example.org/t.vtt' type='text/vtt'/>",
    )
    assert read_fast(body.encode(), {}) is None
    slow, quick = _both(body.encode(), kind=SourceKind.PODCAST)
    assert slow == quick


MEDIA_HELD = (
    "<media:content url='https://example.org/c.jpg' medium='image'><media:title type='html'>"
    "Photo &amp;lt;b&amp;gt;x&amp;lt;/b&amp;gt;</media:title><media:credit scheme='urn:ebu'>"
    "Ann</media:credit><media:text>alt</media:text><media:thumbnail url='https://example.org/"
    "t.jpg'/></media:content>",
    "<media:content url='https://example.org/c.jpg' medium='image'><media:description>"
    "&lt;p&gt;Caption&lt;/p&gt;</media:description></media:content>",
)


@pytest.mark.parametrize("held", MEDIA_HELD, ids=["title-credit-thumbnail", "description"])
@pytest.mark.parametrize(
    ("before", "after"),
    [("", ""), ("<title>Own</title>", ""), ("", "<title>Own</title>"),
     ("<title></title>", ""), ("<description>D</description>", ""),
     ("", "<description>D</description>"), ("<media:title>M</media:title>", ""),
     ("<dc:title>DC</dc:title>", "<title>Own</title>"),
     ("<description>D</description><content:encoded>C</content:encoded>", "")],
    ids=["alone", "title-before", "title-after", "empty-title-before", "description-before",
         "description-after", "media-title-before", "dc-title-first", "content-before"],
)  # fmt: skip
def test_what_media_content_holds_takes_the_fast_path_and_agrees(
    monkeypatch: pytest.MonkeyPatch, held: str, before: str, after: str
) -> None:
    # feedparser files media:title as a title (the first non-empty title or dc:title
    # wins; media:title never stops a later one) and media:description as a
    # description, even inside media:content, and by depth: what it would not replace
    # from in there (a title, a summary the item has) is left to it.
    item = (b"<item><guid>g-1</guid><link>https://example.org/i</link>"
            + (before + held + after).encode() + b"</item>")  # fmt: skip
    body = (
        RSS.replace(b"<item>", item + b"<item>", 1)
        .replace(
            b"xmlns:x='https://example.org/ext'", b"xmlns:media='http://search.yahoo.com/mrss/'"
        )
        .replace(b"<x:score>3</x:score>", b"")
    )
    found = read_fast(body, {})
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    if found is None:  # only where feedparser files by depth
        title = "media:title" in before or before == "<title></title>"
        assert ("title" in held and title) or ("description" in held and "content:" in before)
        return
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].image == ("https://example.org/t.jpg" if "thumb" in held
                                      else "https://example.org/c.jpg")  # fmt: skip


def test_channel_media_elements_take_the_fast_path_and_agree() -> None:
    channel = (b"<media:category scheme='urn:x'>Tech</media:category><media:copyright>C"
               b"</media:copyright><media:keywords>a, b</media:keywords>")  # fmt: skip
    body = (
        RSS.replace(b"<ttl>30</ttl>", b"<ttl>30</ttl>" + channel)
        .replace(
            b"xmlns:x='https://example.org/ext'", b"xmlns:media='http://search.yahoo.com/mrss/'"
        )
        .replace(b"<x:score>3</x:score>", b"")
    )
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    odd = body.replace(b"<media:keywords>", b"<media:keywords lang='en'>")
    assert read_fast(odd, {}) is None


def test_the_redos_feed_in_rss_2_is_read_by_the_fast_path_in_linear_time() -> None:
    """RELIABILITY P4 as RSS 2.0: feedparser's e-mail regex spins on these authors
    (its RSS 0.92 twin is what the time-limit tests use); split_author does not, so
    the parse finishes well within the parse time limit, off feedparser."""
    from test_workers import redos_feed

    body = redos_feed("2.0")
    start = time.process_time()
    parsed = parse_feed(body, url=URL, use_feedparser=False)
    assert time.process_time() - start < 1.0
    assert len(parsed.entries) == 100
    assert parsed.entries[0].authors == ("a@" + ".".join(["a"] * 5000) + "!",)


GEO = "xmlns:georss='http://www.georss.org/georss'"


@pytest.mark.parametrize("atom", [False, True], ids=["rss", "atom"])
def test_georss_geometries_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch, atom: bool
) -> None:
    # feedparser files GeoRSS geometries as the entry's "where", read nowhere.
    geo = ("<georss:point>45.2 -71.9</georss:point><georss:box>42 -71 43 -69</georss:box>"
           "<georss:line>x y</georss:line><georss:polygon>1 2 3</georss:polygon>")  # fmt: skip
    if atom:
        entries = ENTRY.format(n=1, entry="", content="").replace("</entry>", geo + "</entry>")
        body = ATOM.format(feed=" " + GEO, entries=entries).encode()
    else:
        body = RSS.replace(b"<x:score>3</x:score>", geo.encode()).replace(
            b"xmlns:x='https://example.org/ext'", GEO.encode()
        )
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    odd = body.replace(b"<georss:point>45.2", b"<georss:point><b>45.2</b>")
    assert read_fast(odd, {}) is None


SOURCE = (
    "<source><id>tag:other,1:feed</id><title>Other &amp; co</title><link rel='alternate' "
    "href='https://other.example/'/><updated>2026-11-01T10:00:00Z</updated><author><name>Orig"
    "</name><email>o@other.example</email></author><subtitle>S</subtitle>"
    "<category term='x'/><rights>R</rights></source>"
)


@pytest.mark.parametrize("where", ["before-title", "after-title", "last"])
def test_atom_sources_take_the_fast_path_and_agree(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    # feedparser files an entry's <source> (title, link, authors...) under the entry's
    # "source", read nowhere: the entry's own title, link and authors are unchanged.
    entry = ENTRY.format(n=1, entry="", content="")
    if where == "before-title":
        entry = entry.replace("<title", SOURCE + "<title", 1)
    elif where == "after-title":
        entry = entry.replace("<link", SOURCE + "<link", 1)
    else:
        entry = entry.replace("</entry>", SOURCE + "<author><name>Own</name></author></entry>")
    body = ATOM.format(feed="", entries=entry).encode()
    assert read_fast(body, {}) is not None
    slow, quick = _both(body)
    assert isinstance(quick, ParsedFeed) and quick == slow
    monkeypatch.setattr("digest.parse.feed.feedparser.parse", _not_called)
    assert parse_feed(body, url=URL) == quick  # lxml read it
    assert quick.entries[0].title == "Post 1"
    assert quick.entries[0].authors == (("Own",) if where == "last" else ())


def test_an_atom_source_holding_an_entry_goes_to_feedparser() -> None:
    entry = ENTRY.format(n=1, entry="", content="")
    nested = SOURCE.replace("</source>", "<entry><title>In</title><id>in</id></entry></source>")
    body = ATOM.format(feed="", entries=entry.replace("</entry>", nested + "</entry>")).encode()
    assert read_fast(body, {}) is None
    slow, quick = _both(body)
    assert slow == quick


def test_many_namespace_declarations_are_walked_once() -> None:
    """Each default-namespace element's candidate names come from one walk of the
    document's declarations, not from its ancestors' at every element."""
    declarations = " ".join(f"xmlns:n{i}='urn:n{i}'" for i in range(5000))
    items = f"<post-id {WP}>1</post-id>" * 20_000
    body = RSS.replace(b"<x:score>3</x:score>", items.encode()).replace(
        b"<rss ", f"<rss {declarations} ".encode()
    )
    start = time.process_time()
    assert read_fast(body, {}) is not None
    assert time.process_time() - start < 1.0


def test_a_long_name_is_not_split_again_for_every_person_after_it() -> None:
    """An Atom person with no name takes the one before it, split again each time:
    with a long name and many such persons that would be quadratic; such a body is
    left to feedparser (in a worker, under the parse time limit)."""
    name = "a@" * 50_000
    people = f"<author><name>{name}</name></author>" + "<author><uri>u</uri></author>" * 5000
    body = _atom_people(people, "entry")
    start = time.process_time()
    assert read_fast(body, {}) is None
    assert time.process_time() - start < 1.0
    short = _atom_people("<author><name>N</name></author>" + "<author><uri>u</uri></author>" * 3,
                         "entry")  # fmt: skip
    assert read_fast(short, {}) is not None
