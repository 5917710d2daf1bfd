"""The columnar item bytes against the writers': for the Google (RSS) and Meta (CSV) profiles over random catalogs,
each row the fields are exact for gets the text the writer renders for the per-row values."""

from __future__ import annotations

import io
import random
from pathlib import Path

import polars as pl

from feedsync.channels.profile import compile_channels
from feedsync.columnar.channel import items
from feedsync.columnar.source import normalized
from feedsync.formats import open_writer
from feedsync.sources import open_source
from feedsync.sources.base import normalize_context
from tests.columnar.test_fields import _config, _write, catalog_row
from tests.columnar.test_source import BASELINE


def test_items_are_written_as_the_writers_write_them(tmp_path: Path) -> None:
    rng = random.Random(11)
    batch = [catalog_row(rng.choice) for _ in range(300)]
    batch[:0] = [  # quotes, escapes, the delimiter, a CR, a tab
        BASELINE | {"title": 'Tee "5" & <b>, cosy', "product_type": "Men > Tops"},
        BASELINE | {"description": "Soft\rwarm <i>x</i>", "product_type": "Men > Tops"},
        BASELINE | {"description": "a\tb", "brand": 'A "B"', "product_type": "Men > Tops"},
    ]
    for row in batch[:3]:  # a category of Google's taxonomy (another is left out of the item: GMC017, per row)
        row["google_product_category"] = "1604"
    _write(tmp_path / "products.csv", batch)
    config = _config(tmp_path, tmp_path / "products.csv")
    context = normalize_context(config.source)
    raw = pl.read_csv(config.source.path, infer_schema=False)
    out, exact = normalized(raw.columns, context)
    frame = raw.select(exact=exact, **out)
    products = {product.source.row: product for product in open_source(config.source).products(lambda d: None)}
    written = 0
    firsts: set[str] = set()
    for channel in compile_channels(config):
        if channel.format.writer not in ("rss", "delimited"):
            continue
        made_of = items(channel, "USD")
        options = {**channel.format.options, **channel.settings}
        made = made_of.compiler.run(frame).select(ok=made_of.exact, line=made_of.line)
        writer = open_writer(channel.format.writer, io.BytesIO(), columns=channel.columns, meta={}, options=options)
        for index, row in enumerate(made.to_dicts()):
            if row["ok"]:
                view = channel.view(products[index + 2], None, lambda d: None)
                assert view is not None and channel.field_values is not None
                assert row["line"].encode("utf-8") == writer.render(channel.field_values(view)), (channel.name, index)
                written += 1
                if index < 3:
                    firsts.add(f"{channel.name} {index}")
    assert written > 150
    assert len(firsts) == 9  # the three rows above, in each of the three channels
