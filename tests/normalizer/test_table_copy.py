"""The table copy engine: a field table's plain rows copied from a record, in table order."""
from __future__ import annotations

import orjson
import pytest

from normalizer.converters import Conventions
from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field
from normalizer.table_copy import compile_table_copy

ROWS = (
    Field("b", "x.b"),
    Field("a.one", "y.one", "long"),
    Field("c", "x.c", "boolean"),
    Field("a.two", "x.two"),
    Field("skipped", "x.skipped"),
)
COPY = compile_table_copy(ROWS, Conventions(dash_is_absent=True), skip=frozenset({"skipped"}), name="test")


def _copied(record: dict) -> bytes:
    doc: dict = {}
    COPY(record, doc)
    return orjson.dumps(doc)


def test_values_land_in_table_order_grouped_by_native_object() -> None:
    """Keys come out in table order, the rows of one native object at its first row's place."""
    record = {"c": "TRUE", "a": {"two": "t", "one": "7"}, "b": "bee"}
    assert _copied(record) == b'{"x":{"b":"bee","two":"t","c":true},"y":{"one":7}}'


def test_absent_values_create_no_objects() -> None:
    """Null, "", the source's "no value" and skipped rows write nothing, not even their parents."""
    assert _copied({"b": "-", "a": {"one": None, "two": ""}, "skipped": "s"}) == b"{}"


def test_scalars_become_keywords() -> None:
    """A number or boolean in a keyword row is written as its text."""
    assert _copied({"b": 1.5e-7, "a": {"two": True}}) == b'{"x":{"b":"1.5e-07","two":"true"}}'


def test_a_non_object_where_an_object_is_expected_is_ignored() -> None:
    """A native object that is not one has no rows to copy (its own row would have been refused)."""
    assert _copied({"a": "flat"}) == b"{}"


@pytest.mark.parametrize(("record", "field"), [({"b": {"k": 1}}, "b"), ({"a": {"one": "x"}}, "a.one"),
                                               ({"c": "maybe"}, "c")])
def test_bad_values_name_their_native_field(record: dict, field: str) -> None:
    """A value its row's type cannot hold is a NormalizationError naming the native field."""
    with pytest.raises(NormalizationError) as caught:
        _copied(record)
    assert caught.value.field == field


@pytest.mark.parametrize("rows", [(Field("a", "x"), Field("a.b", "y")), (Field("a.b", "y"), Field("a", "x")),
                                  (Field("a", "x", "object"),)])
def test_tables_that_cannot_be_compiled_are_refused(rows: tuple[Field, ...]) -> None:
    """A row both a value and an object, or of a type with no converter, is a table bug found at import."""
    with pytest.raises(ValueError):
        compile_table_copy(rows, Conventions(dash_is_absent=False), name="bad")
