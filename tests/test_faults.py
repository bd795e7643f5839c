"""Hostile conditions (issue #20): a read-only, full, locked or corrupt database, a
lease left behind by a killed run, and the exit codes the CLI documents for them.

Running as root (as CI does), chmod does not stop writes, so a read-only database is
opened through SQLite's own read-only mode (``--db file:...?mode=ro``); the file is
real and SQLite itself refuses the write, as it does on a read-only mount.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedgen import write_config
from httpserver import LoopbackServer
from test_pipeline import serve_world

from digest.app import drafting
from digest.app.lease import FETCH_LEASE, fetch_lease, holder_alive, holder_id
from digest.app.update import update
from digest.cli import cli
from digest.cli._base import EXIT_BUSY, EXIT_LEASE_HELD, EXIT_STORAGE, exit_status
from digest.config import load_config
from digest.errors import (
    ErrorCode,
    LeaseHeldError,
    StorageBusyError,
    StorageError,
    StorageUnavailableError,
)
from digest.store import Store
from digest.store import db as store_db
from digest.store.drafts import DraftStore
from digest.types import Action, DraftStatus, ItemStatus, Source, SourceKind
from digest.web.app import create_app

with warnings.catch_warnings():  # starlette 1.x nags about httpx vs httpx2; httpx is fine here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def invoke(db: str | Path, *args: str, config: Path | None = None, now: datetime) -> Result:
    base = ["--db", str(db)] + (["--config", str(config)] if config else [])
    return CliRunner().invoke(cli, [*base, *args], obj=lambda: now)


def read_only(path: Path) -> str:
    return f"file:{path}?mode=ro"


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process's write lock: a second connection inside BEGIN EXCLUSIVE."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE leases SET holder = holder")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def world(tmp_path: Path, server: LoopbackServer, now: datetime) -> tuple[Path, Path]:
    """(feeds.yaml, a database with this week's entries and a draft)."""
    config_path = write_config(tmp_path, serve_world(server, now))
    db = tmp_path / "digest.sqlite"
    config = load_config(config_path)
    with Store.open(db) as store:
        update(store, config, now=now, summaries=False)
        drafting.build_draft(store, config, now=now)
    return config_path, db


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)


def one_line(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# --- the store boundary -------------------------------------------------------------


def test_a_write_on_a_read_only_database_is_a_storage_error_with_a_hint(
    world: tuple[Path, Path], now: datetime
) -> None:
    config_path, db = world
    with Store.open(Path(read_only(db))) as store:
        assert store.count_entries() > 0  # reading works
        with pytest.raises(StorageUnavailableError) as caught:
            store.sync_sources(load_config(config_path).sources, now=now)
    assert caught.value.code == ErrorCode.STORAGE_READONLY
    assert "read-only" in str(caught.value)


def test_a_corrupt_file_is_a_storage_error_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "digest.sqlite"
    db.write_bytes(b"this is not SQLite" * 1000)
    with pytest.raises(StorageUnavailableError) as caught:
        Store.open(db)
    assert caught.value.code == ErrorCode.STORAGE_CORRUPT
    assert str(db) in str(caught.value) and "backup" in str(caught.value)


def test_a_database_damaged_behind_its_first_page_is_reported_on_read(
    world: tuple[Path, Path],
) -> None:
    _, db = world
    page = 16384  # digest.store.db's page size; page 1 (the schema) stays readable
    with db.open("r+b") as f:
        f.seek(page)
        f.write(b"\xff" * (db.stat().st_size - page))
    with Store.open(db) as store, pytest.raises(StorageUnavailableError) as caught:
        store.entries_since(datetime(2000, 1, 1, tzinfo=UTC))
    assert caught.value.code == ErrorCode.STORAGE_CORRUPT


def test_a_full_disk_is_a_storage_error_and_rolls_back(tmp_path: Path, now: datetime) -> None:
    db = tmp_path / "digest.sqlite"
    with Store.open(db) as store:
        pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own quota: the file may not grow, as on a full disk.
        store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
        big = [Source(url=f"http://127.0.0.1:9/{i}.xml", name="x" * 2000, kind=SourceKind.BLOG)
               for i in range(200)]  # fmt: skip
        with pytest.raises(StorageUnavailableError) as caught:
            store.sync_sources(big, now=now)
        assert caught.value.code == ErrorCode.STORAGE_FULL and "free" in str(caught.value)
        assert store.feed_states() == []  # nothing half-written
        assert not store.db.conn.in_transaction


def test_a_write_lock_held_past_the_timeout_is_storage_busy(tmp_path: Path, now: datetime) -> None:
    db = tmp_path / "digest.sqlite"
    Store.open(db).close()
    with write_locked(db), Store.open(db, busy_timeout_ms=50) as store:
        with pytest.raises(StorageBusyError):
            store.sync_sources([], now=now)


# --- the CLI: one line, a documented exit code ---------------------------------------


@pytest.mark.parametrize(
    "args",
    [("fetch",), ("draft", "build"), ("draft", "approve"), ("approve", "1")],
)
def test_commands_on_a_read_only_database_print_one_line_and_exit_3(
    world: tuple[Path, Path], now: datetime, args: tuple[str, ...]
) -> None:
    config_path, db = world
    result = invoke(read_only(db), *args, config=config_path, now=now)
    assert result.exit_code == EXIT_STORAGE, result.output
    line = one_line(result)
    assert "(storage_readonly)" in line and "read-only" in line


def test_a_corrupt_database_exits_3(tmp_path: Path, now: datetime) -> None:
    db = tmp_path / "digest.sqlite"
    db.write_bytes(b"\0garbage" * 4096)
    result = invoke(db, "issues", now=now)
    assert result.exit_code == EXIT_STORAGE
    assert "(storage_corrupt)" in one_line(result)


def test_a_database_folder_that_cannot_exist_exits_3(tmp_path: Path, now: datetime) -> None:
    (tmp_path / "file").write_text("not a folder")
    result = invoke(tmp_path / "file" / "digest.sqlite", "issues", now=now)
    assert result.exit_code == EXIT_STORAGE
    assert "(storage_cannot_open)" in one_line(result)


def test_a_locked_database_exits_4(
    world: tuple[Path, Path], now: datetime, short_busy_timeout: None
) -> None:
    config_path, db = world
    with write_locked(db):
        result = invoke(db, "draft", "build", config=config_path, now=now)
    assert result.exit_code == EXIT_BUSY
    assert "(storage_busy)" in one_line(result)


def test_feeds_reads_while_another_process_holds_the_write_lock(
    world: tuple[Path, Path], now: datetime, short_busy_timeout: None
) -> None:
    config_path, db = world
    with write_locked(db):
        result = invoke(db, "feeds", "--json", config=config_path, now=now)
    assert result.exit_code == 0, result.output
    assert result.output.count('"url"') == len(load_config(config_path).sources)


@pytest.mark.parametrize(
    "args", [("draft", "show"), ("issues",), ("search", "benchmark"), ("feeds",)]
)
def test_reading_commands_never_write(
    world: tuple[Path, Path], now: datetime, short_busy_timeout: None, args: tuple[str, ...]
) -> None:
    config_path, db = world
    with write_locked(db):  # a writer elsewhere does not stop a reader
        locked = invoke(db, *args, config=config_path, now=now)
    assert locked.exit_code == 0, locked.output
    read_only_run = invoke(read_only(db), *args, config=config_path, now=now)
    assert read_only_run.exit_code == 0, read_only_run.output  # any write would fail


def test_feeds_never_writes_and_lists_sources_not_yet_fetched(
    world: tuple[Path, Path], now: datetime, tmp_path: Path
) -> None:
    _, db = world
    before = db.read_bytes()
    (tmp_path / "more").mkdir()
    new = {"url": "http://127.0.0.1:9/new.xml", "name": "Brand new", "kind": "blog"}
    extra = write_config(tmp_path / "more", [new])
    result = invoke(read_only(db), "feeds", config=extra, now=now)
    assert result.exit_code == 0, result.output
    assert "Brand new" in result.output and "never" in result.output
    assert db.read_bytes() == before


def test_help_documents_every_exit_code() -> None:
    text = CliRunner().invoke(cli, ["--help"]).output
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "75 "):
        assert f"\n    {code}" in text, code
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "## Exit codes" in readme and "`75`" in readme and "`3`" in readme


# --- the web page: 503 ----------------------------------------------------------------


def test_web_answers_503_with_the_reason_on_a_read_only_database(
    world: tuple[Path, Path], now: datetime
) -> None:
    config_path, db = world
    app = create_app(load_config(config_path), Path(read_only(db)), clock=lambda: now)
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/")
    assert page.status_code == 200  # reading works
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/draft/build", data={"csrf": token})
    assert answer.status_code == 503
    assert "storage_readonly" in answer.text and "Traceback" not in answer.text


def test_web_answers_503_on_a_corrupt_database(tmp_path: Path, now: datetime) -> None:
    db = tmp_path / "digest.sqlite"
    db.write_bytes(b"garbage" * 4096)
    config = load_config(write_config(tmp_path, []))
    client = TestClient(create_app(config, db, clock=lambda: now), base_url="http://127.0.0.1")
    answer = client.get("/")
    assert answer.status_code == 503 and "storage_corrupt" in answer.text


# --- cron and the lease ----------------------------------------------------------------


def test_fetch_turned_away_by_the_lease_exits_0_with_one_line(
    world: tuple[Path, Path], now: datetime, server: LoopbackServer
) -> None:
    config_path, db = world
    with Store.open(db) as store:
        store.acquire_lease(FETCH_LEASE, "daemon:1", now=now, ttl=timedelta(minutes=10))
    hits = server.hits_total()
    result = invoke(db, "fetch", "--all", config=config_path, now=now)
    assert result.exit_code == 0
    assert "another run is in progress" in one_line(result)
    strict = invoke(db, "fetch", "--all", "--strict-lease", config=config_path, now=now)
    assert strict.exit_code == EXIT_LEASE_HELD
    assert server.hits_total() == hits


def test_a_held_lease_is_checked_before_anything_is_written(
    world: tuple[Path, Path], now: datetime, tmp_path: Path
) -> None:
    _, db = world
    (tmp_path / "more").mkdir()
    new = {"url": "http://127.0.0.1:9/new.xml", "name": "New", "kind": "blog"}
    extra = write_config(tmp_path / "more", [new])
    with Store.open(db) as store:
        store.acquire_lease(FETCH_LEASE, "daemon:1", now=now, ttl=timedelta(minutes=10))
        with pytest.raises(LeaseHeldError):
            update(store, load_config(extra), now=now)
        assert store.feed_state("http://127.0.0.1:9/new.xml") is None  # no sync happened


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_lease_of_a_killed_process_on_this_host_is_taken_over_at_once(
    world: tuple[Path, Path], now: datetime
) -> None:
    config_path, db = world
    config = load_config(config_path)
    host = holder_id().rpartition(":")[0]
    dead = f"{host}:{_dead_pid()}"
    assert not holder_alive(dead) and holder_alive(holder_id())
    with Store.open(db) as store:
        store.acquire_lease(FETCH_LEASE, dead, now=now, ttl=timedelta(minutes=10))
        with fetch_lease(store, config, now=now + timedelta(seconds=1)):
            holder = store.db.conn.execute("SELECT holder FROM leases").fetchone()[0]
        assert holder == holder_id()


def test_a_live_holder_on_another_host_keeps_the_lease_until_it_expires(
    world: tuple[Path, Path], now: datetime
) -> None:
    config_path, db = world
    config = load_config(config_path)
    with Store.open(db) as store:
        store.acquire_lease(FETCH_LEASE, "elsewhere:1", now=now, ttl=timedelta(minutes=10))
        with pytest.raises(LeaseHeldError), fetch_lease(store, config, now=now):
            pass
        with fetch_lease(store, config, now=now + timedelta(minutes=11)):
            pass


def test_a_lease_expiring_in_2099_is_not_honoured(world: tuple[Path, Path], now: datetime) -> None:
    config_path, db = world
    with Store.open(db) as store:
        store.db.conn.execute(
            "INSERT INTO leases (name, holder, acquired_at, expires_at) "
            "VALUES (?, 'elsewhere:1', ?, '2099-01-01T00:00:00+00:00')",
            (FETCH_LEASE, now.isoformat()),
        )
        with fetch_lease(store, load_config(config_path), now=now):
            pass


# --- decisions stay interactive: the draft snapshot is read once per build -----------


def test_the_snapshot_cache_sees_a_rebuild_by_another_process_and_every_decision(
    world: tuple[Path, Path], now: datetime
) -> None:
    config_path, db = world
    config = load_config(config_path)
    with Store.open(db) as page, Store.open(db) as other:
        draft = drafting.require_draft(page, config)
        item = next(i for s in draft.sections for i in s.items)
        calls = 0
        original = DraftStore.load_draft  # the real read

        def counting(self: Store, *args: object, **kwargs: object) -> object:
            nonlocal calls
            calls += 1
            return original(self, *args, **kwargs)  # type: ignore[arg-type]

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(DraftStore, "load_draft", counting)
            drafting.decide(page, config, Action.APPROVE, item.key, now=now)
            assert calls == 0  # served from the cache, decisions applied fresh
            decided = drafting.require_draft(other, config).item(item.key)
            assert decided is not None and decided.status == ItemStatus.APPROVED
            # Another process rewrites the snapshot (no call through this process).
            raw = sqlite3.connect(db, isolation_level=None)
            raw.execute("UPDATE draft_items SET title = 'Rewritten' WHERE item_key = ?",
                        (item.key,))  # fmt: skip
            raw.execute("UPDATE drafts SET built_at = '2099-01-01T00:00:00+00:00'")
            raw.close()
            again = drafting.require_draft(page, config).item(item.key)
            assert calls == 1 and again is not None and again.generated_title == "Rewritten"
            raw = sqlite3.connect(db, isolation_level=None)
            raw.execute("UPDATE drafts SET status = 'approved'")
            raw.close()
            assert drafting.require_draft(page, config).status == DraftStatus.APPROVED


def test_web_answers_503_for_a_sqlite_error_that_got_past_the_store(
    world: tuple[Path, Path], now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.web._base import Web

    config_path, db = world

    async def broken(self: Web, fn: object) -> object:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Web, "run", broken)
    app = create_app(load_config(config_path), db, clock=lambda: now)
    answer = TestClient(app, base_url="http://127.0.0.1").get("/issues")
    assert answer.status_code == 503 and "disk I/O error" in answer.text


def test_a_constraint_failure_is_a_storage_error_but_not_an_unusable_database(
    tmp_path: Path, now: datetime
) -> None:
    db = tmp_path / "digest.sqlite"
    with Store.open(db) as store, pytest.raises(StorageError) as caught:
        with store_db.transaction(store.db) as conn:
            conn.execute("INSERT INTO leases (name, holder) VALUES ('x', NULL)")
    assert not isinstance(caught.value, StorageUnavailableError | StorageBusyError)
    assert "NOT NULL" in str(caught.value) and "report" in str(caught.value)
    assert exit_status(caught.value) == 1
