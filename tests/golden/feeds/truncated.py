"""Expected parse of truncated.xml (#19 class 4): what arrived is read, and the feed
carries a not_well_formed warning (stored; the feed's status is "warning")."""

from datetime import UTC, datetime

KIND = "blog"
URL = "https://half.example.org/feed.xml"
FEED = {"title": "Half a Feed"}
WARNING_CODES = ["not_well_formed", "skipped_entries"]  # the cut item has nothing whole
ENTRIES = [
    {
        "guid": "https://half.example.org/1",
        "title": "The first post arrived whole",
        "published": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    },
]
