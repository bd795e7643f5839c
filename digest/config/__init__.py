"""CONFIG: feeds.yaml -> a frozen :class:`~digest.types.Config`, validated with file:line:key.

It reads and (for `digest add`, OPML import and rules) appends to the editor's file;
it fetches nothing and knows nothing of the database.

The schema is declared once, on the config dataclasses in digest/types/ (ADR 9).
To add a key, give its dataclass a field with ``metadata=setting(help, ...)`` and
run ``digest check --reference > docs/config.md``: parsing, defaults, validation,
`digest check` and the reference follow from that field.
"""

from digest.config.load import append_entries, load_config, resolve_config_path, resolve_db_path

__all__ = ["append_entries", "load_config", "resolve_config_path", "resolve_db_path"]
