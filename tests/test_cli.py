"""The command line: exit codes, messages and the editor's weekly workflow."""

from __future__ import annotations

import json
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
    assert f"added and approved: {ADDED_TITLE}" in added.output
    assert "section ethics" in added.output
    with Store.open(tmp_path / "cli.sqlite") as store:
        draft = drafting.require_draft(store, load_config(config))
    item = next(i for s in draft.sections for i in s.items if i.title == ADDED_TITLE)
    assert item.section == "ethics" and item.status == ItemStatus.APPROVED

    again = run("draft", "add", url + "?utm_source=x", config=config)  # type: ignore[operator]
    assert again.exit_code == 0, again.output
    assert f"already in the draft: {ADDED_TITLE}" in again.output
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
