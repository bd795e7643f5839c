"""Installed is the same as cloned: build the wheel, install it into a fresh virtualenv,
and run `digest` from an empty folder, as a user who never saw the checkout would.

One module-scoped fixture builds the wheel, makes the venv (dependencies from the
package index; pip's cache makes it quick) and runs `digest demo`; the tests then
publish again, serve the review pages and fetch every page those link to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.html
import pytest
from starlette.routing import Mount, Route

from digest.config import load_config
from digest.web.app import create_app

# Setup (build, venv, install, demo) runs inside the first test's timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "digest"
# What setuptools reads to build the wheel (add any file pyproject.toml starts to name,
# such as a license file); copied so the build's own build/ and *.egg-info, where a
# stale file could hide a missing one, never land in the checkout.
BUILD_INPUTS = ("pyproject.toml", "README.md", "digest")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")
# Output files that publish writes but the review pages do not serve, by design.
NOT_SERVED = {".eml"}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    work: Path  # an empty folder, not the checkout: no feeds.yaml, no templates/
    demo_stdout: str

    @property
    def digest(self) -> str:
        return str(self.venv / "bin" / "digest")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def demo_dir(self) -> Path:
        return self.work / "demo-output"

    def with_demo_db(self, config: Path) -> list[str]:
        return [self.digest, "--config", str(config), "--db", str(self.demo_dir / "demo.sqlite")]


# --- running commands -------------------------------------------------------------


def fresh_env(venv: Path | None = None) -> dict[str, str]:
    """The environment without this test run's venv, paths or digest settings."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DIGEST_CONFIG", "DIGEST_DB"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(COLUMNS="200", NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def run(args: Sequence[str], *, cwd: Path, timeout: float, env: dict[str, str]) -> str:
    """Run a command in its own process group; its stdout, or a failure that shows why."""
    shown = " ".join(args)
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its workers too (the demo's fork server)
        out, err = proc.communicate()
        pytest.fail(f"`{shown}` took more than {timeout:.0f} s\n{tail(out)}\n{tail(err)}")
    assert proc.returncode == 0, (
        f"`{shown}` (in {cwd}) exited {proc.returncode}\n"
        f"--- stdout\n{tail(out)}\n--- stderr\n{tail(err)}"
    )
    return out


# --- the installed copy -----------------------------------------------------------


def build_wheel(base: Path) -> Path:
    source = base / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=SKIPPED)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = base / "dist"
    # An absolute path: a bare name would be looked up on the package index.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
         str(source.resolve())], cwd=base, timeout=300, env=fresh_env())  # fmt: skip
    wheels = sorted(dist.glob("digest-*.whl"))
    assert len(wheels) == 1, f"expected one digest wheel in {dist}, found {wheels}"
    return wheels[0]


def make_venv(venv: Path, wheel: Path) -> None:
    run([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent, timeout=120,
        env=fresh_env())  # fmt: skip
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        cwd=venv.parent, timeout=600, env=fresh_env(venv))  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(base)
    venv = base / "venv"
    make_venv(venv, wheel)
    work = base / "empty"
    work.mkdir()
    # The demo serves its own sample site on 127.0.0.1 and publishes every format.
    out = run([str(venv / "bin" / "digest"), "demo"], cwd=work, timeout=300,
              env=fresh_env(venv))  # fmt: skip
    return Installed(wheel, venv, work, out)


def in_venv(installed: Installed, *args: str, timeout: float = 120) -> str:
    return run(args, cwd=installed.work, timeout=timeout, env=fresh_env(installed.venv))


def source_files() -> set[str]:
    """Every file of the package in the checkout, as wheel member names."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


# --- the tests --------------------------------------------------------------------


def test_wheel_ships_every_file_of_the_package(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    missing = sorted(source_files() - names)
    assert not missing, (
        f"the wheel lacks {len(missing)} file(s) of digest/: {missing}; "
        "add their pattern to [tool.setuptools.package-data] in pyproject.toml"
    )
    assert any(n.startswith("digest/publish/templates/") for n in names)
    dist_info = installed.wheel.name.split("-py")[0] + ".dist-info/"
    strays = sorted(n for n in names if not n.startswith(("digest/", dist_info)))
    assert not strays, f"the wheel carries files outside the package: {strays}"


def test_fresh_venv_is_consistent(installed: Installed) -> None:
    out = in_venv(installed, installed.python, "-m", "pip", "check")
    assert "No broken requirements" in out, out
    # trafilatura's jusText imports lxml.html.clean (lxml_html_clean since lxml 5.2).
    in_venv(installed, installed.python, "-c", "import lxml.html.clean")
    where = in_venv(installed, installed.python, "-c", "import digest; print(digest.__file__)")
    site = installed.venv / "lib"
    assert Path(where.strip()).is_relative_to(site), f"digest imported from {where.strip()}"
    version = in_venv(installed, installed.python, "-m", "digest", "--version")
    assert "0.1.0" in version, version


def test_demo_publishes_every_format(installed: Installed) -> None:
    public = installed.demo_dir / "public"
    assert "published" in installed.demo_stdout, tail(installed.demo_stdout)
    for name in ("index.html", "feed.atom", "feed.json", "issues/1/index.html", "issues/1.md"):
        path = public / name
        assert path.is_file(), f"`digest demo` wrote no {path}"
        assert path.stat().st_size > 0, f"`digest demo` wrote an empty {path}"
    assert "LoomBench" in (public / "issues/1.md").read_text(encoding="utf-8")
    # Installed without the `translate` extra, the demo skips its edition in one line.
    assert "pt-BR edition skipped:" in installed.demo_stdout, tail(installed.demo_stdout)
    assert "pip install 'digest[translate]'" in installed.demo_stdout
    assert not (public / "pt-br").exists()


def test_publish_again_with_an_override_template(installed: Installed) -> None:
    """`digest publish` renders the demo's issue again; a template in `templates/`
    beside feeds.yaml replaces that one shipped template and no other."""
    editor = installed.work / "editor"
    (editor / "templates").mkdir(parents=True)
    shutil.copy2(installed.demo_dir / "feeds.yaml", editor / "feeds.yaml")
    (editor / "templates" / "issue.md.j2").write_text(
        "EDITOR'S OWN {{ issue.heading }}\n", encoding="utf-8"
    )
    # The demo leaves its draft in review (the editor's week starts there): approve it.
    in_venv(installed, *installed.with_demo_db(editor / "feeds.yaml"), "draft", "approve")
    out = in_venv(installed, *installed.with_demo_db(editor / "feeds.yaml"), "publish")
    public = editor / "public"
    assert str(public / "issues" / "1" / "index.html") in out, out
    markdown = (public / "issues" / "1.md").read_text(encoding="utf-8")
    assert markdown.startswith("EDITOR'S OWN "), markdown[:200]
    shipped = (installed.demo_dir / "public" / "issues" / "1" / "index.html").read_text("utf-8")
    html = (public / "issues" / "1" / "index.html").read_text(encoding="utf-8")
    assert "LoomBench" in html and "EDITOR'S OWN" not in html
    assert len(html) > len(shipped) // 2, "the shipped HTML template was not used"
    for name in ("index.html", "feed.atom", "feed.json"):
        assert (public / name).stat().st_size > 0, f"publish wrote an empty {name}"


# --- serving ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the server's process group (only it: the group was made for it)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def wait_until_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`digest serve` exited {proc.returncode}:\n{tail(log.read_text())}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"`digest serve` did not listen on port {port} in 60 s:\n{tail(log.read_text())}")


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:port
    log: Path  # the server's stdout and stderr


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[Served]:
    """`digest serve` of the installed copy over the demo's database."""
    port = free_port()
    log = installed.work / "serve.log"
    args = [*installed.with_demo_db(installed.demo_dir / "feeds.yaml"), "serve",
            "--port", str(port)]  # fmt: skip
    with log.open("wb") as sink:
        proc = subprocess.Popen(args, cwd=installed.work, env=fresh_env(installed.venv),
                                stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
                                start_new_session=True)  # fmt: skip
    try:
        wait_until_listening(proc, port, log)
        yield Served(f"http://127.0.0.1:{port}", log)
    finally:
        stop(proc)


def same_origin_links(base: str, page: str, html: str) -> set[str]:
    """Paths (with query, without fragment) that ``page`` links to or loads with GET."""
    found = set()
    for element, attribute, link, _pos in lxml.html.fromstring(html).iterlinks():
        if attribute == "action" and element.get("method", "get").lower() != "get":
            continue  # a form that changes something: not a page
        url = urlsplit(urljoin(base + page, link))
        if f"{url.scheme}://{url.netloc}" == base:
            found.add(url.path + (f"?{url.query}" if url.query else ""))
    return found


def crawl(client: httpx.Client, served: Served, seeds: set[str]) -> dict[str, httpx.Response]:
    """GET the seeds and every same-origin page they link to, breadth first."""
    fetched: dict[str, httpx.Response] = {}
    queue = sorted(seeds)
    while queue:
        path = queue.pop(0)
        if path in fetched:
            continue
        assert len(fetched) < 200, f"more than 200 pages linked: {sorted(fetched)}"
        try:
            response = client.get(path)
        except httpx.HTTPError as e:
            pytest.fail(f"GET {path}: {e!r}; the server's log:\n{tail(served.log.read_text())}")
        fetched[path] = response
        if response.headers.get("content-type", "").startswith("text/html"):
            queue += sorted(same_origin_links(served.base, path, response.text) - set(fetched))
    return fetched


def get_routes(installed: Installed) -> list[Any]:
    """The review app's routes, as the serve command builds them."""
    config = load_config(installed.demo_dir / "feeds.yaml")
    app: Any = create_app(config, installed.demo_dir / "demo.sqlite")
    while not hasattr(app, "routes"):  # through the middleware to the Starlette app
        app = app.app
    return list(app.routes)


def is_get(route: Any) -> bool:
    return isinstance(route, Route) and "GET" in (route.methods or ())


def is_covered(route: Any, paths: set[str]) -> bool:
    if isinstance(route, Mount):
        return any(p.startswith(route.path + "/") for p in paths)
    return any(route.path_regex.fullmatch(p) for p in paths)


def test_serve_answers_every_page(installed: Installed, served: Served) -> None:
    static = {f"/static/{p.name}" for p in (PACKAGE / "web" / "static").iterdir() if p.is_file()}
    seeds = {"/", "/?show=unplaced", "/issues", "/feeds", "/search", "/search?q=LoomBench",
             "/refresh/status", "/refresh/status?format=json", "/favicon.ico", *static}  # fmt: skip
    with httpx.Client(base_url=served.base, timeout=30, follow_redirects=False) as client:
        fetched = crawl(client, served, seeds)
    statuses = {path: r.status_code for path, r in fetched.items()}
    expected = {path: 204 if path == "/favicon.ico" else 200 for path in fetched}  # no icon
    wrong = {path: status for path, status in statuses.items() if status != expected[path]}
    assert not wrong, f"pages that did not answer as expected (path: status): {wrong}"
    empty = sorted(p for p, r in fetched.items() if r.status_code == 200 and not r.content)
    assert not empty, f"empty pages: {empty}"

    # Every published output is linked from the pages and served.
    public = installed.demo_dir / "public"
    outputs = {
        "/out/" + p.relative_to(public).as_posix()
        for p in public.rglob("*")
        if p.is_file() and p.suffix not in NOT_SERVED
    }
    assert outputs, f"nothing published in {public}"
    assert outputs <= set(fetched), f"outputs not linked from the pages: {outputs - set(fetched)}"

    # Every GET route of the app was fetched at least once (a new page needs a seed here).
    paths = {urlsplit(p).path for p in fetched}
    routes = [r for r in get_routes(installed) if isinstance(r, Mount) or is_get(r)]
    unvisited = [r.path for r in routes if not is_covered(r, paths)]
    assert not unvisited, f"GET routes this test never fetched: {unvisited}"

    assert "LoomBench" in fetched["/"].text, "the draft page does not show the demo's draft"
    assert "Faithfulness" in fetched["/search?q=LoomBench"].text, "search found nothing"
    assert fetched["/refresh/status?format=json"].json() is not None
