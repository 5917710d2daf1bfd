"""Where feeds go: directory now; SFTP and the channels' APIs as adapters of the same protocol."""

from feedsync.destinations.base import Destination, open_destination

__all__ = ["Destination", "open_destination"]
