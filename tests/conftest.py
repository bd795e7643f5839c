"""Shared fixtures. No test may reach the internet: any socket connect to a
non-loopback address fails loudly."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from httpserver import LoopbackServer
from smtpserver import Collector, running_smtpd

from digest import workers
from digest.store import Store
from digest.types import Config

if TYPE_CHECKING:
    from starlette.testclient import TestClient

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith("127.") or host in {"::1", "localhost", "0:0:0:0:0:0:0:1"}
    return True  # AF_UNIX paths


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise OSError(f"test tried to reach the internet: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        raise OSError(f"test tried to reach the internet: {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not beside this checkout")
    return CORPUS


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "db" / "test.sqlite") as s:
        yield s


@pytest.fixture
def client(world: tuple[Config, Path], now: datetime, tmp_path: Path) -> Iterator[TestClient]:
    """The web app over the module's ``world`` (its config and database), in-process."""
    from starlette.testclient import TestClient

    from digest.web.app import create_app

    config, db = world
    app = create_app(config, db, clock=lambda: now, out_dir=tmp_path / "out")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.fixture
def worker_starts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every worker process started during the test, recorded (they still start)."""
    started: list[object] = []
    real = workers._Worker.start.__func__  # type: ignore[attr-defined]

    def recorded(cls: type[workers._Worker], *args: object) -> workers._Worker:
        started.append(args)
        return real(cls, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(workers._Worker, "start", classmethod(recorded))
    return started


@pytest.fixture
def smtpd() -> Iterator[tuple[Collector, int]]:
    with running_smtpd() as running:
        yield running


@pytest.fixture(scope="session")
def bundled_engine() -> object:
    """The real bundled translation engine, loaded once per test session (about a
    second and ~150 MB): the edition use cases' own per-process engine, so the CLI
    tests reuse it too."""
    from digest.app.editions import _engine
    from digest.types import EditionSettings

    return _engine(EditionSettings("pt-BR"))
