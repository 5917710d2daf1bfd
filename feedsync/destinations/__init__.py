"""Where feeds go: file publishers (a folder, SFTP) and item syncs (the channels' APIs)."""

from feedsync.destinations.base import Destination, FilePublisher, ItemEncoder, ItemSync, open_destination

__all__ = ["Destination", "FilePublisher", "ItemEncoder", "ItemSync", "open_destination"]
