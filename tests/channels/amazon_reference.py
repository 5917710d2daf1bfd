"""An independent check of Amazon product type definitions for the tests: the ``jsonschema`` library (Draft
2019-09) with Amazon's keywords written here as jsonschema validators, numbers read as Decimal, and the formats
real definitions use (date, date-time, uri) asserted by jsonschema's own format checks (date-time needs the
``rfc3339-validator`` package, uri ``rfc3986-validator``: the test extras install both)."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker, validators
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


ASSERTED_FORMATS = ("date", "date-time", "uri")


def _formats() -> FormatChecker:
    """jsonschema's checks of the asserted formats (any other format stays an annotation, as in feedsync). Those
    of date-time and uri end their pattern with ``$``, which lets a final newline through: refused here, as RFC
    3339 and 3986 do."""
    library = Draft201909Validator.FORMAT_CHECKER
    missing = set(ASSERTED_FORMATS) - set(library.checkers)
    assert not missing, f"jsonschema checks no {sorted(missing)}: install the test extras"
    checker = FormatChecker(formats=())
    for name in ASSERTED_FORMATS:
        test, raises = library.checkers[name]
        checker.checks(name, raises)(lambda v, test=test: not (isinstance(v, str) and v.endswith("\n")) and test(v))
    return checker


FORMATS = _formats()


def reference(schema: dict[str, Any]) -> Any:
    return AmazonValidator(schema, format_checker=FORMATS)


def error_paths(validator: Any, instance: Any) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(e.absolute_path) for e in validator.iter_errors(instance))
