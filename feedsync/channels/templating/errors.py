"""Errors of templates, by kind: ``TemplateProblem`` (does not compile: the profile is refused) and, per item,
``RenderError`` (what the template or rule did wrong on one product: that product gets a finding).

An exception raised while a compiled template runs is the template's when the template's own operations raised
it: Jinja (an undefined name, a bad use of a filter, the sandbox refusing), the limits of
``feedsync.channels.bounds``, or Python and the libraries the template called, with only the template machinery
(``environment``, ``evaluator``, ``codegen``, ``bounds``) of feedsync in between (``{{ 1/0 }}``, ``{{ title + 1 }}``,
``{{ sizes[9] }}``, ``{{ 'x' | int(base=99) }}``, a filter called with the wrong number of arguments). An exception
raised inside feedsync's own code (its filters, its models' methods, the rules' code) is a bug: it propagates to
the top-level handler (exit 70) instead of becoming one finding per product. That code raises ``TemplateFault``
for input the template or rule got wrong (a filter's argument of the wrong type, a regex_replace group the pattern
does not have).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2

from feedsync.channels.bounds import LimitExceeded


class TemplateProblem(Exception):
    """A template or expression that does not compile, with the line inside the template if known."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


class TemplateFault(Exception):
    """What a template or rule did wrong on one product; the message is the cause's."""


RenderError = (jinja2.TemplateError, TemplateFault, LimitExceeded)
"""What a compiled template's ``call`` raises for a template's fault on one product (catch it to make a finding):
Jinja's own errors (undefined names, the sandbox refusing), a ``TemplateFault``, a limit exceeded."""

_PYTHON = (TypeError, ValueError, ArithmeticError, AttributeError, LookupError)
"""What Python raises for an operation on values of the wrong type or range."""
_MACHINERY = frozenset(
    {
        "feedsync.channels.templating.environment",
        "feedsync.channels.templating.evaluator",
        "feedsync.channels.templating.codegen",
        "feedsync.channels.templating.errors",
        "feedsync.channels.bounds",
    }
)
"""feedsync's modules that perform a template's own operations on its behalf (attribute access, operators,
calls, loops and their limits): an exception from them is the template's."""


def _raised_by_feedsync(exc: BaseException) -> str | None:
    """The innermost module of feedsync's own code (outside the template machinery) the exception was raised in,
    if any."""
    innermost = None
    trace = exc.__traceback__
    while trace is not None:
        module = trace.tb_frame.f_globals.get("__name__", "")
        if module == "feedsync" or module.startswith("feedsync."):
            innermost = module
        trace = trace.tb_next
    return innermost if innermost is not None and innermost not in _MACHINERY else None


def checked(call: Callable[[Mapping[str, Any]], Any], *, text: bool = False) -> Callable[[Mapping[str, Any]], Any]:
    """``call`` raising ``TemplateFault`` for what the template did wrong; feedsync's own exceptions propagate.
    ``text``: the value as ``{{ value }}`` prints it (None prints as "")."""

    def run(data: Mapping[str, Any]) -> Any:
        try:
            return call(data)
        except LimitExceeded:
            raise
        except _PYTHON as exc:
            raise _fault(exc) from exc

    def run_text(data: Mapping[str, Any]) -> str:
        try:
            value = call(data)
        except LimitExceeded:
            raise
        except _PYTHON as exc:
            raise _fault(exc) from exc
        return "" if value is None else str(value)

    return run_text if text else run


def _fault(exc: Exception) -> Exception:
    """``exc`` as the template's ``TemplateFault``, or ``exc`` itself when feedsync's own code raised it."""
    return exc if _raised_by_feedsync(exc) is not None else TemplateFault(fault_text(exc))


_DECIMAL_SIGNALS = {
    "DivisionByZero": "division by zero",
    "DivisionUndefined": "0 divided by 0",
    "InvalidOperation": "an operation on a value that is no number (or NaN)",
    "Overflow": "a number too large",
    "Underflow": "a number too small",
    "DivisionImpossible": "a division whose result is too large",
}


def fault_text(exc: Exception) -> str:
    """What a template's or rule's failed operation tells the user: Python's message, but a decimal signal (whose
    text is ``[<class 'decimal.DivisionByZero'>]``) in words, and an operation on a price (a Money) with how to
    compute with one."""
    if isinstance(exc, ArithmeticError) and str(exc).startswith("[<class 'decimal."):
        names = [name for name in _DECIMAL_SIGNALS if name in str(exc)]
        return _DECIMAL_SIGNALS[names[0]] if names else "an arithmetic operation failed"
    text = str(exc)
    if isinstance(exc, TypeError) and "'Money'" in text:
        text += "; a price is an amount and a currency: compute with its amount (price.amount * 2)"
    return text
