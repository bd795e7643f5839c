"""CONFIG: feeds.yaml -> a frozen :class:`~digest.types.Config`, validated with file:line:key.

It reads and (for `digest add`, OPML import and rules) appends to the editor's file;
it fetches nothing and knows nothing of the database.
"""

from digest.config.load import append_entries, load_config, resolve_config_path, resolve_db_path

__all__ = ["append_entries", "load_config", "resolve_config_path", "resolve_db_path"]
