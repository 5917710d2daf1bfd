"""Pydantic models only, no I/O."""

from feedsync.model.money import Money
from feedsync.model.product import (
    AgeGroup,
    Availability,
    Condition,
    DateRange,
    Gender,
    Product,
    SourceRef,
    Weight,
)

__all__ = [
    "AgeGroup",
    "Availability",
    "Condition",
    "DateRange",
    "Gender",
    "Money",
    "Product",
    "SourceRef",
    "Weight",
]
