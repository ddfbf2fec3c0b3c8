"""Document ids: the native hashed_id (normalizer/native/src/ids.rs) is byte for byte ids.py's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer import _native
from normalizer.ids import hashed_id

# Object keys as they reach the normalizer: any text, including lone surrogates (a local file
# name that is not UTF-8 arrives decoded with surrogateescape).
_PARTS = st.one_of(
    st.text(st.characters(blacklist_categories=())),
    st.integers(min_value=0, max_value=2**70),
    st.integers(max_value=-1),
)


@settings(max_examples=500)
@given(parts=st.lists(_PARTS, min_size=1, max_size=4))
def test_native_hashed_id_matches_python(parts: list[str | int]) -> None:
    """Whatever the parts, both implementations give the same id (replays never duplicate)."""
    assert _native.hashed_id(*parts) == hashed_id(*parts)


def test_flow_log_id_is_object_key_and_offset() -> None:
    """A flow line's id, as both sides compute it, for a fixed key and offset."""
    assert _native.hashed_id("s3://b/k", 15) == hashed_id("s3://b/k", 15) == "jNKebzZkSZGrbsp5KL6b"
