"""Expected parse of untitled.xml (#19 class 7): an empty title becomes the first
sentence of the summary (at most 12 words, cut with an ellipsis), marked derived; with
no text to take it from, the title stays empty."""

KIND = "blog"
URL = "https://links.example.net/feed.xml"
FEED = {"title": "Link Log"}
WARNINGS = 0
ENTRIES = [
    {
        "title": "A tiny model beats a big one on Welsh.",
        "extra": {"title_derived": "true"},
    },
    {
        "title": "Reading list for the week: sparse attention, routing, mixture of experts, "
        "retrieval…",
        "extra": {"title_derived": "true"},
    },
    {"title": "", "extra": {}},
]
