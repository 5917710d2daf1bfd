"""The per-item channel steps one by one: ``python benchmarks/channel_steps.py DIR [N]``.

DIR holds a feedsync.yaml (e.g. one written by ``python benchmarks/generate.py 100000 DIR``). For the first N
variants (default 20,000) and each channel it prints the µs per variant of: the channel's view (overrides,
categories, price, inventory and if/then rules, filters), ``apply`` as a whole (the view, the fields, ids, the
item), the channel's checks (``check_item``), the encoder (Amazon: its messages, checked against the definitions,
then encoded), the formula tally (delimited feeds) and the writer (serializing each kept item's records into
/dev/null); best of three rounds, in CPU time of the process (the machine is shared; cache effects remain), with
the garbage collector paused during a round.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import time
from pathlib import Path
from typing import Any

from feedsync.channels.base import CheckingEncoder
from feedsync.channels.profile import compile_channels
from feedsync.config import load_config
from feedsync.formats import open_writer
from feedsync.formats.spreadsheet import FormulaTally
from feedsync.sources import quiet_read
from feedsync.stream import open_encoder

STEPS = ("view", "apply", "check", "encoder", "formulas", "write")


def _ignore(diagnostic: Any) -> None:
    pass


def _round(channel: Any, products: list[Any], folder: Path) -> dict[str, float]:
    """Seconds each step took over ``products``, once."""
    spent = dict.fromkeys(STEPS, 0.0)
    clock = time.process_time  # CPU time of this process: the machine is shared
    start = clock()
    for product in products:
        channel.view(product, {}, _ignore)
    spent["view"] = clock() - start
    start = clock()
    items = [item for product in products for item in channel.apply(product, _ignore)]
    spent["apply"] = clock() - start
    check = channel.spec.check_item
    start = clock()
    kept = [item for item in items if not check(item, channel.name)]
    spent["check"] = clock() - start
    encoder = open_encoder(channel, lambda: quiet_read(load_config(folder / "feedsync.yaml").source))
    if channel.format.writer == "delimited":
        tally = FormulaTally()
        start = clock()
        for item in kept:
            tally.add(item.id, item.values, item.product.source, item.origins)
        spent["formulas"] = clock() - start
    checking = encoder if isinstance(encoder, CheckingEncoder) else None
    with open(os.devnull, "wb") as sink:
        writer = open_writer(
            channel.format.writer,
            sink,
            columns=channel.columns,
            meta={**channel.feed, **(encoder.meta if encoder else {})},
            options={**channel.format.options, **channel.settings},
        )
        with writer:
            # In batches, as the stream does (it keeps no records): the encoder checks an item, then encodes it
            for first in range(0, len(kept), 256):
                batch = kept[first : first + 256]
                start = clock()
                records: list[Any] = []
                for item in batch:
                    if checking is not None:
                        checking.check(item, channel.name)
                    records += encoder.encode(item) if encoder is not None else [item.values]
                middle = clock()
                for record in records:
                    writer.write(record)
                spent["encoder"] += middle - start if encoder is not None else 0.0
                spent["write"] += clock() - middle
    return spent


def main(folder: Path, size: int) -> None:
    config = load_config(folder / "feedsync.yaml")
    products = list(itertools.islice(quiet_read(config.source), size))
    print(f"{len(products)} variants of {config.source.path}; µs per variant, best of 3")
    print(f"{'channel':10} " + " ".join(f"{step:>13}" for step in STEPS))
    for channel in compile_channels(config):
        rounds = []
        for _ in range(3):
            # The items of a round stay in memory (the stream keeps none): the collector, set off by them, would
            # charge its passes over them to whichever step runs then.
            gc.collect()
            gc.disable()
            try:
                rounds.append(_round(channel, products, folder))
            finally:
                gc.enable()
        best = {step: min(r[step] for r in rounds) / len(products) * 1e6 for step in STEPS}
        print(f"{channel.name:10} " + " ".join(f"{best[step]:13.2f}" for step in STEPS))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder holding a feedsync.yaml (benchmarks/run.py makes them)")
    parser.add_argument("variants", type=int, nargs="?", default=20_000, help="how many variants (default 20,000)")
    args = parser.parse_args()
    main(args.folder, args.variants)
