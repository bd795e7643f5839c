"""Publishing an issue with its translated edition (issue #24 part 5): each in its own
folder with its own Atom, JSON Feed and e-mail, reciprocal hreflang alternates, valid
feeds; an edition publishes only once its translator approved it. And the CLI."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result
from editionkit import FEEDS_YAML, save_approved_draft, write_config
from test_publish import ATOM, assert_valid_atom

from digest.app.editions import (
    approve_edition,
    edit_translation,
    reopen_edition,
    translate_edition,
)
from digest.app.publishing import publish, send_editions
from digest.cli import cli
from digest.config import load_config
from digest.errors import PublishError
from digest.store import Store
from digest.types import Config, PublishedFiles
from digest.types.edition import ISSUE_TITLE

SITE = "https://digest.example.org/"


def hreflang(page: str) -> dict[str, str]:
    """The page's hreflang alternates: language -> URL."""
    links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page)
    return dict(links)


def published(store: Store, config: Config, now: datetime, tmp_path: Path,
              engine: object) -> PublishedFiles:  # fmt: skip
    save_approved_draft(store, config, now)
    translate_edition(store, config, "pt-BR", now=now, engine=engine)  # type: ignore[arg-type]
    approve_edition(store, config, "pt-BR", now=now)
    return publish(store, config, now=now, out_dir=tmp_path / "public")


def test_both_editions_are_published_with_reciprocal_alternates(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object
) -> None:
    config = write_config(tmp_path)
    files = published(store, config, now, tmp_path, bundled_engine)
    out = tmp_path / "public"
    (pt,) = files.editions
    assert pt.language == "pt-BR" and files.held == ()
    assert pt.html == out / "pt-br" / "issues" / "1" / "index.html"
    assert {p.name for p in pt.extra} == {"feed.json", "email.html", "email.txt", "1.eml"}

    english = files.html.read_text(encoding="utf-8")
    portuguese = pt.html.read_text(encoding="utf-8")
    both = {"en": f"{SITE}issues/1/", "pt-BR": f"{SITE}pt-br/issues/1/"}
    assert hreflang(english) == both == hreflang(portuguese)
    assert '<html lang="pt-BR">' in portuguese and "Publicações" in portuguese
    assert "Bem-vindos a esta edição." in portuguese and "Até a próxima semana." in portuguese
    assert "O Resumo de PLN e IA" in portuguese
    assert "Self-Rewarding Language Models" in portuguese  # titles: keep
    assert "Pesquisadores" in portuguese or "pesquisadores" in portuguese
    indexes = [(out / p / "index.html").read_text(encoding="utf-8") for p in ("", "pt-br")]
    assert all(hreflang(i) == {"en": SITE, "pt-BR": f"{SITE}pt-br/"} for i in indexes)
    # A reader sees a link to the other language, named in that language.
    assert (f'<a class="language" href="{SITE}pt-br/issues/1/" hreflang="pt-BR" '
            'lang="pt-BR">Português (Brasil)</a>') in english  # fmt: skip
    assert f'href="{SITE}issues/1/" hreflang="en" lang="en">English</a>' in portuguese
    assert f'href="{SITE}pt-br/" hreflang="pt-BR" lang="pt-BR">Português' in indexes[0]
    assert store.edition_issue("2026-W48", "pt-BR") is not None


def test_each_edition_has_valid_feeds_of_its_own(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object
) -> None:
    config = write_config(tmp_path)
    files = published(store, config, now, tmp_path, bundled_engine)
    out = tmp_path / "public"
    cases = [("", "en", "pt-BR", f"{SITE}pt-br/issues/1/"),
             ("pt-br", "pt-BR", "en", f"{SITE}issues/1/")]  # fmt: skip
    for folder, lang, other, other_url in cases:
        text = (out / folder / "feed.atom").read_text(encoding="utf-8")
        root = assert_valid_atom(text)
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        (entry,) = root.iter(f"{ATOM}entry")
        related = [x for x in entry.iter(f"{ATOM}link") if x.get("rel") == "related"]
        assert [(x.get("hreflang"), x.get("href")) for x in related] == [(other, other_url)]
        parsed = feedparser.parse(text.encode())
        assert parsed.entries[0].link == f"{SITE}{folder + '/' if folder else ''}issues/1/"
        feed = json.loads((out / folder / "feed.json").read_text(encoding="utf-8"))
        assert feed["language"] == lang and feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["items"][0]["url"] == parsed.entries[0].link
    ids = {
        (out / f / "feed.atom").read_text().split("<id>")[2].split("<")[0] for f in ("", "pt-br")
    }
    assert len(ids) == 2  # two entries, two ids: a reader of both sees two issues
    assert files.atom == out / "feed.atom"


def test_the_edition_email_is_in_portuguese(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object
) -> None:
    config = write_config(tmp_path)
    files = published(store, config, now, tmp_path, bundled_engine)
    eml = next(p for p in files.editions[0].extra if p.suffix == ".eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert "Edição 1" in str(message["Subject"])
    text = _part(message, "text/plain")
    assert "PUBLICAÇÕES" in text and "[Artigo](https://arxiv.org/abs/2401.10020)" in text


def _part(message: Message, kind: str) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == kind)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def test_an_edition_publishes_only_once_approved(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object
) -> None:
    config = write_config(tmp_path)
    save_approved_draft(store, config, now)
    translate_edition(store, config, "pt-BR", now=now, engine=bundled_engine)  # type: ignore[arg-type]
    files = publish(store, config, now=now, out_dir=tmp_path / "public")
    assert files.editions == () and files.held == ("pt-BR",)
    assert not (tmp_path / "public" / "pt-br").exists()
    assert hreflang(files.html.read_text(encoding="utf-8")) == {}  # one language: none

    # Approved later, `digest publish` again publishes it and links the original to it.
    approve_edition(store, config, "pt-BR", now=now + timedelta(days=1))
    again = publish(store, config, now=now + timedelta(days=1), out_dir=tmp_path / "public")
    assert [e.language for e in again.editions] == ["pt-BR"]
    assert "pt-BR" in hreflang(again.html.read_text(encoding="utf-8"))
    issue = store.edition_issue("2026-W48", "pt-BR")
    assert issue is not None and issue.published == now + timedelta(days=1)
    assert issue.uid.endswith(":issue-1-pt-br") and issue.uid != store.issues()[0].uid


def test_send_mails_each_edition_to_its_own_readers(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object,
    smtpd: tuple[object, int],
) -> None:  # fmt: skip
    collector, port = smtpd
    smtp = (f"  smtp: {{host: 127.0.0.1, port: {port}, starttls: false, "
            "recipients: [readers@example.org]}\n")  # fmt: skip
    text = FEEDS_YAML.replace("  output_dir: public\n", "  output_dir: public\n" + smtp)
    text += "    recipients: [leitores@example.org]\n"
    (tmp_path / "feeds.yaml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "feeds.yaml")
    published(store, config, now, tmp_path, bundled_engine)
    assert send_editions(store, config, number=1) == ["pt-BR"]
    assert collector.received.wait(5)  # type: ignore[attr-defined]
    (envelope,) = collector.envelopes  # type: ignore[attr-defined]
    assert envelope.rcpt_tos == ["leitores@example.org"]
    assert "PUBLICAÇÕES" in _part(message_from_bytes(envelope.content), "text/plain")


# --- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Path, now: datetime, bundled_engine: object) -> object:
    """The CLI on a database holding the approved English issue; the engine is the
    session's (the use cases keep one per process)."""
    config = write_config(tmp_path)
    with Store.open(tmp_path / "cli.sqlite") as store:
        save_approved_draft(store, config, now)
    base = ["--db", str(tmp_path / "cli.sqlite"), "--config", str(config.path)]

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False, obj=lambda: now)

    return invoke


def test_the_translators_week_from_the_terminal(run: object, tmp_path: Path) -> None:
    shown = run("edition", "show", "pt-BR")  # type: ignore[operator]
    assert shown.exit_code == 0 and "(not translated yet)" in shown.output
    assert "[dim]" not in shown.output  # markup is styled, never printed
    refused = run("edition", "approve", "pt-BR")  # type: ignore[operator]
    assert refused.exit_code == 1 and "3 not translated (#1, #2, #3)" in refused.output

    done = run("edition", "translate", "pt-BR")  # type: ignore[operator]
    assert done.exit_code == 0, done.output
    assert "pt-BR edition of issue 1: machine 3, reviewed 0, stale 0" in done.output
    data = json.loads(run("edition", "show", "pt_br", "--json").output)  # type: ignore[operator]
    assert [i["handle"] for i in data["items"]] == [1, 2, 3] and data["approved"] is False
    assert data["items"][0]["summary"] == data["items"][0]["machine_summary"] != ""

    edited = run("edition", "edit", "pt-BR", "2", "--summary", "A Mistral AI lançou um modelo.")  # type: ignore[operator]
    assert edited.exit_code == 0 and "edited #2" in edited.output and "reviewed" in edited.output
    assert "link" in edited.output  # the paper's link is missing from that text
    reviewed = run("edition", "review", "pt-BR", "1", "3")  # type: ignore[operator]
    assert reviewed.output.count("reviewed #") == 2
    approved = run("edition", "approve", "pt-BR")  # type: ignore[operator]
    assert "approved (machine 0, reviewed 3, stale 0)" in approved.output
    assert run("edition", "edit", "pt-BR", "1", "--title", "X").exit_code == 1  # type: ignore[operator]
    assert "reopened" in run("edition", "reopen", "pt-BR").output  # type: ignore[operator]
    assert run("edition", "approve", "pt-BR").exit_code == 0  # type: ignore[operator]

    result = run("publish", "--out", str(tmp_path / "site"))  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    assert "pt-BR edition:" in result.output
    page = (tmp_path / "site" / "pt-br" / "issues" / "1" / "index.html").read_text()
    assert "A Mistral AI lançou um modelo." in page
    assert run("issues").output.rstrip().endswith("+pt-BR")  # type: ignore[operator]
    (issue,) = json.loads(run("issues", "--json").output)  # type: ignore[operator]
    assert issue["editions"] == ["pt-BR"]


def test_edition_help_and_unknown_language(run: object) -> None:
    help_text = CliRunner().invoke(cli, ["edition", "--help"]).output
    for sub in ("translate", "show", "edit", "review", "approve", "reopen"):
        assert f"  {sub} " in help_text
    unknown = run("edition", "show", "fr")  # type: ignore[operator]
    assert (
        unknown.exit_code == 1 and "no fr edition in feeds.yaml (editions: pt-BR)" in unknown.output
    )


def test_an_edition_that_cannot_be_written_publishes_nothing(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object
) -> None:
    """All or nothing with its editions: the edition's folder cannot be made (a file is
    in its place), so neither the issue nor the edition is recorded or written."""
    config = write_config(tmp_path)
    save_approved_draft(store, config, now)
    translate_edition(store, config, "pt-BR", now=now, engine=bundled_engine)  # type: ignore[arg-type]
    approve_edition(store, config, "pt-BR", now=now)
    out = tmp_path / "public"
    out.mkdir()
    (out / "pt-br").write_text("in the way", encoding="utf-8")
    with pytest.raises(PublishError):
        publish(store, config, now=now, out_dir=out)
    assert store.issues() == [] and store.edition_issue("2026-W48", "pt-BR") is None
    assert sorted(p.name for p in out.iterdir()) == ["pt-br"]  # nothing else left behind


def test_the_editions_own_title_heads_its_page_subject_feeds_and_index(
    store: Store, now: datetime, tmp_path: Path, bundled_engine: object
) -> None:
    config = write_config(tmp_path)
    save_approved_draft(store, config, now)
    translate_edition(store, config, "pt-BR", now=now, engine=bundled_engine)  # type: ignore[arg-type]
    mine = "Modelos que se recompensam e perguntas difíceis"
    english = edit_translation(store, config, "pt-BR", "issue", title=mine, now=now).source_title
    approve_edition(store, config, "pt-BR", now=now)
    files = publish(store, config, now=now, out_dir=tmp_path / "public")
    out = tmp_path / "public" / "pt-br"
    heading = f"Edição 1: {mine}"

    page = files.editions[0].html.read_text(encoding="utf-8")
    assert f"<title>{heading}" in html.unescape(page) and english not in page
    assert english in files.html.read_text(encoding="utf-8")  # the English issue's own
    eml = next(p for p in files.editions[0].extra if p.suffix == ".eml")
    assert str(message_from_bytes(eml.read_bytes(), policy=policy.default)["Subject"]) == heading
    entry = feedparser.parse((out / "feed.atom").read_bytes()).entries[0]
    assert entry.title == heading
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert feed["items"][0]["title"] == heading
    assert mine in html.unescape((out / "index.html").read_text(encoding="utf-8"))
    stored = store.edition_issue("2026-W48", "pt-BR")
    assert stored is not None and stored.title == stored.words.title == mine

    # Reopened, retitled and approved again: republished under the new title, updated.
    later = now + timedelta(days=1)
    reopen_edition(store, config, "pt-BR", now=later)
    edit_translation(store, config, "pt-BR", "issue", title="Uma semana de modelos", now=later)
    approve_edition(store, config, "pt-BR", now=later)
    publish(store, config, now=later, out_dir=tmp_path / "public")
    again = store.edition_issue("2026-W48", "pt-BR")
    assert again is not None and again.title == "Uma semana de modelos"
    assert (again.published, again.updated, again.uid) == (now, later, stored.uid)
    entry = feedparser.parse((out / "feed.atom").read_bytes()).entries[0]
    assert entry.title == "Edição 1: Uma semana de modelos"


def test_the_issue_title_from_the_terminal(run: object) -> None:
    data = json.loads(run("edition", "show", "pt-BR", "--json").output)  # type: ignore[operator]
    english = data["source_title"]
    assert data["issue_title"]["key"] == ISSUE_TITLE and data["issue_title"]["title"] == english
    shown = run("edition", "show", "pt-BR").output  # type: ignore[operator]
    assert "issue machine " in shown and english.split(",")[0] in shown

    reviewed = run("edition", "review", "pt-BR", "issue")  # type: ignore[operator]
    assert f"reviewed the issue title “{english}”" in reviewed.output
    data = json.loads(run("edition", "show", "pt-BR", "--json").output)  # type: ignore[operator]
    assert data["issue_title"]["status"] == "reviewed" and not data["issue_title"]["edited"]

    no_summary = run("edition", "edit", "pt-BR", "issue", "--summary", "Resumo.")  # type: ignore[operator]
    assert no_summary.exit_code == 1 and "the issue title has no summary" in no_summary.output
    edited = run("edition", "edit", "pt-BR", "issue", "--title", "Uma semana de modelos")  # type: ignore[operator]
    assert edited.exit_code == 0, edited.output
    assert "edited the issue title “Uma semana de modelos” (reviewed)" in edited.output
    data = json.loads(run("edition", "show", "pt-BR", "--json").output)  # type: ignore[operator]
    assert data["issue_title"]["title"] == "Uma semana de modelos"
    assert data["issue_title"]["status"] == "reviewed" and data["issue_title"]["edited"]
    assert data["counts"] == {"machine": 3, "reviewed": 0, "stale": 0}  # items only

    help_text = CliRunner().invoke(cli, ["edition", "edit", "--help"]).output
    assert "`issue` is the" in help_text and "issue's title" in help_text
    assert 'edit pt-BR issue --title "…"' in CliRunner().invoke(cli, ["edition", "--help"]).output
