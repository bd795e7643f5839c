"""sqlite-utils' Database, imported without numpy and without dateutil's parser.

sqlite-utils imports numpy whenever it is installed (scikit-learn installs it), only to
map numpy scalars to column types; digest never stores numpy values. Hiding numpy for
that one import keeps 13 MB out of every process that opens the store, a cron fetch
included (its peak memory is a target: docs/decisions/0007). numpy stays importable for
the ranker, which loads it later if it needs it.

It also imports ``sqlite_utils.recipes``, the conversions of its own command line
(``--convert "r.parsedate(value)"``), which imports dateutil's parser and with it
dateutil.tz, ctypes and zoneinfo: 1.1 MB of a fetch's memory (issue #22) for code
digest never calls. That module is put in place unexecuted and runs on its first
attribute read, so it still works for whoever uses it.
"""

from __future__ import annotations

import sys
from importlib.machinery import PathFinder
from importlib.util import find_spec, module_from_spec
from typing import Any

__all__ = ["Database"]


def _defer(name: str) -> None:
    """Put submodule ``name`` in sys.modules without running it; its first attribute
    read runs it (PEP 562 ``__getattr__`` on the module object)."""
    parent = find_spec(name.rpartition(".")[0])  # a top-level package: found, not imported
    locations = parent.submodule_search_locations if parent else None
    spec = PathFinder.find_spec(name, locations) if locations else None
    if spec is None or spec.loader is None:
        return  # laid out differently: import it as usual
    module = module_from_spec(spec)
    loader = spec.loader

    def run(attribute: str) -> Any:
        module.__dict__.pop("__getattr__", None)  # from now on a plain module
        loader.exec_module(module)
        return getattr(module, attribute)

    module.__getattr__ = run  # type: ignore[method-assign]
    sys.modules[name] = module


if "sqlite_utils" not in sys.modules:
    _defer("sqlite_utils.recipes")
_hidden = "numpy" not in sys.modules
if _hidden:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # import numpy -> ImportError
try:
    from sqlite_utils import Database
finally:
    if _hidden:
        del sys.modules["numpy"]
