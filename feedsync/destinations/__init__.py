"""Where feeds go: directory now; SFTP and the channels' APIs as adapters of the same protocol."""

from feedsync.destinations.base import Destination, is_api, open_destination

__all__ = ["Destination", "is_api", "open_destination"]
