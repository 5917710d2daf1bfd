"""The direct evaluator keeps the sandbox: what the environment refuses, the fast path refuses too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from jinja2.exceptions import SecurityError

from feedsync.channels.templating import Templating
from feedsync.model.money import Money


def _refusing(name: str) -> Templating:
    templating = Templating([])
    allowed = templating.env.is_safe_attribute

    def is_safe_attribute(obj: Any, attr: str, value: Any) -> bool:
        return attr != name and allowed(obj, attr, value)

    templating.env.is_safe_attribute = is_safe_attribute  # type: ignore[method-assign]
    return templating


def test_an_attribute_the_sandbox_refuses_is_refused_by_the_direct_evaluator() -> None:
    templating = _refusing("amount")
    compiled = templating.template("{{ price.amount }}")
    assert templating._direct(templating.env.parse("{{ price.amount }}")) is not None  # the fast path
    with pytest.raises(SecurityError, match="amount"):
        compiled.call(templating.context({"price": Money(amount=Decimal("9.99"), currency="USD")}))


def test_the_same_attribute_of_an_allowed_name_and_type_is_read() -> None:
    templating = _refusing("nosuch")
    ctx = templating.context({"price": Money(amount=Decimal("9.99"), currency="USD")})
    assert templating.template("{{ price.amount }}").call(ctx) == "9.99"
    assert templating.expression("price.currency").call(ctx) == "USD"


def test_mutating_methods_and_private_attributes_stay_refused_on_the_fast_path() -> None:
    templating = Templating([])
    ctx = templating.context({"sizes": ["S"], "price": Money(amount=Decimal("1"), currency="USD")})
    for source in ("{{ sizes.append }}", "{{ price.__class__ }}", "{{ sizes.__len__ }}"):
        with pytest.raises(SecurityError):
            templating.template(source).call(ctx)
