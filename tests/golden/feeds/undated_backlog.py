"""Expected parse of undated_backlog.xml (#19 class 1): undated entries stay undated
(None), never "now"; the store decides they are backlog (tests/test_feed_truth.py)."""

KIND = "blog"
URL = "https://quiet.example.net/feed.xml"
FEED = {"title": "Quiet Notes", "link": "https://quiet.example.net/"}
WARNINGS = 0
ENTRIES = [
    {"guid": "https://quiet.example.net/2022/reading-slowly", "published": None, "updated": None},
    {"guid": "https://quiet.example.net/2020/notebooks", "published": None, "updated": None},
    {"guid": "https://quiet.example.net/2018/hello", "published": None, "updated": None},
]
