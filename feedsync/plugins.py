"""Plugins by folder: import every module (or every package) inside a package, so that each registers itself
(a channel its spec and rule codes, a source format its name, detector and reader). Nothing keeps a list."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_DONE: set[tuple[str, bool]] = set()


def discover(package: ModuleType, *, packages: bool, shared: frozenset[str] = frozenset()) -> list[str]:
    """Import the subpackages (``packages=True``) or the plain modules (``packages=False``) of ``package``, once
    per process, in name order, except the ``shared`` ones (used by the plugins, not plugins); returns their
    names."""
    found = pkgutil.iter_modules(package.__path__)
    names = sorted(info.name for info in found if info.ispkg == packages and info.name not in shared)
    key = (package.__name__, packages)
    if key not in _DONE:
        for name in names:
            importlib.import_module(f"{package.__name__}.{name}")
        _DONE.add(key)  # only once all imported: a module that fails to import fails every run that needs it
    return names
