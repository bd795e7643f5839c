"""Adding sources: discovery from a page, one GET per added feed, feeds.yaml keeps its
comments, OPML import through defusedxml (P3) and export."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedgen import Item, load, rss, write_config
from httpserver import LoopbackServer
from test_workers import redos_feed

import digest.app.refresh as refreshing
from digest.app.sources import add_feed, export_opml, read_opml
from digest.cli import cli
from digest.config import load_config
from digest.errors import ErrorCode, FetchError, ParseError
from digest.store import Store
from digest.types import SourceKind

PAGE = """<html><head><title>Lab</title>
<link rel="alternate" type="application/rss+xml" title="Lab feed" href="/feed.xml">
</head><body>Hello</body></html>"""


@pytest.fixture
def config_path(tmp_path: Path, server: LoopbackServer) -> Path:
    path = write_config(tmp_path, [], allow=[server.netloc])
    text = path.read_text()
    path.write_text("# my newsletter, my comments\n" + text)
    return path


def test_add_discovers_the_feed_from_a_page_and_keeps_comments(
    config_path: Path, server: LoopbackServer, store: Store, now: datetime
) -> None:
    server.route("/", body=PAGE, content_type="text/html")
    server.route("/feed.xml", body=rss("Lab feed", [Item("Post", "https://example.org/p", "T")]))
    source = add_feed(load(config_path), store, server.url("/"), now=now, section="articles")
    assert source.url == server.url("/feed.xml") and source.name == "Lab feed"
    assert server.hits["/feed.xml"] == 1  # the validating GET is the feed's first fetch
    assert store.count_entries() == 1
    text = config_path.read_text()
    assert text.startswith("# my newsletter, my comments")
    (added,) = load_config(config_path).sources
    assert added.section == "articles" and added.kind == SourceKind.BLOG


def test_a_page_without_a_feed_is_a_clear_error(
    config_path: Path, server: LoopbackServer, store: Store, now: datetime
) -> None:
    server.route("/", body="<html><body>no feed here</body></html>", content_type="text/html")
    with pytest.raises(ParseError, match="links to none"):
        add_feed(load(config_path), store, server.url("/"), now=now)
    assert load_config(config_path).sources == ()


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_add_parses_under_the_refresh_time_limit(
    config_path: Path, server: LoopbackServer, store: Store, now: datetime,
    monkeypatch: pytest.MonkeyPatch, where: str,
) -> None:  # fmt: skip
    # P4 holds for `digest add` (main thread: SIGALRM) and the web page (a thread: a
    # worker): the ReDoS feed ends as parse_timeout, nothing is added.
    monkeypatch.setattr(refreshing, "PARSE_TIMEOUT", 1.0)
    server.route("/evil.xml", body=redos_feed())
    raised: list[BaseException] = []

    def add() -> None:
        try:
            add_feed(load(config_path), store, server.url("/evil.xml"), now=now)
        except ParseError as e:
            raised.append(e)

    started = time.monotonic()
    if where == "main thread":
        add()
    else:
        thread = threading.Thread(target=add)
        thread.start()
        thread.join(20)
    assert time.monotonic() - started < 1.0 + 5
    (error,) = raised
    assert isinstance(error, ParseError) and error.code == ErrorCode.PARSE_TIMEOUT
    assert server.hits["/evil.xml"] == 1  # a hostile feed, not a page to look for links in
    assert load_config(config_path).sources == () and store.count_entries() == 0


def test_a_failed_fetch_on_add_raises_the_fetch_error_itself(
    config_path: Path, server: LoopbackServer, store: Store, now: datetime
) -> None:
    with pytest.raises(FetchError) as info:
        add_feed(load(config_path), store, server.url("/nothing.xml"), now=now)
    assert info.value.code == ErrorCode.NOT_FOUND and info.value.status == 404
    assert info.value.url == server.url("/nothing.xml")


OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="Tech"><outline text="A" xmlUrl="https://a.example/feed" type="rss"/>
<outline text="Pod" xmlUrl="https://b.example/pod.xml" category="podcast"/>
<outline text="Bad" xmlUrl="file:///etc/passwd"/></outline></body></opml>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.example/"/></body></opml>"""

LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://a.example/"/></body></opml>"""


def test_opml_import_and_export_round_trip(config_path: Path) -> None:
    found = read_opml(OPML).sources
    assert [(s["url"], s["kind"]) for s in found] == [
        ("https://a.example/feed", "blog"), ("https://b.example/pod.xml", "podcast")
    ]  # fmt: skip
    result = CliRunner().invoke(cli, ["--config", str(config_path), "opml", "import", "-"])
    assert result.exit_code == 2  # "-" is not a file: click explains
    opml_file = config_path.parent / "in.opml"
    opml_file.write_bytes(OPML)
    result = CliRunner().invoke(cli, ["--config", str(config_path), "opml", "import",
                                      str(opml_file)])  # fmt: skip
    assert result.exit_code == 0 and "2 sources added" in result.output
    again = CliRunner().invoke(cli, ["--config", str(config_path), "opml", "import",
                                     str(opml_file)])  # fmt: skip
    assert "0 sources added, 2 already present" in again.output
    exported = read_opml(export_opml(load_config(config_path))).sources
    assert {s["url"] for s in exported} == {"https://a.example/feed", "https://b.example/pod.xml"}


@pytest.mark.parametrize("payload", [XXE, LAUGHS, b"<opml><body>"])
def test_hostile_opml_is_refused(payload: bytes) -> None:
    with pytest.raises(ParseError) as info:
        read_opml(payload)
    assert info.value.code == "bad_opml"
