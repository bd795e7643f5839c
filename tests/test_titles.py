"""What the draft calls an item and its links (digest.draft.titles)."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.draft.titles import item_title, link_label, project_of
from digest.types import Entry, SourceKind

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def entry(title: str, link: str, kind: SourceKind = SourceKind.RELEASE) -> Entry:
    return Entry(1, "https://feeds.example.org/r.atom", "Watched releases (demo)", kind, "g",
                 link, link, title, (), NOW, NOW, NOW, "", "", "h")  # fmt: skip


def test_a_release_is_titled_with_its_project() -> None:
    url = "https://github.com/quillstack/quill-serve/releases/tag/v2.0.0-rc1"
    assert project_of(url) == "quill-serve"
    assert (
        item_title(entry("v2.0.0-rc1 (pre-release)", url)) == "quill-serve v2.0.0-rc1 (pre-release)"
    )
    assert item_title(entry("quill-serve 2.0 is out", url)) == "quill-serve 2.0 is out"
    assert item_title(entry("Release 1.4", url)) == "quill-serve Release 1.4"
    # only releases, and only forge URLs
    assert item_title(entry("v1.0", url, SourceKind.BLOG)) == "v1.0"
    assert item_title(entry("v1.0", "https://example.org/releases/v1.0")) == "v1.0"
    assert item_title(entry("  A   spaced\ntitle ", url, SourceKind.BLOG)) == "A spaced title"


def test_a_link_label_names_where_it_goes() -> None:
    assert (
        link_label("https://github.com/quillstack/quill-serve")
        == "github.com/quillstack/quill-serve"
    )
    assert (link_label("https://github.com/quillstack/quill-serve/releases/tag/v2")
            == "github.com/quillstack/quill-serve/…")  # fmt: skip
    assert link_label("https://arxiv.org/abs/2611.00002") == "arxiv.org/abs/2611.00002"
    assert link_label("https://www.example.org/blog/post-1") == "example.org/blog/…"
    assert link_label("https://example.org/") == "example.org"
