"""The command-line interface: a thin typer layer over ``feedsync.pipeline``.

A command's process collects its youngest objects per 20,000 new containers from the start, not per 700: importing
the package and compiling the channels make a few hundred thousand objects and next to no cycles, and the
collector's passes over them took about 20 ms of a build of ten rows (375 ms against 393 ms, medians of fifteen
runs). The rows are streamed with the same threshold (``pipeline._long_lived``)."""

import gc

gc.set_threshold(20_000, 50, 50)
