//! Deterministic document ids (DESIGN decision 4): an id is the BLAKE2b hash (15 bytes, URL-safe
//! base64) of its parts' text joined by the unit separator 0x1f; a record with no id of its own
//! gets the id of its place, (object URL, byte offset) or (object URL, byte offset, part). The
//! Python sources compute the same ids in normalizer/ids.py: tests/cases/ids.json holds the cases
//! both must give, because an id may never change (a replay after an upgrade would duplicate).
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use blake2::digest::consts::U15;
use blake2::{Blake2b, Digest};
use std::borrow::Cow;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::numbers::decimal;

/// The id of `parts` joined by the unit separator (0x1f): BLAKE2b with a 15-byte digest, in URL-safe
/// base64 (20 characters: 15 bytes need no padding).
pub fn hashed_id<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> IdText {
    let mut hasher = Blake2b::<U15>::new();
    for (n, part) in parts.into_iter().enumerate() {
        if n > 0 {
            hasher.update(b"\x1f");
        }
        hasher.update(part);
    }
    let mut id = IdText([0; 20]);
    let written = URL_SAFE.encode_slice(hasher.finalize(), &mut id.0);
    debug_assert_eq!(written, Ok(20));
    id
}

/// An id's text, kept on the stack (ids are made once per record).
pub struct IdText([u8; 20]);

impl IdText {
    pub fn as_str(&self) -> &str {
        // base64 output is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The UTF-8 bytes of a str; a lone surrogate (a file name that is not UTF-8, decoded with
/// surrogateescape) is encoded as itself ("surrogatepass"), so such a name still has an id.
fn id_bytes<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    match text.to_str() {
        Ok(s) => Ok(s.as_bytes().into()),
        Err(_) => Ok(text
            .call_method1("encode", ("utf-8", "surrogatepass"))?
            .extract::<Vec<u8>>()?
            .into()),
    }
}

/// The id of a record's place: `(source, offset)`, or `(source, offset, part)` for the `part`-th of
/// several records read whole at one offset (CloudWatch Logs envelope events); `offset` is its
/// decimal text.
pub fn place_id(source: &[u8], offset: &[u8], part: u64) -> IdText {
    if part == 0 {
        return hashed_id([source, offset]);
    }
    let mut part_digits = [0u8; 20];
    hashed_id([source, offset, decimal(part, &mut part_digits)])
}

/// The id of a record with no id of its own (a RawRecord): the id of its place.
pub fn record_id(record: &Bound<'_, PyAny>) -> PyResult<IdText> {
    let py = record.py();
    let source = record.getattr(intern!(py, "source"))?;
    let source = id_bytes(source.cast::<PyString>()?)?;
    let offset = record.getattr(intern!(py, "offset"))?;
    let part = record.getattr(intern!(py, "part"))?.extract::<u64>()?;
    let mut digits = [0u8; 20];
    let offset = match offset.extract::<u64>() {
        Ok(n) => Cow::Borrowed(decimal(n, &mut digits)),
        Err(_) => Cow::Owned(id_bytes(&offset.str()?)?.into_owned()),
    };
    Ok(place_id(&source, &offset, part))
}

#[cfg(test)]
mod tests {
    use super::{hashed_id, place_id};
    use serde_json::Value;

    /// tests/cases/ids.json, the cases normalizer/ids.py runs too.
    fn cases() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/cases/ids.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("tests/cases/ids.json")).expect("valid JSON")
    }

    /// A part as the id hashes it: a string's UTF-8, a number's decimal text.
    fn text(part: &Value) -> String {
        part.as_str().map_or_else(|| part.to_string(), str::to_owned)
    }

    #[test]
    fn hashed_ids_match_the_shared_cases() {
        for case in cases()["hashed"].as_array().unwrap() {
            let parts: Vec<String> = case["parts"].as_array().unwrap().iter().map(text).collect();
            let id = hashed_id(parts.iter().map(|p| p.as_bytes()));
            assert_eq!(id.as_str(), case["id"].as_str().unwrap(), "{case}");
        }
    }

    #[test]
    fn record_ids_match_the_shared_cases() {
        for case in cases()["record"].as_array().unwrap() {
            let offset = case["offset"].as_u64().unwrap().to_string();
            let id = place_id(case["source"].as_str().unwrap().as_bytes(), offset.as_bytes(), case["part"].as_u64().unwrap());
            assert_eq!(id.as_str(), case["id"].as_str().unwrap(), "{case}");
        }
    }
}
