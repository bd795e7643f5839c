"""Expected parse of blog_atom.xml (kind=blog): Atom 1.0, xml:base, xhtml content."""

from datetime import UTC, datetime

KIND = "blog"
URL = "https://research.example.net/blog/atom.xml"
FEED = {"title": "Research Notes", "link": "https://research.example.net/blog/"}
ENTRIES = [
    {
        "guid": "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
        "link": "https://research.example.net/blog/posts/eval.html",
        "title": "Evaluating <b> tags in titles",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "published": datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        "updated": datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        "categories": ("evaluation",),
        "summary_html": "<p>Short &amp; plain.</p>",
        "links": (
            "https://research.example.net/data/bench.zip",  # ../ from xml:base /blog/,
            "https://huggingface.co/datasets/example/bench",
        ),
    },
    {
        "guid": "tag:research.example.net,2026:updated",
        "published": datetime(2026, 11, 19, 8, 0, tzinfo=UTC),
        "updated": datetime(2026, 11, 19, 8, 0, tzinfo=UTC),
        "content_html": "<p>Hello</p>",
        "summary_html": "<p>Hello</p>",
        "authors": ("Lab Team",),
    },
]
