//! Textual IP addresses, read as glibc's inet_pton reads them: IPv4 as four decimal octets without
//! leading zeros, IPv6 as hex groups with one optional "::" and an optional dotted IPv4 tail; nothing
//! around them (no zone, no prefix). The Python sources validate with socket.inet_pton itself
//! (normalizer/converters.py is_ip): tests/cases/ips.json holds the cases both must agree on.

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order.
#[derive(Clone, Copy)]
pub struct Packed {
    bytes: [u8; 16],
    len: usize,
}

impl Packed {
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// An IPv6 address when the text has a ':', else IPv4.
pub fn parse_ip(text: &str) -> Option<Packed> {
    let mut packed = Packed {
        bytes: [0; 16],
        len: 16,
    };
    if text.contains(':') {
        inet_pton6(text.as_bytes(), &mut packed.bytes)?;
    } else {
        let mut v4 = [0u8; 4];
        inet_pton4(text.as_bytes(), &mut v4)?;
        packed.bytes[..4].copy_from_slice(&v4);
        packed.len = 4;
    }
    Some(packed)
}

/// glibc's inet_pton4: four decimal octets, each at most 255, no leading zeros.
fn inet_pton4(src: &[u8], dst: &mut [u8; 4]) -> Option<()> {
    let mut tmp = [0u8; 4];
    let (mut octets, mut at, mut saw_digit) = (0, 0, false);
    for &c in src {
        if c.is_ascii_digit() {
            let value = u32::from(tmp[at]) * 10 + u32::from(c - b'0');
            if saw_digit && tmp[at] == 0 || value > 255 {
                return None;
            }
            tmp[at] = value as u8;
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
        } else if c == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            at += 1;
            saw_digit = false;
        } else {
            return None;
        }
    }
    if octets < 4 {
        return None;
    }
    *dst = tmp;
    Some(())
}

/// glibc's inet_pton6: hex groups, one "::", an optional dotted IPv4 tail.
fn inet_pton6(src: &[u8], dst: &mut [u8; 16]) -> Option<()> {
    let mut tmp = [0u8; 16];
    let (mut tp, mut colon): (usize, Option<usize>) = (0, None);
    let mut i = 0;
    if src.is_empty() {
        return None;
    }
    if src[0] == b':' {
        i = 1;
        if src.get(1) != Some(&b':') {
            return None;
        }
    }
    let (mut token_start, mut digits, mut value) = (i, 0, 0u32);
    while i < src.len() {
        let c = src[i];
        i += 1;
        if let Some(digit) = (c as char).to_digit(16) {
            if digits == 4 {
                return None;
            }
            value = value << 4 | digit;
            digits += 1;
            continue;
        }
        if c == b':' {
            token_start = i;
            if digits == 0 {
                if colon.is_some() {
                    return None;
                }
                colon = Some(tp);
                continue;
            } else if i == src.len() || tp + 2 > 16 {
                return None;
            }
            tmp[tp] = (value >> 8) as u8;
            tmp[tp + 1] = value as u8;
            tp += 2;
            digits = 0;
            value = 0;
            continue;
        }
        let mut v4 = [0u8; 4];
        if c == b'.' && tp + 4 <= 16 && inet_pton4(&src[token_start..], &mut v4).is_some() {
            tmp[tp..tp + 4].copy_from_slice(&v4);
            tp += 4;
            digits = 0;
            break;
        }
        return None;
    }
    if digits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        tmp[tp] = (value >> 8) as u8;
        tmp[tp + 1] = value as u8;
        tp += 2;
    }
    if let Some(colon) = colon {
        if tp == 16 {
            return None;
        }
        let moved = tp - colon;
        tmp.copy_within(colon..tp, 16 - moved);
        tmp[colon..16 - moved].fill(0);
        tp = 16;
    }
    if tp != 16 {
        return None;
    }
    *dst = tmp;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<Vec<u8>> {
        parse_ip(text).map(|p| p.as_slice().to_vec())
    }

    #[test]
    fn addresses_match_the_shared_cases() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/cases/ips.json");
        let cases: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("tests/cases/ips.json")).expect("valid JSON");
        for case in cases["cases"].as_array().unwrap() {
            let text = case["text"].as_str().unwrap();
            assert_eq!(parse_ip(text).is_some(), case["ip"].as_bool().unwrap(), "{text:?}");
        }
    }

    #[test]
    fn addresses_follow_inet_pton() {
        assert_eq!(ip("10.0.0.1"), Some(vec![10, 0, 0, 1]));
        assert_eq!(ip("::1").unwrap()[15], 1);
        assert_eq!(ip("::ffff:1.2.3.4").unwrap()[12..], [1, 2, 3, 4]);
        assert!(ip("1:2:3:4:5:6:7::").is_some());
        for bad in [
            "10.0.0.999",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "fe80::1%eth0",
            ":1",
            "1::2::3",
            "1:2:3:4:5:6:7:8::",
            "12345::",
            "1:",
        ] {
            assert!(ip(bad).is_none(), "{bad}");
        }
    }
}
