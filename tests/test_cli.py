"""The command line: exit codes, messages and the editor's weekly workflow."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedgen import write_config
from httpserver import LoopbackServer
from test_pipeline import serve_world

from digest.app import drafting
from digest.app.lease import FETCH_LEASE
from digest.cli import cli
from digest.config import load_config
from digest.store import Store
from digest.types import ItemStatus


@pytest.fixture
def run(tmp_path: Path, now: datetime) -> object:
    """The CLI as a user runs it, at the fixed time the fixtures are dated around."""
    runner = CliRunner()

    def invoke(*args: str, config: Path | None = None) -> Result:
        base = ["--db", str(tmp_path / "cli.sqlite")]
        if config is not None:
            base += ["--config", str(config)]
        return runner.invoke(cli, [*base, *args], catch_exceptions=False, obj=lambda: now)

    return invoke


def test_every_command_is_found_where_the_lazy_group_looks_for_it() -> None:
    # `digest fetch` imports only the module of its command (_base.COMMAND_MODULES):
    # every module under digest/cli that registers a command must be listed there.
    import pkgutil
    from importlib import import_module

    import digest.cli
    from digest.cli._base import COMMAND_MODULES

    for info in pkgutil.iter_modules(digest.cli.__path__):
        import_module(f"digest.cli.{info.name}")
    assert set(cli.commands) == set(COMMAND_MODULES)  # type: ignore[attr-defined]
    for name, command in cli.commands.items():  # type: ignore[attr-defined]
        home = command.callback.__module__
        assert home == COMMAND_MODULES[name] or (name, home) == ("draft", "digest.cli.review")


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    for command in ("fetch", "run", "feeds", "draft", "approve", "reject", "move", "reorder",
                    "edit", "reset", "publish", "issues", "demo", "check", "search", "serve",
                    "add", "opml", "enable", "history", "rules", "sections", "eval"):  # fmt: skip
        assert f"  {command} " in result.output
    groups = {"draft": ("build", "show", "approve", "reopen", "add"), "opml": ("import", "export"),
              "rules": ("test", "add")}  # fmt: skip
    for group, subs in groups.items():
        help_text = CliRunner().invoke(cli, [group, "--help"]).output
        assert all(f"  {sub} " in help_text for sub in subs), help_text


def test_invalid_config_exits_2_with_file_line_and_key(run: object, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("newsletter:\n  title: T\n  site_url: nope\nsections: [{key: a, title: A}]\n")
    result = run("check", config=bad)  # type: ignore[operator]
    assert result.exit_code == 2
    assert "bad.yaml:3: newsletter.site_url: expected an http(s) URL" in result.output


def test_weekly_workflow_from_the_terminal(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    fetched = run("fetch", config=config)  # type: ignore[operator]
    assert fetched.exit_code == 0, fetched.output  # some feeds failed, not all
    assert "fetched 6 feeds" in fetched.output and "2 failed" in fetched.output
    assert "http_error" in fetched.output and "not_a_feed" in fetched.output

    health = json.loads(run("feeds", "--json", config=config).output)  # type: ignore[operator]
    by_name = {h["name"]: h for h in health}
    assert by_name["Broken"]["status"] == "error" and by_name["Broken"]["error_code"]
    assert by_name["Example Lab"]["entries"] == 2 and by_name["Example Lab"]["status"] == "ok"

    assert run("draft", "build", config=config).exit_code == 0  # type: ignore[operator]
    shown = run("draft", "show", config=config).output  # type: ignore[operator]
    assert "Publications" in shown and "why:" in shown
    assert run("edit", "1", "--title", "A better title", config=config).exit_code == 0  # type: ignore[operator]
    assert run("move", "2", "Ethics in AI", config=config).exit_code == 0  # type: ignore[operator]
    assert run("reorder", "3", "1", config=config).exit_code == 0  # type: ignore[operator]
    rejected = run("reject", "nonexistent-key", config=config)  # type: ignore[operator]
    assert rejected.exit_code == 1 and "matches 0 items" in rejected.output
    assert run("draft", "approve", "--all-items", config=config).exit_code == 0  # type: ignore[operator]
    out = tmp_path / "site"
    published = run("publish", "--out", str(out), config=config)  # type: ignore[operator]
    assert published.exit_code == 0, published.output
    assert "A better title" in (out / "issues" / "1.md").read_text()
    assert "#1" in run("issues", config=config).output  # type: ignore[operator]


ADDED_TITLE = "Field notes on tokenizers for Portuguese"
ADDED_PAGE = f"""<html><head><title>{ADDED_TITLE}</title></head><body>
<article><h1>{ADDED_TITLE}</h1>{
    "<p>Tokenizers split Portuguese words in surprising ways: clitics, accents and "
    "contractions all change how a language model sees a sentence. These notes compare "
    "several tokenizers on news text and explain what we changed in our own tools.</p>" * 4
}</article></body></html>"""


def test_draft_add_answers_with_the_title_and_knows_a_url_already_in_the_draft(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    server.route("/notes.html", body=ADDED_PAGE, content_type="text/html; charset=utf-8")
    assert run("fetch", config=config).exit_code == 0  # type: ignore[operator]
    url = server.url("/notes.html")

    added = run("draft", "add", url, "--section", "Ethics in AI", config=config)  # type: ignore[operator]
    assert added.exit_code == 0, added.output
    assert re.search(rf"added and approved: #\d+ {ADDED_TITLE}", added.output), added.output
    assert "section ethics" in added.output
    with Store.open(tmp_path / "cli.sqlite") as store:
        draft = drafting.require_draft(store, load_config(config))
    item = next(i for s in draft.sections for i in s.items if i.title == ADDED_TITLE)
    assert item.section == "ethics" and item.status == ItemStatus.APPROVED

    again = run("draft", "add", url + "?utm_source=x", config=config)  # type: ignore[operator]
    assert again.exit_code == 0, again.output
    assert re.search(rf"already in the draft: #\d+ {ADDED_TITLE}", again.output)
    assert "nothing changed (approved, section ethics" in again.output
    assert server.hits["/notes.html"] == 1  # the second add fetched nothing


def test_draft_add_refuses_what_it_cannot_add_before_fetching(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    server.route("/notes.html", body=ADDED_PAGE, content_type="text/html; charset=utf-8")
    url = server.url("/notes.html")
    unknown = run("draft", "add", url, "--section", "nowhere", config=config)  # type: ignore[operator]
    assert unknown.exit_code == 1 and "unknown section 'nowhere'" in unknown.output
    not_web = run("draft", "add", "javascript:alert(1)", config=config)  # type: ignore[operator]
    assert not_web.exit_code == 1 and "not a web address" in not_web.output
    for step in (("fetch",), ("draft", "build"), ("draft", "approve")):
        assert run(*step, config=config).exit_code == 0  # type: ignore[operator]
    closed = run("draft", "add", url, config=config)  # type: ignore[operator]
    assert closed.exit_code == 1 and "is approved; nothing was added" in closed.output
    assert server.hits["/notes.html"] == 0
    helped = run("draft", "add", "--help")  # type: ignore[operator]
    assert "Add the page at URL to this week's draft, approved." in helped.output
    assert "--section" in helped.output


def test_fetch_exits_1_when_every_feed_fails(
    run: object, server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/down.xml", status=503, body=b"")
    config = write_config(tmp_path, [{"url": server.url("/down.xml"), "kind": "blog"}])
    result = run("fetch", config=config)  # type: ignore[operator]
    assert result.exit_code == 1 and "rate_limited" in result.output


def test_fetch_exits_0_and_says_so_while_another_run_holds_the_lease(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    # Cron mails a non-zero exit as a failure; another run in progress is not one.
    config = write_config(tmp_path, serve_world(server, now))
    with Store.open(tmp_path / "cli.sqlite") as store:
        store.acquire_lease(FETCH_LEASE, "daemon:1", now=now, ttl=timedelta(minutes=10))
    result = run("fetch", config=config)  # type: ignore[operator]
    assert result.exit_code == 0 and "another run is in progress" in result.output
    assert "daemon:1" in result.output
    assert server.hits_total() == 0


def test_run_once_ticks_and_builds_the_draft_at_the_injected_time(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    result = run("run", "--once", config=config)  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    with Store.open(tmp_path / "cli.sqlite") as store:
        assert store.count_entries() > 0
        assert store.latest_draft_key() == drafting.week_of(now)[0]


def test_publish_send_uses_the_smtp_settings_of_feeds_yaml(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime, smtpd: tuple[object, int]
) -> None:
    collector, port = smtpd
    smtp = {"host": "127.0.0.1", "port": port, "starttls": False,
            "sender": "digest@example.org", "recipients": ["readers@example.org"]}  # fmt: skip
    publish = {"output_dir": "site", "smtp": smtp}
    config = write_config(tmp_path, serve_world(server, now), publish=publish)
    for step in (("fetch",), ("draft", "build"), ("draft", "approve", "--all-items")):
        assert run(*step, config=config).exit_code == 0  # type: ignore[operator]
    result = run("publish", "--send", "--eml", config=config)  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    assert ".eml" in result.output and "sent issue #1" in result.output
    assert collector.received.wait(5)  # type: ignore[attr-defined]
    (envelope,) = collector.envelopes  # type: ignore[attr-defined]
    assert envelope.rcpt_tos == ["readers@example.org"]


def test_numbers_stay_on_their_items_after_rejects_moves_and_undo(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    assert run("fetch", config=config).exit_code == 0  # type: ignore[operator]
    assert run("draft", "build", config=config).exit_code == 0  # type: ignore[operator]
    shown = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    by_handle = {i["handle"]: i for i in shown["items"]}
    assert sorted(by_handle) == list(range(1, len(by_handle) + 1)) and len(by_handle) >= 4
    first = by_handle[1]
    assert {"key", "section", "status", "title", "summary", "links", "score", "reasons",
            "suggestions", "entries"} <= set(first)  # fmt: skip
    assert first["entries"][0]["first_seen"] and first["links"][0]["role"]

    rejected = run("reject", "1", config=config)  # type: ignore[operator]
    assert (
        rejected.exit_code == 0 and f"rejected #1 \u201c{by_handle[1]['title']}" in rejected.output
    )
    moved = run("move", "3", "Ethics in AI", config=config)  # type: ignore[operator]
    assert (
        f"moved #3 \u201c{by_handle[3]['title']}" in moved.output and "Ethics in AI" in moved.output
    )
    edited = run("edit", "#4", "--title", "A better title", config=config)  # type: ignore[operator]
    assert "new title for #4 \u201cA better title\u201d" in edited.output

    after = {i["handle"]: i for i in json.loads(
        run("draft", "show", "--json", config=config).output  # type: ignore[operator]
    )["items"]}  # fmt: skip
    assert after[1]["key"] == by_handle[1]["key"] and after[1]["status"] == "rejected"
    assert after[3]["key"] == by_handle[3]["key"] and after[3]["section"] == "ethics"
    assert after[4]["key"] == by_handle[4]["key"] and after[4]["title"] == "A better title"
    assert after[2]["title"] == by_handle[2]["title"]  # nobody else was touched
    assert "#3 " in run("draft", "show", config=config).output  # type: ignore[operator]

    undone = run("undo", config=config)  # type: ignore[operator]
    assert (
        undone.exit_code == 0
        and f"undone: new title for #4 \u201c{by_handle[4]['title']}" in undone.output
    )
    undone = run("undo", "-n", "2", config=config)  # type: ignore[operator]
    assert "undone: moved #3" in undone.output and "undone: rejected #1" in undone.output
    restored = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    assert restored["items"] == shown["items"]
    nothing = run("undo", config=config)  # type: ignore[operator]
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.output


def test_approve_refuses_a_published_draft_and_issues_lists_json(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    assert run("fetch", config=config).exit_code == 0  # type: ignore[operator]
    assert run("draft", "build", config=config).exit_code == 0  # type: ignore[operator]
    assert run("draft", "approve", "--all-items", config=config).exit_code == 0  # type: ignore[operator]
    out = tmp_path / "site"
    assert run("publish", "--out", str(out), config=config).exit_code == 0  # type: ignore[operator]
    again = run("draft", "approve", config=config)  # type: ignore[operator]
    assert again.exit_code == 1 and "already published" in again.output
    listed = json.loads(run("issues", "--json", config=config).output)  # type: ignore[operator]
    assert listed[0]["number"] == 1 and listed[0]["sections"][0]["items"][0]["title"]

    assert run("draft", "reopen", config=config).exit_code == 0  # type: ignore[operator]
    assert run("draft", "build", config=config).exit_code == 0  # type: ignore[operator]
    shown = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    reasons = [r["label"] for i in shown["items"] for r in i["reasons"]]
    assert not [r for r in reasons if "featured in #1" in r], reasons  # not by its own issue


def test_draft_add_takes_the_pages_own_date_and_stays_out_of_feed_health(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    day = (now - timedelta(days=2)).date().isoformat()
    dated = ADDED_PAGE.replace(
        "<head>", f'<head><meta property="article:published_time" content="{day}T08:00:00Z">'
    )
    server.route("/dated.html", body=dated, content_type="text/html; charset=utf-8")
    assert run("fetch", config=config).exit_code == 0  # type: ignore[operator]
    added = run("draft", "add", server.url("/dated.html"), config=config)  # type: ignore[operator]
    assert added.exit_code == 0, added.output
    shown = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    item = next(i for i in shown["items"] if i["title"] == ADDED_TITLE)
    assert item["entries"][0]["published"].startswith(day)  # not "0.0 days old"
    health = json.loads(run("feeds", "--json", config=config).output)  # type: ignore[operator]
    assert "Added by the editor" not in {h["name"] for h in health}


def test_merge_and_split_from_the_terminal(
    run: object, server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    config = write_config(tmp_path, serve_world(server, now))
    assert run("fetch", config=config).exit_code == 0  # type: ignore[operator]
    assert run("draft", "build", config=config).exit_code == 0  # type: ignore[operator]
    items = {i["handle"]: i for i in json.loads(
        run("draft", "show", "--json", config=config).output)["items"]}  # type: ignore[operator]  # fmt: skip
    merged = run("merge", "2", "1", config=config)  # type: ignore[operator]
    assert merged.exit_code == 0, merged.output
    assert (
        f"merged #2 \u201c{items[2]['title']}\u201d into #1 \u201c{items[1]['title']}\u201d"
        in merged.output
    )
    after = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    host = next(i for i in after["items"] if i["handle"] == 1)
    assert 2 not in {i["handle"] for i in after["items"]}
    assert host["merged"] == [{"handle": 2, "key": items[2]["key"], "title": items[2]["title"]}]
    assert {x["url"] for x in items[2]["links"]} <= {x["url"] for x in host["links"]}
    assert "merged here: #2" in run("draft", "show", config=config).output  # type: ignore[operator]
    parted = run("split", "2", config=config)  # type: ignore[operator]
    assert parted.exit_code == 0 and "split #2" in parted.output
    again = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    assert 2 in {i["handle"] for i in again["items"]}
    assert run("split", "2", config=config).exit_code == 1  # type: ignore[operator]

    relinked = run("edit", "1", "--link", "paper https://arxiv.org/abs/2611.07777",  # type: ignore[operator]
                   "--link", "code https://github.com/example/router", config=config)  # fmt: skip
    assert relinked.exit_code == 0 and "new links for #1" in relinked.output
    shown = json.loads(run("draft", "show", "--json", config=config).output)  # type: ignore[operator]
    links = next(i for i in shown["items"] if i["handle"] == 1)["links"]
    assert [(x["role"], x["url"]) for x in links] == [
        ("paper", "https://arxiv.org/abs/2611.07777"),
        ("code", "https://github.com/example/router"),
    ]
    refused = run("edit", "1", "--link", "essay https://example.org/", config=config)  # type: ignore[operator]
    assert refused.exit_code == 1 and "unknown role 'essay'" in refused.output
