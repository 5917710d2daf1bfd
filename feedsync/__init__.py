"""feedsync: product feed syndication from one catalog to many sales channels."""

__version__ = "0.1.0"
