"""The command-line interface: a thin typer layer over ``feedsync.pipeline``. A command's process collects its
youngest objects per ``collector.YOUNG`` new containers from the start (``collector.for_a_command``)."""

from feedsync import collector

collector.for_a_command()
