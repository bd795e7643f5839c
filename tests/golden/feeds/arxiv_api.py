"""Expected parse of arxiv_api.xml (kind=arxiv): an export.arxiv.org API response."""

from datetime import UTC, datetime

KIND = "arxiv"
URL = "http://export.arxiv.org/api/query?search_query=all:tokenizer"
FEED = {}
ENTRIES = [
    {
        "guid": "arxiv:2611.01234",
        "link": "https://arxiv.org/abs/2611.01234v2",
        "title": "Sparse Mixtures of Tiny Experts for Low-Resource Translation",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "published": datetime(2026, 11, 23, 18, 30, tzinfo=UTC),
        "updated": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        "summary_html": "<p>We study sparse mixtures of very small experts. A second line.</p>",
        "categories": ("cs.CL", "cs.LG"),
        "arxiv_id": "2611.01234",
        "extra": {
            "version": "2",
            "primary_category": "cs.CL",
            "categories": "cs.CL,cs.LG",
            "comment": "12 pages, 3 figures",
            "doi": "10.1000/xyz",
        },
    },
    {
        "guid": "arxiv:astro-ph/0601001",
        "arxiv_id": "astro-ph/0601001",
        "published": datetime(2005, 12, 31, 12, 0, tzinfo=UTC),
        "extra": {"version": "1", "primary_category": "astro-ph", "categories": "astro-ph"},
    },
]
