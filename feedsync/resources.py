"""Where the shipped data lives: ``channel_profiles/`` and ``templates/``.

In a wheel they are packaged under ``feedsync/_data/``; in a source checkout they sit at the top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """The directory of shipped ``kind`` (``channel_profiles`` or ``templates``)."""
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"feedsync installation is missing its {kind}/ directory")
