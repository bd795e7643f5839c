"""The command line: exit codes, messages and the editor's weekly workflow."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedgen import write_config
from httpserver import LoopbackServer
from test_pipeline import serve_world

from digest.cli import cli


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
    groups = {"draft": ("build", "show", "approve", "reopen"), "opml": ("import", "export"),
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


def test_fetch_exits_1_when_every_feed_fails(
    run: object, server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/down.xml", status=503, body=b"")
    config = write_config(tmp_path, [{"url": server.url("/down.xml"), "kind": "blog"}])
    result = run("fetch", config=config)  # type: ignore[operator]
    assert result.exit_code == 1 and "rate_limited" in result.output


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
