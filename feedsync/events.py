"""Run events for logs: what happened, per phase and channel, with counts and durations. The library only
logs them (logger ``feedsync.events``, level INFO, the fields in ``record.fields``); the CLI decides how they
are shown (``--log-format json``: one JSON object per event on stderr)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("feedsync.events")


def event(phase: str, **fields: Any) -> None:
    """Log one event: ``phase`` (read, channel, publish, sync, import, tracking, ...) and its fields."""
    if log.isEnabledFor(logging.INFO):
        log.info(phase, extra={"fields": {k: v for k, v in fields.items() if v is not None}})
