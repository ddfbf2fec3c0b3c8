//! Flow-log text read exactly as the Python normalizer read it: fields split as str.split()
//! splits, numbers as int() reads them, values quoted in errors as repr() quotes them.
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

/// Python's str.isspace(): Rust's Unicode White_Space plus the ASCII separators 0x1c-0x1f.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The whitespace-separated tokens of `text` as str.split() gives them, the first `keep` of them
/// pushed to `tokens`; returns how many there are, and whether they are plain: free of anything
/// JSON escapes (quotes, backslashes, control characters), so they can be copied as they are.
pub fn split<'a>(text: &'a str, keep: usize, tokens: &mut Vec<&'a str>) -> (usize, bool) {
    let mut count = 0;
    let mut take = |token: &'a str| {
        if !token.is_empty() {
            if count < keep {
                tokens.push(token);
            }
            count += 1;
        }
    };
    if !text.is_ascii() {
        text.split(is_python_space).for_each(take);
        return (count, false);
    }
    // Nearly every line: whitespace is then one of a few bytes, each a whole character.
    let (mut start, mut plain) = (0, true);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\t'..=b'\r' | 0x1c..=0x1f | b' ' => {
                take(&text[start..i]);
                start = i + 1;
            }
            0..=0x1f | b'"' | b'\\' => plain = false,
            _ => {}
        }
    }
    take(&text[start..]);
    (count, plain)
}

/// What Python's int() makes of a token.
pub enum Int {
    Value(i64),
    /// A valid integer beyond 64 bits.
    Big,
    Invalid,
}

/// int(token) as Python reads it: a sign, digits (any script's), single underscores between them.
pub fn python_int(py: Python<'_>, token: &str) -> Int {
    let bytes = token.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        let n = digits
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Int::Value(if negative { -n } else { n });
    }
    if token.is_ascii() && !digits.iter().all(|b| b.is_ascii_digit() || *b == b'_') {
        return Int::Invalid;
    }
    // Long numbers, underscores, other scripts' digits: rare, so Python's own int() decides.
    match py.get_type::<PyInt>().call1((token,)) {
        Ok(number) => number.extract::<i64>().map_or(Int::Big, Int::Value),
        Err(_) => Int::Invalid,
    }
}

/// Epoch seconds text → seconds within the plausible range, or the reason it is not.
pub fn epoch(py: Python<'_>, token: &str, plausible: &std::ops::Range<i64>) -> Result<i64, String> {
    let seconds = match python_int(py, token) {
        Int::Value(n) if (0..1i64 << 40).contains(&n) => n,
        Int::Invalid => {
            return Err(format!(
                "not an epoch timestamp: {}",
                python_repr(py, token, 40)
            ))
        }
        _ => {
            return Err(format!(
                "timestamp out of range: {}",
                python_repr(py, token, 40)
            ))
        }
    };
    if !plausible.contains(&seconds) {
        return Err(format!("timestamp out of range: '{seconds}'"));
    }
    Ok(seconds)
}

/// A protocol number or flags bitmask: exactly the decimal text of 0..=255 ("06" is not one).
pub fn byte_code(token: &str) -> Option<u8> {
    let bytes = token.as_bytes();
    let canonical = matches!(bytes.len(), 1..=3)
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes[0] != b'0' || bytes.len() == 1);
    if !canonical {
        return None;
    }
    token.parse().ok()
}

/// repr(text[:limit]) as Python writes it (error messages quote the value the way Python did).
pub fn python_repr(py: Python<'_>, text: &str, limit: usize) -> String {
    let end = text
        .char_indices()
        .nth(limit)
        .map_or(text.len(), |(i, _)| i);
    PyString::new(py, &text[..end])
        .repr()
        .and_then(|r| r.to_str().map(str::to_owned))
        .unwrap_or_else(|_| format!("{:?}", &text[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str, keep: usize) -> (Vec<&str>, usize, bool) {
        let mut tokens = Vec::new();
        let (count, plain) = split(text, keep, &mut tokens);
        (tokens, count, plain)
    }

    #[test]
    fn splits_on_python_whitespace() {
        assert_eq!(
            tokens("a\u{1f}b\u{a0}c \u{180e}d", 9),
            (vec!["a", "b", "c", "\u{180e}d"], 4, false)
        );
        assert_eq!(tokens("  a \x0b\x1c b  ", 9), (vec!["a", "b"], 2, true));
        assert_eq!(tokens("a b c", 1), (vec!["a"], 3, true));
    }

    #[test]
    fn tokens_needing_escapes_are_not_plain() {
        for text in ["a\"b", "a\\b", "a\u{0}b", "a\u{8}b", "\u{7}"] {
            assert!(!tokens(text, 9).2, "{text:?}");
        }
        assert!(tokens("arn:aws:ecs:us-east-1:1:task/t1 10.0.0.1 \u{7f}", 9).2);
    }

    #[test]
    fn byte_codes_are_canonical_decimals() {
        assert_eq!(byte_code("6"), Some(6));
        assert_eq!(byte_code("255"), Some(255));
        for bad in ["06", "256", "+6", "", "1e2", "٣"] {
            assert_eq!(byte_code(bad), None, "{bad}");
        }
    }
}
