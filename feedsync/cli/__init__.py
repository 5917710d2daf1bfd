"""The command-line interface: a thin typer layer over ``feedsync.pipeline``."""
