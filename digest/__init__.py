"""digest: build a weekly curated newsletter from feeds.

fetch -> parse -> store -> extract -> rank -> group -> review -> publish; see
docs/architecture.md. The names below are the public API, imported on first use so
that a parse worker importing ``digest.parse`` does not load the store (and SQLite).
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digest.config import load_config
    from digest.errors import DigestError
    from digest.store import Store

__all__ = ["DigestError", "Store", "load_config"]
__version__ = "0.1.0"

# httpx imports its own command-line client (click, rich, pygments: ~5 MB) whenever
# they are installed, as digest's CLI installs them; digest never runs httpx's CLI, and
# a module marked absent is httpx's own fallback. Saves that much of a fetch's memory.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

_HOMES = {
    "DigestError": "digest.errors",
    "Store": "digest.store",
    "load_config": "digest.config",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'digest' has no attribute {name!r}")
