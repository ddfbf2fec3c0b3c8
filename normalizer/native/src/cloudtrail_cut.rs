//! Cutting an S3 CloudTrail object's Records array at the separator AWS writes between records
//! (`},{"eventVersion"`), for normalizer/cloudtrail_reader.py's fast path: one call per record
//! finds the separator (memchr's SIMD substring search) and confirms the cut.
use memchr::memmem;
use pyo3::prelude::*;

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

    /// Index of the separator ending the record at `start` (searching below `limit`), or -1
    /// when there is none or the cut is not one whole JSON value.
    fn cut(&self, data: &[u8], start: usize, limit: usize) -> isize {
        let limit = limit.min(data.len());
        if start >= limit {
            return -1;
        }
        let Some(found) = memmem::find(&data[start..limit], &self.separator) else { return -1 };
        let end = start + found;
        let record = &data[start..=end];
        // `},{` outside strings only occurs between array elements, so a record that opens no
        // array cannot hold the separator: the cut is right (a record that is not JSON anyway is
        // rejected by the normalizer). A record with an array might end inside it (an object
        // list with eventVersion keys): check that the cut is one whole value.
        if memchr::memchr(b'[', record).is_some() && !is_one_value(record) {
            return -1;
        }
        end as isize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_the_separator_outside_the_record() {
        let cutter = RecordCutter::new(br#"},{"eventVersion""#);
        let data = br#"{"a":1},{"eventVersion":"1"},{"eventVersion":"2"}"#;
        assert_eq!(cutter.cut(data, 0, data.len()), 6);
        let nested = br#"{"a":[{"b":1},{"eventVersion":"x"}]},{"eventVersion":"2"}"#;
        assert_eq!(cutter.cut(nested, 0, nested.len()), -1);
        assert_eq!(cutter.cut(data, 0, 5), -1);
        assert_eq!(cutter.cut(data, 60, 10), -1);
    }
}
