"""PUBLISH: golden outputs, feed validity and hostile titles/links in every format."""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from digest.errors import PublishError
from digest.publish import clean_text, md_escape, output_url, publish_issue
from digest.types import (
    Config,
    Issue,
    IssueImage,
    IssueItem,
    IssueLink,
    IssueSection,
    IssueWords,
    LinkRole,
    LocalTitle,
    Newsletter,
    PublishedFiles,
    PublishSettings,
    SectionConfig,
)

GOLDEN = Path(__file__).parent / "golden" / "issues"
RNG = Path(__file__).parent / "schemas" / "atom.rng"
UPDATE_GOLDEN = os.environ.get("DIGEST_UPDATE_GOLDEN") == "1"
ATOM = "{http://www.w3.org/2005/Atom}"

HOSTILE_TITLES = (
    '"><img src=x onerror=alert(1)>',
    "</title><script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "{{7*7}} {% raw %}x{% endraw %}",
    "bad ]]> cdata & <tags> \x00\x0b\x1b\x7f\x85\ud800\ufffe end",
)
HOSTILE_URLS = (
    "javascript:alert(1)",
    "JaVa\tscript:alert(1)",
    " javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "smb://host/share",
    "//evil.example/x",
    "https:evil.example",
    "http:\\\\evil.example",
)


def make_config(tmp_path: Path, language: str = "en", **publish: object) -> Config:
    return Config(
        path=tmp_path / "feeds.yaml",
        newsletter=Newsletter(
            title="Weekly NLP Digest",
            site_url="https://news.example.org/nlp",
            language=language,
            description="Papers, code & releases in NLP, every week.",
            author="The Editors",
            signup_url="https://news.example.org/nlp/subscribe",
            unsubscribe_url="https://news.example.org/nlp/unsubscribe",
            unsubscribe_mailto="leave@news.example.org",
            sender_name="The NLP Digest editors",
            sender_address="digest@news.example.org",
            reply_to="editors@news.example.org",
            titles=(LocalTitle("pt-BR", "Resumo Semanal de PLN"),),
        ),
        sections=SECTIONS,
        sources=(),
        publish=PublishSettings(output_dir=tmp_path / "public", **publish),  # type: ignore[arg-type]
    )


SECTIONS = (
    SectionConfig("papers", "Papers", icon="📙", titles=(LocalTitle("pt-BR", "Artigos"),)),
    SectionConfig("releases", "Releases", icon="⚙️", titles=(LocalTitle("pt-BR", "Versões"),)),
    SectionConfig(
        "mentions",
        "Honourable mentions",
        icon="⭐️",
        priority_cut=True,
        titles=(LocalTitle("pt-BR", "Menções honrosas"),),
    ),
)
INTRO = (
    "Welcome to issue 7! Thank you for the support & the suggestions.\n\n"
    "Forward this to a friend: they can subscribe to get future issues by e-mail."
)
OUTRO = "Send suggestions to editors@news.example.org. See you next week."


def make_issue(number: int = 7, title: str = "Small models, big context") -> Issue:
    published = datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(days=7 * (number - 7))
    papers = IssueSection(
        "papers",
        "Papers",
        (
            IssueItem(
                "s1",
                "Long-context retrieval without the cost",
                "A 1B model matches 8B baselines on needle tests by caching keys & values.",
                (
                    IssueLink("https://arxiv.org/abs/2611.01234", LinkRole.PAPER, "arXiv"),
                    IssueLink("https://github.com/example/lcr", LinkRole.CODE, "GitHub"),
                    IssueLink("javascript:alert(1)", LinkRole.POST, "evil"),
                ),
                url="https://arxiv.org/abs/2611.01234",
                image=IssueImage(
                    "https://news.example.org/img/lcr.png",
                    "A chart of recall by context length",
                    caption="Recall stays flat up to 128k tokens.",
                    credit="arXiv",
                ),
            ),
            IssueItem(
                "s2",
                "Tokenização para português",
                "Um novo tokenizador reduz em 20% o número de tokens em textos em português.",
                (IssueLink("https://arxiv.org/abs/2611.04321v2", LinkRole.PAPER, "arXiv"),),
                url="https://arxiv.org/abs/2611.04321v2",
                image=IssueImage("http://192.168.1.10/private.png", "never shown"),
            ),
        ),
    )
    releases = IssueSection(
        "releases",
        "Releases",
        (
            IssueItem(
                "s3",
                "transformers 5.1",
                "Adds a faster generation loop and drops Python 3.9.",
                (
                    IssueLink(
                        "https://github.com/huggingface/transformers/releases/tag/v5.1.0",
                        LinkRole.RELEASE,
                        "GitHub",
                    ),
                    IssueLink("https://example.org/podcast/42.mp3", LinkRole.PODCAST, "Pod"),
                ),
            ),
        ),
    )
    mentions = IssueSection(
        "mentions",
        "Honourable mentions",
        (
            IssueItem(
                "s4",
                "A reading list on tokenizers",
                "Twelve papers, in the order to read them.",
                (IssueLink("https://blog.example.org/tokenizers", LinkRole.POST, "A blog"),),
                url="https://blog.example.org/tokenizers",
                image=IssueImage("https://blog.example.org/cover.png", "not shown in mentions"),
            ),
        ),
        icon="⭐️",
        compact=True,
    )
    return Issue(
        number=number,
        draft_key=f"2026-W{40 + number}",
        title=title,
        published=published,
        updated=published + timedelta(hours=2),
        uid=f"issue-uid-{number}",
        sections=(papers, releases, mentions),
        words=IssueWords(title=title, intro=INTRO, outro=OUTRO),
    )


def hostile_issue() -> Issue:
    def links(title: str) -> tuple[IssueLink, ...]:
        bad = [IssueLink(u, LinkRole.POST, title) for u in HOSTILE_URLS]
        return (*bad, IssueLink("https://ok.example/a?b=1&c=<2>", LinkRole.PAPER, title))

    # hostile images: a script URL, private hosts, and markup in the alt text and credit
    images = ("javascript:alert(1)", "http://127.0.0.1/x.png", "http://[::1]/x.png",
              'https://img.example/i.png?<x>"', "http://10.1.2.3/x.png")  # fmt: skip
    items = tuple(
        IssueItem(
            f"h{i}",
            title,
            f"summary of {title}",
            links(title),
            image=IssueImage(images[i], title, caption=title, credit=title),
        )
        for i, title in enumerate(HOSTILE_TITLES)
    )
    words = "\n\n".join(HOSTILE_TITLES)
    return replace(
        make_issue(9, title=HOSTILE_TITLES[0]),
        uid="hostile",
        sections=(IssueSection("x", HOSTILE_TITLES[1], items, icon=HOSTILE_TITLES[1]),),
        words=IssueWords(HOSTILE_TITLES[0], "", intro=words, outro=words),
    )


def publish(
    tmp_path: Path, issue: Issue, archive: list[Issue] | None = None, config: Config | None = None
) -> PublishedFiles:
    config = config or make_config(tmp_path)
    return publish_issue(
        issue, archive if archive is not None else [issue], config, tmp_path / "public"
    )


def outputs(files: PublishedFiles) -> dict[str, str]:
    paths = {
        "issue.html": files.html,
        "issue.md": files.markdown,
        "index.html": files.index,
        "feed.atom": files.atom,
    }
    for path in files.extra:
        paths[
            {"feed.json": "feed.json", "email.html": "email.html", "email.txt": "email.txt"}.get(
                path.name, path.name
            )
        ] = path
    return {name: path.read_text("utf-8") for name, path in paths.items()}


class Tags(HTMLParser):
    """Every start tag with its attributes, for structural checks of HTML output."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def html_docs(out: dict[str, str]) -> dict[str, str]:
    """Every HTML document or fragment we publish, including the feeds' content."""
    docs = {k: out[k] for k in ("issue.html", "index.html", "email.html")}
    feed = json.loads(out["feed.json"])
    docs |= {f"json:{i}": item["content_html"] for i, item in enumerate(feed["items"])}
    atom = etree.fromstring(out["feed.atom"].encode())
    docs |= {f"atom:{i}": c.text for i, c in enumerate(atom.iter(f"{ATOM}content"))}
    return docs


def assert_safe_html(name: str, doc: str) -> None:
    for tag, attrs in Tags(doc).tags:
        assert tag not in {"script", "iframe", "object", "embed", "svg"}, (name, tag)
        if tag == "img":  # an item's image: public http(s) by URL, with alt text
            assert re.match(r"^https?://", attrs.get("src") or ""), (name, attrs)
            assert not re.match(
                r"^https?://(127\.|10\.|192\.168\.|\[|localhost)", attrs["src"] or ""
            )
            assert attrs.get("alt"), (name, attrs)
        assert not [a for a in attrs if a.startswith("on")], (name, tag, attrs)
        href = attrs.get("href")
        if tag == "a" and href is not None:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
                assert re.match(r"^(https?|mailto):", href), (name, href)
                assert attrs.get("rel") == "noopener noreferrer", (name, href)  # O7
                assert attrs.get("referrerpolicy") == "no-referrer", (name, href)
            else:
                assert not href.startswith(("/", "\\")), (name, href)  # relative only


# --- golden files -----------------------------------------------------------

GOLDEN_NAMES = (
    "issue.html",
    "issue.md",
    "index.html",
    "feed.atom",
    "feed.json",
    "email.html",
    "email.txt",
)


@pytest.fixture
def golden_outputs(tmp_path: Path) -> dict[str, str]:
    archive = [make_issue(6, "Evaluation season"), make_issue(7)]
    return outputs(publish(tmp_path, archive[1], archive))


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_output(golden_outputs: dict[str, str], name: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(golden_outputs[name], "utf-8")
    assert golden_outputs[name] == path.read_text("utf-8"), "regenerate with DIGEST_UPDATE_GOLDEN=1"


def test_published_files_exist_and_leave_no_temporaries(tmp_path: Path) -> None:
    files = publish(tmp_path, make_issue())
    out = tmp_path / "public"
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "feed.atom",
        "feed.json",
        "index.html",
        "issues/7.eml",
        "issues/7.md",
        "issues/7/email.html",
        "issues/7/email.txt",
        "issues/7/index.html",
    ]
    assert files.html == out / "issues/7/index.html"


# --- feeds ------------------------------------------------------------------


def assert_valid_atom(text: str) -> etree._Element:
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    root = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(root), schema.error_log
    # Schematron rules of RFC 4287 not expressible in RELAX NG:
    assert root.find(f"{ATOM}author") is not None
    for entry in root.iter(f"{ATOM}entry"):
        alternates = [x for x in entry.iter(f"{ATOM}link") if x.get("rel") == "alternate"]
        assert len(alternates) == 1
    parsed = feedparser.parse(text.encode("utf-8"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return root


def test_atom_validates_and_parses(golden_outputs: dict[str, str]) -> None:
    root = assert_valid_atom(golden_outputs["feed.atom"])
    ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    assert ids == [
        "tag:news.example.org,2026-11-23:issue/issue-uid-7",
        "tag:news.example.org,2026-11-16:issue/issue-uid-6",
    ]
    parsed = feedparser.parse(golden_outputs["feed.atom"].encode())
    assert parsed.entries[0].link == "https://news.example.org/nlp/issues/7/"
    assert "Long-context retrieval" in parsed.entries[0].content[0].value


def test_feed_entries_carry_what_the_page_shows(golden_outputs: dict[str, str]) -> None:
    """Intro, icons, headline links, labelled links, image, mentions and outro: the same
    body in the Atom entry, the JSON Feed item and the issue page."""
    parsed = feedparser.parse(golden_outputs["feed.atom"].encode())
    assert not parsed.bozo
    atom = etree.fromstring(golden_outputs["feed.atom"].encode())
    atom_body = next(atom.iter(f"{ATOM}content")).text or ""
    json_item = json.loads(golden_outputs["feed.json"])["items"][0]
    assert json_item["content_html"] == atom_body
    assert parsed.entries[0].summary == json_item["summary"]
    assert "Welcome to issue 7!" in parsed.entries[0].content[0].value  # as readers see it
    assert json_item["image"] == "https://news.example.org/img/lcr.png"
    for part in (
        "<p>Welcome to issue 7! Thank you for the support &amp; the suggestions.</p>",
        '<span class="icon" aria-hidden="true">⭐️</span>',
        '<h3><a href="https://arxiv.org/abs/2611.01234"',
        ">paper on arxiv.org</a>",
        '<img src="https://news.example.org/img/lcr.png" alt="A chart of recall',
        '<p id="mentions-1" class="mention"><strong><a href="https://blog.example.org/tokenizers"',
        "<p>Send suggestions to editors@news.example.org. See you next week.</p>",
    ):
        assert part in atom_body and part in golden_outputs["issue.html"], part
    assert "192.168.1.10" not in atom_body  # a private image host is dropped
    assert "cover.png" not in atom_body  # honourable mentions stay short: no image


def test_archive_index_and_pager(tmp_path: Path) -> None:
    archive = [make_issue(6, "Evaluation season"), make_issue(7), make_issue(8, "Haiku")]
    publish(tmp_path, archive[0], archive[:1])
    publish(tmp_path, archive[1], archive[:2])
    out = tmp_path / "public"
    older = (out / "issues/6/index.html").read_text()
    # publishing issue 7 re-rendered issue 6, whose pager now leads to it
    assert '<a href="../../issues/7/index.html" rel="next">Next issue →</a>' in older
    assert '<link rel="next" href="../../issues/7/index.html">' in older
    index = (out / "index.html").read_text()
    assert "<p>Papers, code &amp; releases in NLP, every week.</p>" in index
    assert '<a href="https://news.example.org/nlp/subscribe"' in index
    assert '<link rel="alternate" type="application/atom+xml"' in index
    assert '<meta property="og:title" content="Weekly NLP Digest">' in index
    assert index.count("<h1>") == 1 and "Issue 7: Small models, big context</a>" in index
    page = (out / "issues/7/index.html").read_text()
    assert '<meta property="og:image" content="https://news.example.org/img/lcr.png">' in page
    assert '<meta property="og:url" content="https://news.example.org/nlp/issues/7/">' in page


def test_json_feed_has_required_fields(golden_outputs: dict[str, str]) -> None:
    feed = json.loads(golden_outputs["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["feed_url"].startswith("https://")
    atom = etree.fromstring(golden_outputs["feed.atom"].encode())
    atom_ids = [e.findtext(f"{ATOM}id") for e in atom.iter(f"{ATOM}entry")]
    assert [item["id"] for item in feed["items"]] == atom_ids
    for item in feed["items"]:
        assert {"id", "url", "content_html", "date_published"} <= item.keys()
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None


def test_feeds_keep_the_newest_feed_items(tmp_path: Path) -> None:
    archive = [make_issue(n) for n in range(7, 12)]
    config = make_config(tmp_path, feed_items=3)
    files = publish(tmp_path, archive[2], archive, config)
    entries = feedparser.parse(files.atom.read_bytes()).entries
    assert [e.title.split(":")[0] for e in entries] == ["Issue 11", "Issue 10", "Issue 9"]
    index = files.index.read_text()
    positions = [index.index(f"issues/{n}/index.html") for n in (11, 10, 9, 8, 7)]
    assert positions == sorted(positions)  # newest first


def test_feed_never_exceeds_100_items(tmp_path: Path) -> None:
    archive = [replace(make_issue(n), sections=()) for n in range(1, 106)]
    files = publish(tmp_path, archive[-1], archive, make_config(tmp_path, feed_items=500))
    assert len(json.loads(files.extra[0].read_text())["items"]) == 100
    assert len(feedparser.parse(files.atom.read_bytes()).entries) == 100


def test_republishing_gives_same_ids_and_bytes(tmp_path: Path) -> None:
    first = outputs(publish(tmp_path, make_issue()))
    edited = replace(make_issue(), updated=make_issue().updated + timedelta(days=1))
    again = outputs(publish(tmp_path, make_issue()))
    assert again == first
    third = outputs(publish(tmp_path, edited))
    ids = [json.loads(o["feed.json"])["items"][0]["id"] for o in (first, third)]
    assert ids[0] == ids[1]
    assert "2026-11-24T11:00:00Z" in third["feed.atom"]  # updated moved, id did not


# --- hostile input (RELIABILITY O2, O3, O6, O7, O11) -----------------------


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, str]:
    return outputs(publish(tmp_path, hostile_issue()))


def test_hostile_html_is_escaped_everywhere(hostile: dict[str, str]) -> None:
    for name, doc in html_docs(hostile).items():
        assert_safe_html(name, doc)
        assert "alert(1)" not in "".join(str(a) for _, attrs in Tags(doc).tags for a in attrs)
    assert "&lt;/title&gt;&lt;script&gt;" in hostile["issue.html"]


def test_hostile_links_dropped_in_every_format(hostile: dict[str, str]) -> None:
    kept = "https://ok.example/a?b=1&c=%3C2%3E"
    assert html.escape(kept) in hostile["issue.html"]
    assert f"]({kept})" in hostile["issue.md"]
    # each item's headline and its one link both go to the one kept URL
    lines = hostile["issue.md"].splitlines()
    text_md = "\n".join(line for line in lines if not line.startswith("!["))
    md_links = re.findall(r"(?<!\\)\]\(([^)]*)\)", text_md)
    assert md_links == [kept] * 2 * len(HOSTILE_TITLES)
    # the one public image, its URL percent-encoded; private and script images dropped
    assert [line.rsplit("](", 1)[1] for line in lines if line.startswith("![")] == [
        "https://img.example/i.png?%3Cx%3E%22)"
    ]
    assert not re.search(r"(?<!\\)\]\((?!https?:)", hostile["issue.md"])
    text_links = re.findall(r"^  [\w .-]+: (.*)$", hostile["email.txt"], re.M)
    assert text_links == [kept] * len(HOSTILE_TITLES)
    for name, text in hostile.items():
        assert "evil.example" not in text, name
        assert not re.search(r"href=\"(?!https?:|\.\./|#|issues/|feed\.|index\.html)", text), name


def test_markdown_escapes_link_syntax_in_titles(hostile: dict[str, str]) -> None:
    assert r"### [\[x\](javascript:alert(1))](https://ok.example/" in hostile["issue.md"]
    assert md_escape("# not a heading") == r"\# not a heading"
    assert md_escape("1. not a list") == r"1\. not a list"
    assert md_escape("<b>&amp;</b>") == r"\<b\>\&amp;\</b\>"


def test_template_syntax_in_titles_renders_literally(hostile: dict[str, str]) -> None:
    for name in ("issue.html", "email.txt", "feed.json"):
        assert "{{7*7}}" in hostile[name], name
        assert "{% raw %}" in hostile[name], name
    assert "{{7\\*7}}" in hostile["issue.md"]
    assert "49" not in hostile["email.txt"]


def test_cdata_and_control_characters_in_atom(hostile: dict[str, str]) -> None:
    atom = hostile["feed.atom"]
    assert_valid_atom(atom)
    assert "]]>" not in atom and "CDATA" not in atom
    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
    for name, text in hostile.items():
        assert not bad.search(text), name
    parsed = feedparser.parse(atom.encode())
    assert parsed.entries[0].title == 'Issue 9: "><img src=x onerror=alert(1)>'


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_output_url_refuses_non_http(url: str) -> None:
    assert output_url(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/a b(c)", "https://x.org/a%20b%28c%29"),
        ("HTTP://x.org/?q=1&r=2#f", "HTTP://x.org/?q=1&r=2#f"),
        ("mailto:editor@example.org", "mailto:editor@example.org"),
        ("https://例え.jp/ä", "https://%E4%BE%8B%E3%81%88.jp/%C3%A4"),
    ],
)
def test_output_url_normalises(url: str, expected: str) -> None:
    assert output_url(url) == expected


# --- pages, templates, language --------------------------------------------


def test_issue_page_links_and_anchors(golden_outputs: dict[str, str]) -> None:
    page = golden_outputs["issue.html"]
    assert_safe_html("issue.html", page)
    tags = Tags(page).tags
    alternates = {
        a.get("type"): a.get("href") for t, a in tags if t == "link" and a.get("rel") == "alternate"
    }
    assert alternates == {
        "application/atom+xml": "../../feed.atom",
        "application/feed+json": "../../feed.json",
    }
    ids = [a["id"] for _, a in tags if a.get("id")]
    assert len(ids) == len(set(ids)) and {"papers", "releases"} <= set(ids)
    assert 'href="#papers"' in page and 'href="../../issues/6/index.html"' in page
    # links say where they go, and each headline links to the item's primary link
    assert ">paper on arxiv.org</a> · <a" in page and ">code on github.com</a>" in page
    assert '<h3><a href="https://arxiv.org/abs/2611.01234"' in page
    assert '<link rel="prev" href="../../issues/6/index.html">' in page


def test_template_override_changes_one_template(tmp_path: Path) -> None:
    default = outputs(publish(tmp_path, make_issue()))
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "issue.md.j2").write_text("# {{ issue.heading|md }} (custom)\n")
    config = make_config(tmp_path, templates_dir=overrides)
    custom = outputs(publish(tmp_path, make_issue(), config=config))
    assert custom["issue.md"] == "# Issue 7: Small models, big context (custom)\n"
    assert {k: v for k, v in custom.items() if k != "issue.md"} == {
        k: v for k, v in default.items() if k != "issue.md"
    }


def test_missing_templates_dir_is_a_publish_error(tmp_path: Path) -> None:
    config = make_config(tmp_path, templates_dir=tmp_path / "nope")
    with pytest.raises(PublishError):
        publish(tmp_path, make_issue(), config=config)


def test_non_http_site_url_is_refused(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    config = replace(config, newsletter=replace(config.newsletter, site_url="javascript:x"))
    with pytest.raises(PublishError, match="site_url"):
        publish(tmp_path, make_issue(), config=config)


@pytest.mark.parametrize("language", ["pt-BR", "pt_BR"])
def test_brazilian_portuguese(tmp_path: Path, language: str) -> None:
    out = outputs(publish(tmp_path, make_issue(), config=make_config(tmp_path, language)))
    assert '<html lang="pt-BR">' in out["issue.html"]
    assert "<h1>Edição 7: Small models, big context</h1>" in out["issue.html"]
    assert "Publicada em" in out["issue.html"] and "23 de novembro de 2026" in out["issue.html"]
    assert ">Seções</h2>" in out["issue.html"] and ">artigo em arxiv.org</a>" in out["issue.html"]
    assert (
        ">código em github.com</a>" in out["issue.html"] and "Todas as edições" in out["index.html"]
    )
    assert "[artigo em arxiv.org](https://arxiv.org/abs/2611.01234)" in out["issue.md"]
    assert "Ler online:" in out["email.txt"] and "versão em github.com:" in out["email.txt"]
    # the sections and the newsletter's name in pt-BR, from feeds.yaml
    assert '<h2>Artigos <span class="icon" aria-hidden="true">📙</span></h2>' in out["issue.html"]
    assert "## Menções honrosas ⭐️" in out["issue.md"] and "VERSÕES ⚙️" in out["email.txt"]
    assert (
        "<title>Edição 7: Small models, big context · Resumo Semanal de PLN</title>"
        in (out["issue.html"])
    )
    assert "Cancelar a assinatura" in out["email.html"]
    assert 'xml:lang="pt-BR"' in out["feed.atom"]
    assert json.loads(out["feed.json"])["language"] == "pt-BR"
    assert_valid_atom(out["feed.atom"])


def test_unknown_language_falls_back_to_english(tmp_path: Path) -> None:
    out = outputs(publish(tmp_path, make_issue(), config=make_config(tmp_path, "x<y")))
    assert '<html lang="en">' in out["issue.html"] and "Published on" in out["issue.html"]


# --- properties -------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=ANY_TEXT, summary=ANY_TEXT, url=ANY_TEXT)
def test_any_text_gives_valid_safe_output(title: str, summary: str, url: str) -> None:
    item = IssueItem(
        "k",
        title,
        summary,
        (
            IssueLink(url, LinkRole.CODE, title),
            IssueLink("https://ok.example/", LinkRole.PAPER, ""),
        ),
    )
    issue = replace(make_issue(), title=title, sections=(IssueSection("s", summary, (item,)),))
    with tempfile.TemporaryDirectory() as tmp:
        out = outputs(publish(Path(tmp), issue))
    assert_valid_atom(out["feed.atom"])
    json.loads(out["feed.json"])
    for name, doc in html_docs(out).items():
        assert_safe_html(name, doc)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_md_escape_renders_literally(text: str) -> None:
    """Through a CommonMark parser, escaped text is one paragraph of plain text."""
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("strikethrough").enable("table")
    line = clean_text(text)  # what the templates get
    tokens = parser.parse(md_escape(line))
    if not line:
        assert tokens == []
        return
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text", "softbreak"}
    # Entities are escaped too, so the text comes back exactly.
    assert "".join(c.content for c in children) == line


def test_tag_uid_is_kept(tmp_path: Path) -> None:
    issue = replace(make_issue(), uid="tag:example.org,2020-01-01:issue/1")
    out = outputs(publish(tmp_path, issue))
    assert json.loads(out["feed.json"])["items"][0]["id"] == "tag:example.org,2020-01-01:issue/1"
