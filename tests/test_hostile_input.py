"""Small holes of issue #20, points 5 and 6: oversized forms and fields, a blank access
token, and an OPML import that re-indented feeds.yaml and dropped outlines silently."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedgen import write_config
from httpserver import LoopbackServer
from ruamel.yaml import YAML
from test_pipeline import serve_world

from digest.app import drafting
from digest.app.sources import read_opml
from digest.app.update import update
from digest.cli import cli
from digest.config import append_entries, load_config
from digest.errors import ConfigError
from digest.store import Store
from digest.web.app import create_app
from digest.web.security import MAX_FORM_BYTES

with warnings.catch_warnings():  # starlette 1.x nags about httpx vs httpx2; httpx is fine here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def client(tmp_path: Path, now: datetime) -> TestClient:
    config = load_config(write_config(tmp_path, []))
    app = create_app(config, tmp_path / "digest.sqlite", clock=lambda: now)
    return TestClient(app, base_url="http://127.0.0.1:8000")


def csrf(client: TestClient) -> str:
    return client.get("/").text.split('name="csrf-token" content="')[1].split('"')[0]


def test_an_oversized_form_gets_413_not_a_csrf_403(client: TestClient) -> None:
    token = csrf(client)
    big = {"csrf": token, "title": "x" * (MAX_FORM_BYTES + 1)}
    answer = client.post("/draft/build", data=big)
    assert answer.status_code == 413 and "too large" in answer.text
    # Without a Content-Length (chunked), the limit is enforced while reading.
    chunks = iter([b"csrf=" + token.encode() + b"&t=", b"y" * MAX_FORM_BYTES, b"y"])
    answer = client.post("/draft/build", content=chunks,
                         headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert answer.status_code == 413
    assert client.post("/draft/build", data={"csrf": "wrong"}).status_code == 403


@pytest.mark.parametrize("token", [None, "", " ", "\t\n", "abc", "two words"])
def test_binding_beyond_loopback_refuses_a_blank_or_weak_token(
    tmp_path: Path, token: str | None
) -> None:
    config = load_config(write_config(tmp_path, []))
    with pytest.raises(ConfigError, match="access token"):
        create_app(config, tmp_path / "digest.sqlite", host="0.0.0.0", token=token)


def test_serve_with_a_blank_token_exits_2_before_binding(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    args = ["--config", str(config), "--db", str(tmp_path / "d.sqlite"),
            "serve", "--host", "0.0.0.0", "--token", " "]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "access token" in result.output


OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="Folder">
  <outline text="Good" xmlUrl="https://a.example/feed"/>
  <outline text="Script" xmlUrl="javascript:alert(1)"/>
  <outline text="Local file" xmlUrl="file:///etc/passwd"/>
  <outline text="Metadata" xmlUrl="http://169.254.169.254/latest/meta-data/"/>
  <outline text="Router" xmlUrl="http://10.0.0.1/feed"/>
  <outline text="Me" xmlUrl="http://localhost:8080/feed"/>
  <outline text="Empty"/>
</outline></body></opml>"""


def test_opml_reports_every_outline_it_skips_and_why() -> None:
    read = read_opml(OPML)
    assert [s["url"] for s in read.sources] == ["https://a.example/feed"]
    why = {s.label: s.why for s in read.skipped}
    assert set(why) == {"Script", "Local file", "Metadata", "Router", "Me", "Empty"}
    assert "javascript" in why["Script"] and "file" in why["Local file"]
    assert "not a public address" in why["Metadata"] and "not a public" in why["Router"]
    assert "loopback" in why["Me"] and why["Empty"] == "no xmlUrl"


def test_opml_lets_through_an_address_the_allow_list_names(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, [], allow="10.0.0.1"))
    read = read_opml(OPML, config.fetch)
    assert "http://10.0.0.1/feed" in [s["url"] for s in read.sources]


def restyle(path: Path, *, mapping: int, sequence: int, offset: int) -> str:
    """Rewrite feeds.yaml in another indentation style, as an editor may keep it."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.width = 4096  # no folded lines: the project's feeds.yaml has long ones
    data = yaml.load(path.read_text(encoding="utf-8"))
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path.read_text(encoding="utf-8")


def test_opml_import_keeps_the_files_formatting(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "Old", "url": "https://old.example/feed",
                                      "kind": "blog"}])  # fmt: skip
    before = restyle(config, mapping=2, sequence=4, offset=2)  # lists indented under their key
    assert "\n  - key: " in before
    opml = tmp_path / "in.opml"
    opml.write_bytes(OPML)
    result = CliRunner().invoke(cli, ["--config", str(config), "opml", "import", str(opml)])
    assert result.exit_code == 0, result.output
    assert "1 sources added, 0 already present, 6 skipped" in result.output
    assert "169.254.169.254" in result.output and "javascript" in result.output
    after = config.read_text(encoding="utf-8")
    assert after.startswith(before)  # every old line as it was
    assert after[len(before) :] == '  - {name: Good, url: "https://a.example/feed", kind: blog}\n'


def test_appending_keeps_a_four_space_style(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    before = restyle(config, mapping=4, sequence=4, offset=0)
    assert "\n    title: " in before
    new = {"name": "B", "url": "https://b.example/feed", "kind": "blog"}
    append_entries(config, "sources", [new])
    after = config.read_text(encoding="utf-8").splitlines()
    assert after[:-1] == before.splitlines()[:-1]  # all but the empty list `[]` as it was
    assert after[-1] == '-   {name: B, url: "https://b.example/feed", kind: blog}'


def test_the_edit_form_refuses_a_200_kb_title_server_side(
    tmp_path: Path, now: datetime, server: LoopbackServer
) -> None:
    config = load_config(write_config(tmp_path, serve_world(server, now)))
    db = tmp_path / "digest.sqlite"
    with Store.open(db) as store:
        update(store, config, now=now, summaries=False)
        item = next(i for s in drafting.build_draft(store, config, now=now).sections
                    for i in s.items)  # fmt: skip
    client = TestClient(create_app(config, db, clock=lambda: now), base_url="http://127.0.0.1")
    form = {"csrf": csrf(client), "item": item.key, "version": "0", "op": "edit",
            "summary": item.summary}  # fmt: skip
    headers = {"x-requested-with": "fetch"}
    answer = client.post("/decide", data={**form, "title": "T" * 200_000}, headers=headers)
    assert answer.status_code == 400 and "at most 500" in answer.json()["error"]
    answer = client.post("/decide", data={**form, "title": item.title, "summary": "S" * 5001},
                         headers=headers)  # fmt: skip
    assert answer.status_code == 400 and "at most 5,000" in answer.json()["error"]
    fits = client.post("/decide", data={**form, "title": "T" * 500}, headers=headers)
    assert fits.status_code == 200 and fits.json()["decisions"] == 1
    with Store.open(db) as store:
        edited = drafting.require_draft(store, config).item(item.key)
    assert edited is not None and edited.title == "T" * 500
