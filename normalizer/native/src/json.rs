//! Writing JSON text straight into the output buffer (documents are built as bytes, never as
//! Python objects: that is where the time of a Python normalizer goes).

/// Append `s` as a JSON string literal (quotes included), escaped as RFC 8259 requires and as
/// orjson escapes (short forms where JSON has one), so native documents match Python's byte for byte.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Nearly all text needs no escaping. This check has no early exit on purpose: that lets
    // the compiler compare 16 or more bytes per instruction.
    let needs_escaping = bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if needs_escaping {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
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
    use super::write_str;

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
