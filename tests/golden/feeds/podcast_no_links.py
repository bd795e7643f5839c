"""Expected parse of podcast_no_links.xml (#19 class 6): an episode without a page links
to its audio enclosure (the story then gives it the role podcast); one with a page keeps
its page."""

KIND = "podcast"
URL = "https://modeltalk.example.fm/feed.xml"
FEED = {"title": "Model Talk"}
WARNINGS = 0
ENTRIES = [
    {"guid": "mt-12", "link": "https://media.example.fm/mt/12?source=rss"},
    {"guid": "mt-11", "link": "https://media.example.fm/mt/11.mp3"},
    {"guid": "mt-10", "link": "https://modeltalk.example.fm/10"},
]
