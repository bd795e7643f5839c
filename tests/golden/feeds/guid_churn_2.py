"""Expected parse of guid_churn_2.xml (#19 class 10): the guids are the feed's, as
given; tests/test_feed_truth.py stores both fetches and expects two entries, not four."""

KIND = "news"
URL = "https://status.example.org/feed.xml"
FEED = {"title": "Status Board"}
WARNINGS = 0
ENTRIES = [
    {"guid": "req2-item-a-15838", "link": None, "title": "Scheduled maintenance on Saturday"},
    {"guid": "req2-item-b-209458", "link": None, "title": "New region: São Paulo"},
]
