"""The review page in a real browser: Playwright driving Debian's chromium against
the app served by uvicorn on 127.0.0.1, over a draft built from feeds served by the
loopback test server. Playwright never downloads a browser here."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from browserkit import MARKS, chromium_tab, serving
from feedgen import Item, days_ago, load, rss, write_config
from httpserver import LoopbackServer

from digest.app import drafting, summarise
from digest.app.refresh import refresh
from digest.store import Store
from digest.types import Action, Config, Draft, ItemStatus

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = MARKS
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
    from conftest import NOW

    from digest.web.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    with LoopbackServer() as server:
        config, db = build_world(server, tmp, NOW)
        app = create_app(config, db, clock=lambda: NOW, out_dir=tmp / "out")
        with serving(app) as base:
            yield World(config, db, tmp / "out", base, server)


@pytest.fixture(scope="module")
def page(world: World) -> Iterator[Any]:
    with chromium_tab(timeout_ms=15_000) as tab:
        yield tab


def item(page: Any, key: str) -> Any:
    return page.locator(f'li.item[data-key="{key}"]')


def expand(page: Any, key: str) -> None:
    """Open an item's details (the page shows one line per candidate)."""
    more = item(page, key).locator("details.more")
    if more.get_attribute("open") is None:
        more.locator("> summary").click()


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
    expand(page, move_me.key)
    item(page, move_me.key).locator("select[name=section]").select_option(target)
    submit(page, item(page, move_me.key).locator("form.move button").click)
    assert world.draft().item(move_me.key).section == target  # type: ignore[union-attr]

    # Keyboard: focus "Move down" on the first tools item and press Enter.
    first, second = order(world, "tools")[:2]
    expand(page, first)
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
    expand(page, approve_me)
    edit.locator("details.edit summary").click()
    assert edit.locator(".generated").is_visible()
    edit.locator("input[name=title]").fill("An edited headline for the issue")
    edit.locator("textarea[name=summary]").fill("A summary the editor wrote by hand.")
    submit(page, edit.get_by_role("button", name="Save edits").click)
    edited = world.draft().item(approve_me)
    assert edited is not None and edited.title == "An edited headline for the issue"

    page.fill("#add-url", world.server.url("/posts/added.html"))
    submit(page, page.get_by_role("button", name="Add", exact=True).click)
    added = [i for i in world.draft().items() if i.title == ADDED_TITLE]
    assert added and added[0].status == ItemStatus.APPROVED
    said = item(page, added[0].key).locator(".flash.ok").inner_text()  # beside the item
    assert said.startswith(f"Added and approved: #{added[0].handle} \u201c{ADDED_TITLE}\u201d")
    assert page.url.endswith(f"#item-{added[0].key}") and focused(page) == added[0].key
    page.fill("#add-url", world.server.url("/posts/added.html"))
    submit(page, page.get_by_role("button", name="Add", exact=True).click)
    said = item(page, added[0].key).locator(".flash.ok").inner_text()
    assert said.startswith("Already in the draft: #") and "nothing changed" in said
    page.screenshot(path=str(ARTIFACTS / "draft-reviewed.png"), full_page=True)

    submit(page, page.get_by_role("button", name="Approve all placed items and the draft").click)
    assert world.draft().status.value == "approved"
    submit(page, page.get_by_role("link", name="Publish… (preview first)").click)
    assert "Publishing will publish" in page.inner_text("main")
    assert "No e-mail is configured" in page.inner_text("main")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open the issue page exactly as published").click()
    assert "An edited headline for the issue" in opened.value.content()
    opened.value.close()
    assert not (world.out / "issues" / "1" / "index.html").exists()  # a preview writes nothing
    page.screenshot(path=str(ARTIFACTS / "preview.png"), full_page=True)
    submit(page, page.get_by_role("button", name=re.compile(r"^Publish issue #1 now")).click)
    link = page.get_by_role("link", name="open issue #1")
    assert "Published" in page.locator(".flash.ok").inner_text() and link.is_visible()
    assert link.get_attribute("href") == "/out/issues/1/index.html"

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
    expand(page, key)
    submit(page, item(page, key).locator("form.move button").click)
    said = item(page, key).locator(".flash.error").inner_text()
    assert "was changed elsewhere" in said and said.startswith("Not saved: #")


def reopened(world: World) -> None:
    with Store.open(world.db) as store:
        if drafting.require_draft(store, world.config).status.value != "draft":
            drafting.reopen_draft(store, world.config, now=datetime.now().astimezone())


def focused(page: Any) -> str | None:
    key: str | None = page.evaluate(
        "document.activeElement && document.activeElement.closest('li.item')?.dataset.key"
    )
    return key


def press(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def all_pending(world: World) -> None:
    """Put every placed item back to pending (earlier tests approved them)."""
    reopened(world)
    now = datetime.now().astimezone()
    with Store.open(world.db) as store:
        for s in drafting.require_draft(store, world.config).sections:
            for i in s.items:
                if i.status != ItemStatus.PENDING:
                    drafting.decide(store, world.config, Action.RESET, i.key, now=now)


def test_keyboard_only_triage_with_undo_and_bulk(world: World, page: Any) -> None:
    all_pending(world)
    page.goto(world.base + "/?filter=pending")
    page.keyboard.press("j")
    first = focused(page)
    assert first is not None
    handle = world.draft().item(first).handle  # type: ignore[union-attr]
    press(page, "a")  # approved: it leaves the pending view, focus goes to the next one
    assert world.draft().item(first).status == ItemStatus.APPROVED  # type: ignore[union-attr]
    second = focused(page)
    assert second and second != first
    said = item(page, second).locator(".flash.ok").inner_text()
    assert said.startswith(f"Approved #{handle} \u201c")

    press(page, "r")
    assert world.draft().item(second).status == ItemStatus.REJECTED  # type: ignore[union-attr]
    press(page, "u")  # undo: the rejected item is back, focused
    assert world.draft().item(second).status == ItemStatus.PENDING  # type: ignore[union-attr]
    assert focused(page) == second and "Undone: rejected #" in page.inner_text("main")

    page.keyboard.press("x")
    page.keyboard.press("j")
    third = focused(page)
    assert third and third != second
    page.keyboard.press("x")
    page.select_option("#bulk-op", "reject")
    submit(page, page.get_by_role("button", name="Apply to selected").click)
    draft = world.draft()
    assert {draft.item(k).status for k in (second, third)} == {ItemStatus.REJECTED}  # type: ignore[union-attr]
    text = page.inner_text("main")
    assert text.count("rejected #") + text.count("Rejected #") == 2
    submit(page, page.locator(".flash.ok button.undo").first.click)  # undoes the batch
    draft = world.draft()
    assert {draft.item(k).status for k in (second, third)} == {ItemStatus.PENDING}  # type: ignore[union-attr]

    page.keyboard.press("?")
    assert page.locator("#keys-help").is_visible()
    page.keyboard.press("Escape")
    focus_on = focused(page) or second
    item(page, focus_on).focus()
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.name") == "title"


def test_a_conflict_keeps_the_typed_text_and_names_the_item(world: World, page: Any) -> None:
    reopened(world)
    page.goto(world.base + "/")
    key = next(i for s in world.draft().sections for i in s.items).key
    expand(page, key)
    item(page, key).locator("details.edit summary").click()
    item(page, key).locator("input[name=title]").fill("A headline typed in this tab")
    with Store.open(world.db) as store:  # another tab acts first
        drafting.decide(store, world.config, Action.REJECT, key, now=datetime.now().astimezone())
    submit(page, item(page, key).get_by_role("button", name="Save edits").click)
    assert page.url.endswith(f"/#item-{key}")  # not the POST's /decide
    kept = item(page, key).locator("input[name=title]")
    assert kept.input_value() == "A headline typed in this tab"
    said = item(page, key).locator(".flash.error").inner_text()
    handle = world.draft().item(key).handle  # type: ignore[union-attr]
    assert said.startswith(f"Not saved: #{handle} \u201c") and "now rejected" in said
    assert page.locator(".flash.error").count() == 1


def test_phone_sized_screens_do_not_overflow_and_targets_are_44px(world: World, page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    reopened(world)
    browser = page.context.browser
    for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
        tab = browser.new_page(viewport={"width": width, "height": height})
        for path in ("/", "/?show=unplaced", "/feeds", "/issues", "/search?q=sparse"):
            tab.goto(world.base + path)
            wide = tab.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (path, wide)
        tab.goto(world.base + "/")
        tab.screenshot(path=str(ARTIFACTS / f"draft-{name}.png"), full_page=True)
        if name == "phone":
            small = tab.evaluate("""Array.from(document.querySelectorAll(
                'main button, main select, main summary, main input:not([type=hidden])'))
                .filter(e => e.offsetParent !== null)
                .filter(e => { const r = e.getBoundingClientRect();
                               return r.height < 44 || r.width < 44; })
                .map(e => e.tagName + "." + e.className + " " + e.getBoundingClientRect().width
                          + "x" + e.getBoundingClientRect().height)""")
            assert small == [], small
        tab.close()
