//! Flow-log text: fields split on whitespace (Unicode's, as Python's str.split() counts it), integers
//! read in any script's decimal digits, values quoted in errors as Python's repr() quotes them (the
//! message form every source shares).
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Whitespace between fields: Unicode's White_Space plus the ASCII separators 0x1c-0x1f
/// (what Python's str.isspace() and str.split() count).
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

/// What an integer field's text holds.
pub enum Int {
    Value(i64),
    /// A valid integer beyond 64 bits.
    Big,
    Invalid,
}

/// The zero of every run of decimal digits in Unicode 14.0 (category Nd, ten code points each):
/// a count written in another script's digits (Arabic-Indic `١٧٦٣`, full-width `１２`) is still a count.
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0,
    0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0,
    0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE,
    0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];
/// A number written with more digits than this is not read as one (Python's int() has the same
/// default limit): converting it would cost time quadratic in its length.
const MAX_DIGITS: usize = 4300;

/// The value of a decimal digit of any script.
fn digit_value(c: char) -> Option<u64> {
    let code = c as u32;
    let run = DIGIT_ZEROS.partition_point(|&zero| zero <= code);
    let digit = code - *DIGIT_ZEROS.get(run.wrapping_sub(1))?;
    (digit < 10).then_some(u64::from(digit))
}

/// An integer field's text: an optional sign, then decimal digits (of any one or several scripts)
/// with single underscores allowed between them, at most MAX_DIGITS of them; leading zeros are fine.
pub fn integer(token: &str) -> Int {
    let (negative, digits) = match token.as_bytes().first() {
        Some(b'-') => (true, &token[1..]),
        Some(b'+') => (false, &token[1..]),
        _ => (false, token),
    };
    let bytes = digits.as_bytes();
    if !bytes.is_empty() && bytes.len() <= 18 && bytes.iter().all(u8::is_ascii_digit) {
        // Nearly every value: a short run of ASCII digits, which cannot overflow.
        let n = bytes.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Int::Value(if negative { -n } else { n });
    }
    let (mut magnitude, mut overflow, mut count, mut after_digit) = (0u64, false, 0usize, false);
    for c in digits.chars() {
        if c == '_' {
            if !after_digit {
                return Int::Invalid; // leading, doubled, or right after the sign
            }
            after_digit = false;
            continue;
        }
        let Some(digit) = digit_value(c) else { return Int::Invalid };
        match magnitude.checked_mul(10).and_then(|m| m.checked_add(digit)) {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
        count += 1;
        after_digit = true;
    }
    if !after_digit || count > MAX_DIGITS {
        return Int::Invalid; // no digit, a trailing underscore, or too long to read
    }
    let limit = if negative { 1u64 << 63 } else { i64::MAX as u64 };
    if overflow || magnitude > limit {
        return Int::Big;
    }
    Int::Value(if negative { (magnitude as i64).wrapping_neg() } else { magnitude as i64 })
}

/// Epoch seconds text → seconds within the plausible range, or the reason it is not.
pub fn epoch(py: Python<'_>, token: &str, plausible: &std::ops::Range<i64>) -> Result<i64, String> {
    let seconds = match integer(token) {
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

/// repr(text[:limit]), the quoting of a value in every source's error messages (errors.excerpt):
/// Python's own repr, so the native and the Python sources quote alike.
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

    fn value(token: &str) -> Option<i64> {
        match integer(token) {
            Int::Value(n) => Some(n),
            _ => None,
        }
    }

    #[test]
    fn integers_in_any_script() {
        for (token, n) in [("0", 0), ("-0", 0), ("+5", 5), ("0005", 5), ("1_000", 1000), ("٣", 3), ("١٧٦٣", 1763),
                           ("１２", 12), ("1٣", 13), ("9223372036854775807", i64::MAX), ("-9223372036854775808", i64::MIN),
                           ("𝟗", 9), ("🯹", 9), ("0_7", 7)] {
            assert_eq!(value(token), Some(n), "{token}");
        }
        assert!(matches!(integer("9223372036854775808"), Int::Big));
        assert!(matches!(integer(&"9".repeat(4300)), Int::Big));
        for bad in ["", "+", "-", "--1", "+-1", "_1", "1_", "1__0", "+_1", "0x10", "1e3", "٣x", "²", "１.５", &"9".repeat(4301)] {
            assert!(matches!(integer(bad), Int::Invalid), "{bad:?}");
        }
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
