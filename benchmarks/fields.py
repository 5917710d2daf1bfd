"""The field stage alone: ``python benchmarks/fields.py DIR [N]``.

DIR holds a feedsync.yaml (e.g. one written by ``python benchmarks/generate.py 100000 DIR``). For the first N
variants (default 30,000) and each channel it prints the µs per variant of the channel's fields made by the
generated function (``CompiledChannel.field_values``) and by the per-field path (``values_by_field``, one
``Compiled.call`` per field) on the same item data, best of three each, alternating; then ``apply`` as a whole
(the channel's view, the fields, ids, the item). Timings vary with the machine's load.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from feedsync.channels.profile import compile_channels
from feedsync.config import load_config
from feedsync.sources import quiet_read


def per_call(function: Callable[[Any], Any], inputs: Iterable[Any], count: int) -> float:
    """µs per call of ``function`` over ``inputs``."""
    start = time.perf_counter()
    for value in inputs:
        function(value)
    return (time.perf_counter() - start) / count * 1e6


def _ignore(diagnostic: Any) -> None:
    pass


def main(folder: Path, size: int) -> None:
    config = load_config(folder / "feedsync.yaml")
    products = list(itertools.islice(quiet_read(config.source), size))
    print(f"{len(products)} variants of {config.source.path}")
    print(f"{'channel':10} {'generated':>10} {'per-field':>10} {'apply':>8}   (µs per variant)")
    for channel in compile_channels(config):
        contexts = [c for c in (channel.view(p, {}, _ignore) for p in products) if c is not None]
        generated, per_field = channel.field_values, channel.values_by_field
        apply = partial(channel.apply, emit=_ignore)
        assert generated is not None
        times: dict[str, list[float]] = {"generated": [], "per-field": [], "apply": []}
        for _ in range(3):
            times["generated"].append(per_call(generated, contexts, len(contexts)))
            times["per-field"].append(per_call(per_field, contexts, len(contexts)))
            times["apply"].append(per_call(apply, products, len(products)))
        best = {name: min(values) for name, values in times.items()}
        print(f"{channel.name:10} {best['generated']:10.2f} {best['per-field']:10.2f} {best['apply']:8.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30_000)
