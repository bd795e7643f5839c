"""Expected parse of guid_churn_1.xml (#19 class 10): the guids are the feed's, as
given; tests/test_feed_truth.py stores both fetches and expects two entries, not four."""

KIND = "news"
URL = "https://status.example.org/feed.xml"
FEED = {"title": "Status Board"}
WARNINGS = 0
ENTRIES = [
    {"guid": "req1-item-a-7919", "link": None, "title": "Scheduled maintenance on Saturday"},
    {"guid": "req1-item-b-104729", "link": None, "title": "New region: São Paulo"},
]
