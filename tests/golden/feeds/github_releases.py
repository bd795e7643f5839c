"""Expected parse of github_releases.atom (kind=release): a GitHub releases.atom."""

from datetime import UTC, datetime

KIND = "release"
URL = "https://github.com/example-org/tinyllm/releases.atom"
FEED = {
    "title": "Release notes from tinyllm",
    "link": "https://github.com/example-org/tinyllm/releases",
}
ENTRIES = [
    {
        "guid": "tag:github.com,2008:Repository/123456/v2.1.0",
        "link": "https://github.com/example-org/tinyllm/releases/tag/v2.1.0",
        "title": "v2.1.0: faster attention",
        "authors": ("ada",),
        "published": datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        "updated": datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        "content_html": (
            "<h2>What's changed</h2>\n<ul><li>Faster attention by @ada in "
            '<a href="https://github.com/example-org/tinyllm/pull/77" rel="noopener noreferrer">'
            "#77</a></li></ul>\n"
            '<p>Paper: <a href="https://arxiv.org/abs/2611.01234" rel="noopener noreferrer">'
            "arXiv</a></p>"
        ),
        "image": "https://avatars.githubusercontent.com/u/1?s=60&v=4",
        "links": (
            "https://github.com/example-org/tinyllm/pull/77",
            "https://arxiv.org/abs/2611.01234",
        ),
        "arxiv_id": None,
        "extra": {
            "repository": "example-org/tinyllm",
            "tag": "v2.1.0",
            "version": "2.1.0",
            "prerelease": "false",
        },
    },
    {
        "guid": "tag:github.com,2008:Repository/123456/v2.2.0-rc.1",
        "extra": {
            "repository": "example-org/tinyllm",
            "tag": "v2.2.0-rc.1",
            "version": "2.2.0-rc.1",
            "prerelease": "true",
        },
    },
]
