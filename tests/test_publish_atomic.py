"""Publishing is all or nothing (issue #20, point 7): when any output cannot be
rendered or written, no issue is recorded, the draft stays approved and no file of
the output folder is replaced or left half-written.

Running as root (as CI does), chmod does not make a folder unwritable, so the
unwritable output folder is one under a regular file (mkdir fails for any user).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedgen import write_config
from httpserver import LoopbackServer
from test_pipeline import serve_world

from digest.app import drafting, publishing
from digest.app.update import update
from digest.cli import cli
from digest.config import load_config
from digest.errors import PublishError
from digest.store import Store
from digest.types import Config, DraftStatus


@pytest.fixture
def approved(tmp_path: Path, server: LoopbackServer, now: datetime) -> tuple[Config, Path]:
    """(config, database) with this week's draft approved."""
    config = load_config(write_config(tmp_path, serve_world(server, now)))
    db = tmp_path / "digest.sqlite"
    with Store.open(db) as store:
        update(store, config, now=now, summaries=False)
        drafting.build_draft(store, config, now=now)
        drafting.approve_draft(store, config, now=now, all_items=True)
    return config, db


def with_templates(config: Config, folder: Path) -> Config:
    return replace(config, publish=replace(config.publish, templates_dir=folder))


def files_under(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


def assert_nothing_published(db: Path, config: Config, now: datetime) -> None:
    with Store.open(db) as store:
        assert store.issues() == []
        draft = drafting.require_draft(store, config, None)
        assert draft.status == DraftStatus.APPROVED


def test_a_broken_custom_template_publishes_nothing(
    approved: tuple[Config, Path], tmp_path: Path, now: datetime
) -> None:
    config, db = approved
    broken = tmp_path / "templates"
    broken.mkdir()
    # The last output rendered: every other one renders fine before it fails.
    (broken / "feed.atom.j2").write_text("{{ no_such_variable.oops }}", encoding="utf-8")
    out = tmp_path / "public"
    with Store.open(db) as store, pytest.raises(PublishError, match=r"feed\.atom"):
        publishing.publish(store, with_templates(config, broken), now=now, out_dir=out)
    assert files_under(out) == {}
    assert_nothing_published(db, config, now)


def test_an_unwritable_output_folder_publishes_nothing(
    approved: tuple[Config, Path], tmp_path: Path, now: datetime
) -> None:
    config, db = approved
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    with Store.open(db) as store, pytest.raises(PublishError, match="cannot write"):
        publishing.publish(store, config, now=now, out_dir=tmp_path / "a-file" / "public")
    assert_nothing_published(db, config, now)


def test_a_failure_while_moving_in_place_records_no_issue(
    approved: tuple[Config, Path], tmp_path: Path, now: datetime
) -> None:
    config, db = approved
    out = tmp_path / "public"
    (out / "index.html").mkdir(parents=True)  # a folder where a file must go
    with Store.open(db) as store, pytest.raises(PublishError, match="cannot move"):
        publishing.publish(store, config, now=now, out_dir=out)
    assert_nothing_published(db, config, now)
    assert not [p for p in out.iterdir() if p.name.startswith(".publishing-")]


def test_a_republish_that_fails_keeps_the_previous_files(
    approved: tuple[Config, Path], tmp_path: Path, now: datetime
) -> None:
    config, db = approved
    out = tmp_path / "public"
    with Store.open(db) as store:
        publishing.publish(store, config, now=now, out_dir=out)
    before = files_under(out)
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "issue.md.j2").write_text("{% if %}", encoding="utf-8")  # a syntax error
    with Store.open(db) as store, pytest.raises(PublishError):
        publishing.publish(store, with_templates(config, broken), now=now, out_dir=out)
    assert files_under(out) == before


def test_the_cli_reports_a_broken_template_in_one_line_and_the_issue_is_not_listed(
    approved: tuple[Config, Path], tmp_path: Path, now: datetime
) -> None:
    config, db = approved
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "index.html.j2").write_text("{{ nope() }}", encoding="utf-8")
    text = config.path.read_text(encoding="utf-8")
    config.path.write_text(text.replace("publish:\n", f"publish:\n  templates_dir: {broken}\n"),
                           encoding="utf-8")  # fmt: skip
    base = ["--db", str(db), "--config", str(config.path)]
    result = CliRunner().invoke(cli, [*base, "publish", "--out", str(tmp_path / "public")],
                                obj=lambda: now)  # fmt: skip
    assert result.exit_code == 1
    assert "(publish)" in result.output and "Traceback" not in result.output
    listed = CliRunner().invoke(cli, [*base, "issues"], obj=lambda: now)
    assert listed.exit_code == 0 and listed.output == ""  # `digest issues` lists none
    assert_nothing_published(db, config, now)
