"""The translator's review page in a real browser (Playwright driving Debian's
chromium against uvicorn on 127.0.0.1): the real bundled engine drafts a 5-item
pt-BR edition, the translator works from the keyboard, an English edit makes an
item stale on the page, and the edition is approved after a confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browserkit import MARKS, chromium_tab, serving
from translatorkit import edition_world

from digest.app import editions
from digest.store import Store
from digest.types import Config, EditionView, TranslationStatus
from digest.types.edition import ISSUE_TITLE

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = MARKS
PAGE = "/editions/pt-BR"


@dataclass
class World:
    config: Config
    db: Path
    base: str

    def view(self) -> EditionView:
        with Store.open(self.db) as store:
            return editions.edition_view(store, self.config, "pt-BR")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from conftest import NOW

    from digest.web.app import create_app

    tmp = tmp_path_factory.mktemp("edition")
    config, db = edition_world(tmp, NOW, count=5)
    app = create_app(config, db, clock=lambda: NOW, out_dir=tmp / "out")
    with serving(app) as base:
        yield World(config, db, base)


@pytest.fixture(scope="module")
def page(world: World) -> Iterator[Any]:
    with chromium_tab(timeout_ms=20_000) as tab:
        yield tab


def card(page: Any, key: str) -> Any:
    return page.locator(f'li.tr[data-key="{key}"]')


def focused(page: Any) -> str | None:
    key: str | None = page.evaluate(
        "document.activeElement && document.activeElement.closest('li.tr')"
        " ? document.activeElement.closest('li.tr').dataset.key : null"
    )
    return key


def submit(page: Any, act: Callable[[], None]) -> None:
    with page.expect_navigation():
        act()


def test_translate_then_review_from_the_keyboard(world: World, page: Any) -> None:
    page.goto(world.base + "/")
    submit(page, page.get_by_role("link", name="pt-BR edition").click)
    assert page.locator("li.tr:not(.issue-title)").count() == 5
    assert page.locator("li.tr.issue-title").count() == 1  # the issue title, at the top
    assert page.locator("li.tr .col.machine", has_text="Not translated yet").count() == 5

    page.keyboard.press("t")  # the real engine drafts the five items
    page.wait_for_load_state()
    page.wait_for_selector("text=Machine-translated 5 items.")
    assert page.locator("li.tr .col.machine", has_text="Not translated yet").count() == 0
    assert all(i.machine_summary for i in world.view().items)

    page.keyboard.press("j")  # the issue title first, edited like an item from the keyboard
    assert focused(page) == ISSUE_TITLE
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.name") == "title"
    card(page, ISSUE_TITLE).locator("input[name=title]").fill("Uma semana de modelos")
    submit(page, lambda: page.keyboard.press("Control+Enter"))
    heading = world.view().issue_title
    assert (heading.title, heading.status) == ("Uma semana de modelos", TranslationStatus.REVIEWED)
    assert focused(page) == ISSUE_TITLE
    assert "Saved the issue title" in card(page, ISSUE_TITLE).locator(".flash.ok").inner_text()

    page.keyboard.press("j")
    first = focused(page)
    assert first == world.view().items[0].key
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.name") == "summary"
    box = card(page, first).locator("textarea[name=summary]")
    box.fill("Um modelo que julga as próprias respostas (NT: LLM-as-a-judge).")
    submit(page, lambda: page.keyboard.press("Control+Enter"))
    item = world.view().item(first)
    assert item is not None and item.status is TranslationStatus.REVIEWED
    assert item.summary.startswith("Um modelo que julga")
    assert focused(page) == first  # the page comes back on the item
    assert card(page, first).locator(".badge.reviewed").count() == 1
    assert "Saved #" in card(page, first).locator(".flash.ok").inner_text()

    page.keyboard.press("j")
    second = focused(page)
    assert second and second != first
    submit(page, lambda: page.keyboard.press("r"))
    assert world.view().item(second).status is TranslationStatus.REVIEWED  # type: ignore[union-attr]

    page.keyboard.press("?")
    assert page.locator("#keys-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#keys-help").is_visible()


def edit_english_on_the_draft_page(world: World, page: Any, key: str, summary: str) -> None:
    """The editor reopens the approved English draft, rewrites an item's summary and
    approves the draft again, all on the draft page."""
    page.goto(world.base + "/")
    submit(page, page.get_by_role("button", name="Reopen for review").click)
    english = page.locator(f'li.item[data-key="{key}"]')
    english.locator("details.more > summary").click()
    english.locator("details.edit > summary").click()
    english.locator("textarea[name=summary]").fill(summary)
    submit(page, english.get_by_role("button", name="Save edits").click)
    submit(page, page.get_by_role("button", name="Approve the draft (approved items only)").click)


def test_an_english_edit_shows_stale_then_approve_after_a_confirmation(
    world: World, page: Any
) -> None:
    item = world.view().items[0]
    assert item.status is TranslationStatus.REVIEWED  # from the test above
    edit_english_on_the_draft_page(world, page, item.key, "The summary, rewritten by the editor.")
    assert world.view().item(item.key).status is TranslationStatus.STALE  # type: ignore[union-attr]
    page.goto(world.base + PAGE + "?filter=work")
    stale = card(page, item.key)
    assert stale.locator(".badge.stale").count() == 1
    assert "The English text changed" in stale.locator(".stale-note").inner_text()
    assert "rewritten by the editor" in stale.locator(".col.source").inner_text()
    assert "Your translation is kept below" in stale.locator(".stale-note").inner_text()
    assert stale.locator("textarea[name=summary]").input_value() == item.summary  # kept

    machine = world.view().item(item.key).machine_summary  # type: ignore[union-attr]
    stale.get_by_role("button", name="Start from the machine draft").click()
    assert stale.locator("textarea[name=summary]").input_value() == machine
    assert world.view().item(item.key).summary == item.summary  # type: ignore[union-attr]
    page.evaluate("document.querySelectorAll('form.edit').forEach(f => delete f.dataset.dirty)")
    page.reload()  # not saved: the box shows the translator's text again
    assert stale.locator("textarea[name=summary]").input_value() == item.summary

    said: list[str] = []
    page.once("dialog", lambda d: (said.append(d.message), d.dismiss()))
    page.keyboard.press("a")  # dismissed: nothing is posted
    assert said and "Approve the pt-BR edition of issue #1?" in said[0]
    assert not world.view().approved

    stale.focus()
    submit(page, lambda: page.keyboard.press("r"))
    assert world.view().item(item.key).status is TranslationStatus.REVIEWED  # type: ignore[union-attr]
    for key in [i.key for i in world.view().items if i.status is not TranslationStatus.REVIEWED]:
        card(page, key).focus()
        submit(page, lambda: page.keyboard.press("r"))
    page.once("dialog", lambda d: d.accept())
    submit(page, lambda: page.keyboard.press("a"))
    assert world.view().approved
    assert "is approved" in page.locator("#messages").inner_text()
    assert page.locator("textarea").count() == 0
    submit(page, page.get_by_role("button", name="Reopen for review").click)
    assert not world.view().approved


def test_typed_text_is_never_lost_silently(world: World, page: Any) -> None:
    from conftest import NOW

    first, second = world.view().items[:2]
    page.goto(world.base + PAGE)
    box = card(page, first.key).locator("textarea[name=summary]")
    box.fill("Texto digitado e ainda não salvo.")
    said: list[str] = []
    page.once("dialog", lambda d: (said.append(d.message), d.dismiss()))
    card(page, second.key).focus()
    page.keyboard.press("t")  # another action would reload the page: it asks first
    assert said and f"{first.title} is not saved" in said[0]
    assert box.input_value() == "Texto digitado e ainda não salvo."

    with Store.open(world.db) as store:  # meanwhile another tab saves the same item
        editions.edit_translation(store, world.config, "pt-BR", first.key,
                                  summary="Salvo em outra aba.", now=NOW)  # fmt: skip
    box.focus()
    submit(page, lambda: page.keyboard.press("Control+Enter"))
    assert page.url.endswith(f"{PAGE}#tr-{first.key}")  # not the POST's /edit
    kept = card(page, first.key).locator("textarea[name=summary]")
    assert kept.input_value() == "Texto digitado e ainda não salvo."
    page.wait_for_function("document.activeElement && document.activeElement.name === 'summary'")
    said_409 = card(page, first.key).locator(".flash.error").inner_text()
    assert said_409.startswith(f"Not saved: #{first.handle}") and "typed text is kept" in said_409
    assert world.view().item(first.key).summary == "Salvo em outra aba."  # type: ignore[union-attr]


def test_phone_and_desktop_layouts(world: World, page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    browser = page.context.browser
    for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
        tab = browser.new_page(viewport={"width": width, "height": height})
        tab.goto(world.base + PAGE)
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        columns = tab.evaluate("""Array.from(document.querySelector('li.tr .cols').children)
            .map(c => Math.round(c.getBoundingClientRect().left))""")
        assert len(set(columns)) == (1 if name == "phone" else 3), columns  # stacked / side by side
        tab.screenshot(path=str(ARTIFACTS / f"edition-{name}.png"), full_page=True)
        if name == "phone":
            small = tab.evaluate("""Array.from(document.querySelectorAll(
                'main button, main select, main summary, main input:not([type=hidden])'))
                .filter(e => e.offsetParent !== null)
                .filter(e => { const r = e.getBoundingClientRect();
                               return r.height < 44 || r.width < 44; })
                .map(e => e.tagName + "." + e.className)""")
            assert small == [], small
        tab.close()
