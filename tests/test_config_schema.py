"""The schema is declared once: every key documented, docs/config.md up to date,
`digest check` describes the file, and no input makes load_config raise anything
but ConfigError."""

from __future__ import annotations

import os
import string
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from digest.cli import cli
from digest.config import load_config, reference, schema
from digest.errors import ConfigError
from digest.types import Config, Form

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "config.md"
PROJECT = ROOT / "feeds.yaml"


def all_specs(cls: type = Config) -> list[schema.Spec]:
    found = []
    for spec in schema.specs(cls):
        found.append(spec)
        if spec.block is not None:
            found += all_specs(spec.block)
    return found


def test_docs_config_md_is_generated_from_the_schema() -> None:
    assert DOC.read_text(encoding="utf-8") == reference.markdown(), (
        "docs/config.md is out of date: run `digest check --reference > docs/config.md`"
    )


def test_every_key_has_help_a_type_and_is_in_the_reference() -> None:
    doc = reference.markdown()
    for spec in all_specs():
        assert spec.setting.help.strip(), spec.name
        assert schema.type_text(spec) and reference.default_text(spec)
        assert f".{spec.key.split('|')[0]}`" in doc or f"`{spec.key}`" in doc, spec.key
    assert "`sections[].retired` | true or false | `false` | A section the editor stopped" in doc
    assert "| `sources[].interval` | duration from 1m to 4w | `1h` |" in doc
    assert "`fetch.deadline` | number > 0 and <= 3600 | `30` |" in doc


def test_every_form_has_a_reader() -> None:
    used = {spec.setting.form for spec in all_specs()} - {None}
    assert used == set(Form)  # no form declared and left unused
    for spec in all_specs():
        if spec.block is None:
            assert callable(schema.converter(spec)), spec.key  # none without a reader


def test_check_prints_what_the_file_configures(tmp_path: Path, now: datetime) -> None:
    text = PROJECT.read_text(encoding="utf-8").replace(
        "    priority_cut: true",
        "    priority_cut: true\n  - {key: old, title: Old, retired: true}",
    )
    text = text.replace("allow_hosts: []", "allow_hosts: ['127.0.0.1:8080']")
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], obj=lambda: now)
    assert result.exit_code == 0, result.output
    assert f"{path}: ok - 8 sections, 28 sources, language en" in result.output
    assert "honourable (quota 8, priority cut), old (quota 5, retired)" in result.output
    assert "sources: 3 arxiv, 13 blog, 3 news, 3 podcast, 6 release" in result.output
    assert "e-mail: not configured" in result.output
    assert "  fetch.allow_hosts=[127.0.0.1:8080]" in result.output


def test_check_says_whether_the_smtp_password_is_in_the_environment(
    tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "feeds.yaml"
    smtp = "  smtp: {host: mail.example, user: ed, password_env: MY_PW, recipients: [a@b.example]}"
    text = PROJECT.read_text(encoding="utf-8").replace(
        "  feed_items: 20", f"  feed_items: 20\n{smtp}"
    )
    path.write_text(text, encoding="utf-8")
    monkeypatch.delenv("MY_PW", raising=False)
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], obj=lambda: now)
    assert "e-mail: mail.example:587 to 1 recipients, as ed, password from $MY_PW (NOT set)" in (
        result.output
    )
    monkeypatch.setenv("MY_PW", "secret")
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], obj=lambda: now)
    assert "password from $MY_PW (set)" in result.output and "secret" not in result.output


def test_check_reference_prints_docs_config_md(now: datetime) -> None:
    result = CliRunner().invoke(cli, ["check", "--reference"], obj=lambda: now)
    assert result.exit_code == 0 and result.output == DOC.read_text(encoding="utf-8")


def test_check_exits_2_on_bytes_that_are_not_utf8(tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(PROJECT.read_text(encoding="utf-8").encode("utf-16"))
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], obj=lambda: now)
    assert result.exit_code == 2
    assert "feeds.yaml:1: not UTF-8 text" in result.output


# --- property: whatever the file holds, a Config or a ConfigError ------------------

KEYS = sorted({k for spec in all_specs() for k in spec.key.split("|")} | {"x", "<<"})
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.sampled_from(["6h", "99999999999w", "blog", "https://a.example/f", "127.0.0.1:abc",
                     "pt-BR", "monday", "08:00", ".nan", "1e400", "a@b.example", "papers"]),
)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)


BASE: dict[str, Any] = {
    "newsletter": {"title": "T", "site_url": "https://example.org/"},
    "sections": [{"key": "papers", "title": "Papers"}],
    "sources": [{"url": "https://a.example/feed", "kind": "blog", "section": "papers"}],
    "fetch": {"allow_hosts": ["127.0.0.1"], "deadline": 3},
    "rank": {"topics": [{"phrase": "x"}]},
    "rules": [{"like": "title", "value": "x", "section": "Papers"}],
}


def small_file_with(changes: dict[str, Any]) -> dict[str, Any]:
    """A small valid file with one top-level block replaced: mostly valid, a bit wrong."""
    return {**BASE, **changes}


def test_the_base_of_the_generated_documents_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        YAML(typ="safe").dump(BASE, f)
    assert load_config(path).rules[0].section == "papers"  # so a ConfigError is the change's


def load_or_config_error(path: Path) -> None:
    try:
        assert isinstance(load_config(path), Config)
    except ConfigError as e:
        assert str(e).startswith(f"{path}:"), str(e)  # file:line: first, always


@settings(
    max_examples=int(os.environ.get("HX", 300)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=300))
def test_any_bytes_load_or_raise_config_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(data)
    load_or_config_error(path)


TOKENS = [*(f"{k}:" for k in KEYS), " ", "  ", "\n", "- ", "[", "]", "{", "}", ",", "? ",
          "&a ", "*a", "<<: *a", "!!int ", "!!binary ", "!!timestamp ", "!!set ", "!!omap ",
          "!foo ", "'", '"', "|\n", ">\n", "#", "%YAML 1.1\n", "---\n", "...\n", "~",
          ".nan", "-.inf", "1e999", "0x1F", "0o17", "1_000", "2024-02-30", "12:30:00", "é",
          "\t", "\ufeff", "\x85", "\u2028", "\ud7ff", "https://a.example/f", "blog"]  # fmt: skip
YAMLISH = st.text(alphabet=string.printable + "é\ufeff\x85\u2028", max_size=200) | st.lists(
    st.sampled_from(TOKENS), max_size=60
).map("".join)


@settings(
    max_examples=int(os.environ.get("HX", 300)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=YAMLISH)
def test_yaml_ish_text_loads_or_raises_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    load_or_config_error(path)


@settings(
    max_examples=int(os.environ.get("HX", 200)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(block=st.sampled_from(["newsletter", "sections", "sources", "fetch", "schedule",
                              "publish", "rank", "rules"]),
       value=documents)  # fmt: skip
def test_documents_load_or_raise_config_error(tmp_path: Path, block: str, value: Any) -> None:
    path = tmp_path / "feeds.yaml"
    with path.open("w", encoding="utf-8") as f:
        YAML(typ="safe").dump(small_file_with({block: value}), f)
    load_or_config_error(path)
