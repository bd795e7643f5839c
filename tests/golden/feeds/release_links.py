"""Expected parse of release_links.atom (#19 class 6, releases): every release links to
its release page, whether the entry linked to the tag's tree or to nothing."""

KIND = "release"
URL = "https://github.com/example/router/releases.atom"
FEED = {"title": "Release notes from router"}
WARNINGS = 0
ENTRIES = [
    {
        "link": "https://github.com/example/router/releases/tag/v2.1.0",
        "extra": {
            "repository": "example/router",
            "tag": "v2.1.0",
            "version": "2.1.0",
            "prerelease": "false",
        },
    },
    {
        "link": "https://github.com/example/router/releases/tag/v2.0.0-rc1",
        "extra": {
            "repository": "example/router",
            "tag": "v2.0.0-rc1",
            "version": "2.0.0-rc1",
            "prerelease": "true",
        },
    },
    {"link": "https://github.com/example/router/releases/tag/v1.9.0"},
]
