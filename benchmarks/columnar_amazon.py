"""Amazon's messages from the columnar stages on a whole catalog, batch by batch.

``python benchmarks/columnar_amazon.py DIR [--check FEED] [--findings REPORT] [--chunk MB]``:

DIR holds a catalog written by ``python benchmarks/generate.py N DIR`` (its config's ``amazon`` channel, with the
PRODUCT definition when ``../shared`` was beside the project). Each batch (whole families, ``--chunk`` MB of the
file) is normalized, the channel's fields made, and for each product type the first batch names: every variant's
LISTING message (``feedsync.columnar.amazon``), the definition's verdict on it (``feedsync.columnar.schema``),
its family's parent and the AMZ015 comparisons. It prints the time and CPU time of each stage and how many rows are
exact. ``--check FEED`` (the ``amazon.json`` of ``feedsync build --validate`` of the same catalog) compares every
variant message and parent the feed holds with the columns' by SKU; ``--findings REPORT`` (``feedsync validate
--channel amazon --select AMZ015 --format json``) compares each variant's AMZ015 findings. The stages are not wired
into ``build`` yet: this is how they are measured against it.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import polars as pl

from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.channels.profile import compile_channels
from feedsync.columnar.amazon import Attributes
from feedsync.columnar.fields import Compiler
from feedsync.columnar.schema import Verdict, json_text
from feedsync.config import load_config
from feedsync.pipeline import quiet_read
from feedsync.sources.base import normalize_context

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stages import Stages, arguments, normalized_batches


def main() -> None:
    parser = arguments(__doc__, 4)
    parser.add_argument("--check", type=Path, default=None, help="feedsync's amazon.json of the same catalog")
    parser.add_argument("--findings", type=Path, default=None, help="feedsync validate's JSON report of AMZ015")
    args = parser.parse_args()
    config = load_config(args.dir / "feedsync.yaml")
    context = normalize_context(config.source)
    channel = next(c for c in compile_channels(config) if c.spec.name == "amazon")
    compiler = Compiler(channel, context.currency or "")
    values = compiler.columns(compiler.fields())
    encoder = AmazonEncoder(channel.settings)
    made = Attributes(encoder.settings, values, compiler.lists, compiler.ask, compiler.let)

    stages = Stages("survey", "read", "normalize", "amazon", "compare")
    survey = None
    if encoder.surveys:  # what a run with definitions reads before its rows (its quiet per-row read)
        encoder.survey(lambda: quiet_read(config.source), None, channel, joined=False)
        survey = encoder._survey
    stages.tick("survey")

    columns: dict[str, pl.Expr] | None = None
    mine: dict[str, tuple[str, bool]] = {}  # sku -> (message, exact)
    parents: dict[str, str] = {}
    differing: dict[str, list[str]] = {}
    n = exact_rows = 0
    for frame in normalized_batches(config.source.path, context, args.chunk, stages):
        n += frame.height
        if columns is None:  # the product types of the first batch (the stages are made per product type)
            named = compiler.run(frame).select(t=values["product_type"])["t"].drop_nulls().unique().to_list()
            columns = {}
            for product_type in sorted(named):
                definition = encoder._checker.definition(product_type) if encoder.surveys else None
                properties = definition.schema["properties"] if definition is not None else None
                theme = (
                    made.survey_theme(properties, survey.answer, pl.col("group_id"))
                    if survey is not None
                    else made.own_theme()
                )
                shape = made.message(product_type, definition.schema if definition is not None else None, theme)
                family = made.family(product_type, definition, theme, shape, pl.col("group_id"))
                ok = pl.col("exact") & compiler.exact() & made.exact(shape)
                if definition is not None:
                    schema = {k: v for k, v in definition.schema.items() if not k.startswith("x-")}
                    ok = ok & Verdict(schema, compiler.ask)(dict((m, s) for m, s, _ in shape.members)["attributes"])
                chosen = values["product_type"] == product_type
                columns[f"text {product_type}"] = pl.when(chosen).then(json_text(shape, compiler.ask))
                columns[f"ok {product_type}"] = chosen & ok
                columns[f"parent {product_type}"] = pl.when(chosen).then(family.parent)
                columns[f"taken {product_type}"] = pl.when(chosen).then(family.taken)
                for attribute, differs in family.differs.items():
                    columns[f"differs {product_type} {attribute}"] = differs
        batch = compiler.run(frame).select(sku=values["sku"], **columns)
        stages.tick("amazon")
        rows = batch.to_dicts()
        for row in rows:
            for key in columns:
                if key.startswith("text ") and row[key] is not None:  # the row's product type
                    product_type = key[5:]
                    mine[row["sku"]] = (row[key], bool(row[f"ok {product_type}"]))
                    exact_rows += bool(row[f"ok {product_type}"])
                    if row[f"parent {product_type}"] is not None:
                        text = row[f"parent {product_type}"]
                        parents[text[text.index('"sku":"') + 7 :].split('"')[0]] = text
                    taken = row[f"taken {product_type}"] or []  # AMZ015 in the order of the facts taken
                    differing[row["sku"]] = [a for a in taken if row.get(f"differs {product_type} {a}")]
        stages.tick("compare")  # (this script's own bookkeeping)
    stages.report(n)
    print(f"{n:,} variants; exact (messages, verdict): {exact_rows:,}; parents made: {len(parents):,}")
    failed = False
    if args.check is not None:
        counts: dict[str, int] = defaultdict(int)
        for line in args.check.read_bytes().split(b"\n"):
            if b'"messageId"' not in line:
                continue
            rest = "{" + line[line.index(b',"sku"') + 1 :].rstrip(b",").decode()
            sku = rest[rest.index('"sku":"') + 7 :].split('"')[0]
            if '"requirements":"LISTING_PRODUCT_ONLY"' in rest:
                counts["parents " + ("same" if parents.get(sku) == rest else "differ")] += 1
            elif sku in mine and mine[sku][1]:
                counts["variants " + ("same" if mine[sku][0] == rest else "DIFFER")] += 1
            else:
                counts["variants not exact"] += 1
        print("against the feed:", dict(counts))
        failed = failed or counts["variants DIFFER"] > 0
    if args.findings is not None:
        told: dict[str, list[str]] = defaultdict(list)
        for finding in json.loads(args.findings.read_text(encoding="utf-8"))["diagnostics"]:
            if finding["code"] == "AMZ015":
                told[finding["product_id"]].append(finding["field"])
        same = sum(differing[sku] == told.get(sku, []) for sku in differing)
        print(f"AMZ015 of each variant: {same:,} of {len(differing):,} the same")
        failed = failed or same != len(differing)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
