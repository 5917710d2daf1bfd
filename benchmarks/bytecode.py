"""The feedsync package compiled to bytecode before a benchmark times it, as ``pip install`` leaves it: where
``PYTHONDONTWRITEBYTECODE`` is set (or the package was just edited), each timed process would otherwise compile
every changed module from its source again (about half a second a process)."""

from __future__ import annotations

import compileall
import importlib.util


def compile_package() -> None:
    spec = importlib.util.find_spec("feedsync")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("feedsync is not installed: pip install '.[bench]'")
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)
