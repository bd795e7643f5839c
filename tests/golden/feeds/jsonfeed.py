"""Expected parse of jsonfeed.json (kind=blog): JSON Feed 1.1."""

from datetime import UTC, datetime

from digest.types import Enclosure

KIND = "blog"
URL = "https://cards.example.org/feed.json"
FEED = {"title": "Model Cards Weekly", "link": "https://cards.example.org/"}
WARNINGS = 2  # the non-object item and the repeated id
ENTRIES = [
    {
        "guid": "https://cards.example.org/2026/11/tiny",
        "link": "https://cards.example.org/2026/11/tiny",
        "title": "Tiny model, big card",
        "authors": ("Ada Lovelace",),
        "published": datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        "updated": datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
        "summary_html": "<p>A tiny model.</p>",
        "content_html": (
            '<p>See <a href="https://arxiv.org/pdf/2611.01234v2" rel="noopener noreferrer">'
            "the paper</a>.</p>"
        ),
        "categories": ("models", "cards"),
        "enclosures": (Enclosure("https://cards.example.org/tiny.mp3", "audio/mpeg", 1234),),
        "image": "https://cards.example.org/tiny.png",
        "duration_seconds": 95,
        "links": ("https://arxiv.org/pdf/2611.01234v2",),
        "arxiv_id": None,
    },
    {
        "guid": "7",
        "link": "https://elsewhere.example/post",
        "authors": ("Editors",),  # inherited from the feed
        "title": "Plain <text> here.",  # untitled: its first sentence (ADR 0011)
        "extra": {"title_derived": "true"},
        "published": None,
        "content_html": "<p>Plain &lt;text&gt; here.</p><p>Second paragraph.</p>",
    },
]
