"""Limits on what one template evaluation may build, so a profile cannot hang or exhaust a run.

A template renders one value of one product: nothing legitimate comes near these limits. Operations that can
multiply their input (``'x' * n``, ``**``, ``%`` and ``str.format`` widths, ``center``, ``join``, ``replace``,
...) are checked *before* they run; operations whose result is at most the sum of their inputs (``~``, ``+``)
are checked after. ``templating`` applies these to both of its evaluation paths (Jinja's and its own).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

MAX_LENGTH = 1_000_000
"""The most characters (or list items) a template may build or render."""
MAX_BITS = 10_000
"""The largest integer a template may compute (about 3,000 digits)."""
MAX_STEPS = 100_000
"""The most loop iterations and calls one evaluation may make."""


class LimitExceeded(ValueError):
    """A template tried to build or do more than the limits allow; the product gets a finding."""

    def __init__(self, what: str) -> None:
        super().__init__(f"template limit exceeded: {what}")


def _too_long(size: int) -> LimitExceeded:
    return LimitExceeded(f"a value of more than {MAX_LENGTH:,} characters or items (this one: {size:,})")


def sized(value: Any) -> Any:
    """``value`` when it is within the length limit (strings, lists, tuples)."""
    if isinstance(value, str | list | tuple) and len(value) > MAX_LENGTH:
        raise _too_long(len(value))
    return value


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def _repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, str | list | tuple) and len(sequence) * _count(times) > MAX_LENGTH:
        raise _too_long(len(sequence) * _count(times))


def _big_int(bits: int) -> LimitExceeded:
    return LimitExceeded(f"an integer of more than {MAX_BITS:,} bits (this one: about {bits:,})")


def before_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``left <operator> right`` when its result would be over a limit (checked without computing it)."""
    if operator == "*":
        _repeat(left, right)
        _repeat(right, left)
        if _count(left) and _count(right) and abs(left).bit_length() + abs(right).bit_length() > MAX_BITS:
            raise _big_int(abs(left).bit_length() + abs(right).bit_length())
    elif operator == "**":
        base, exponent = _count(left), _count(right)
        if exponent > 0 and abs(base) > 1 and abs(base).bit_length() * exponent > MAX_BITS:
            raise _big_int(abs(base).bit_length() * exponent)
    elif operator == "%" and isinstance(left, str):
        printf(left, right)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")
_NUMBERS = re.compile(r"\d+")


def printf(template: str, args: Any) -> None:
    """Refuse ``template % args`` when its widths or its repeated values would make it too long."""
    values = list(args.values()) if isinstance(args, Mapping) else list(args) if isinstance(args, tuple) else [args]
    widths = [_count(v) for v in values] if "*" in template else []
    specs = 0
    for match in _PRINTF.finditer(template):
        if match.group(3) == "%":
            continue
        specs += 1
        widths.extend(int(n) if len(n) <= 7 else MAX_LENGTH + 1 for n in match.groups()[:2] if n and n != "*")
    longest = max((len(str(v)) for v in values), default=0)
    size = len(template) + specs * longest + sum(widths)
    if max(widths, default=0) > MAX_LENGTH or size > MAX_LENGTH:
        raise _too_long(size)


def format_spec(spec: str) -> None:
    """``str.format``: refuse a replacement field whose width or precision is over the limit."""
    if any(len(n) > 7 or int(n) > MAX_LENGTH for n in _NUMBERS.findall(spec)):
        raise LimitExceeded(f"a format width or precision over {MAX_LENGTH:,} ({spec[:20]!r})")


def grown(total: int, added: int) -> int:
    """``total + added``, the length of a text being built, refused when over the limit."""
    total += added
    if total > MAX_LENGTH:
        raise _too_long(total)
    return total


def _pad(width: Any) -> None:
    if _count(width) > MAX_LENGTH:
        raise LimitExceeded(f"a width or count of more than {MAX_LENGTH:,} (this one: {_count(width):,})")


def _replace(text: Any, old: Any, new: Any, count: Any = None) -> None:
    if not isinstance(text, str) or not isinstance(new, str) or not isinstance(old, str):
        return
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    size = len(text) + hits * max(len(new) - len(old), 0)
    if size > MAX_LENGTH:
        raise _too_long(size)


def _join(separator: Any, items: Any) -> None:
    if isinstance(separator, str) and hasattr(items, "__len__") and len(items) * len(separator) > MAX_LENGTH:
        raise _too_long(len(items) * len(separator))


def _lines(text: Any, each: int) -> None:
    if isinstance(text, str) and (text.count("\n") + 1) * each > MAX_LENGTH:
        raise _too_long((text.count("\n") + 1) * each)


_STR_METHODS: dict[str, Callable[..., None]] = {
    "center": lambda s, width, *_: _pad(width),
    "ljust": lambda s, width, *_: _pad(width),
    "rjust": lambda s, width, *_: _pad(width),
    "zfill": lambda s, width: _pad(width),
    "expandtabs": lambda s, size=8: _pad((s.count("\t") + 1) * _count(size)),
    "replace": _replace,
    "join": _join,
    "translate": lambda s, table: _pad(
        len(s) * max((len(str(v)) for v in getattr(table, "values", list)()), default=1)
    ),
}


def before_call(function: Any, args: Sequence[Any]) -> None:
    """Refuse a call of a ``str`` method that would build too long a string (``'x'.ljust(10**10)``)."""
    owner = getattr(function, "__self__", None)
    if type(owner) is str:
        check = _STR_METHODS.get(getattr(function, "__name__", ""))
        if check is not None:
            with contextlib.suppress(TypeError):  # wrong arguments: the call itself says so
                check(owner, *args)


def _guarded(filter_: Callable[..., Any], check: Callable[..., None], passes_arg: bool) -> Callable[..., Any]:
    @functools.wraps(filter_)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*(args[1:] if passes_arg else args), **kwargs)
        return filter_(*args, **kwargs)

    return guarded


def _indent(s: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    _lines(s, len(width) if isinstance(width, str) else _count(width))


def _wordwrap(s: Any, width: Any = 79, _long: Any = True, wrapstring: Any = None, *_: Any, **__: Any) -> None:
    if isinstance(s, str) and isinstance(wrapstring, str):
        size = len(s) + (len(s) // max(_count(width), 1) + 1) * len(wrapstring)
        if size > MAX_LENGTH:
            raise _too_long(size)


def _format(value: Any, *args: Any, **kwargs: Any) -> None:
    if isinstance(value, str):
        printf(value, kwargs or args)


_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": lambda value, width=80: _pad(width),
    "indent": _indent,
    "wordwrap": _wordwrap,
    "format": _format,
    "replace": lambda s, old, new, count=None: _replace(s, old, new, count),
    "join": lambda value, d="", attribute=None: _join(d, value),
    "batch": lambda value, linecount, fill_with=None: _pad(linecount),
    "slice": lambda value, slices, fill_with=None: _pad(slices),
    "tojson": lambda value, indent=None: _pad(indent),
}


def guard_filters(filters: dict[str, Callable[..., Any]]) -> None:
    """Wrap the filters that can multiply their input with checks of their arguments (in place)."""
    for name, check in _FILTER_CHECKS.items():
        if name in filters:
            original = filters[name]
            filters[name] = _guarded(original, check, getattr(original, "jinja_pass_arg", None) is not None)


def lipsum(generate: Callable[..., str]) -> Callable[..., str]:
    """Jinja's ``lipsum`` global with its paragraph and word counts bounded."""

    @functools.wraps(generate)
    def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        _pad(_count(n) * _count(max) * 8)
        return generate(n, html, min, max)

    return bounded


class Steps:
    """The loop iterations and calls left to the current evaluation."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_STEPS

    def reset(self) -> None:
        self.left = MAX_STEPS

    def take(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise LimitExceeded(f"more than {MAX_STEPS:,} loop iterations and calls")

    def loop(self, iterable: Iterable[Any]) -> Iterable[Any]:
        for item in iterable:
            self.left -= 1
            if self.left < 0:
                raise LimitExceeded(f"more than {MAX_STEPS:,} loop iterations and calls")
            yield item
