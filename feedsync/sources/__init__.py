"""Readers: one per source format, each streaming normalized ``Product`` records."""

from feedsync.sources.base import Source, open_source, quiet_read

__all__ = ["Source", "open_source", "quiet_read"]
