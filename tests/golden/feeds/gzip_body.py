"""Expected parse of gzip_body.xml (#19 class 8); tests/test_feed_truth.py serves it
gzip-compressed without Content-Encoding and expects the same entries stored."""

KIND = "blog"
URL = "https://gz.example.org/feed.xml"
FEED = {"title": "Compressed Weekly"}
WARNINGS = 0
ENTRIES = [
    {"guid": "https://gz.example.org/1", "title": "First compressed post"},
    {"guid": "https://gz.example.org/2", "title": "Second compressed post"},
]
