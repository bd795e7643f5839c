"""sqlite-utils' Database, imported without numpy.

sqlite-utils imports numpy whenever it is installed (scikit-learn installs it), only to
map numpy scalars to column types; digest never stores numpy values. Hiding numpy for
that one import keeps 13 MB out of every process that opens the store, a cron fetch
included (its peak memory is a target: docs/decisions/0007). numpy stays importable for
the ranker, which loads it later if it needs it.
"""

from __future__ import annotations

import sys

__all__ = ["Database"]

_hidden = "numpy" not in sys.modules
if _hidden:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # import numpy -> ImportError
try:
    from sqlite_utils import Database
finally:
    if _hidden:
        del sys.modules["numpy"]
