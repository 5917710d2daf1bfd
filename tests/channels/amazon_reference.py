"""An independent check of Amazon product type definitions for the tests: the ``jsonschema`` library (Draft
2019-09) with Amazon's keywords written here as jsonschema validators, numbers read as Decimal."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator, validators
from jsonschema.exceptions import ValidationError

from tests.conftest import SHARED

DEFINITIONS = SHARED / "realdata" / "amazon" / "product_types"
SHARED_FILES = sorted(p.name for p in DEFINITIONS.glob("*.json") if p.name != "meta-schema-v1.json")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def as_written(value: Any) -> Any:
    """A message as it reads back from the feed file (floats become the decimals JSON writes)."""
    return json.loads(json.dumps(value, default=str), parse_float=Decimal)


def _utf8(limit_ok: Any) -> Any:
    def check(validator: Any, limit: int, instance: Any, schema: dict[str, Any]) -> Any:
        if isinstance(instance, str) and not limit_ok(len(instance.encode("utf-8")), limit):
            yield ValidationError(f"{instance!r} has a wrong UTF-8 byte length")

    return check


def _unique(limit_ok: Any) -> Any:
    def check(validator: Any, limit: int, instance: Any, schema: dict[str, Any]) -> Any:
        if not isinstance(instance, list):
            return
        selectors = schema.get("selectors", [])
        keys = Counter(
            json.dumps([e.get(s, "<absent>") for s in selectors] if isinstance(e, dict) else e, default=str)
            for e in instance
        )
        if any(not limit_ok(n, limit) for n in keys.values()):
            yield ValidationError(f"entries sharing {selectors} out of bounds")

    return check


def _integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, Decimal):
        return instance == instance.to_integral_value()
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


AmazonValidator = validators.extend(
    Draft201909Validator,
    {
        "maxUtf8ByteLength": _utf8(lambda n, m: n <= m),
        "minUtf8ByteLength": _utf8(lambda n, m: n >= m),
        "maxUniqueItems": _unique(lambda n, m: n <= m),
        "minUniqueItems": _unique(lambda n, m: n >= m),
    },
    type_checker=Draft201909Validator.TYPE_CHECKER.redefine("integer", _integer),
)


def reference(schema: dict[str, Any]) -> Any:
    return AmazonValidator(schema)


def error_paths(validator: Any, instance: Any) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(e.absolute_path) for e in validator.iter_errors(instance))
