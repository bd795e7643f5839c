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


# --- any bytes: one ConfigError, never a decoding or recursion error ---------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (GOOD.replace("title: T", "title: Café").encode("latin-1"), r"feeds.yaml:2: not UTF-8"),
        (GOOD.encode("utf-16"), r"feeds.yaml:1: not UTF-8 text \(UTF-16"),
        (GOOD.encode("utf-16-le"), r"feeds.yaml:1: not UTF-8 text \(UTF-16"),
        (GOOD.encode("utf-16-be"), r"feeds.yaml:1: not UTF-8 text \(UTF-16"),
        (GOOD.replace("T\n", "T\x00\n", 1).encode(), r"feeds.yaml:2: not UTF-8 text .*NUL"),
        (b"\x80\x81\xfe\xff" * 10, r"feeds.yaml:1: not UTF-8"),
        (b"newsletter: \x07\n", r"feeds.yaml:1: YAML error"),
        (b"newsletter: !!int xyz\n", r"feeds.yaml:1: YAML value error"),
    ],
)
def test_files_that_are_not_utf8_yaml(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_utf8_with_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("title: T", "title: Café").encode())
    assert load_config(path).newsletter.title == "Café"


@pytest.mark.parametrize(
    "document",
    [
        "newsletter: " + "[" * 5000 + "]" * 5000,
        "newsletter:\n" + "- " * 5000 + "x\n",  # block style: the parser's recursion
        "sources: " + "{a: " * 5000 + "1" + "}" * 5000,
    ],
)
def test_deep_nesting_is_a_config_error(tmp_path: Path, document: str) -> None:
    with pytest.raises(ConfigError, match=r"feeds.yaml:\d+: YAML nested too deeply"):
        load_config(write(tmp_path, document))


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    text = GOOD + "".join("  " * i + "- \n" for i in range(1, 3000))  # 9 MB of indentation
    with pytest.raises(ConfigError, match=r"feeds.yaml:1: larger than 4 MiB"):
        load_config(write(tmp_path, text))


def test_brackets_in_quotes_and_comments_are_not_nesting(tmp_path: Path) -> None:
    text = GOOD.replace("title: T", f"title: '{'[' * 500}'  # {'{' * 500}")
    assert load_config(write(tmp_path, text)).newsletter.title == "[" * 500


# --- every value is checked where it is written ------------------------------------

BAD_VALUES = [
    (("weight: 1.0}", "weight: .nan}"), r":8: sources\[0\].weight: expected a finite number"),
    (("weight: 1.0}", "weight: .inf}"), r":8: sources\[0\].weight: expected a finite number"),
    (("weight: 1.0}", "weight: -.inf}"), r":8: sources\[0\].weight: expected a finite number"),
    (("weight: 1.0}", "weight: 1" + "0" * 400 + "}"), r"sources\[0\].weight: expected a finite"),
    (("weight: 1.0}", "weight: -1}"), r"sources\[0\].weight: expected a number from 0 to 10,"),
    (("weight: 1.0}", "weight: true}"), r"sources\[0\].weight: expected a number, got True"),
    (("interval: 6h", "interval: 99999999999w"),
     r":8: sources\[0\].interval: expected a duration from 1m to 4w, got 99999999999w"),
    (("interval: 6h", "interval: 1" + "0" * 400), r"sources\[0\].interval: expected a duration"),
    (("interval: 6h", "interval: '5" + " " * 50_000 + "x'"), r"interval: expected a duration like"),
    (("interval: 6h", "interval: 0"), r"sources\[0\].interval: expected a duration from 1m"),
    (("interval: 6h", "interval: .nan"), r"sources\[0\].interval: expected a duration like"),
    (("interval: 6h", "interval: [6h]"), r"sources\[0\].interval: expected a duration.*a list"),
    (("interval: 6h", "max_bytes: 0"), r"sources\[0\].max_bytes: expected a whole number from 1"),
    (("kind: blog", "kind: [blog]"), r":8: sources\[0\].kind: expected one of"),
    (("quota: 2", "quota: 1000000"), r":5: sections\[0\].quota: expected a whole number from 0"),
    (("quota: 2", "quota: '2'"), r":5: sections\[0\].quota: expected a whole number"),
    (("quota: 2", "retired: 'yes'"), r":5: sections\[0\].retired: expected true or false"),
    (("quota: 2", "aliases: Papers"), r":5: sections\[0\].aliases: expected a list, got 'Papers'"),
    (("quota: 2", "aliases: [[a]]"), r":5: sections\[0\].aliases: expected text, got a list"),
    (("  title: T\n", "  title: T\n  language: fr\n"),
     r":3: newsletter.language: expected one of en, pt-BR, got 'fr'"),
    (("  title: T\n", "  title: T\n  language: xx-zz\n"), r"newsletter.language: expected one"),
    (("  title: T\n", "  title: T\n  language: pt-PT\n"), r"newsletter.language: expected one"),
    (("  title: T\n", '  title: "T\\x07"\n'), r":2: newsletter.title: must not contain control"),
    (("  title: T\n", "  title: [T]\n"), r":2: newsletter.title: expected text, got a list"),
    (("  title: T\n", "  title: 2024-01-01\n"), r":2: newsletter.title: expected text, got dat"),
    (("newsletter:\n  title: T\n  site_url: https://example.org/\n", "newsletter: [a]\n"),
     r":1: newsletter: expected a mapping, got a list"),
    (("newsletter:\n  title: T\n  site_url: https://example.org/\n", ""),
     r":1: newsletter: is required"),
    ((GOOD[GOOD.index("sections:") : GOOD.index("sources:")], "sections: {a: b}\n"),
     r":4: sections: expected a list, got a mapping"),
    (("  - {key: papers, title: Papers, quota: 2}\n", "  - [papers]\n"),
     r":5: sections\[0\]: expected a mapping, got a list"),
    (("  - {name: A", "  - 7\n  - {name: A"), r":8: sources\[0\]: expected a mapping, got int"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), BAD_VALUES)
def test_values_are_checked_with_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    assert change[0] in GOOD_WEIGHTED, change
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, GOOD_WEIGHTED.replace(*change)))


GOOD_WEIGHTED = GOOD.replace("extract: always}", "extract: always, weight: 1.0}")
FETCH = "fetch:\n  allow_hosts: [127.0.0.1:8080, localhost, '[::1]:9000', '::1', feeds.example]\n"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("fetch:\n  allow_hosts: ['127.0.0.1:abc']\n", r":10: fetch.allow_hosts: expected a port"),
        ("fetch:\n  allow_hosts: ['127.0.0.1:0']\n", r"allow_hosts: expected a port 1..65535"),
        ("fetch:\n  allow_hosts: ['host:99999']\n", r"fetch.allow_hosts: expected a port"),
        ("fetch:\n  allow_hosts: ['a host']\n", r"fetch.allow_hosts: expected a host"),
        ("fetch:\n  allow_hosts: ['[::1]x']\n", r"fetch.allow_hosts: expected \[IPv6\]:port"),
        ("fetch:\n  allow_hosts: 127.0.0.1\n", r":10: fetch.allow_hosts: expected a list"),
        ("fetch:\n  deadline: 0\n", r":10: fetch.deadline: expected a number > 0 and <= 3600"),
        ("fetch:\n  deadline: -5\n", r":10: fetch.deadline: expected a number > 0"),
        ("fetch:\n  timeout: .inf\n", r":10: fetch.timeout: expected a finite number"),
        ("fetch:\n  concurrency: 0\n", r"fetch.concurrency: expected a whole number from 1 to"),
        ("fetch:\n  max_interval: 99999999999w\n",
         r":10: fetch.max_interval: expected a duration from 1m to 4w, got 99999999999w"),
        ("fetch:\n  min_interval: 1d\n  max_interval: 1h\n", r":10: fetch.min_interval: must not"),
        ("fetch:\n  contact_url: mailto:me@example.org\n", r"fetch.contact_url: expected an http"),
        ("fetch: 5\n", r":9: fetch: expected a mapping, got int"),
        ("fetch: [1, 2]\n", r":9: fetch: expected a mapping, got a list"),
        ("fetch:\n  deadlin: 5\n", r":10: fetch.deadlin: unknown key; expected one of"),
        ("schedule:\n  tick: 0s\n", r":10: schedule.tick: expected a duration from 1m to 1d"),
        ("schedule:\n  misfire_grace: 30d\n", r"schedule.misfire_grace: expected a duration"),
        ("schedule:\n  draft_time: '25:00'\n", r":10: schedule.draft_time: expected a time"),
        ("schedule:\n  draft_weekday: 8\n", r":10: schedule.draft_weekday: expected a weekday"),
        ("publish:\n  feed_items: 0\n", r":10: publish.feed_items: expected a whole number"),
        ("publish:\n  templates_dir: nope\n", r":10: publish.templates_dir: .*nope is not a f"),
        ("publish:\n  output_dir: feeds.yaml\n", r":10: publish.output_dir: .* is not a folder"),
        ("fetch:\n  user_agent: digest/0.1 (café)\n", r":10: fetch.user_agent: expected print"),
        ("fetch:\n  user_agent: \"digest\\r\\nX: 1\"\n", r"fetch.user_agent: expected print"),
        ("fetch:\n  contact_url: 'https://a.example:99999/'\n", r"fetch.contact_url: expected an"),
        ("fetch:\n  contact_url: 'https://:80/'\n", r"fetch.contact_url: expected an http"),
        ("publish:\n  smtp: {port: 25}\n", r":10: publish.smtp.host: is required"),
        ("publish:\n  smtp: {host: h, port: 70000}\n", r":10: publish.smtp.port: expected"),
        ("publish:\n  smtp: {host: h, recipients: [nobody]}\n", r"smtp.recipients: expected an e-"),
        ("publish:\n  smtp: {host: h, password_env: 'my pw'}\n", r"smtp.password_env: expected"),
        ("rank:\n  topics: [{phrase: x, weight: .nan}]\n", r":10: rank.topics\[0\].weight: expec"),
        ("rank:\n  topics: {phrase: x}\n", r":10: rank.topics: expected a list"),
        ("rank:\n  half_life_days: 0\n", r":10: rank.half_life_days: expected a number > 0"),
        ("rank:\n  summary_min_words: 100\n", r":10: rank.summary_min_words: must not exceed"),
        ("rules: {like: title}\n", r":9: rules: expected a list, got a mapping"),
        ("rules:\n  - {like: [title], value: x}\n", r":10: rules\[0\].like: expected one of"),
    ],
)  # fmt: skip
def test_blocks_are_checked_with_file_line_and_key(
    tmp_path: Path, block: str, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, GOOD + block))


def test_derived_values(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    extra = (
        FETCH + "  contact_url: https://me.example/about\n"
        "schedule:\n  misfire_grace: 2h\n  draft_weekday: fri\n"
        "publish:\n  output_dir: out\n  smtp: {host: mail.example, recipients: [a@b.example]}\n"
    )
    config = load_config(write(tmp_path, GOOD.replace("{name: A, ", "{") + extra))
    assert config.sources[0].name == "https://a.example/feed"  # the name defaults to the URL
    assert config.fetch.user_agent == "digest/0.1 (+https://me.example/about)"
    assert config.fetch.allow_hosts[0] == "127.0.0.1:8080"
    assert config.schedule.misfire_grace_seconds == 7200 and config.schedule.draft_weekday == 5
    assert config.publish.output_dir == tmp_path / "out"
    assert config.publish.templates_dir == tmp_path / "templates"  # the folder beside the file
    assert config.publish.smtp is not None and config.publish.smtp.port == 587
    assert config.publish.smtp.password_env == "DIGEST_SMTP_PASSWORD"


def test_allow_hosts_the_config_accepts_are_read_by_the_guard(tmp_path: Path) -> None:
    from digest.fetch.guard import AddressGuard

    config = load_config(write(tmp_path, GOOD + FETCH))
    guard = AddressGuard(config.fetch.allow_hosts)
    assert guard.allowed("127.0.0.1", 8080) and not guard.allowed("127.0.0.1", 8081)
    assert guard.allowed("::1", 9000) and guard.allowed("feeds.example", 443)


def test_languages_publish_has_words_for(tmp_path: Path) -> None:
    from digest.config.forms import LANGUAGES
    from digest.publish.i18n import CATALOGS, translator

    # config may not import publish (the import contract): the two lists stay equal here
    assert {tag.replace("-", "_") for tag in LANGUAGES} == set(CATALOGS)
    for language in ("en", "pt-BR", "pt_br", "EN"):
        text = GOOD.replace("  title: T\n", f"  title: T\n  language: {language}\n")
        config = load_config(write(tmp_path, text))
        assert config.newsletter.language == language
        assert translator(language).catalog is CATALOGS[translator(language).locale]


def test_a_retired_section_is_kept(tmp_path: Path) -> None:
    text = GOOD.replace("quota: 2}", "quota: 2, retired: true}")
    papers, honourable = load_config(write(tmp_path, text)).sections
    assert papers.retired and not honourable.retired


def test_append_entries_refuses_a_broken_file_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    from digest.config import append_entries

    path = tmp_path / "feeds.yaml"
    path.write_bytes(GOOD.encode("utf-16"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        append_entries(path, "sources", [{"url": "https://b.example/f", "kind": "blog"}])
    assert path.read_bytes() == GOOD.encode("utf-16")
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())  # UTF-8 with a BOM is fine
    assert append_entries(path, "sources", [{"url": "https://b.example/f", "kind": "blog"}]) == 1
    assert [s.url for s in load_config(path).sources][-1] == "https://b.example/f"


def test_a_file_is_parsed_once_until_its_text_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digest.config.load as load

    fast: list[str] = []
    slow: list[Path] = []
    real_fast, real_slow = load._parse_fast, load.parse_yaml
    monkeypatch.setattr(load, "_parse_fast", lambda t: fast.append(t) or real_fast(t))
    monkeypatch.setattr(load, "parse_yaml", lambda p, t: slow.append(p) or real_slow(p, t))
    path = write(tmp_path, GOOD)
    first = load_config(path)
    assert load_config(path) == first and len(fast) == 1
    # same size, same second: only the text tells the edit apart
    path.write_text(GOOD.replace("quota: 2", "quota: 3"), encoding="utf-8")
    assert load_config(path).sections[0].quota == 3 and len(fast) == 2
    assert slow == []  # a valid file never needs the round-trip parser
    path.write_text(GOOD.replace("kind: blog", "kind: nope"), encoding="utf-8")
    with pytest.raises(ConfigError, match="kind"):
        load_config(path)
    assert len(slow) == 1  # an invalid one is read again for its line numbers


@pytest.mark.parametrize("name", ["feeds.yaml", "digest/demo/data/feeds.yaml"])
def test_the_fast_parser_reads_our_own_files_as_the_round_trip_one(name: str) -> None:
    """The C parser scans like YAML 1.1 (libyaml): it refuses some 1.2 text, such as
    a URL in a flow mapping `{url: http://...}`, and then the round-trip parser reads
    the file; what it does read must come out the same."""
    import digest.config.load as load

    path = Path(__file__).resolve().parents[1] / name
    text = path.read_text(encoding="utf-8")
    fast = load._parse_fast(text)
    assert fast is not None and fast == load.parse_yaml(path, text)
    assert load._parse_fast("a: {url: http://127.0.0.1/x}") is None  # refused, not misread
    # so what digest appends to feeds.yaml quotes such text (digest add, OPML import)
    assert load._flow({"name": "X", "url": "https://a.b/c"}) == '{name: X, url: "https://a.b/c"}'


def test_the_fast_and_the_round_trip_parser_build_the_same_config(tmp_path: Path) -> None:
    import digest.config.load as load

    # YAML 1.2 scalars both parsers must read alike: yes/on stay text, 017 is 17
    text = GOOD.replace("quota: 2", "quota: 017") + "\n# yes, on, no\n"
    path = write(tmp_path, text)
    via_fast = load._build(path, load._parse_fast(text))
    assert via_fast == load._build(path, load.parse_yaml(path, text))
    assert via_fast.sections[0].quota == 17
