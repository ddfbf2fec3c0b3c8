//! Writing JSON text straight into the output buffer: documents are built as bytes, never as
//! Python objects (making those is where a Python normalizer's time goes).

/// Append `s` as a JSON string literal (quotes included), escaped as RFC 8259 requires and as
/// orjson escapes (short forms where JSON has one), so a native document is byte for byte what the
/// Python sources write for the same values.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escaping(bytes) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Whether any byte is a control character, `"` or `\\`. Nearly all text needs no escaping and
/// most strings are short, so the check looks at 8 bytes at a time (SWAR) with no early exit,
/// and a short string or the tail is read as one padded or overlapping word, never byte by byte.
fn needs_escaping(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Exact for "is there any such byte" (the borrow trick only errs about which byte).
    let special = |word: u64| {
        let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        control | has_zero(word ^ (ONES * u64::from(b'"'))) | has_zero(word ^ (ONES * u64::from(b'\\')))
    };
    let word_at = |at: usize| u64::from_ne_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    if bytes.len() < 8 {
        return special(short_word(bytes)) != 0;
    }
    let mut found = 0;
    let mut at = 0;
    while at + 8 <= bytes.len() {
        found |= special(word_at(at));
        at += 8;
    }
    // The last 8 bytes, overlapping what was checked already.
    (found | special(word_at(bytes.len() - 8))) != 0
}

/// Up to 7 bytes as one word, from two overlapping loads (repeating a byte changes no "any"
/// answer) padded with a byte that never needs escaping; a copy into a padded buffer would make
/// the word wait for the copy's stores.
fn short_word(bytes: &[u8]) -> u64 {
    const PAD: u64 = u64::from_ne_bytes([b'a'; 8]);
    let n = bytes.len();
    let u32_at = |at: usize| u64::from(u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes")));
    let u16_at = |at: usize| u64::from(u16::from_ne_bytes(bytes[at..at + 2].try_into().expect("2 bytes")));
    match n {
        4..=7 => u32_at(0) | u32_at(n - 4) << 32,
        2..=3 => u16_at(0) | u16_at(n - 2) << 16 | PAD << 32,
        1 => u64::from(bytes[0]) | PAD << 8,
        _ => PAD,
    }
}

fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::{needs_escaping, write_str};

    #[test]
    fn word_check_agrees_with_a_byte_check_everywhere() {
        for len in 1..=24 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    let expected = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(needs_escaping(&bytes), expected, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        assert!(!needs_escaping(b""));
        assert!(!needs_escaping("é\u{7f}ÿ😀".as_bytes()));
    }

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        let mut out = Vec::new();
        write_str(&mut out, "a\"b\\c\nd\u{1}é\u{8}\u{c}");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\nd\\u0001é\\b\\f\"");
    }

    #[test]
    fn long_text_escapes_wherever_they_fall() {
        for at in 0..=8 {
            let mut text = "plain-text-é-".repeat(2);
            text.insert(at + 2, '"');
            text.push('\u{1f}');
            let mut out = Vec::new();
            write_str(&mut out, &text);
            let expected = format!("\"{}\"", text.replace('"', "\\\"").replace('\u{1f}', "\\u001f"));
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }
}
