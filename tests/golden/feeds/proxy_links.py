"""Expected parse of proxy_links.xml (#19 class 5): the original link a proxy gives
(feedburner:origLink, pheedo:origLink) is the entry's link, not the tracker."""

KIND = "blog"
URL = "https://feeds.feedburner.example/LabBlog"
FEED = {"title": "Proxied Lab Blog"}
WARNINGS = 0
ENTRIES = [
    {"guid": "post-17", "link": "https://lab.example.org/2026/11/routing-tokens"},
    {"guid": "post-16", "link": "https://lab.example.org/2026/11/forty-languages"},
    {"guid": "post-15", "link": "https://lab.example.org/2026/11/plain"},
]
