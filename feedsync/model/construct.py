"""``construct(Model, **values)``: what ``Model.model_construct(**values)`` makes, without its cost.

pydantic's ``model_construct`` walks every field's aliases and defaults in Python for each call, which for the
38 fields of a ``Product`` costs five times its validation; the readers make a Product, a SourceRef and one to
three Money, Weight or DateRange per catalog row from values feedsync's own rules already checked
(feedsync.values, feedsync.sources.normalize). This makes the same object — fields in declaration order, defaults
filled in (factories called), ``model_fields_set`` the names given, no extra, no private state — from a per-class
table of defaults. Only for such checked values: nothing is validated. A model with aliases, extra="allow",
private attributes or a post-init hook is handed to ``model_construct`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__
_new = object.__new__
_MAKERS: dict[type[BaseModel], Callable[[dict[str, Any]], Any]] = {}


def _immutable(default: Any) -> bool:
    return default is None or default is PydanticUndefined or default == () or isinstance(default, (str, int, Enum))


def _table(cls: type[BaseModel]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]] | None:
    fields = cls.model_fields
    plain = (
        cls.model_config.get("extra") != "allow"
        and not cls.__private_attributes__
        and not cls.__pydantic_post_init__
        and not cls.__pydantic_root_model__
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
        and all(f.default_factory is None or not f.default_factory_takes_validated_data for f in fields.values())
        and all(_immutable(f.default) for f in fields.values())  # model_construct would copy a mutable default
    )
    if not plain:
        return None
    defaults = {name: field.default for name, field in fields.items()}  # PydanticUndefined: required or factory
    factories = tuple((name, f.default_factory) for name, f in fields.items() if f.default_factory is not None)
    return defaults, factories  # type: ignore[return-value]


def construct(cls: type[M], **values: Any) -> M:
    """``cls.model_construct(**values)`` for values that name only fields of ``cls`` and every required one."""
    try:
        make = _MAKERS[cls]
    except KeyError:
        make = maker(cls)
    return make(values)  # type: ignore[return-value]


def maker(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """``construct(cls, **values)`` as a function of the ``values`` dict (for a caller that makes many)."""
    try:
        return _MAKERS[cls]  # type: ignore[return-value]
    except KeyError:
        pass
    table = _table(cls)
    if table is None:

        def make(values: dict[str, Any]) -> M:
            return cls.model_construct(**values)

    else:
        make = _compiled_maker(cls, *table)
    _MAKERS[cls] = make
    return make


_LITERALS: dict[Any, str] = {dict: "{}", list: "[]"}
"""Factories whose value a literal makes (the same new object, without the call)."""


def _compiled_maker(
    cls: type[M], defaults: dict[str, Any], factories: tuple[tuple[str, Callable[[], Any]], ...]
) -> Callable[[dict[str, Any]], M]:
    """The maker of ``cls`` as straight-line code: each default factory asked by name (no loop over a table)."""
    scope: dict[str, Any] = {"_defaults": defaults, "_cls": cls, "_new": _new, "_set": _set}
    lines = ["def make(values):", "    fields = {**_defaults, **values}"]
    for number, (name, factory) in enumerate(factories):
        made = _LITERALS.get(factory)
        if made is None:
            made = f"_factory{number}()"
            scope[f"_factory{number}"] = factory
        lines += [f"    if {name!r} not in values:", f"        fields[{name!r}] = {made}"]
    lines += [
        "    model = _new(_cls)",
        "    _set(model, '__dict__', fields)",
        "    _set(model, '__pydantic_fields_set__', set(values))",
        "    _set(model, '__pydantic_extra__', None)",
        "    _set(model, '__pydantic_private__', None)",
        "    return model",
    ]
    exec(compile("\n".join(lines) + "\n", f"<feedsync maker {cls.__name__}>", "exec"), scope)  # the code above
    return scope["make"]  # type: ignore[no-any-return]
