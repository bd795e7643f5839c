"""The published issue page and the e-mail's HTML in a real browser (Playwright with
Debian's chromium, never a downloaded one) at a phone's and a desktop's width.

Screenshots go to test-artifacts/ for a person to look at; the assertions check what a
reader would notice: nothing wider than the screen, the image shown, headlines linked,
dark mode honoured by the e-mail. The browser never reaches the internet: every
http(s) request is answered by the test (the item's image) or refused."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_publish import make_issue, publish

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND"]  # fmt: skip
WIDTHS = (390, 1280)
IMAGE_URL = "https://news.example.org/img/lcr.png"


def png(width: int, height: int) -> bytes:
    """A small gradient PNG (RGB), so the screenshots show where the image sits."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in (60 + x * 150 // width, 110, 200 - y))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    archive = [make_issue(6, "Evaluation season"), make_issue(7)]
    publish(tmp, archive[1], archive)
    return tmp / "public"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def open_page(browser: Any, path: Path, width: int, scheme: str = "light") -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(15_000)
    image = png(200, 100)

    def answer(route: Any) -> None:
        if route.request.url == IMAGE_URL:
            route.fulfill(status=200, content_type="image/png", body=image)
        else:
            route.abort()  # nothing else leaves the machine

    page.route("http*://**/*", answer)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def assert_fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{scroll}px wide in a {width}px window"


@pytest.mark.parametrize("width", WIDTHS)
def test_issue_page_in_a_browser(browser: Any, site: Path, width: int) -> None:
    page = open_page(browser, site / "issues/7/index.html", width)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"issue-{width}.png"), full_page=True)
    assert_fits(page, width)
    image = page.locator("figure img")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 200
    box = image.bounding_box()
    assert box is not None and box["width"] <= width
    headline = page.get_by_role("link", name="Long-context retrieval without the cost")
    assert headline.get_attribute("href") == "https://arxiv.org/abs/2611.01234"
    assert page.get_by_role("link", name="paper on arxiv.org").count() == 2
    assert page.locator("#intro").inner_text().startswith("Welcome to issue 7!")
    assert page.get_by_role("link", name="← Previous issue").count() == 1
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_email_html_in_a_browser(browser: Any, site: Path, width: int) -> None:
    page = open_page(browser, site / "issues/7/email.html", width)
    page.screenshot(path=str(ARTIFACTS / f"email-{width}.png"), full_page=True)
    assert_fits(page, width)
    card = page.locator("table.card").bounding_box()
    assert card is not None and card["width"] <= min(600, width)
    assert page.locator("img").evaluate("img => img.naturalWidth") == 200
    # the preheader is in the document for inboxes but never shown
    assert not page.get_by_text("Welcome to issue 7! Thank you", exact=False).first.is_visible()
    assert page.get_by_role("link", name="Unsubscribe").get_attribute("href") == (
        "https://news.example.org/nlp/unsubscribe"
    )
    page.context.close()


def test_email_html_in_dark_mode(browser: Any, site: Path) -> None:
    page = open_page(browser, site / "issues/7/email.html", 390, scheme="dark")
    page.screenshot(path=str(ARTIFACTS / "email-390-dark.png"), full_page=True)
    background = page.locator("table.card").evaluate("t => getComputedStyle(t).backgroundColor")
    assert background == "rgb(22, 27, 34)"  # #161b22, not white
    page.context.close()
