//! Cutting an S3 CloudTrail object's Records array at the separator AWS writes between records
//! (`},{"eventVersion"`), for normalizer/cloudtrail_reader.py's fast path: one call per record
//! finds the separator (memchr's SIMD substring search) and confirms the cut.
use memchr::memmem;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::json_tree::is_one_value;

#[pyclass(frozen, module = "normalizer._native")]
pub struct RecordCutter {
    separator: Vec<u8>,
}

#[pymethods]
impl RecordCutter {
    #[new]
    fn new(separator: &[u8]) -> Self {
        RecordCutter { separator: separator.to_vec() }
    }

    /// (index of the separator ending the record at `start`, the record's text), searching
    /// below `limit`; None when there is no separator, or the cut is not one whole JSON value,
    /// or not UTF-8 (the reader's careful path then says what is wrong).
    fn cut<'py>(&self, py: Python<'py>, data: &[u8], start: usize, limit: usize) -> Option<(usize, Bound<'py, PyString>)> {
        let end = self.find(data, start, limit)?;
        let text = std::str::from_utf8(&data[start..=end]).ok()?;
        Some((end, PyString::new(py, text)))
    }
}

impl RecordCutter {
    fn find(&self, data: &[u8], start: usize, limit: usize) -> Option<usize> {
        let limit = limit.min(data.len());
        if start >= limit {
            return None;
        }
        let found = memmem::find(&data[start..limit], &self.separator)?;
        let end = start + found;
        let record = &data[start..=end];
        // `},{` outside strings only occurs between array elements, so a record that opens no
        // array cannot hold the separator: the cut is right (a record that is not JSON anyway is
        // rejected by the normalizer). A record with an array might end inside it (an object
        // list with eventVersion keys): check that the cut is one whole value.
        if memchr::memchr(b'[', record).is_some() && !is_one_value(record) {
            return None;
        }
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_the_separator_outside_the_record() {
        let cutter = RecordCutter::new(br#"},{"eventVersion""#);
        let data = br#"{"a":1},{"eventVersion":"1"},{"eventVersion":"2"}"#;
        assert_eq!(cutter.find(data, 0, data.len()), Some(6));
        let nested = br#"{"a":[{"b":1},{"eventVersion":"x"}]},{"eventVersion":"2"}"#;
        assert_eq!(cutter.find(nested, 0, nested.len()), None);
        assert_eq!(cutter.find(data, 0, 5), None);
        assert_eq!(cutter.find(data, 60, 10), None);
    }
}
