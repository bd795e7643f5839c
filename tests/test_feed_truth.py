"""Issue #19 end to end: golden feeds served on loopback, fetched with `digest fetch`,
and what the store, `digest feeds` and the review pages then say (ADR 0011). The
parse of each golden feed is checked in test_parse.py::test_golden."""

from __future__ import annotations

import gzip
import json
import logging
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedgen import Item, rss, write_config
from httpserver import LoopbackServer

from digest.cli import _console as console
from digest.cli import cli
from digest.config import load_config
from digest.draft.group import group_stories
from digest.store import Store
from digest.types import LinkRole, StoryLink

with warnings.catch_warnings():  # starlette 1.x nags about httpx vs httpx2
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

GOLDEN = Path(__file__).parent / "golden" / "feeds"

Fetch = Callable[..., Result]


class World:
    """One loopback feed per name, a feeds.yaml, a database and a settable clock."""

    def __init__(self, server: LoopbackServer, tmp_path: Path, now: datetime) -> None:
        self.server, self.tmp, self.now = server, tmp_path, now
        self.db = tmp_path / "truth.sqlite"
        self.sources: list[dict[str, object]] = []

    def serve(self, name: str, body: bytes, kind: str = "blog", **route: object) -> str:
        path = f"/{name}.xml"
        self.server.route(path, body=body, **route)  # type: ignore[arg-type]
        if not any(s["name"] == name for s in self.sources):
            self.sources.append({"name": name, "url": self.server.url(path), "kind": kind})
        return self.server.url(path)

    def run(self, *args: str) -> Result:
        config = write_config(self.tmp, self.sources)
        base = ["--db", str(self.db), "--config", str(config)]
        return CliRunner().invoke(cli, [*base, *args], obj=lambda: self.now)

    def fetch(self, *, after: timedelta = timedelta(0)) -> Result:
        self.now += after
        result = self.run("fetch", "--all", "--no-summaries")
        assert result.exit_code == 0, result.output
        return result

    def store(self) -> Store:
        return Store.open(self.db)


@pytest.fixture
def world(server: LoopbackServer, tmp_path: Path, now: datetime) -> Iterator[World]:
    yield World(server, tmp_path, now)


def _golden(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def _titles(store: Store, since: datetime) -> list[str]:
    return sorted(e.title for e in store.entries_since(since))


# --- 1. dates: a feed's backlog is not news -------------------------------------------


def test_the_undated_backlog_of_a_first_fetch_is_kept_but_never_a_candidate(
    world: World,
) -> None:
    backlog = _golden("undated_backlog.xml")
    world.serve("quiet", backlog)
    world.fetch()
    with world.store() as store:
        assert store.count_entries() == 3
        assert _titles(store, world.now - timedelta(days=7)) == []  # not this week's news
        assert [h.title for h in store.search("notebooks")] == ["A year of notebooks"]

    # Second fetch: an undated post that was not there before is new, so it is news.
    fresh = backlog.replace(
        b"<item>",
        b"<item><title>Back from a break</title><link>https://quiet.example.net/2026/back"
        b"</link><description>New post.</description></item><item>",
        1,
    )
    world.serve("quiet", fresh)
    world.fetch(after=timedelta(hours=2))
    with world.store() as store:
        assert store.count_entries() == 4
        assert _titles(store, world.now - timedelta(days=7)) == ["Back from a break"]

    # A feed back after a long gap (disabled, or failing for weeks): backlog again.
    gap = fresh.replace(
        b"<item>",
        b"<item><title>Written during the gap</title><link>https://quiet.example.net/2026/gap"
        b"</link><description>Old by now.</description></item><item>",
        1,
    )
    world.serve("quiet", gap)
    world.fetch(after=timedelta(days=30))
    with world.store() as store:
        assert store.count_entries() == 5
        assert _titles(store, world.now - timedelta(days=60)) == ["Back from a break"]


def test_dated_entries_of_a_first_fetch_are_judged_by_their_dates(world: World) -> None:
    items = [
        Item("Posted yesterday", "https://dated.example.org/1", "x",
             published=world.now - timedelta(days=1)),
        Item("Posted in 2019", "https://dated.example.org/2", "y",
             published=datetime(2019, 5, 1, tzinfo=world.now.tzinfo)),
    ]  # fmt: skip
    world.serve("dated", rss("Dated", items))
    world.fetch()
    with world.store() as store:
        assert _titles(store, world.now - timedelta(days=7)) == ["Posted yesterday"]


def test_the_review_page_says_undated_where_a_date_is_unknown(
    world: World, server: LoopbackServer
) -> None:
    world.serve("quiet", rss("Quiet", []))
    world.fetch()  # the first fetch: nothing yet
    item = Item("An undated note on attention", server.url("/notes/1"),
                "Attention, sparse routing and language models, in a short note. " * 4)  # fmt: skip
    dated = Item("A dated note on attention", server.url("/notes/2"),
                 "Routing and language models again, in another note. " * 4,
                 published=world.now - timedelta(days=1))  # fmt: skip
    untitled = Item("", server.url("/notes/3"),
                    "Tokenizers for Welsh are small. Language models need fewer of them. " * 3,
                    published=world.now - timedelta(days=2))  # fmt: skip
    world.serve("quiet", rss("Quiet", [item, dated, untitled]))
    world.fetch(after=timedelta(hours=2))
    assert world.run("draft", "build").exit_code == 0
    shown = world.run("draft", "show").output
    assert "undated, first seen" in shown
    config = load_config(world.tmp / "feeds.yaml")
    from digest.web.app import create_app

    app = create_app(config, world.db, clock=lambda: world.now, out_dir=world.tmp / "out")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        page = client.get("/").text
    assert page.count('class="undated"') == 1  # the undated item only
    assert "An undated note on attention" in page
    assert page.count('class="derived"') == 1  # the untitled item, with its headline
    assert "Tokenizers for Welsh are small." in page


# --- 3 and 10. identity -----------------------------------------------------------------


def test_comments_differing_only_after_the_hash_are_all_stored(world: World) -> None:
    comments = _golden("comment_fragments.xml")
    first_only = comments.replace(
        comments[
            comments.index(b"<item>\n      <title>By: Grace") : comments.index(
                b"<item>\n      <title>Sparse attention"
            )
        ],
        b"",
    )
    world.serve("comments", first_only)
    world.fetch()
    world.serve("comments", comments)
    world.fetch(after=timedelta(hours=2))
    world.fetch(after=timedelta(hours=2))  # a third time: nothing new, nothing lost
    with world.store() as store:
        rows = store.db.execute("SELECT title, link FROM entries ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        ("By: Ada", "https://lab.example.org/sparse#comment-101"),
        ("Sparse attention, explained", "https://lab.example.org/other-post/#comments"),
        ("By: Grace", "https://lab.example.org/sparse#comment-102"),
    ]


def test_guid_churn_without_links_settles_on_content(world: World) -> None:
    world.serve("status", _golden("guid_churn_1.xml"), kind="news")
    world.fetch()
    world.serve("status", _golden("guid_churn_2.xml"), kind="news")
    world.fetch(after=timedelta(hours=2))
    world.serve("status", _golden("guid_churn_1.xml"), kind="news")
    world.fetch(after=timedelta(hours=2))
    with world.store() as store:
        titles = [r[0] for r in store.db.execute("SELECT title FROM entries ORDER BY id")]
    assert titles == ["Scheduled maintenance on Saturday", "New region: São Paulo"]


# --- 4. warnings are data -----------------------------------------------------------------


def test_a_truncated_feed_is_a_warning_in_the_store_the_cli_and_the_page(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console.out, "_width", 200)  # one table row per line
    world.serve("half", _golden("truncated.xml"))
    world.serve("stray", _golden("stray_byte.xml"), kind="news")
    world.serve("healthy", _golden("gzip_body.xml"))
    with caplog.at_level(logging.INFO, logger="digest.store.feeds"):
        world.fetch()
    assert "not_well_formed" in caplog.text and "recovered_with_losses" in caplog.text

    health = {h["name"]: h for h in json.loads(world.run("feeds", "--json").output)}
    assert health["half"]["status"] == "warning" and health["half"]["error_code"] is None
    assert [w["code"] for w in health["half"]["warnings"]] == [
        "not_well_formed",
        "skipped_entries",
    ]
    assert health["half"]["entries"] == 1
    assert health["stray"]["status"] == "warning"
    assert [w["code"] for w in health["stray"]["warnings"]] == ["recovered_with_losses"]
    assert health["healthy"]["status"] == "ok" and health["healthy"]["warnings"] == []
    table = world.run("feeds").output
    half = next(line for line in table.splitlines() if line.startswith("│ half "))
    assert "│ warning │" in half and "not_well_formed, skipped_entries: feed is not" in half

    with world.store() as store:
        attempts = store.db.execute(
            "SELECT feed_url, outcome, code, warnings FROM fetch_attempts ORDER BY id"
        ).fetchall()
        titles = [r[0] for r in store.db.execute("SELECT title FROM entries")]
    by_url = {r[0].rsplit("/", 1)[1]: r for r in attempts}
    assert by_url["half.xml"][1:3] == ("warning", None)
    assert json.loads(by_url["half.xml"][3])[0][0] == "not_well_formed"
    assert by_url["healthy.xml"][1] == "ok"
    assert "São Paulo recebe conferência de IA" in titles  # no mojibake

    config = load_config(world.tmp / "feeds.yaml")
    from digest.web.app import create_app

    app = create_app(config, world.db, clock=lambda: world.now, out_dir=world.tmp / "out")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        page = client.get("/feeds").text
    assert '<tr class="warning">' in page and "<code>not_well_formed</code>" in page

    # The feed is whole again: the warning goes, the status is ok.
    world.serve("half", _golden("undated_backlog.xml"))
    world.fetch(after=timedelta(hours=2))
    health = {h["name"]: h for h in json.loads(world.run("feeds", "--json").output)}
    assert health["half"]["status"] == "ok" and health["half"]["warnings"] == []


def test_a_not_modified_answer_keeps_the_warning_of_the_body_it_confirms(
    world: World,
) -> None:
    world.serve("half", _golden("truncated.xml"), etag='"t1"')
    world.fetch()
    world.fetch(after=timedelta(hours=2))  # 304
    health = {h["name"]: h for h in json.loads(world.run("feeds", "--json").output)}
    assert health["half"]["status"] == "warning"
    with world.store() as store:
        outcomes = [r[0] for r in store.db.execute("SELECT status FROM fetch_attempts")]
    assert outcomes == [200, 304]


# --- 6. links: an episode without a page ---------------------------------------------------


def test_an_episode_without_a_page_links_to_its_audio_as_a_podcast(world: World) -> None:
    world.serve("talk", _golden("podcast_no_links.xml"), kind="podcast")
    world.serve("talk-as-blog", _golden("podcast_no_links.xml"), kind="blog")
    world.fetch()
    with world.store() as store:
        entries = store.entries_since(world.now - timedelta(days=30))
    assert len(entries) == 6
    roles: dict[tuple[str, str], StoryLink] = {}
    for source in ("talk", "talk-as-blog"):  # one at a time: together they are one story
        mine = [e for e in entries if e.source_name == source]
        roles |= {(source, s.lead.guid): s.links[0] for s in group_stories(mine, now=world.now)}
    for source in ("talk", "talk-as-blog"):
        audio = roles[(source, "mt-12")]
        assert audio.url == "https://media.example.fm/mt/12?source=rss"
        assert audio.role is LinkRole.PODCAST
    assert roles[("talk", "mt-10")].url == "https://modeltalk.example.fm/10"


# --- 8. bodies: gzip without Content-Encoding ----------------------------------------------


def test_a_gzip_body_without_content_encoding_is_read(world: World) -> None:
    world.serve("gz", gzip.compress(_golden("gzip_body.xml")),
                content_type="application/octet-stream")  # fmt: skip
    world.fetch()
    health = {h["name"]: h for h in json.loads(world.run("feeds", "--json").output)}
    assert health["gz"]["status"] == "ok" and health["gz"]["entries"] == 2
