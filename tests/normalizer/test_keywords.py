"""Keywords and booleans: the shared cases (tests/cases/keywords.json) hold for the Python sources'
converters and for the native CloudTrail normalizer, so a value becomes the same field everywhere."""
from __future__ import annotations

import orjson
import pytest
from cases import cases

from normalizer.cloudtrail import document as cloudtrail
from normalizer.converters import Conventions
from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field
from normalizer.records import RawRecord
from normalizer.table_copy import compile_table_copy

# CloudTrail's conventions ("-" is a value), the ones the native normalizer follows.
CONVENTIONS = Conventions(dash_is_absent=False)
# A native CloudTrail field of each type, and where the document keeps it.
NATIVE_FIELD = {"keyword": ("eventType", ("aws", "cloudtrail", "event_type")),
                "boolean": ("readOnly", ("aws", "cloudtrail", "read_only"))}
CASES = [(kind, case) for kind in ("keyword", "boolean") for case in cases("keywords", kind)]


def _case_id(value: object) -> str:
    return value if isinstance(value, str) else value["json"]


def _expect(case: dict, convert) -> None:  # type: ignore[no-untyped-def]
    """Run `convert` (value or None), checking the case's value or error reason."""
    if "error" in case:
        with pytest.raises(NormalizationError) as caught:
            convert()
        assert caught.value.reason == case["error"]
    else:
        assert convert() == case["value"]


@pytest.mark.parametrize(("kind", "case"), CASES, ids=_case_id)
def test_python_converters_follow_the_cases(kind: str, case: dict) -> None:
    """A row of each type copies the case's value, or refuses it with the case's reason."""
    copy = compile_table_copy((Field("f", "out", kind),), CONVENTIONS, name="cases")

    def convert() -> object:
        doc: dict = {}
        copy({"f": orjson.loads(case["json"])}, doc)
        return doc.get("out")

    _expect(case, convert)


@pytest.mark.parametrize(("kind", "case"), CASES, ids=_case_id)
def test_native_cloudtrail_follows_the_cases(kind: str, case: dict) -> None:
    """The native CloudTrail normalizer writes the case's value for a field of that type, or refuses it alike."""
    native, path = NATIVE_FIELD[kind]
    event = (b'{"eventVersion":"1.09","eventTime":"2024-01-02T03:04:05Z","eventName":"X","' + native.encode()
             + b'":' + case["json"].encode() + b"}")

    def convert() -> object:
        node = orjson.loads(cloudtrail.document(RawRecord(event.decode(), "k", 1, 0), False)[1])
        for key in path:
            node = node.get(key, {})
        return node if node != {} else None

    _expect(case, convert)
