"""Expected parse of jsonfeed_rfc822.json (#19 class 2): JSON Feed dates in RFC 822 and
other forms feedparser reads in RSS are kept; what is no date at all stays None."""

from datetime import UTC, datetime

KIND = "blog"
URL = "https://notes.example.com/feed.json"
FEED = {"title": "Field Notes"}
WARNINGS = 0
ENTRIES = [
    {
        "guid": "1",
        "published": datetime(2023, 1, 2, 10, 0, tzinfo=UTC),
        "updated": datetime(2023, 1, 3, 10, 30, tzinfo=UTC),
    },
    {"guid": "2", "published": datetime(2023, 1, 4, 8, 15, tzinfo=UTC)},
    {"guid": "3", "published": datetime(2023, 1, 5, 14, 0, tzinfo=UTC)},
    {"guid": "4", "published": None},
]
