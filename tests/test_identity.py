"""digest.identity: canonical URLs, arXiv ids, link roles, content hashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import identity
from digest.identity import arxiv_id, canonical_url, content_hash, fallback_id, link_role
from digest.types import LinkRole, SourceKind


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM:80/a/b/", "https://example.com/a/b"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:8080/x", "https://example.com:8080/x"),
        ("https://example.com/p#section-2", "https://example.com/p"),
        ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
        (
            "https://example.com/p?utm_source=rss&utm_medium=feed&id=7&fbclid=x&gclid=y",
            "https://example.com/p?id=7",
        ),
        ("https://example.com/p?mc_cid=1&mc_eid=2&ref=hn", "https://example.com/p"),
        ("https://example.com/p?source=rss&q=1", "https://example.com/p?q=1"),
        ("https://example.com/p?source=github", "https://example.com/p?source=github"),
        ("https://user:pw@Example.com/x", "https://example.com/x"),
        ("https://www.www.example.com/", "https://example.com/"),
        ("https://www.com/", "https://www.com/"),
        ("https://example.com./x", "https://example.com/x"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("mailto:a@example.com", "mailto:a@example.com"),
        ("/relative/path", "/relative/path"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2401.12345",
        "http://arxiv.org/abs/2401.12345v3",
        "https://arxiv.org/pdf/2401.12345",
        "https://arxiv.org/pdf/2401.12345v2.pdf",
        "https://arxiv.org/html/2401.12345v1#S3",
        "http://export.arxiv.org/abs/2401.12345v1",
        "https://www.arxiv.org/abs/2401.12345?context=cs",
    ],
)
def test_canonical_url_collapses_arxiv_forms(url: str) -> None:
    assert canonical_url(url) == "https://arxiv.org/abs/2401.12345"


def test_canonical_url_old_style_arxiv() -> None:
    assert canonical_url("http://arxiv.org/pdf/astro-ph/0601001v2") == (
        "https://arxiv.org/abs/astro-ph/0601001"
    )
    assert canonical_url("https://arxiv.org/list/cs.AI/new") == "https://arxiv.org/list/cs.AI/new"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2401.12345v2", "2401.12345"),
        ("https://arxiv.org/abs/1501.0001", "1501.0001"),
        ("https://arxiv.org/pdf/2401.12345", "2401.12345"),
        ("https://arxiv.org/html/2401.12345v1", "2401.12345"),
        ("http://export.arxiv.org/abs/2401.12345v1", "2401.12345"),
        ("oai:arXiv.org:2401.12345v1", "2401.12345"),
        ("oai:arXiv.org:2401.12345", "2401.12345"),
        ("arXiv:2401.12345v4", "2401.12345"),
        ("http://arxiv.org/abs/cs/0601001v1", "cs/0601001"),
        ("http://arxiv.org/abs/astro-ph/0601001", "astro-ph/0601001"),
        ("http://arxiv.org/abs/math.GT/0309136v2", "math/0309136"),
        ("https://example.com/abs/2401.12345", None),
        ("2401.12345", None),
        ("https://arxiv.org/list/cs.AI/new", None),
        ("", None),
    ],
)
def test_arxiv_id(text: str, expected: str | None) -> None:
    assert arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("url", "kind", "role"),
    [
        ("https://arxiv.org/abs/2401.12345", None, LinkRole.PAPER),
        ("https://openreview.net/forum?id=abc", None, LinkRole.PAPER),
        ("https://aclanthology.org/2024.acl-long.1/", None, LinkRole.PAPER),
        ("https://doi.org/10.1000/182", None, LinkRole.PAPER),
        ("https://huggingface.co/papers/2401.12345", None, LinkRole.PAPER),
        ("https://github.com/owner/repo", None, LinkRole.CODE),
        ("https://gitlab.com/owner/repo", None, LinkRole.CODE),
        ("https://pypi.org/project/digest/", None, LinkRole.CODE),
        ("https://huggingface.co/meta-llama/Llama-3-8B", None, LinkRole.CODE),
        ("https://huggingface.co/datasets/owner/name", None, LinkRole.CODE),
        ("https://huggingface.co/blog/some-post", None, LinkRole.POST),
        ("https://github.com/owner/repo/releases/tag/v1.2.0", None, LinkRole.RELEASE),
        ("https://github.com/owner/repo", SourceKind.RELEASE, LinkRole.RELEASE),
        ("https://cdn.example.com/ep12.mp3", None, LinkRole.PODCAST),
        ("https://show.example.com/ep/12", SourceKind.PODCAST, LinkRole.PODCAST),
        ("https://news.example.com/story", SourceKind.NEWS, LinkRole.NEWS),
        ("https://blog.example.com/post", SourceKind.BLOG, LinkRole.POST),
        ("https://blog.example.com/post", None, LinkRole.POST),
        ("https://notarxiv.org/abs/1", None, LinkRole.POST),
        ("not a url", None, LinkRole.POST),
    ],
)
def test_link_role(url: str, kind: SourceKind | None, role: LinkRole) -> None:
    assert link_role(url, kind) == role


def test_content_hash_is_stable_and_unambiguous() -> None:
    assert content_hash("a", "b") == content_hash("a", "b")
    assert len(content_hash("x")) == 64
    assert content_hash("ab", "c") != content_hash("a", "bc")
    assert content_hash() == content_hash()
    # A pinned value: the hash is stored, so it must never change between releases.
    assert content_hash("title", "2026-11-26") == (
        "07a03ebb309e77ef5cfff377a64cda6f43c9d4f508dadb7cca9158d15fbf6c54"
    )


_url_parts = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["www.", "WWW.", "", "www.www."]),
    st.from_regex(r"[A-Za-z0-9-]{1,10}\.(com|org|io)\.?", fullmatch=True),
    st.sampled_from(["", ":80", ":443", ":8080", ":"]),
    st.from_regex(r"(/[A-Za-z0-9%._~-]{0,8}){0,4}/?", fullmatch=True),
    st.from_regex(r"(\?([a-z_]{1,6}=[a-z0-9]{0,4}&?){0,4})?(#[a-z]{0,5})?", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_url_parts, st.text(max_size=60)))
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.from_regex(identity._PLAIN_URL_RE, fullmatch=True),
        st.from_regex(r"https?://(www\.){0,2}[a-z0-9-]{1,6}(\.[a-z0-9-]{1,4}){1,2}"
                      r"(/[a-zA-Z0-9%._~@:;,/\x01é-]{0,12}){0,3}", fullmatch=True),
    )
)  # fmt: skip
def test_canonical_url_of_a_plain_url_takes_the_short_way_to_the_same_answer(url: str) -> None:
    # canonical_url's string-only path for plain URLs (most links in feeds) gives
    # exactly what the urlsplit path gives, with spaces around or without.
    assert canonical_url(url) == identity._canonical_url(url)
    assert canonical_url(f" {url}\n") == identity._canonical_url(url)


@settings(max_examples=200, deadline=None)
@given(_url_parts)
def test_canonical_url_drops_tracking_and_fragment(url: str) -> None:
    result = canonical_url(url)
    if result.startswith("https://"):
        assert "#" not in result
        assert "utm_" not in result
        host = result.split("://", 1)[1].split("/", 1)[0]
        # www. is folded while a registrable name remains: www.www.com -> www.com
        assert not (host.startswith("www.") and "." in host[4:])


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://b.example/post#comment-12", "https://b.example/post#comment-12"),
        ("http://www.b.example/post/#c3", "https://b.example/post#c3"),
        ("https://b.example/post#comments", "https://b.example/post"),
        ("https://b.example/post#more-123", "https://b.example/post"),
        ("https://b.example/post#utm_source=rss", "https://b.example/post"),
        ("https://b.example/post#", "https://b.example/post"),
        ("https://b.example/post", "https://b.example/post"),
    ],
)
def test_fallback_id_keeps_a_fragment_that_names_part_of_the_page(link: str, expected: str) -> None:
    """ADR 0011: two comments of one post differ only after '#'; page furniture and
    tracking after '#' do not make an entry."""
    assert fallback_id(link) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://ARXIV.org/abs/2401.12345v2",
        "see ArXiv: 2401.12345",
        "oai:arXiv.org:cs/0601001",
        "https://arxıv.org/abs/2401.12345",
        "https://example.org/arxiv-2401.12345",
        "no paper",
    ],
)
def test_arxiv_id_shortcut_agrees_with_the_pattern(text: str) -> None:
    """arxiv_id skips its case-blind regex for ASCII text without "arxiv" in it."""
    match = identity._ARXIV_RE.search(text)
    assert arxiv_id(text) == (identity._normalise_arxiv(match.group("id")) if match else None)
