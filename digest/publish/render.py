"""The one jinja2 Environment that renders every output format.

Templates are looked up first in ``publish.templates_dir`` (by default the
``templates/`` folder beside feeds.yaml, where an editor overrides a single template)
and then in ``digest/publish/templates``, which ships inside the package.
Autoescape is on for HTML and XML templates (``*.html.j2``, ``*.atom.j2``, ...);
Markdown and plain text get their escaping from the views and the ``md`` filter.
Feed text only ever arrives as template *data*, never as template source.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from digest.errors import PublishError
from digest.publish.text import md_escape
from digest.publish.view import rfc3339

log = logging.getLogger("digest.publish")

# Shipped inside the package, so an installed wheel renders exactly as a clone does.
PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"
_AUTOESCAPE = select_autoescape(enabled_extensions=("html", "htm", "xml", "atom"), default=False)


def _autoescape(name: str | None) -> bool:
    # Template names end in ".j2"; decide on the extension before it.
    return bool(name) and _AUTOESCAPE(name.removesuffix(".j2") if name else None)


def _wrap(text: str, width: int = 70, indent: str = "") -> str:
    """Plain-text paragraph wrapped for e-mail; URLs and long words are not split."""
    return textwrap.fill(
        text,
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _search_path(templates_dir: Path | None) -> list[Path]:
    return [templates_dir, PACKAGED_TEMPLATES] if templates_dir else [PACKAGED_TEMPLATES]


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> Environment:
    """The Environment for one override folder (cached: templates compile once)."""
    if templates_dir is not None and not templates_dir.is_dir():
        raise PublishError(f"templates_dir {str(templates_dir)!r} is not a folder")
    loader = ChoiceLoader([FileSystemLoader(str(p)) for p in _search_path(templates_dir)])
    env = Environment(
        loader=loader,
        autoescape=_autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters: dict[str, Callable[..., Any]] = {
        "md": md_escape,
        "rfc3339": rfc3339,
        "wrap": _wrap,
    }
    env.filters.update(filters)
    return env


def render(templates_dir: Path | None, name: str, **context: Any) -> str:
    """Render template ``name`` with ``context``; template errors become PublishError."""
    try:
        template = environment(templates_dir).get_template(name)
        return template.render(**context)
    except jinja2.TemplateError as e:
        raise PublishError(f"cannot render template {name}") from e
