"""``new_location`` and ``new_diagnostic`` make what the frozen dataclasses' constructors make."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Diagnostic, Location, Severity, new_diagnostic, new_location

texts = st.none() | st.text(max_size=20)
numbers = st.none() | st.integers(min_value=-5, max_value=10**9)
locations = st.builds(Location, st.text(max_size=20), numbers, numbers, texts)


@given(st.text(max_size=20), numbers, numbers, texts)
def test_new_location_is_the_constructors(path: str, row: int | None, column: int | None, name: str | None) -> None:
    made, built = new_location(path, row, column, name), Location(path, row, column, name)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built) and str(made) == str(built)
    assert type(made) is Location
    assert pickle.loads(pickle.dumps(made)) == built


fields = st.tuples(  # a finding's fields, in their order
    st.sampled_from(["AMZ015", "GMC001", "MDL001"]),
    st.text(max_size=20),
    st.sampled_from(list(Severity)),
    st.text(max_size=40),
    texts,
    texts,
    texts,
    texts,
    st.none() | locations,
)


@given(fields)
def test_new_diagnostic_is_the_constructors(args: tuple[Any, ...]) -> None:
    made, built = new_diagnostic(*args), Diagnostic(*args)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert tuple(getattr(made, f.name) for f in dataclasses.fields(Diagnostic)) == args
    assert pickle.loads(pickle.dumps(made)) == built


def test_made_findings_stay_frozen() -> None:
    finding = make("AMZ015", "text", channel="amazon", location=new_location("p.csv", 2, 3, "gtin"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "AMZ016"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.location.row = 3  # type: ignore[misc, union-attr]
    assert finding == Diagnostic(
        "AMZ015", finding.name, finding.severity, "text", "amazon", location=Location("p.csv", 2, 3, "gtin")
    )


def test_make_refuses_an_unregistered_code() -> None:
    with pytest.raises(KeyError, match="unregistered diagnostic code"):
        make("XYZ999", "text")


@given(
    st.sampled_from(["AMZ015", "GMC008", "MDL008"]),
    st.text(max_size=20),
    texts,
    texts,
    st.dictionaries(st.sampled_from(["gtin", "brand", ""]), st.tuples(st.text(max_size=5), numbers), max_size=3),
    st.none() | st.sampled_from(["gtin", "brand", "size", ""]),
    numbers,
)
def test_a_findings_fields_made_without_the_objects_are_those_of_the_objects(
    code: str, message: str, channel: str | None, value: str | None, columns: Any, field: str | None, row: int | None
) -> None:
    """``make_fields`` and ``located_fields`` (the columnar gate's AMZ015 findings, told as their fields) give what
    ``finding_fields`` gives of the finding ``make`` and ``located`` make."""
    from feedsync.diagnostics.codes import make_fields
    from feedsync.diagnostics.diagnostic import finding_fields, located, located_fields

    where = located_fields("products.csv", row, columns, field)
    made = make(code, message, channel=channel, product_id="SKU-1", field=field, value=value,
                location=located("products.csv", row, columns, field))  # fmt: skip
    assert make_fields(code, message, channel=channel, product_id="SKU-1", field=field, value=value, where=where) == (
        finding_fields(made)
    )
