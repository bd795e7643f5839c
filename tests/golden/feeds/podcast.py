"""Expected parse of podcast.xml (kind=podcast): itunes + Podcasting 2.0 tags."""

from datetime import UTC, datetime

from digest.types import Enclosure

KIND = "podcast"
URL = "https://radio.example.org/feed.xml"
FEED = {
    "title": "Gradient Descent Radio",
    "link": "https://radio.example.org/",
    "ttl_minutes": 120,
    "new_feed_url": "https://feeds.example.org/gdr.xml",
}
ENTRIES = [
    {
        "guid": "gdr-42",
        "link": "https://radio.example.org/42",
        "title": "Episode 42: Scaling Laws",
        "authors": ("Ada Lovelace",),
        "published": datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        "enclosures": (Enclosure("https://cdn.example.org/gdr-42.mp3", "audio/mpeg", 34567890),),
        "image": "https://radio.example.org/42.jpg",
        "duration_seconds": 3723,
        "arxiv_id": None,
        "links": ("https://arxiv.org/abs/2001.08361v1", "https://radio.example.org/notes/42"),
        "extra": {
            "episode": "42",
            "season": "3",
            "episode_type": "full",
            "transcript_url": "https://radio.example.org/42.vtt",
            "transcript_type": "text/vtt",
            "chapters_url": "https://radio.example.org/42-chapters.json",
            "chapters_type": "application/json+chapters",
            "persons": "Ada Lovelace (host), Alan Turing (guest)",
        },
    },
    {
        "guid": "gdr-41",
        "link": "https://cdn.example.org/gdr-41.m4a",  # no <link>: the episode's audio
        "duration_seconds": 2730,
        "enclosures": (Enclosure("https://cdn.example.org/gdr-41.m4a", "audio/x-m4a", 1000),),
        "summary_html": "Short one.",  # RSS description is HTML: no <p> added
        "extra": {},
    },
    {"guid": "gdr-40", "duration_seconds": 3600, "enclosures": ()},
]
