"""The cyclic collector's threshold for the youngest objects: a run makes many objects and few cycles, so the
collector looks at them per ``YOUNG`` new containers rather than per 700 (a command's process from its start,
``feedsync.cli``; the rows of any run, ``pipeline._long_lived``)."""

import gc

YOUNG = 20_000


def for_a_command() -> None:
    """The threshold of a command's process, set before the package is imported: importing it and compiling the
    channels make a few hundred thousand objects and next to no cycles (a build of ten rows 375 ms against 393 ms,
    medians of fifteen runs)."""
    gc.set_threshold(YOUNG, 50, 50)
