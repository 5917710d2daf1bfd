"""What checking Amazon messages against a product type definition costs:
``python benchmarks/amazon_definitions.py [DEFINITION.json] [N]``.

Writes the messages of a mapped HOME catalog with feedsync (tests/channels/test_amazon_definitions.py), then
times, per message, the compiled check (feedsync.channels.amazon.schema_check: the generated verdict of
schema_codegen, and the closures listing the failures of a message it refuses; a valid message and one that
fails) and the reference ``jsonschema`` validation (Draft 2019-09 + Amazon's keywords), and prints the time per
100,000 messages. Compiling the definition (closures and generated code) is timed once.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedsync.channels.amazon.schema_check import compile_schema  # noqa: E402
from tests.channels.amazon_reference import DEFINITIONS, load, reference  # noqa: E402


def messages(name: str) -> list[dict]:
    """The LISTING messages of a test catalog for a definition file (HOME-xx: the mapped HOME catalog of that
    marketplace; PRODUCT-us-2023: the PRODUCT catalog of tests/channels/test_amazon_product_type.py)."""
    from feedsync import pipeline
    from feedsync.config import load_config
    from tests.channels.test_amazon_definitions import catalog
    from tests.channels.test_amazon_product_type import FIELDS, PARENT_FACTS, product_catalog

    with tempfile.TemporaryDirectory() as tmp:
        if name.startswith("PRODUCT"):
            config = product_catalog(Path(tmp), {**FIELDS, **PARENT_FACTS})
        else:
            config = catalog(Path(tmp), name.split("-")[1].split(".")[0].upper())
        pipeline.run(load_config(config), "build", out_dir=Path(tmp) / "feeds")
        document = json.loads((Path(tmp) / "feeds" / "amazon.json").read_text(encoding="utf-8"))
    return [m["attributes"] for m in document["messages"] if m["requirements"] == "LISTING"]


def per_100k(check, instances: list, count: int) -> float:
    start = time.perf_counter()
    for n in range(count):
        check(instances[n % len(instances)])
    return (time.perf_counter() - start) / count * 100_000


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "HOME-us.json"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    schema = load(DEFINITIONS / name)
    start = time.perf_counter()
    compiled = compile_schema(schema)
    compile_time = time.perf_counter() - start
    valid = [json.loads(json.dumps(m), parse_float=Decimal) for m in messages(name)]
    invalid = [{k: v for k, v in m.items() if k != "brand"} for m in valid]
    assert all(compiled.valid(m) for m in valid) and not any(compiled.valid(m) for m in invalid)
    validator = reference(schema)
    ref_count = max(200, count // 50)
    rows = [
        ("compiled, valid messages", per_100k(compiled.failures, valid, count)),
        ("compiled, failing messages", per_100k(compiled.failures, invalid, count)),
        ("jsonschema, valid messages", per_100k(lambda m: list(validator.iter_errors(m)), valid, ref_count)),
        ("jsonschema, failing messages", per_100k(lambda m: list(validator.iter_errors(m)), invalid, ref_count)),
    ]
    print(f"{name}: compiled once in {compile_time * 1000:.0f} ms")
    for label, seconds in rows:
        print(f"  {label:30} {seconds:8.1f} s per 100k messages ({seconds / 100:.3f} ms each)")


if __name__ == "__main__":
    main()
