//! Community ID v1 (seed 0): the flow id Zeek, Suricata and Elastic Agent compute, so flows
//! correlate across tools.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

use crate::inet::Packed;

/// ICMP (1) and ICMPv6 (58) message types with a reply type: such a pair is one two-way flow.
fn icmp_reply(proto: u8, kind: u16) -> Option<Option<u16>> {
    let pairs: &[(u16, u16)] = match proto {
        1 => &[(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)],
        58 => &[(128, 129), (133, 134), (135, 136), (130, 131), (144, 145)],
        _ => return None,
    };
    let reply = pairs.iter().find_map(|&(a, b)| match kind {
        k if k == a => Some(b),
        k if k == b => Some(a),
        _ => None,
    });
    Some(reply)
}

/// The community id of a flow ("1:" and the base64 of a SHA-1, 30 bytes); None when its
/// protocol needs ports the record lacks.
pub fn community_id(
    src: Packed,
    dst: Packed,
    proto: u8,
    sport: Option<u16>,
    dport: Option<u16>,
) -> Option<[u8; 30]> {
    let (mut src, mut dst) = (src.as_slice(), dst.as_slice());
    let mut data = Vec::with_capacity(40);
    data.extend_from_slice(&[0, 0]);
    if matches!(proto, 1 | 6 | 17 | 58 | 132) {
        let (mut sport, mut dport) = (sport?, dport?);
        // ICMP carries type and code in the ports; a type without a reply type stays one-way.
        let two_way = match icmp_reply(proto, sport) {
            None => true,
            Some(None) => false,
            Some(Some(reply)) => {
                dport = reply;
                true
            }
        };
        if two_way && (src > dst || src == dst && sport > dport) {
            (src, dst, sport, dport) = (dst, src, dport, sport);
        }
        data.extend_from_slice(src);
        data.extend_from_slice(dst);
        data.extend_from_slice(&[proto, 0]);
        data.extend_from_slice(&sport.to_be_bytes());
        data.extend_from_slice(&dport.to_be_bytes());
    } else {
        if src > dst {
            (src, dst) = (dst, src);
        }
        data.extend_from_slice(src);
        data.extend_from_slice(dst);
        data.extend_from_slice(&[proto, 0]);
    }
    let mut id = *b"1:0000000000000000000000000000";
    let written = STANDARD.encode_slice(Sha1::digest(&data), &mut id[2..]);
    debug_assert_eq!(written, Ok(28));
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inet::parse_ip;

    #[test]
    fn community_id_spec_vector() {
        let src = parse_ip("128.232.110.120").unwrap();
        let dst = parse_ip("66.35.250.204").unwrap();
        assert_eq!(
            &community_id(src, dst, 6, Some(34855), Some(80)).unwrap(),
            b"1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
        assert_eq!(
            &community_id(dst, src, 6, Some(80), Some(34855)).unwrap(),
            b"1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
        assert_eq!(community_id(src, dst, 6, None, Some(80)), None);
    }
}
