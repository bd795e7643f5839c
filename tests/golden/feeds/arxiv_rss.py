"""Expected parse of arxiv_rss.xml (kind=arxiv): rss.arxiv.org RSS 2.0 flavour."""

from datetime import UTC, datetime

KIND = "arxiv"
URL = "https://rss.arxiv.org/rss/cs.CL"
FEED = {"title": "cs.CL updates on arXiv.org", "link": "http://rss.arxiv.org/rss/cs.CL"}
ENTRIES = [
    {
        "guid": "arxiv:2611.01234",
        "link": "https://arxiv.org/abs/2611.01234",
        "title": "Sparse Mixtures of Tiny Experts for Low-Resource Translation",
        "authors": ("Ada Lovelace", "Alan Turing", "Grace Hopper"),
        "published": datetime(2026, 11, 24, 5, 0, tzinfo=UTC),
        "summary_html": (
            "<p>We study sparse mixtures of very small experts for translation between "
            "low-resource languages &amp; show gains of 3 BLEU.</p>"
        ),
        "categories": ("cs.CL", "cs.LG"),
        "arxiv_id": "2611.01234",
        "extra": {
            "announce_type": "new",
            "version": "1",
            "primary_category": "cs.CL",
            "categories": "cs.CL,cs.LG",
        },
    },
    {
        "guid": "arxiv:2611.04321",
        "authors": ("Edsger Dijkstra",),
        "summary_html": "<p>Retrieval heads are rare.</p>",
        "arxiv_id": "2611.04321",
        "extra": {
            "announce_type": "cross",
            "version": "1",
            "primary_category": "cs.LG",
            "categories": "cs.LG,cs.CL",
        },
    },
    {
        "guid": "arxiv:2509.00042",
        "arxiv_id": "2509.00042",
        "authors": ("Barbara Liskov", "John McCarthy"),
        "extra": {
            "announce_type": "replace",
            "version": "3",
            "primary_category": "cs.CL",
            "categories": "cs.CL",
        },
    },
]
