"""Polars' allocator as the columnar engine sets it (``columnar.ALLOCATOR``): set for a process that imports the
engine before Polars, after Polars' own options (jemalloc takes the last value of an option), understood by the
jemalloc Polars ships, and never over the user's own setting."""

from __future__ import annotations

import os
import subprocess
import sys

from feedsync import columnar

_ASK = (
    "import os, feedsync.columnar, polars; polars.Series(['a'] * 1000).str.to_uppercase(); "
    "print(os.environ['_RJEM_MALLOC_CONF'])"
)


def _run(env: dict[str, str]) -> tuple[str, str]:
    """What a process that imports the engine, then Polars, holds as the allocator's options, and its errors."""
    clean = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    done = subprocess.run(
        [sys.executable, "-c", _ASK], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return done.stdout.strip(), done.stderr


def _taken(options: str) -> dict[str, str]:
    """The options jemalloc goes by: each one's last value."""
    return dict(pair.split(":", 1) for pair in options.split(",") if pair)


def test_the_engine_sets_polars_allocator_before_polars_starts() -> None:
    options, errors = _run({})
    assert _taken(options) | _taken(columnar.ALLOCATOR) == _taken(options)  # these values are the ones it keeps
    assert options.endswith(columnar.ALLOCATOR)  # after Polars' own (its half a second), which they override
    assert "jemalloc" not in errors.lower()  # an option it does not know would be told here


def test_an_unknown_option_is_told_so_the_check_above_can_fail() -> None:
    options, errors = _run({"_RJEM_MALLOC_CONF": "no_such_option:1"})
    assert _taken(options)["no_such_option"] == "1"
    assert "jemalloc" in errors.lower()


def test_the_users_own_setting_is_kept() -> None:
    options, _ = _run({"_RJEM_MALLOC_CONF": "dirty_decay_ms:5000"})
    assert _taken(options)["dirty_decay_ms"] == "5000"
    assert columnar.ALLOCATOR not in options
