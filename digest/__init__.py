"""digest: build a weekly curated newsletter from feeds.

fetch -> parse -> store -> extract -> rank -> group -> review -> publish; see
docs/architecture.md. The names below are the public API.
"""

from digest.config import load_config
from digest.errors import DigestError
from digest.store import Store

__all__ = ["DigestError", "Store", "load_config"]
__version__ = "0.1.0"
