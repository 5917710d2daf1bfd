"""One finding about the data, the config or a remote result."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from feedsync.model.product import SourceRef


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """What a spreadsheet user sees: file, 1-based row (header = row 1), column name and 1-based number.

    For YAML and JSON files ``row`` is the line number.
    """

    path: str
    row: int | None = None
    column: int | None = None
    column_name: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its constructor's arguments (spilled findings are read back by the million; a frozen
        dataclass's own state is set field by field through ``dataclasses.fields``, several times slower)."""
        return (new_location, (self.path, self.row, self.column, self.column_name))

    def __str__(self) -> str:
        text = self.path
        if self.row is not None:
            text += f":{self.row}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    channel: str | None = None
    product_id: str | None = None
    field: str | None = None
    value: str | None = None
    location: Location | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its constructor's arguments (as ``Location``)."""
        fields = (self.code, self.name, self.severity, self.message, self.channel, self.product_id, self.field)
        return (new_diagnostic, (*fields, self.value, self.location))


# Findings are made by the million, and a frozen dataclass's constructor sets each field through
# ``object.__setattr__`` (which looks the field up again): ``new_location`` and ``new_diagnostic`` set the slots
# themselves, in about half the time, and make what the constructors make (tests/diagnostics/test_diagnostic_new.py).
_new = object.__new__
_location_slots = tuple(Location.__dict__[name].__set__ for name in ("path", "row", "column", "column_name"))
_diagnostic_slots = tuple(
    Diagnostic.__dict__[name].__set__
    for name in ("code", "name", "severity", "message", "channel", "product_id", "field", "value", "location")
)


def new_location(
    path: str, row: int | None = None, column: int | None = None, column_name: str | None = None
) -> Location:
    """``Location(path, row, column, column_name)``, made faster."""
    location = _new(Location)
    set_path, set_row, set_column, set_name = _location_slots
    set_path(location, path)
    set_row(location, row)
    set_column(location, column)
    set_name(location, column_name)
    return location


def new_diagnostic(
    code: str,
    name: str,
    severity: Severity,
    message: str,
    channel: str | None,
    product_id: str | None,
    field: str | None,
    value: str | None,
    location: Location | None,
) -> Diagnostic:
    """``Diagnostic(code, name, severity, message, channel, product_id, field, value, location)``, made faster."""
    diagnostic = _new(Diagnostic)
    set_code, set_name, set_severity, set_message, set_channel, set_product, set_field, set_value, set_location = (
        _diagnostic_slots
    )
    set_code(diagnostic, code)
    set_name(diagnostic, name)
    set_severity(diagnostic, severity)
    set_message(diagnostic, message)
    set_channel(diagnostic, channel)
    set_product(diagnostic, product_id)
    set_field(diagnostic, field)
    set_value(diagnostic, value)
    set_location(diagnostic, location)
    return diagnostic


def location_fields(location: Location | None) -> tuple[Any, ...] | None:
    """A location's fields in their order (path, row, column, column name), or None."""
    return None if location is None else (location.path, location.row, location.column, location.column_name)


def finding_fields(diagnostic: Diagnostic) -> tuple[Any, ...]:
    """A finding's fields in their order, as texts, numbers and None: its severity as its text, its location as
    ``location_fields``. What is kept of a finding on disk (a spilled batch, the row cache)."""
    d = diagnostic
    fields = (d.code, d.name, d.severity.value, d.message, d.channel, d.product_id, d.field, d.value)
    return (*fields, location_fields(d.location))


SEVERITIES = {severity.value: severity for severity in Severity}
"""Each severity of its text (as ``finding_fields`` holds it)."""


def from_fields(fields: Sequence[Any]) -> Diagnostic:
    """The finding ``finding_fields`` gave ``fields`` of (equal to it)."""
    code, name, severity, message, channel, product_id, field, value, at = fields
    location = None if at is None else new_location(*at)
    return new_diagnostic(code, name, SEVERITIES[severity], message, channel, product_id, field, value, location)


Emit = Callable[[Diagnostic], None]
"""Where code that finds problems reports them, one Diagnostic at a time."""


def locate(ref: SourceRef | None, field: str | None) -> Location | None:
    """The source position of ``field`` of a product (with the column when the reader knows it)."""
    if ref is None:
        return None
    return located(ref.path, ref.row, ref.columns, field)


def located(path: str, row: int | None, columns: Mapping[str, tuple[str, int | None]], field: str | None) -> Location:
    """``locate`` of a product read from ``path``'s ``row`` whose fields' columns are ``columns`` (a reader's
    ``SourceRef`` holds these), without the reference made."""
    return new_location(*located_fields(path, row, columns, field))


def located_fields(
    path: str, row: int | None, columns: Mapping[str, tuple[str, int | None]], field: str | None
) -> tuple[str, int | None, int | None, str | None]:
    """``location_fields`` of ``located(path, row, columns, field)``, without the location made."""
    column = columns.get(field) if field else None
    return (path, row, None, None) if column is None else (path, row, column[1], column[0])
