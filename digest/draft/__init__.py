"""DRAFT: stories and the draft the editor reviews.

``group`` turns entries into stories (one thing several sources speak of); ``review`` is
the pure state machine: a snapshot plus the editor's decision log gives the draft the editor
sees, and an approved draft gives the immutable ``Issue``. No I/O.
"""
