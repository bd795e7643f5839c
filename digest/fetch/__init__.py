"""FETCH: every outbound request, guarded, bounded and polite.

``guard`` is the one way out (schemes, vetted and pinned addresses, manual redirects,
deadline, byte cap); ``http`` does conditional GETs of feeds and pages with per-host
limits; ``politeness`` decides when a feed is next due. Nothing here parses a body or
touches the database: results are values (``Fetched``, ``NotModified``, or the
``FetchError`` itself).
"""
