"""The review page in a real browser: Playwright driving Debian's chromium against
the app served by uvicorn on 127.0.0.1, over a draft built from feeds served by the
loopback test server. Playwright never downloads a browser here."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from feedgen import Item, days_ago, load, rss, write_config
from httpserver import LoopbackServer

from digest.app import drafting, summarise
from digest.app.refresh import refresh
from digest.store import Store
from digest.types import Action, Config, Draft, ItemStatus

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ADDED_TITLE = "Field notes on tokenizers for Portuguese"
ADDED_PAGE = f"""<html><head><title>{ADDED_TITLE}</title></head><body>
<article><h1>{ADDED_TITLE}</h1>
{
    "<p>Tokenizers split Portuguese words in surprising ways: clitics, accents and "
    "contractions all change how a language model sees a sentence. These notes compare "
    "several tokenizers on news text and explain what we changed in our own pipeline.</p>" * 4
}
</article></body></html>"""
LONG = (
    "A careful, complete write-up about an open-source library release with datasets, "
    "benchmarks and documentation for people building language tools. "
) * 3


@dataclass
class World:
    config: Config
    db: Path
    out: Path
    base: str
    server: LoopbackServer

    def draft(self) -> Draft:
        with Store.open(self.db) as store:
            return drafting.require_draft(store, self.config)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_world(server: LoopbackServer, tmp: Path, now: datetime) -> tuple[Config, Path]:
    import test_pipeline  # the lead's end-to-end world: four kinds of feed

    sources = test_pipeline.serve_world(server, now)
    server.route("/tools.xml", body=rss("Tools weekly", [
        Item(f"Toolkit release {n}", server.url(f"/tools/{n}.html"), LONG,
             published=days_ago(now, 0.5 + n / 4))
        for n in range(4)
    ]))  # fmt: skip
    server.route("/posts/added.html", body=ADDED_PAGE, content_type="text/html; charset=utf-8")
    sources.append({"name": "Tools weekly", "url": server.url("/tools.xml"), "kind": "blog",
                    "section": "tools", "extract": "never"})  # fmt: skip
    config = load(write_config(tmp, sources))
    db = tmp / "db" / "browser.sqlite"
    with Store.open(db) as store:
        refresh(store, config, now=now)
        summarise.summarise_pending(store, config, now=now)
        drafting.build_draft(store, config, now=now)
    return config, db


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    import uvicorn
    from conftest import NOW

    from digest.web.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    with LoopbackServer() as server:
        config, db = build_world(server, tmp, NOW)
        app = create_app(config, db, clock=lambda: NOW, out_dir=tmp / "out")
        port = free_port()
        uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))  # fmt: skip
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not uv.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert uv.started, "uvicorn did not start"
        yield World(config, db, tmp / "out", f"http://127.0.0.1:{port}", server)
        uv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def page(world: World) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
        context.close()
        browser.close()


def item(page: Any, key: str) -> Any:
    return page.locator(f'li.item[data-key="{key}"]')


def submit(page: Any, click: Callable[[], None]) -> None:
    with page.expect_navigation():
        click()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def order(world: World, section: str) -> list[str]:
    return [i.key for s in world.draft().sections if s.config.key == section for i in s.items]


def test_review_reorder_edit_add_approve_and_publish(world: World, page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(world.base + "/")
    page.screenshot(path=str(ARTIFACTS / "draft-before.png"), full_page=True)
    draft = world.draft()
    tools = order(world, "tools")
    assert len(tools) >= 3, tools
    others = [i for s in draft.sections if s.config.key != "tools" for i in s.items]
    approve_me, reject_me, move_me = tools[0], tools[1], others[0]

    submit(page, item(page, approve_me).locator("button.approve").click)
    assert world.draft().item(approve_me).status == ItemStatus.APPROVED  # type: ignore[union-attr]
    assert page.locator(".flash.ok").first.is_visible()

    submit(page, item(page, reject_me).locator("button.reject").click)
    assert world.draft().item(reject_me).status == ItemStatus.REJECTED  # type: ignore[union-attr]

    target = "ethics" if move_me.section != "ethics" else "education"
    item(page, move_me.key).locator("select[name=section]").select_option(target)
    submit(page, item(page, move_me.key).locator("form.move button").click)
    assert world.draft().item(move_me.key).section == target  # type: ignore[union-attr]

    # Keyboard: focus "Move down" on the first tools item and press Enter.
    first, second = order(world, "tools")[:2]
    item(page, first).get_by_role("button", name=re.compile("down$")).focus()
    submit(page, lambda: page.keyboard.press("Enter"))
    assert order(world, "tools")[:2] == [second, first]

    # Drag the second tools item onto the first one (real mouse steps: HTML5 drag).
    before = order(world, "tools")
    item(page, before[0]).scroll_into_view_if_needed()
    src, dst = item(page, before[1]).bounding_box(), item(page, before[0]).bounding_box()
    with page.expect_navigation():
        page.mouse.move(src["x"] + 8, src["y"] + 8)
        page.mouse.down()
        page.mouse.move(src["x"] + 20, src["y"] + 20, steps=4)
        page.mouse.move(dst["x"] + 8, dst["y"] + 8, steps=8)
        page.mouse.up()
    wait_for(lambda: order(world, "tools")[:2] == before[1::-1], "the drag to be saved")

    # Edit title and summary; the generated text is shown beside the form.
    edit = item(page, approve_me)
    edit.locator("details.edit summary").click()
    assert edit.locator(".generated").is_visible()
    edit.locator("input[name=title]").fill("An edited headline for the issue")
    edit.locator("textarea[name=summary]").fill("A summary the editor wrote by hand.")
    submit(page, edit.get_by_role("button", name="Save edits").click)
    edited = world.draft().item(approve_me)
    assert edited is not None and edited.title == "An edited headline for the issue"

    page.fill("#add-url", world.server.url("/posts/added.html"))
    submit(page, page.get_by_role("button", name="Add", exact=True).click)
    assert "added and approved" in page.locator("#messages").inner_text()
    added = [i for i in world.draft().items() if i.title == ADDED_TITLE]
    assert added and added[0].status == ItemStatus.APPROVED
    page.screenshot(path=str(ARTIFACTS / "draft-reviewed.png"), full_page=True)

    submit(page, page.get_by_role("button", name="Approve all placed items and the draft").click)
    assert world.draft().status.value == "approved"
    submit(page, page.get_by_role("button", name="Publish").click)
    assert "published" in page.locator("#messages").inner_text()

    html = (world.out / "issues" / "1" / "index.html").read_text(encoding="utf-8")
    assert "An edited headline for the issue" in html and ADDED_TITLE in html
    section_of = {s.key: s.title for s in world.config.sections}
    heads = [m.start() for m in re.finditer(r"<section id=", html)]
    start = html.index(f"<h2>{section_of[target]} ")  # the title, then its icon
    end = min((h for h in heads if h > start), default=len(html))
    assert move_me.title in html[start:end]
    page.goto(world.base + "/issues")
    assert page.get_by_role("link", name="HTML").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "issues.png"), full_page=True)


def test_a_stale_tab_gets_the_conflict_message(world: World, page: Any) -> None:
    with Store.open(world.db) as store:
        drafting.reopen_draft(store, world.config, now=datetime.now().astimezone())
    page.goto(world.base + "/")
    key = next(i for s in world.draft().sections for i in s.items).key
    with Store.open(world.db) as store:  # another tab acts first
        drafting.decide(store, world.config, Action.RESET, key,
                        now=datetime.now().astimezone())  # fmt: skip
    submit(page, item(page, key).locator("form.move button").click)
    assert "changed elsewhere; reload" in page.locator("#messages").inner_text()
