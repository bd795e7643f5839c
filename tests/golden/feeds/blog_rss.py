"""Expected parse of blog_rss.xml (kind=blog): content:encoded, xml:base, relative links."""

from datetime import UTC, datetime

from digest.identity import content_hash

KIND = "blog"
URL = "https://blog.example.com/feed/"
FEED = {
    "title": "The Attention Span & Friends",
    "link": "https://blog.example.com/",
    "ttl_minutes": 60,
}
ENTRIES = [
    {
        "guid": "https://blog.example.com/?p=1001",
        "link": "https://blog.example.com/2026/11/small-models/?utm_source=rss&utm_medium=rss",
        "title": "Why small models win",
        "authors": ("Grace Hopper",),
        "published": datetime(2026, 11, 25, 13, 30, tzinfo=UTC),
        "updated": None,
        "categories": ("LLMs", "Efficiency"),
        "summary_html": "A teaser about small models.",
        "content_html": (
            '<p>Read <a href="https://blog.example.com/2026/11/small-models-part-2/" '
            'rel="noopener noreferrer">part two</a>, see\n'
            '<img src="https://blog.example.com/img/chart.png" alt="chart"> and the\n'
            '<a href="https://github.com/example/smol?utm_campaign=x" rel="noopener noreferrer">'
            "code</a> and\n"
            '<a rel="noopener noreferrer">this</a>.</p>'
        ),
        "image": "https://blog.example.com/img/hero.jpg",
        "links": (
            "https://blog.example.com/2026/11/small-models-part-2/",
            "https://github.com/example/smol?utm_campaign=x",
        ),
    },
    {
        "guid": "https://blog.example.com/2026/11/no-guid",
        "link": "https://blog.example.com/2026/11/no-guid/#comments",
        "title": "No guid, only a link",
        "summary_html": "<p>Escaped <b>HTML</b> description.</p>",
    },
    {
        "guid": "sha256:" + content_hash("Neither guid nor link", "2026-11-23T09:00:00+00:00"),
        "link": None,
        "title": "Neither guid nor link",
        "summary_html": "Plain text.",
    },
    {"guid": "post-4", "title": "Broken date", "published": None, "updated": None},
]
