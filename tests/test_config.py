"""feeds.yaml: the shipped file is valid, and every mistake names file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import load_config, resolve_config_path, resolve_db_path
from digest.errors import ConfigError
from digest.types import ExtractPolicy, SourceKind

PROJECT = Path(__file__).resolve().parents[1] / "feeds.yaml"

GOOD = """\
newsletter:
  title: T
  site_url: https://example.org/
sections:
  - {key: papers, title: Papers, quota: 2}
  - {key: honourable, title: Honourable mentions, priority_cut: true}
sources:
  - {name: A, url: "https://a.example/feed", kind: blog, interval: 6h, extract: always}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_feeds_yaml_is_a_real_starting_point() -> None:
    config = load_config(PROJECT)
    assert [s.title for s in config.sections] == [
        "Publications", "Creativity and Society", "Tools and Datasets", "Ethics in AI",
        "Articles and Blog posts", "Education", "Honourable mentions",
    ]  # fmt: skip
    assert len(config.sources) >= 20
    assert {s.kind for s in config.sources} == set(SourceKind)
    assert config.section("Menções honrosas") is config.sections[-1]
    assert config.sections[-1].priority_cut


def test_durations_enums_and_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    (source,) = config.sources
    assert source.interval_minutes == 360 and source.extract == ExtractPolicy.ALWAYS
    assert config.publish.output_dir == tmp_path / "public"
    assert config.fetch.allow_hosts == ()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("kind: blog", "kind: vlog"), r"feeds.yaml:8: sources\[0\].kind: expected one of"),
        (("interval: 6h", "interval: soon"), r":8: sources\[0\].interval: expected a duration"),
        (("quota: 2", "quota: -1"), r":5: sections\[0\].quota: expected a whole number"),
        (("site_url: https://example.org/", "site_url: example.org"), r":3: newsletter.site_url"),
        (("  title: T\n", "  titel: T\n"), r":2: newsletter.titel: unknown key"),
        (("extract: always", "section: sports"), r":8: sources\[0\].section: unknown section"),
        (("{key: papers", "{key: Papers!"), r":5: sections\[0\].key: use lower-case"),
        (("sources:", "sources: {}\nx:"), r"unknown key|expected a list"),
    ],
)
def test_mistakes_name_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_yaml_syntax_errors_have_a_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"feeds.yaml:3: YAML syntax error"):
        load_config(write(tmp_path, "newsletter:\n  title: T\n  - broken\n"))


def test_duplicate_sources_and_missing_file(tmp_path: Path) -> None:
    twice = GOOD + '  - {name: B, url: "https://a.example/feed", kind: news}\n'
    with pytest.raises(ConfigError, match=r":9: sources\[1\].url: duplicate"):
        load_config(write(tmp_path, twice))
    with pytest.raises(ConfigError, match="DIGEST_CONFIG"):
        load_config(tmp_path / "missing.yaml")


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_CONFIG", "/etc/digest.yaml")
    monkeypatch.setenv("DIGEST_DB", "/var/digest.sqlite")
    assert resolve_config_path(None) == Path("/etc/digest.yaml")
    assert resolve_db_path(None) == Path("/var/digest.sqlite")
    assert resolve_db_path(Path("x.sqlite")) == Path("x.sqlite")
