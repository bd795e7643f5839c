"""The editor's words for an issue (title, e-mail subject, intro, outro) and an item's
image: decisions in the append-only log, kept across rebuilds, set from the CLI and the
review page, and published in every format."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_review import decision, draft
from test_web import TestClient, csrf_of, make_world

from digest.app import drafting
from digest.app.words import set_words
from digest.cli import cli
from digest.config import load_config
from digest.draft.review import (
    ISSUE_WORDS,
    apply_decisions,
    check_decision,
    keep_decided,
    make_issue,
    short_name,
    suggested_title,
)
from digest.errors import ReviewError
from digest.publish.text import image_url
from digest.store import Store
from digest.types import (
    Action,
    Config,
    Decision,
    Draft,
    DraftStatus,
    IssueImage,
    IssueItem,
    IssueSection,
    IssueWords,
    Metadata,
)


@pytest.fixture
def config() -> Config:
    """The project's own feeds.yaml: its intro, outro and sections."""
    return load_config(Path(__file__).resolve().parents[1] / "feeds.yaml")


@pytest.fixture
def world(tmp_path: Path, now: datetime) -> tuple[Config, Path]:
    return make_world(tmp_path, now)


def approved(d: Draft, log: list[Decision] | None = None) -> Draft:
    """``d`` with the decisions in ``log``, every placed item approved, and approved."""
    everything = [*(log or []), decision(Action.APPROVE_ALL, "*", at=d.period_start)]
    return replace(apply_decisions(d, everything), status=DraftStatus.APPROVED)


def with_image(d: Draft, key: str, url: str) -> Draft:
    """``d`` where item ``key``'s summary carries a lead image, as extract finds one."""

    def change(section_items: tuple) -> tuple:  # type: ignore[type-arg]
        out = []
        for i in section_items:
            if i.key == key:
                summary = replace(i.candidate.summary, meta=Metadata(image=url, site_name="Ex"))
                i = replace(i, candidate=replace(i.candidate, summary=summary))
            out.append(i)
        return tuple(out)

    return replace(d, sections=tuple(replace(s, items=change(s.items)) for s in d.sections))


# --- the review stage (pure) -------------------------------------------------


def test_words_are_decisions_replayed_in_order(config: Config, now: datetime) -> None:
    d = draft(config, now)
    log = [
        decision(Action.SET_TITLE, ISSUE_WORDS, "First try", at=now),
        decision(Action.SET_INTRO, ISSUE_WORDS, "Hello,\n\nreaders.", at=now),
        decision(Action.SET_TITLE, ISSUE_WORDS, " Haiku, GANILLA ", at=now),
        decision(Action.SET_SUBJECT, ISSUE_WORDS, "This week: Haiku", at=now),
    ]
    words = apply_decisions(d, log).words
    assert words == IssueWords("Haiku, GANILLA", "This week: Haiku", "Hello,\n\nreaders.", "")
    # a blank value goes back to the default
    cleared = apply_decisions(d, [*log, decision(Action.SET_TITLE, ISSUE_WORDS, "", at=now)])
    assert cleared.words.title == ""


def test_a_rebuild_keeps_the_words(config: Config, now: datetime) -> None:
    old = draft(config, now)
    log = [decision(Action.SET_OUTRO, ISSUE_WORDS, "Bye.", at=now)]
    rebuilt = keep_decided(draft(config, now + timedelta(hours=1)), old, log)
    assert apply_decisions(rebuilt, log).words.outro == "Bye."


def test_issue_takes_defaults_from_feeds_yaml_and_suggests_a_title(
    config: Config,
    now: datetime,
) -> None:
    issue = make_issue(approved(draft(config, now)), config, number=3, now=now)
    # the top item of each main section first, then the others
    assert issue.title == "title a, title d, title b, title c"
    assert issue.words.intro == config.newsletter.intro and issue.words.intro
    assert issue.words.outro == config.newsletter.outro and issue.words.subject == ""
    assert "#3" not in issue.title and config.newsletter.title not in issue.title


def test_the_editors_words_win_and_republishing_notices_them(
    config: Config,
    now: datetime,
) -> None:
    base = approved(draft(config, now))
    first = make_issue(base, config, number=3, now=now)
    edited = replace(base, words=IssueWords(title="Haiku", subject="S", intro="I", outro="O"))
    later = now + timedelta(days=1)
    second = make_issue(edited, config, number=3, now=later, previous=first)
    assert (second.title, second.words) == ("Haiku", IssueWords("Haiku", "S", "I", "O"))
    assert second.uid == first.uid and second.updated == later
    assert make_issue(edited, config, number=3, now=later + timedelta(1), previous=second) == second


def test_suggested_title_uses_short_names() -> None:
    assert short_name("GANILLA: Generative Adversarial Networks for Image to Illustration") == (
        "GANILLA"
    )
    assert short_name("Haiku - a JAX library") == "Haiku"
    assert short_name("The Annotated GPT-2") == "The Annotated GPT-2"
    assert len(short_name("word " * 30)) <= 40
    items = tuple(IssueItem(f"k{n}", f"Name {n}: subtitle", "", ()) for n in range(6))
    sections = (IssueSection("a", "A", items), IssueSection("m", "M", items, compact=True))
    assert suggested_title(sections) == "Name 0, Name 1, Name 2, Name 3, ..."
    assert suggested_title(()) == ""


def test_word_decisions_are_checked(config: Config, now: datetime) -> None:
    d = draft(config, now)
    check_decision(d, config, Action.SET_INTRO, ISSUE_WORDS, "two\n\nparagraphs")
    with pytest.raises(ReviewError, match="one line"):
        check_decision(d, config, Action.SET_SUBJECT, ISSUE_WORDS, "a\r\nBcc: x@y.org")
    with pytest.raises(ReviewError, match="whole issue"):
        check_decision(d, config, Action.SET_TITLE, "a", "x")
    with pytest.raises(ReviewError, match="image URL"):
        check_decision(d, config, Action.SET_IMAGE, "a", "javascript:alert(1)")
    with pytest.raises(ReviewError, match="is approved"):
        check_decision(replace(d, status=DraftStatus.APPROVED), config,
                       Action.SET_TITLE, ISSUE_WORDS, "x")  # fmt: skip


def test_item_image_comes_from_the_summary_and_the_editor_can_change_it(
    config: Config,
    now: datetime,
) -> None:
    d = with_image(draft(config, now), "a", "https://example.org/a.png")
    assert apply_decisions(d, []).item("a").image == "https://example.org/a.png"  # type: ignore[union-attr]
    removed = [decision(Action.SET_IMAGE, "a", "", at=now)]
    assert apply_decisions(d, removed).item("a").image is None  # type: ignore[union-attr]
    chosen = [*removed, decision(Action.SET_IMAGE, "a", "https://example.org/b.png", at=now)]
    assert apply_decisions(d, chosen).item("a").image == "https://example.org/b.png"  # type: ignore[union-attr]
    restored = [*chosen, decision(Action.SET_IMAGE, "a", None, at=now)]
    assert apply_decisions(d, restored).item("a").image == "https://example.org/a.png"  # type: ignore[union-attr]
    captioned = [*chosen, decision(Action.SET_CAPTION, "a", " A  chart\n", at=now)]
    issue = make_issue(approved(d, captioned), config, number=1, now=now)
    [image] = [i.image for s in issue.sections for i in s.items if i.image]
    assert image == IssueImage("https://example.org/b.png", "title a", "A chart", credit="Ex")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://127.1/x.png",
        "http://2130706433/x.png",
        "http://0x7f000001/x.png",
        "http://10.0.0.8/x.png",
        "http://192.168.1.1/x.png",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x.png",
        "http://[::ffff:10.0.0.1]/x.png",
        "http://[fe80::1]/x.png",
        "http://localhost/x.png",
        "http://printer.local/x.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "mailto:a@b.org",
    ],
)
def test_image_url_refuses_private_and_non_http(url: str) -> None:
    assert image_url(url) is None


def test_image_url_keeps_public_images() -> None:
    assert image_url("https://cdn.example.org/a b.png") == "https://cdn.example.org/a%20b.png"
    assert image_url("http://93.184.216.34/x.png") == "http://93.184.216.34/x.png"


# --- the store ----------------------------------------------------------------


def test_issue_words_and_images_round_trip_the_store(
    config: Config,
    now: datetime,
    tmp_path: Path,
) -> None:
    d = with_image(draft(config, now), "a", "https://example.org/a.png")
    words = IssueWords(title="T", subject="S", intro="I\n\nJ", outro="O")
    issue = make_issue(approved(replace(d, words=words)), config, number=1, now=now)
    with Store.open(tmp_path / "db.sqlite") as store:
        store.save_issue(issue)
        [loaded] = store.issues()
        assert loaded == issue
        # an issue stored before the words existed still loads
        item = {"key": "k", "title": "t", "summary": "", "links": []}
        old_body = [{"key": "s", "title": "S", "items": [item]}]
        store.db.execute("UPDATE issues SET body = ?", (json.dumps(old_body),))
        [old] = store.issues()
        assert old.words == IssueWords(title=issue.title) and old.sections[0].items[0].url == ""


# --- the CLI and the review page ---------------------------------------------


def test_cli_sets_the_words_and_the_image_and_publishes_them(
    world: tuple[Config, Path],
    now: datetime,
    tmp_path: Path,
) -> None:
    config, db = world

    def run(*args: str) -> Result:
        base = ["--db", str(db), "--config", str(config.path)]
        return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False, obj=lambda: now)

    shown = run("draft", "set")
    assert shown.exit_code == 0 and "title (default):" in shown.output
    assert "Welcome to this week's issue" in shown.output  # feeds.yaml's intro
    result = run("draft", "set", "--title", "Haiku, GANILLA", "--subject", "Haiku & more",
                 "--intro", "Hello!\n\nSecond paragraph.", "--outro", "Write to us.")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "changed: title, subject, intro, outro" in result.output
    assert "changed: nothing" in run("draft", "set", "--title", "Haiku, GANILLA").output
    bad = run("draft", "set", "--subject", "two\nlines")
    assert bad.exit_code == 1 and "one line" in bad.output
    image = run("draft", "image", "1", "--url", "https://images.example.org/1.png")
    assert image.exit_code == 0 and "https://images.example.org/1.png" in image.output
    captioned = run("draft", "image", "1", "--caption", "The benchmark's chart")
    assert "https://images.example.org/1.png (The benchmark's chart)" in captioned.output
    assert run("draft", "build").exit_code == 0  # a rebuild keeps them
    assert run("draft", "approve", "--all-items").exit_code == 0
    out = tmp_path / "site"
    assert run("publish", "--out", str(out), "--eml").exit_code == 0
    page = (out / "issues/1/index.html").read_text()
    assert "<h1>Issue 1: Haiku, GANILLA</h1>" in page
    assert "<p>Hello!</p>\n<p>Second paragraph.</p>" in page and "<p>Write to us.</p>" in page
    assert '<img src="https://images.example.org/1.png"' in page
    assert "<figcaption>The benchmark&#39;s chart — " in page  # and the credit
    message = message_from_bytes((out / "issues/1.eml").read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Haiku & more"
    assert message["From"] == "The NLP & AI Digest <newsletter@digest.example.org>"


def test_review_page_edits_the_words(client: TestClient, world: tuple[Config, Path]) -> None:
    config, db = world
    page = client.get("/").text
    assert 'action="/draft/words"' in page and 'id="w-intro"' in page
    suggested = re.search(r'id="w-title" name="title" value="" placeholder="([^"]*)"', page)
    assert suggested and suggested.group(1)  # the title suggested from the top items
    form = {"csrf": csrf_of(client), "title": "My title", "subject": "", "intro": "Hi.",
            "outro": "", "next": "/"}  # fmt: skip
    response = client.post("/draft/words", data=form, follow_redirects=False)
    assert response.status_code == 303
    with Store.open(db) as store:
        d = drafting.require_draft(store, config)
        assert d.words == IssueWords(title="My title", intro="Hi.")
        logged = [x.action for x in store.decisions(d.key) if x.item_key == ISSUE_WORDS]
        assert logged == [Action.SET_TITLE, Action.SET_INTRO]  # unchanged words not logged
    assert 'value="My title"' in client.get("/").text
    with Store.open(db) as store:
        with pytest.raises(ReviewError, match="unknown"):
            set_words(store, config, {"colour": "red"}, now=datetime(2026, 1, 1))
