//! Deterministic document ids, byte for byte those of normalizer/ids.py (`hashed_id`,
//! `record_id`): the native and the Python sources must give one record one `_id`.
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

/// The UTF-8 bytes of a str as ids.py encodes them ("surrogatepass": a file name decoded with
/// surrogateescape still hashes, and to the same id).
pub fn id_bytes<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    match text.to_str() {
        Ok(s) => Ok(s.as_bytes().into()),
        Err(_) => Ok(text
            .call_method1("encode", ("utf-8", "surrogatepass"))?
            .extract::<Vec<u8>>()?
            .into()),
    }
}

/// The id of a record with no id of its own (a RawRecord): its object and its place there,
/// `(source, offset)`, or `(source, offset, part)` for the `part`-th of several records read
/// whole at one offset (CloudWatch Logs envelope events). ids.py `record_id` is the same rule.
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
    if part == 0 {
        return Ok(hashed_id([&*source, &*offset]));
    }
    let mut part_digits = [0u8; 20];
    Ok(hashed_id([&*source, &*offset, decimal(part, &mut part_digits)]))
}

/// `hashed_id(*parts)` for Python, each part taken as `str(part)` as normalizer.ids does.
#[pyfunction]
#[pyo3(name = "hashed_id", signature = (*parts))]
pub fn py_hashed_id(parts: Vec<Bound<'_, PyAny>>) -> PyResult<String> {
    let mut encoded = Vec::with_capacity(parts.len());
    for part in &parts {
        let text = match part.cast::<PyString>() {
            Ok(text) => text.clone(),
            Err(_) => part.str()?,
        };
        encoded.push(id_bytes(&text)?.into_owned());
    }
    Ok(hashed_id(encoded.iter().map(Vec::as_slice))
        .as_str()
        .to_owned())
}

/// `record_id(record)` for Python (the tests check both sides agree).
#[pyfunction]
#[pyo3(name = "record_id")]
pub fn py_record_id(record: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(record_id(record)?.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::hashed_id;

    #[test]
    fn matches_python_hashed_id() {
        // base64.urlsafe_b64encode(hashlib.blake2b(b"s3://b/k\x1f15", digest_size=15).digest())
        let id = hashed_id([b"s3://b/k".as_slice(), b"15".as_slice()]);
        assert_eq!(id.as_str(), "jNKebzZkSZGrbsp5KL6b");
    }
}
