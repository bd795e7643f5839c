"""Expected parse of comment_fragments.xml (#19 class 3): the fallback identity keeps a
fragment that names part of the page and drops page furniture ("#comments")."""

KIND = "blog"
URL = "https://lab.example.org/sparse/feed/"
FEED = {"title": "Comments on: Sparse attention, explained"}
WARNINGS = 0
ENTRIES = [
    {
        "guid": "https://lab.example.org/sparse#comment-101",
        "link": "https://lab.example.org/sparse#comment-101",
        "title": "By: Ada",
    },
    {
        "guid": "https://lab.example.org/sparse#comment-102",
        "link": "https://lab.example.org/sparse#comment-102",
        "title": "By: Grace",
    },
    {"guid": "https://lab.example.org/other-post", "title": "Sparse attention, explained"},
]
