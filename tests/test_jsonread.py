"""JSON read by orjson where it reads the text as the json module does (``json.loads(text, strict=False)``), else by
the json module: the same values, whatever the text holds."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson
from hypothesis import assume, example, given
from hypothesis import strategies as st

from feedsync import jsonread

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 and 1.0 told apart)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


@given(values, st.booleans())
@example(2**64 + 1, False)  # orjson reads it as a float
@example(-(2**63) - 1, False)
@example("\ud800 lone", False)  # orjson refuses a lone surrogate
@example({"a": "tab\there", "b": [1.5, -0.0, 1e300]}, True)
def test_what_is_read_is_what_the_json_module_reads(value: Any, raw_controls: bool) -> None:
    text = json.dumps(value, ensure_ascii=False)
    if raw_controls:  # the columnar side's keys hold their control characters as they are
        text = re.sub(r"\\u00([01][0-9a-f])", lambda m: chr(int(m.group(1), 16)), text)
        text = text.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
        try:  # (an escaped backslash before such an escape makes another text: not JSON, or another value)
            json.loads(text, strict=False)
        except ValueError:
            assume(False)
    assert _same(jsonread.loads(text), json.loads(text, strict=False))


def test_orjson_reads_what_it_reads_exactly_and_the_json_module_the_rest(monkeypatch: Any) -> None:
    read: list[str] = []
    real = orjson.loads

    def recorded(data: bytes) -> Any:
        read.append(data.decode("utf-8", "surrogatepass"))
        return real(data)

    monkeypatch.setattr(jsonread.orjson, "loads", recorded)
    assert jsonread.loads('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert jsonread.loads("[1234567890123456789]") == [1234567890123456789]  # 19 digits: never orjson's
    assert jsonread.loads('"a\nb"') == "a\nb"  # orjson refuses it
    assert read == ['{"a": [1, 2.5, "x"]}', '"a\nb"']


@given(st.binary(max_size=200), st.integers(0, 30))
def test_a_run_of_19_digits_is_found_wherever_it_is(data: bytes, run: int) -> None:
    text = data + b"7" * run + data
    assert jsonread.long_digits(text) == bool(re.search(rb"[0-9]{19}", text))
