"""EXTRACT: article text and one-paragraph summaries.

``article`` runs trafilatura on fetched bytes in worker processes under a time limit;
``summarize`` is pure: teaser detection and a summary by kind of source, with the method
and the reason for any fallback. Nothing here fetches or stores.
"""
