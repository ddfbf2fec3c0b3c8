//! Cutting an S3 CloudTrail object's Records array, for normalizer/cloudtrail/reader.py: the fast
//! path cuts at the separator AWS writes between records (`},{"eventVersion"`), one call per
//! record (memchr's SIMD substring search, then the cut confirmed); `Scanner` follows JSON
//! structure across buffers for everything else, so a bad or oversized element is skipped by
//! where it really ends, never by searching for what a record looks like.
use memchr::memmem;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

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
        // The cut is this element only if its brackets close exactly at its end: the separator may
        // come later (elements that are not events before it) or inside it (an object list with
        // eventVersion keys). Invalid JSON inside a balanced cut is the normalizer's to reject.
        if Scanner::default().scan(record, 0, false) != Found::End(record.len()) {
            return None;
        }
        Some(end)
    }
}

/// Brackets a scan keeps track of (one byte each): deeper input is not JSON anyone can read.
const MAX_SCAN_DEPTH: usize = 1 << 20;

/// Where a JSON element or value ends, found across as many buffers as it spans: its state
/// (open brackets, inside a string, after a backslash) carries over from one buffer to the next,
/// so what was scanned can be discarded and memory stays bounded whatever the element's size.
#[pyclass(module = "normalizer._native")]
#[derive(Default)]
pub struct Scanner {
    open: Vec<u8>,
    in_string: bool,
    escaped: bool,
}

/// What a scan of one buffer found.
#[derive(Debug, PartialEq)]
enum Found {
    /// The index of the delimiter (element) or just past the closing bracket (value).
    End(usize),
    /// The buffer ended first: scanning goes on in the next one.
    More,
    /// Not JSON from here on: a bracket closing what is not open, or nesting beyond the limit.
    Broken(&'static str),
}

#[pymethods]
impl Scanner {
    #[new]
    fn new() -> Self {
        Scanner::default()
    }

    /// Index of the ',' or ']' that ends the array element starting at or before `data[start]`
    /// (at the array's own level, outside strings); None when `data` ends first (call again with
    /// the next buffer). ValueError when the array is not JSON from there on.
    fn element_end(&mut self, data: &[u8], start: usize) -> PyResult<Option<usize>> {
        outcome(self.scan(data, start, true))
    }

    /// Index just past the bracket that closes the value opening at or before `data[start]`;
    /// None when `data` ends first. ValueError when the value is not JSON from there on.
    fn value_end(&mut self, data: &[u8], start: usize) -> PyResult<Option<usize>> {
        outcome(self.scan(data, start, false))
    }
}

fn outcome(found: Found) -> PyResult<Option<usize>> {
    match found {
        Found::End(at) => Ok(Some(at)),
        Found::More => Ok(None),
        Found::Broken(reason) => Err(PyValueError::new_err(reason)),
    }
}

impl Scanner {
    fn scan(&mut self, data: &[u8], start: usize, element: bool) -> Found {
        let mut at = start;
        while at < data.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    at += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &data[at..]) {
                    None => return Found::More,
                    Some(n) => {
                        at += n;
                        if data[at] == b'"' {
                            self.in_string = false;
                        } else {
                            self.escaped = true;
                        }
                    }
                }
                at += 1;
                continue;
            }
            match data[at] {
                b'"' => self.in_string = true,
                open @ (b'{' | b'[') => {
                    if self.open.len() >= MAX_SCAN_DEPTH {
                        return Found::Broken("nested deeper than any record can be");
                    }
                    self.open.push(open);
                }
                b',' if element && self.open.is_empty() => return Found::End(at),
                b']' if element && self.open.is_empty() => return Found::End(at),
                close @ (b'}' | b']') => {
                    let opener = if close == b'}' { b'{' } else { b'[' };
                    if self.open.pop() != Some(opener) {
                        return Found::Broken("a bracket closes what is not open");
                    }
                    if !element && self.open.is_empty() {
                        return Found::End(at + 1);
                    }
                }
                _ => {}
            }
            at += 1;
        }
        Found::More
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_ends_at_the_arrays_own_delimiter() {
        let data = br#"{"a":[1,{"b":"x,]}\"y"}],"c":2},5]"#;
        assert_eq!(Scanner::default().scan(data, 0, true), Found::End(31));
        assert_eq!(Scanner::default().scan(b"5 ]", 0, true), Found::End(2));
        assert_eq!(Scanner::default().scan(br#""a,\"]","#, 0, true), Found::End(7));
    }

    #[test]
    fn state_carries_over_buffers() {
        let mut scanner = Scanner::default();
        assert_eq!(scanner.scan(br#"{"a":"x\"#, 0, true), Found::More);
        assert_eq!(scanner.scan(br#""","b":[}"#, 0, true), Found::Broken("a bracket closes what is not open"));
        let mut scanner = Scanner::default();
        assert_eq!(scanner.scan(br#"{"a":["#, 0, false), Found::More);
        assert_eq!(scanner.scan(br#"1]},"#, 0, false), Found::End(3));
    }

    #[test]
    fn cuts_at_the_separator_outside_the_record() {
        let cutter = RecordCutter::new(br#"},{"eventVersion""#);
        let data = br#"{"a":1},{"eventVersion":"1"},{"eventVersion":"2"}"#;
        assert_eq!(cutter.find(data, 0, data.len()), Some(6));
        let nested = br#"{"a":[{"b":1},{"eventVersion":"x"}]},{"eventVersion":"2"}"#;
        assert_eq!(cutter.find(nested, 0, nested.len()), None);
        let after_others = br#"{"a":1},5,"x",{"b":2},{"eventVersion":"2"}"#;
        assert_eq!(cutter.find(after_others, 0, after_others.len()), None);
        assert_eq!(cutter.find(data, 0, 5), None);
        assert_eq!(cutter.find(data, 60, 10), None);
    }
}
