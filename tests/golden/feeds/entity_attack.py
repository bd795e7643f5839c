"""Expected parse of entity_attack.xml (#19 class 9): nothing expanded, no "&g;" stored
as a title; the untitled entry gets a derived headline, and the feed says it is not
well-formed."""

KIND = "blog"
URL = "https://attack.example.org/feed.xml"
FEED = {"title": "Entities"}
WARNING_CODES = ["not_well_formed"]
ENTRIES = [
    {
        "title": "The body of a harmless post about attention.",
        "extra": {"title_derived": "true"},
    },
    {"title": "Kept & dropped"},
]
