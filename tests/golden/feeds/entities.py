"""Expected parse of entities.xml (#19 class 9): references left in plain-text values
are decoded exactly once (titles, authors, the feed title); text that only looks like
one ("R&D;") stays; HTML is read as HTML (the summary is not decoded twice)."""

KIND = "blog"
URL = "https://influx.example.com/blog/feed/"
FEED = {"title": "Blog – InfluxData"}
WARNINGS = 0
ENTRIES = [
    {
        "title": "Time series & you > spreadsheets",
        "authors": ("Ann <ann@example.com>",),
        "summary_html": "<p>Q&amp;A;, with &lt;angle&gt; brackets in HTML.</p>",
    },
    {"title": "R&D; notes, written once", "authors": ("Tom & Jerry",)},
]
