"""Issue #20 point 5: caps on what a feed may store. Entries kept per feed per fetch
(fetch.max_entries, the rest counted in an ``entries_capped`` warning) and field
lengths (digest.limits) enforced at storage, in the parse worker and on edits."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedgen import Item, days_ago, rss, write_config
from httpserver import LoopbackServer
from ruamel.yaml import YAML
from test_pipeline import serve_world

from digest.cli import cli
from digest.config import load_config
from digest.errors import WarningCode
from digest.limits import FIELD_LIMITS, cap_entry, cut_html, cut_text
from digest.parse import parse_feed, parse_job
from digest.store import Store
from digest.types import EntryData, Fetched, ParsedFeed, Source, SourceKind
from digest.web.app import create_app

with warnings.catch_warnings():  # starlette 1.x nags about httpx vs httpx2; httpx is fine here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

URL = "https://example.org/feed.xml"


def invoke(tmp_path: Path, config: Path, now: datetime, *args: str) -> Result:
    base = ["--db", str(tmp_path / "caps.sqlite"), "--config", str(config)]
    return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False, obj=lambda: now)


def set_fetch(config: Path, **values: object) -> None:
    yaml = YAML(typ="rt")
    data = yaml.load(config.read_text(encoding="utf-8"))
    data["fetch"].update(values)
    with config.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)


# -- cutting text and HTML ------------------------------------------------------------


def test_cut_text_cuts_on_a_word_boundary_with_an_ellipsis() -> None:
    assert cut_text("short", 10) == "short"
    cut = cut_text("alpha beta gamma delta", 13)
    assert cut == "alpha beta…" and len(cut) <= 13
    one_word = cut_text("x" * 50, 10)  # no boundary near: cut mid-word, still bounded
    assert one_word == "x" * 9 + "…"


def test_cut_html_never_leaves_half_a_tag_and_closes_what_it_opened() -> None:
    html = "<p>" + "<b>word</b> and more " * 200 + "</p>"
    cut = cut_html(html, 300)
    assert len(cut) < 330 and cut.endswith("…</p>") and cut.count("<b>") == cut.count("</b>")
    assert "<" not in cut.replace("<p>", "").replace("</p>", "").replace("<b>", "").replace(
        "</b>", ""
    )
    references = cut_html("<p>" + "a &amp; b " * 100 + "</p>", 104)  # cut inside "&amp;"
    assert "&amp;…" not in references and "&am…" not in references and "…" in references
    assert cut_html(html, len(html)) == html


def test_cap_entry_returns_the_same_entry_when_everything_fits() -> None:
    entry = EntryData(guid="g", link=URL, title="fits", authors=("Ann",))
    assert cap_entry(entry) is entry
    huge = EntryData(guid="g", link=URL, title="word " * 200_000,
                     authors=tuple(f"{'n' * 1000}{i}" for i in range(100)),
                     summary_html="<p>" + "text " * 100_000 + "</p>")  # fmt: skip
    capped = cap_entry(huge)
    assert len(capped.title) <= FIELD_LIMITS["title"] and capped.title.endswith("word…")
    assert len(capped.authors) == FIELD_LIMITS["authors"]
    assert all(len(a) <= FIELD_LIMITS["author"] for a in capped.authors)
    assert FIELD_LIMITS["summary_html"] - 100 < len(capped.summary_html) < 51_000
    assert capped.keys is None  # taken again from what is stored


@pytest.mark.parametrize("field", ["title", "summary_html", "content_html", "author", "authors"])
def test_cap_entry_cuts_each_field_from_one_character_over_its_limit(field: str) -> None:
    """cap_entry's shortcut (everything fits: the same entry) ends exactly at each limit."""

    def entry(size: int) -> EntryData:
        text = "x" * size
        if field == "author":
            return EntryData(guid="g", link=URL, title="t", authors=(text,))
        if field == "authors":
            return EntryData(guid="g", link=URL, title="t", authors=tuple(map(str, range(size))))
        return replace(EntryData(guid="g", link=URL, title="t"), **{field: text})

    at_limit = entry(FIELD_LIMITS[field])
    assert cap_entry(at_limit) is at_limit
    assert cap_entry(entry(FIELD_LIMITS[field] + 1)) != entry(FIELD_LIMITS[field] + 1)


# -- entries kept per fetch -----------------------------------------------------------


def dated_feed(now: datetime, count: int, undated: int = 0) -> bytes:
    """``count`` entries oldest first (the newest last, to prove the cap sorts by date),
    then ``undated`` entries without a date."""
    items = [Item(f"Entry {i}", f"https://example.org/{i}", "text",
                  published=now - timedelta(hours=count - i)) for i in range(count)]  # fmt: skip
    items += [Item(f"Undated {i}", f"https://example.org/u{i}", "text") for i in range(undated)]
    return rss("Big", items)


def test_the_newest_entries_are_kept_in_document_order_and_the_rest_counted(
    now: datetime,
) -> None:
    body = dated_feed(now, 10, undated=3)
    parsed = parse_feed(body, url=URL, max_entries=4)
    assert [e.title for e in parsed.entries] == ["Entry 6", "Entry 7", "Entry 8", "Entry 9"]
    (warning,) = parsed.warnings
    assert warning.code == WarningCode.ENTRIES_CAPPED
    assert warning.message.startswith("9 of 13 entries dropped") and "newest 4" in warning.message
    # Undated entries come after every dated one, in the order the document gives them.
    more = parse_feed(body, url=URL, max_entries=12)
    assert [e.title for e in more.entries][-2:] == ["Undated 0", "Undated 1"]
    whole = parse_feed(body, url=URL, max_entries=13)
    assert len(whole.entries) == 13 and not whole.warnings


def test_feedparser_and_json_feed_keep_the_same_newest_entries(now: datetime) -> None:
    body = dated_feed(now, 10, undated=3)
    slow = parse_feed(body, url=URL, max_entries=4, fast=False)
    assert [e.title for e in slow.entries] == ["Entry 6", "Entry 7", "Entry 8", "Entry 9"]
    assert [w.code for w in slow.warnings] == [WarningCode.ENTRIES_CAPPED]
    items = [{"id": f"j{i}", "url": f"https://example.org/j{i}", "title": f"J {i}",
              "date_published": days_ago(now, i).isoformat()} for i in range(6)]  # fmt: skip
    items.insert(0, {"id": "u", "url": "https://example.org/u", "title": "Undated"})
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}
    parsed = parse_feed(json.dumps(doc).encode(), url=URL, max_entries=3)
    assert [e.title for e in parsed.entries] == ["J 0", "J 1", "J 2"]
    assert "4 of 7 entries dropped" in parsed.warnings[0].message


def test_the_parse_job_applies_the_cap_and_the_field_limits(now: datetime) -> None:
    items = [Item(f"Entry {i}", f"https://example.org/{i}", "x", published=days_ago(now, i))
             for i in range(5)]  # fmt: skip
    items.append(Item("word " * 1000, "https://example.org/long", "x", published=now))
    body = rss("Big", items)
    reply = parse_job((body, URL, {}, "blog", 3))
    assert isinstance(reply, ParsedFeed)
    assert len(reply.entries) == 3 and reply.warnings[0].code == WarningCode.ENTRIES_CAPPED
    assert all(e.keys is not None for e in reply.entries)
    assert [e.title[:7] for e in reply.entries] == ["Entry 0", "Entry 1", "word wo"]
    assert len(reply.entries[-1].title) <= FIELD_LIMITS["title"]


def huge_feed(now: datetime, count: int) -> bytes:
    """A ``count``-entry RSS feed as small per entry as it gets (100,000 fit in ~9 MB)."""
    start = now - timedelta(days=1)
    items = "".join(
        f"<item><guid>e{i}</guid><title>t{i}</title>"
        f"<pubDate>{format_datetime(start + timedelta(seconds=i))}</pubDate></item>"
        for i in range(count)
    )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Huge</title>"
            f"<link>https://example.org/</link>{items}</channel></rss>").encode()  # fmt: skip


@pytest.mark.slow
def test_a_100000_entry_feed_is_stored_capped_with_a_warning(
    tmp_path: Path, server: LoopbackServer, now: datetime
) -> None:
    body = huge_feed(now, 100_000)
    assert len(body) < 10 * 1024 * 1024  # under the byte cap: the entry cap is what stops it
    server.route("/huge.xml", body=body)
    config = write_config(tmp_path, [{"name": "Huge", "url": server.url("/huge.xml"),
                                      "kind": "blog"}])  # fmt: skip
    set_fetch(config, max_entries=50, deadline=60, timeout=30)
    fetched = invoke(tmp_path, config, now, "fetch")
    assert fetched.exit_code == 0, fetched.output
    (health,) = json.loads(invoke(tmp_path, config, now, "feeds", "--json").output)
    assert health["status"] == "warning" and health["entries"] == 50
    assert health["warnings"][0]["code"] == "entries_capped"
    assert "99,950 of 100,000 entries dropped" in health["warnings"][0]["message"]
    with Store.open(tmp_path / "caps.sqlite") as store:
        guids = {r[0] for r in store.db.conn.execute("SELECT guid FROM entries")}
    assert guids == {f"e{i}" for i in range(99_950, 100_000)}  # the newest 50
    listed = invoke(tmp_path, config, now, "feeds").output  # a narrow table wraps the code
    assert "warning" in listed and "entries_c" in listed


# -- field limits, end to end ---------------------------------------------------------


def test_a_1_mb_title_is_stored_cut_and_published_cut(
    tmp_path: Path, server: LoopbackServer, now: datetime
) -> None:
    sources = serve_world(server, now)
    long_title = "Overlong " * 116_509  # ~1 MB
    server.route("/long.xml", body=rss("Long", [
        Item(long_title, server.url("/posts/long.html"), "A post with a title a megabyte long.",
             published=days_ago(now, 1)),
    ]))  # fmt: skip
    sources.append({"name": "Long", "url": server.url("/long.xml"), "kind": "blog"})
    config = write_config(tmp_path, sources)
    assert invoke(tmp_path, config, now, "fetch").exit_code == 0
    with Store.open(tmp_path / "caps.sqlite") as store:
        (title,) = store.db.conn.execute(
            "SELECT title FROM entries WHERE feed_url = ?", (server.url("/long.xml"),)
        ).fetchone()
    assert len(title) <= FIELD_LIMITS["title"] and title.endswith("Overlong…")
    assert invoke(tmp_path, config, now, "draft", "build").exit_code == 0
    assert invoke(tmp_path, config, now, "draft", "approve", "--all-items").exit_code == 0
    out = tmp_path / "site"
    published = invoke(tmp_path, config, now, "publish", "--out", str(out))
    assert published.exit_code == 0, published.output
    for page in ("issues/1/index.html", "issues/1.eml", "issues/1.md"):
        text = (out / page).read_text(encoding="utf-8")
        assert "Overlong Overlong" in text and "Overlong " * 100 not in text, page
        assert len(text.encode()) < 200_000, page


def test_digest_edit_refuses_an_oversized_title_as_the_web_form_does(
    tmp_path: Path, server: LoopbackServer, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    assert invoke(tmp_path, config, now, "fetch").exit_code == 0
    assert invoke(tmp_path, config, now, "draft", "build").exit_code == 0
    refused = invoke(tmp_path, config, now, "edit", "1", "--title", "T" * 200_000)
    assert refused.exit_code == 1
    assert "200,000 characters long; at most 500 fit" in refused.output
    assert "shorten the title" in refused.output
    summary = invoke(tmp_path, config, now, "edit", "1", "--summary", "S" * 5_001)
    assert summary.exit_code == 1 and "at most 5,000 fit" in summary.output
    assert invoke(tmp_path, config, now, "edit", "1", "--title", "T" * 500).exit_code == 0


def test_the_store_cuts_an_entry_that_did_not_come_through_a_parse_worker(
    store: Store, now: datetime
) -> None:
    store.sync_sources([Source(URL, "Example", SourceKind.BLOG)], now=now)
    huge = EntryData(guid="g", link="https://example.org/a", title="word " * 200_000,
                     authors=("A" * 10_000,), published=now,
                     content_html="<p>" + "text " * 200_000 + "</p>")  # fmt: skip
    parsed = ParsedFeed(URL, "Example", None, (huge,))
    store.record_fetch(Fetched(URL, URL, 200, {}, b""), parsed, now=now, next_fetch_at=now)
    (stored,) = store.entries_since(now - timedelta(days=1))
    assert stored.title == cap_entry(huge).title and len(stored.title) <= FIELD_LIMITS["title"]
    assert len(stored.authors[0]) <= FIELD_LIMITS["author"]
    assert len(stored.content_html) < FIELD_LIMITS["content_html"] + 100
    assert stored.content_html.endswith("…</p>")


def test_the_edit_form_hints_the_same_limits_the_server_enforces(
    tmp_path: Path, server: LoopbackServer, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    assert invoke(tmp_path, config, now, "fetch").exit_code == 0
    assert invoke(tmp_path, config, now, "draft", "build").exit_code == 0
    app = create_app(load_config(config), tmp_path / "caps.sqlite", clock=lambda: now)
    page = TestClient(app, base_url="http://127.0.0.1").get("/").text
    assert 'name="title" value="' in page
    assert f'maxlength="{FIELD_LIMITS["title"]}"' in page
    assert f'maxlength="{FIELD_LIMITS["summary"]}"' in page
