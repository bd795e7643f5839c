"""The review web app without a browser (Starlette's TestClient): security rows
O2, O8, O9, O10, each action against what the CLI's pipeline calls would record,
stale-tab conflicts, and the output-file route."""

from __future__ import annotations

import html
import re
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from feedgen import load, write_config

from digest.app import drafting, summarise
from digest.app.lease import FETCH_LEASE
from digest.errors import ConfigError, StorageBusyError
from digest.store import Store
from digest.types import Config, Draft, EntryData, Fetched, ItemStatus, ParsedFeed
from digest.web.app import create_app
from digest.web.security import CSP, safe_next

with warnings.catch_warnings():  # starlette 1.x nags about httpx vs httpx2; httpx is fine here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EVIL_TITLE = '"><img src=x onerror=alert(1)> {{7*7}}'
BODY = (
    "<p>We study how language models handle long documents, with a new benchmark of "
    "retrieval and reasoning tasks across many domains and careful error analysis. "
    "The results show where attention fails and how a small change helps a lot.</p>"
)


def feed_entries(now: datetime, prefix: str, count: int) -> tuple[EntryData, ...]:
    return tuple(
        EntryData(
            guid=f"{prefix}-{n}",
            link=f"https://example.org/{prefix}/{n}",
            title=EVIL_TITLE if n == 0 and prefix == "blog" else f"{prefix} post number {n}",
            published=now - timedelta(hours=6 + n * 5),
            summary_html=BODY,
        )
        for n in range(count)
    )


def make_world(tmp_path: Path, now: datetime, count: int = 8) -> tuple[Config, Path]:
    """A config + database whose draft is built, without any network."""
    sources = [
        {"name": "Lab blog", "url": "http://127.0.0.1:9/blog.xml", "kind": "blog",
         "extract": "never"},
        {"name": "arXiv cs.CL", "url": "http://127.0.0.1:9/arxiv.xml", "kind": "news",
         "section": "publications", "extract": "never"},
    ]  # fmt: skip
    config = load(write_config(tmp_path, sources))
    db = tmp_path / "db" / "web.sqlite"
    with Store.open(db) as store:
        store.sync_sources(config.sources, now=now)
        for source, prefix in zip(config.sources, ("blog", "paper"), strict=True):
            result = Fetched(source.url, source.url, 200, {}, b"")
            feed = ParsedFeed(source.url, source.name, None, feed_entries(now, prefix, count))
            store.record_fetch(result, feed, now=now, next_fetch_at=now + timedelta(hours=1))
        summarise.summarise_pending(store, config, now=now)
        drafting.build_draft(store, config, now=now)
    return config, db


@pytest.fixture
def world(tmp_path: Path, now: datetime) -> tuple[Config, Path]:
    return make_world(tmp_path, now)


def csrf_of(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def current(world: tuple[Config, Path]) -> Draft:
    config, db = world
    with Store.open(db) as store:
        return drafting.require_draft(store, config)


def act(client: TestClient, draft: Draft, key: str, op: str, **fields: str) -> object:
    item = draft.item(key)
    assert item is not None
    data = {"csrf": csrf_of(client), "draft": draft.key, "item": key,
            "version": str(item.version), "op": op, "next": "/", **fields}  # fmt: skip
    return client.post("/decide", data=data, follow_redirects=False)


# --- headers, CSRF, origin, host, token --------------------------------------------


@pytest.mark.parametrize("path", ["/", "/issues", "/feeds", "/search?q=x", "/refresh/status",
                                  "/static/review.js", "/nope"])  # fmt: skip
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text and " on" + "load=" not in response.text


def test_cookies_are_httponly_and_samesite_strict(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


@pytest.mark.parametrize("path", ["/decide", "/draft/approve", "/publish", "/draft/build",
                                  "/add", "/refresh", "/draft/reopen"])  # fmt: skip
def test_posts_without_a_valid_csrf_token_are_refused(client: TestClient, path: str) -> None:
    csrf_of(client)
    assert client.post(path, data={}).status_code == 403
    assert client.post(path, data={"csrf": "forged"}).status_code == 403
    fresh = TestClient(client.app, base_url="http://127.0.0.1:8000")  # no cookie at all
    assert fresh.post(path, data={"csrf": csrf_of(client)}).status_code == 403


def test_a_foreign_origin_is_refused_even_with_a_token(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    token = csrf_of(client)
    headers = {"origin": "https://evil.example"}
    response = client.post("/draft/approve", data={"csrf": token}, headers=headers)
    assert response.status_code == 403
    cross = client.post("/draft/approve", data={"csrf": token},
                        headers={"sec-fetch-site": "cross-site"})  # fmt: skip
    assert cross.status_code == 403
    assert current(world).status.value == "draft"
    same = {"origin": "http://127.0.0.1:8000"}
    ok = client.post("/draft/approve", data={"csrf": token}, headers=same, follow_redirects=False)
    assert ok.status_code == 303 and current(world).status.value == "approved"


def test_a_foreign_host_header_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_binding_beyond_loopback_needs_a_token(world: tuple[Config, Path], now: datetime) -> None:
    config, db = world
    with pytest.raises(ConfigError):
        create_app(config, db, host="0.0.0.0")
    app = create_app(config, db, host="192.0.2.10", token="s3cret", clock=lambda: now)
    c = TestClient(app, base_url="http://192.0.2.10:8000")
    assert c.get("/").status_code == 401
    assert c.get("/static/review.css").status_code == 401
    assert c.get("/?token=wrong").status_code == 401
    assert c.get("/?token=s3cret").status_code == 200
    assert c.get("/feeds").status_code == 200  # the cookie carries it from now on


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "////evil.example",
                                    "https:evil.example", "https://evil.example", "/\tevil",
                                    "javascript:alert(1)", "", "evil"])  # fmt: skip
def test_redirects_stay_on_this_site(client: TestClient, target: str) -> None:
    assert safe_next(target) == "/"
    response = client.post("/draft/build", data={"csrf": csrf_of(client), "next": target},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_relative_next_is_kept() -> None:
    assert safe_next("/feeds?x=1#a") == "/feeds?x=1#a"


# --- the draft page and actions -----------------------------------------------------


def test_draft_page_shows_sections_counters_items_and_escapes_feed_text(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    page = client.get("/").text
    draft = current(world)
    for section in draft.sections:
        assert f"{len(section.items)} / {section.config.quota}" in page
    first = next(i for s in draft.sections for i in s.items)
    assert f'data-version="{first.version}"' in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "{{7*7}}" in page
    assert 'rel="noopener noreferrer" referrerpolicy="no-referrer"' in page
    assert "Suggested sections:" in page and "Why:" in page
    unplaced = client.get("/?show=unplaced").text
    assert all(f'id="item-{i.key}"' in unplaced for i in draft.unplaced)


def test_each_action_changes_the_draft_as_the_cli_would(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)
    placed = [i for s in draft.sections for i in s.items]
    a, b, c = placed[0], placed[1], placed[2]
    assert act(client, draft, a.key, "approve").status_code == 303  # type: ignore[attr-defined]
    assert current(world).item(a.key).status == ItemStatus.APPROVED  # type: ignore[union-attr]
    act(client, current(world), b.key, "reject")
    after = current(world)
    assert after.item(b.key).status == ItemStatus.REJECTED  # type: ignore[union-attr]
    assert b.key in {i.key for i in after.unplaced}
    act(client, after, b.key, "reset")
    assert current(world).item(b.key).status == ItemStatus.PENDING  # type: ignore[union-attr]
    act(client, current(world), c.key, "move", section="ethics")
    moved = current(world)
    assert c.key in {i.key for i in moved.sections[3].items}
    act(client, moved, c.key, "mention")
    assert current(world).item(c.key).section == "honourable"  # type: ignore[union-attr]
    act(client, current(world), a.key, "edit", title="  A better   title ", summary="Short.")
    edited = current(world).item(a.key)
    assert edited is not None and (edited.title, edited.summary) == ("A better title", "Short.")
    assert edited.generated_title == a.generated_title


def test_reorder_up_down_and_to_a_position(client: TestClient, world: tuple[Config, Path]) -> None:
    section = next(s for s in current(world).sections if len(s.items) >= 3)
    keys = [i.key for i in section.items]
    act(client, current(world), keys[0], "down")
    order = [i.key for s in current(world).sections if s.config == section.config for i in s.items]
    assert order[:2] == [keys[1], keys[0]]
    act(client, current(world), keys[2], "up")
    act(client, current(world), keys[2], "reorder", position="0")
    order = [i.key for s in current(world).sections if s.config == section.config for i in s.items]
    assert order[0] == keys[2]


def test_two_tabs_with_the_same_version_second_gets_409(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)  # both "tabs" loaded this
    key = draft.sections[0].items[0].key
    assert act(client, draft, key, "approve").status_code == 303  # type: ignore[attr-defined]
    stale = act(client, draft, key, "reject")
    assert stale.status_code == 409  # type: ignore[attr-defined]
    item = current(world).item(key)
    assert item is not None and item.status == ItemStatus.APPROVED
    said = html.unescape(stale.text)  # type: ignore[attr-defined]
    assert f"#{item.handle} \u201c{item.title}\u201d was changed elsewhere" in said
    assert said.count("was changed elsewhere") == 1  # said once, beside the item
    typed = act(client, draft, key, "edit", title="My typed headline", summary="My words.")
    assert typed.status_code == 409  # type: ignore[attr-defined]
    kept = html.unescape(typed.text)  # type: ignore[attr-defined]
    assert 'value="My typed headline"' in kept and ">My words.</textarea>" in kept
    assert "Your typed text is kept" in kept
    fetched = client.post(
        "/decide",
        headers={"x-requested-with": "fetch", "x-csrf-token": csrf_of(client)},
        data={"draft": draft.key, "item": key, "version": "0", "op": "reset"},
    )
    assert fetched.status_code == 409 and "error" in fetched.json()  # fmt: skip


def test_review_errors_come_back_as_a_flash_with_the_hint(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)
    key = draft.sections[0].items[0].key
    response = act(client, draft, key, "move", section="nowhere")
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/").text
    assert "unknown section" in page and "use one of" in page
    assert "unknown section" not in client.get("/").text  # shown once


def test_approve_all_then_publish_then_the_issue_files(
    client: TestClient, world: tuple[Config, Path], tmp_path: Path
) -> None:
    token = csrf_of(client)
    client.post("/draft/approve", data={"csrf": token, "all_items": "1"})
    assert current(world).status.value == "approved"
    assert "Publish" in client.get("/").text
    client.post("/publish", data={"csrf": token})
    issues = client.get("/issues").text
    assert "/out/issues/1/index.html" in issues and "/out/issues/1.md" in issues
    html = client.get("/out/issues/1/index.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "sandbox" in html.headers["content-security-policy"]
    assert client.get("/out/issues/1.md").headers["content-type"].startswith("text/markdown")
    assert client.get("/out/feed.atom").headers["content-type"].startswith("application/atom")


@pytest.mark.parametrize("name", ["../feeds.yaml", "issues/../../feeds.yaml", "x.svg",
                                  "issues/1/../../db/web.sqlite", "issues/1.eml", "%2e%2e/x",
                                  "issues/1/image.svg", "feeds.yaml", "/etc/passwd"])  # fmt: skip
def test_output_route_refuses_unknown_files(client: TestClient, name: str, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / "x.svg").write_text("<svg onload=alert(1)/>")
    assert client.get(f"/out/{name}").status_code == 404


@pytest.mark.parametrize("query", ["'", '"', ") OR (1=1", "NEAR(", "*", "%", "_", "\\",
                                   "post number 1", "a" * 500])  # fmt: skip
def test_search_with_odd_queries_is_fine(client: TestClient, query: str) -> None:
    response = client.get("/search", params={"q": query})
    assert response.status_code == 200
    if query == "post number 1":
        assert "paper post number 1" in response.text
    if query in ("%", "_"):
        assert "0 results" in response.text


def test_feeds_page_lists_every_feed(client: TestClient) -> None:
    page = client.get("/feeds").text
    assert "Lab blog" in page and "arXiv cs.CL" in page


def test_serve_command_is_registered() -> None:
    from digest.cli import cli

    assert cli.get_command(None, "serve") is not None  # type: ignore[arg-type]
    assert "serve" in cli.commands  # type: ignore[attr-defined]


def test_refresh_runs_in_the_background_and_reports_progress(
    client: TestClient, world: tuple[Config, Path], now: datetime
) -> None:
    response = client.post("/refresh", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/refresh/status"
    client.app.app.state.web.refresh.join(30)  # type: ignore[attr-defined]
    status = client.get("/refresh/status?format=json").json()
    assert status["running"] is False and status["stage"] == "done", status
    assert "draft" in status["message"]


def test_refresh_while_another_run_holds_the_lease(
    client: TestClient, world: tuple[Config, Path], now: datetime
) -> None:
    with Store.open(world[1]) as store:
        store.acquire_lease(FETCH_LEASE, "cron:1", now=now, ttl=timedelta(hours=1))
    page = client.post("/refresh", data={"csrf": csrf_of(client)})  # follows the 303
    assert "a fetch is already running" in page.text
    assert client.get("/refresh/status?format=json").json()["running"] is False


def test_a_busy_database_is_a_message_not_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise StorageBusyError("cannot start a write: the database is busy")

    monkeypatch.setattr(drafting, "current_draft", busy)
    response = client.get("/")
    assert response.status_code == 503 and "busy" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("origin", "site", "status"),
    [("null", "same-origin", 303), ("null", None, 403), ("null", "cross-site", 403),
     (None, "same-site", 403), ("http://127.0.0.1:8000", "same-origin", 303)],
)  # fmt: skip
def test_origin_null_is_trusted_only_with_sec_fetch_site_same_origin(
    client: TestClient, origin: str | None, site: str | None, status: int
) -> None:
    """Chromium sends `Origin: null` on our own posts because of no-referrer."""
    headers = {k: v for k, v in (("origin", origin), ("sec-fetch-site", site)) if v}
    response = client.post("/draft/build", data={"csrf": csrf_of(client)}, headers=headers,
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == status


def test_adding_a_url_already_in_the_draft_says_so_and_changes_nothing(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    before = current(world)
    page = client.post(
        "/add", data={"csrf": csrf_of(client), "url": "https://example.org/blog/1/?utm_source=x"}
    )
    assert page.status_code == 200
    assert "Add by URL" not in page.text  # not an error
    said = html.unescape(page.text)
    item = before.item(next(i.key for i in before.items() if i.title == "blog post number 1"))
    assert item is not None
    assert f"Already in the draft: #{item.handle} \u201cblog post number 1\u201d (pending" in said
    assert "nothing changed" in said
    assert current(world) == before


def test_the_add_form_offers_the_sections_and_defaults_to_where_it_ranks(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    page = client.get("/").text
    form = page[page.index('<form method="post" action="/add"') :]
    form = form[: form.index("</form>")]
    assert '<option value="" selected>where it ranks</option>' in form
    assert all(f'<option value="{s.key}">' in form for s in world[0].sections)


def test_an_action_answers_beside_the_item_and_undo_restores_it(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)
    section = next(s for s in draft.sections if len(s.items) >= 2)
    first, second = section.items[0], section.items[1]
    rejected = act(client, draft, first.key, "reject")
    # the rejected item leaves the section: the page lands on its neighbour
    assert rejected.headers["location"] == f"/#item-{second.key}"  # type: ignore[attr-defined]
    page = html.unescape(client.get("/").text)
    beside = page.index(f'id="item-{second.key}"')
    said = page.index(f"Rejected #{first.handle} \u201c{first.title}\u201d.")
    assert beside < said < page.index("<h3>", beside)  # inside the neighbour, before its title
    assert 'class="undo"' in page[beside : said + 400]

    undone = client.post("/undo", data={"csrf": csrf_of(client), "next": "/"},
                         follow_redirects=False)  # fmt: skip
    assert undone.headers["location"] == f"/#item-{first.key}"
    page = html.unescape(client.get("/").text)
    assert f"Undone: rejected #{first.handle} \u201c{first.title}\u201d." in page
    back = current(world).item(first.key)
    assert back is not None and back.status == ItemStatus.PENDING and back.handle == first.handle
    with Store.open(world[1]) as store:
        actions = [d.action.value for d in store.decisions(draft.key)]
    assert actions[-2:] == ["reject", "undo"]  # the log keeps both
    nothing = client.post("/undo", data={"csrf": csrf_of(client), "next": "/"})
    assert "Undo: nothing to undo" in nothing.text


def test_preview_says_what_will_go_out_then_publish_links_to_the_issue(
    client: TestClient, world: tuple[Config, Path], tmp_path: Path
) -> None:
    draft = current(world)
    key = draft.sections[0].items[0].key
    act(client, draft, key, "approve")
    title = current(world).item(key).title  # type: ignore[union-attr]
    page = " ".join(html.unescape(client.get("/preview").text).split())
    assert "The draft is still in review" in page and "Publish issue #" not in page
    assert "publish <strong>1 item</strong> in 1 section" in page and title in page
    token = csrf_of(client)
    client.post("/draft/approve", data={"csrf": token})
    page = html.unescape(client.get("/preview").text)
    assert "Publish issue #1 now (1 item)" in page
    issue_page = client.get("/out/issues/1/preview.html")
    assert (
        title in html.unescape(issue_page.text)
        and "sandbox" in issue_page.headers["content-security-policy"]
    )
    assert title in html.unescape(client.get("/out/issues/1/email-preview.html").text)
    assert client.get("/out/issues/2/preview.html").status_code == 404  # not the next issue
    assert not (tmp_path / "out" / "issues").exists()  # previews write nothing

    done = client.post("/publish", data={"csrf": token, "confirm": "1"}, follow_redirects=False)
    assert done.headers["location"] == "/issues?published=1"
    issues = client.get(done.headers["location"]).text
    assert '<a href="/out/issues/1/index.html">open issue #1</a>' in issues


def test_search_names_hits_in_the_draft_and_approves_them_from_there(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)
    item = next(i for i in draft.items() if i.title == "blog post number 1")
    page = html.unescape(client.get("/search?q=blog").text)
    assert f'In the draft as <a href="/?show=unplaced#item-{item.key}">#{item.handle}</a>' in page
    assert f"Approve #{item.handle}" in page
    form = page[page.index(f"Approve #{item.handle}") - 900 : page.index(f"Approve #{item.handle}")]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    done = client.post("/decide", data=fields, follow_redirects=False)
    assert done.headers["location"] == f"/search?q=blog#item-{item.key}"
    assert current(world).item(item.key).status == ItemStatus.APPROVED  # type: ignore[union-attr]
    said = html.unescape(client.get(done.headers["location"]).text)
    assert f"Approved #{item.handle} \u201cblog post number 1\u201d." in said


def test_bulk_merge_makes_one_story_and_split_parts_it(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)
    host, guest = draft.sections[0].items[0], draft.sections[0].items[1]
    token = csrf_of(client)
    done = client.post("/bulk", data={
        "csrf": token, "op": "merge", "next": "/",
        "items": [f"{host.key}@{host.version}", f"{guest.key}@{guest.version}"],
    }, follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == f"/#item-{host.key}"
    merged = current(world)
    assert merged.item(guest.key) is None
    assert [g.key for g in merged.item(host.key).merged] == [guest.key]  # type: ignore[union-attr]
    page = html.unescape(client.get("/").text)
    name = f"#{guest.handle} \u201c{guest.title}\u201d"
    assert f"Merged {name} into #{host.handle}" in page and f"Merged here: {name[:-1]}" in page
    parted = client.post("/split", data={"csrf": token, "item": guest.key, "next": "/"},
                         follow_redirects=False)  # fmt: skip
    assert parted.status_code == 303 and current(world).item(guest.key) is not None
    assert f"Split {name} from #{host.handle}" in html.unescape(client.get("/").text)
    one = client.post("/bulk", data={"csrf": token, "op": "merge", "next": "/",
                                     "items": [f"{host.key}@0"]})  # fmt: skip
    assert "Select two or more items to merge." in one.text


def test_the_edit_form_edits_links_and_refuses_bad_ones(
    client: TestClient, world: tuple[Config, Path]
) -> None:
    draft = current(world)
    item = draft.sections[0].items[0]
    page = html.unescape(client.get("/").text)
    assert f"{item.candidate.story.links[0].role.value} {item.candidate.story.links[0].url}" in page
    lines = f"paper https://arxiv.org/abs/2611.09999\n{item.candidate.story.links[0].url}"
    done = act(client, draft, item.key, "edit", title=item.title, summary=item.summary,
               links=lines)  # fmt: skip
    assert done.status_code == 303  # type: ignore[attr-defined]
    after = current(world).item(item.key)
    assert after is not None and after.candidate.story.links[0].url.endswith("2611.09999")
    said = html.unescape(client.get("/").text)
    assert f"New links for #{item.handle}" in said
    bad = act(client, current(world), item.key, "edit", title=item.title,
              summary=item.summary, links="essay https://example.org/")  # fmt: skip
    assert bad.status_code == 303  # type: ignore[attr-defined]
    assert "unknown role 'essay'" in html.unescape(client.get("/").text)
