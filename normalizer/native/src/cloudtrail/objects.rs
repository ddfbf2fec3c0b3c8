//! CloudTrail's free-form objects (requestParameters, …): pruned, and rendered as Elastic renders them.
//!
//! Elastic's pipeline parses the record into Java HashMaps, drops null/empty values, then keeps
//! `toString()` of each object (`{key=value, other={nested=1}, list=[a, b]}`) in a keyword field.
//! A HashMap iterates in hash-bucket order, so reproducing that string needs Java's
//! String.hashCode and HashMap's table sizing. The pruned object is also kept as JSON in a
//! `flattened` field when it is small and shallow enough for one.
use std::borrow::Cow;
use std::fmt::Write as _;

use crate::doc::{Node, Obj};
use crate::errors::Rejected;
use crate::json::write_str;
use crate::json_tree::Json;
use crate::numbers::java_double;

/// Deeper than this is not something AWS writes: refused, not kept.
const MAX_DEPTH: usize = 64;
/// Elastic keeps the flattened copy only below Lucene's term limit.
const MAX_OBJECT_CHARS: usize = 32766;
/// Shapes bigger than AWS ever writes keep their keys in the record's order, unhashed.
const MAX_HASHED_KEYS: usize = 64;
const MAX_HASHED_KEY_CHARS: usize = 128;

/// How objects are kept: which native objects, under which names, and the flattened type's depth limit.
pub struct ObjectPlan {
    /// (native, name): kept as Elastic's string form and, when they fit, as flattened JSON.
    pub rendered: Vec<(String, String)>,
    /// (native, name): kept as flattened JSON only.
    pub flattened: Vec<(String, String)>,
    pub flattened_max_depth: usize,
}

impl ObjectPlan {
    /// requestParameters & co into `ct` (string form) and `ct.flattened` (the pruned objects).
    pub fn add<'a>(&'a self, event: &crate::json_tree::Object, ct: &mut Obj<'a>) -> Result<(), Rejected> {
        for (native, name) in &self.rendered {
            let Some(value) = event.get_some(native) else { continue };
            let Some(text) = render(value, native)? else { continue };
            let fits = text.len() < MAX_OBJECT_CHARS || text.chars().count() < MAX_OBJECT_CHARS;
            let flattened = if fits { self.flattened_json(value, native)? } else { None };
            ct.set_str(name, text);
            if let Some(json) = flattened {
                ct.section("flattened").set(name, Node::Json(json));
            }
        }
        for (native, name) in &self.flattened {
            let Some(value) = event.get_some(native) else { continue };
            if let Some(json) = self.flattened_json(value, native)? {
                ct.section("flattened").set(name, Node::Json(json));
            }
        }
        Ok(())
    }

    /// The pruned value as JSON when something is left and it nests no deeper than a flattened
    /// field accepts; an error when it nests deeper than MAX_DEPTH.
    pub fn flattened_json(&self, value: &Json, field: &str) -> Result<Option<Vec<u8>>, Rejected> {
        let mut out = Vec::with_capacity(OUT_CAPACITY);
        let depth = pruned(value, field, 0, &mut out)?;
        Ok(depth.filter(|d| *d <= self.flattened_max_depth).map(|_| out))
    }

    /// Like `flattened_json`, for the object made of some members of another (unmapped fields).
    pub fn flattened_members<'v>(
        &self,
        members: impl Iterator<Item = (&'v str, &'v Json<'v>)>,
        field: &str,
    ) -> Result<Option<Vec<u8>>, Rejected> {
        let mut out = Vec::with_capacity(OUT_CAPACITY);
        let depth = pruned_object(members, field, 0, &mut out)?;
        Ok(depth.filter(|d| *d <= self.flattened_max_depth).map(|_| out))
    }
}

/// Room for a typical request or response object's text: growing from nothing reallocates
/// several times per object.
const OUT_CAPACITY: usize = 256;

fn too_deep(field: &str) -> Rejected {
    Rejected::new(format!("nested deeper than {MAX_DEPTH} levels"), field)
}

/// Write `value` without nulls, empty strings, empty objects and empty lists; its depth, or
/// None (and nothing written) when nothing is left.
fn pruned(value: &Json, field: &str, depth: usize, out: &mut Vec<u8>) -> Result<Option<usize>, Rejected> {
    match value {
        Json::Null => Ok(None),
        Json::Str(s) if s.is_empty() => Ok(None),
        Json::Object(o) => pruned_object(o.members.iter().map(|(k, v)| (k.as_ref(), v)), field, depth, out),
        Json::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(field));
            }
            let start = out.len();
            out.push(b'[');
            let mut deepest = None;
            for item in items {
                let mark = out.len();
                if deepest.is_some() {
                    out.push(b',');
                }
                match pruned(item, field, depth + 1, out)? {
                    Some(d) => deepest = Some(deepest.unwrap_or(0).max(d)),
                    None => out.truncate(mark),
                }
            }
            finish(out, start, b']', deepest)
        }
        scalar => {
            scalar.write(out);
            Ok(Some(0))
        }
    }
}

fn pruned_object<'v>(
    members: impl Iterator<Item = (&'v str, &'v Json<'v>)>,
    field: &str,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<Option<usize>, Rejected> {
    if depth >= MAX_DEPTH {
        return Err(too_deep(field));
    }
    let start = out.len();
    out.push(b'{');
    let mut deepest = None;
    for (key, value) in members {
        let mark = out.len();
        if deepest.is_some() {
            out.push(b',');
        }
        write_str(out, key);
        out.push(b':');
        match pruned(value, field, depth + 1, out)? {
            Some(d) => deepest = Some(deepest.unwrap_or(0).max(d)),
            None => out.truncate(mark),
        }
    }
    finish(out, start, b'}', deepest)
}

/// Close a container (depth one more than its deepest member), or take it back when it is empty.
fn finish(out: &mut Vec<u8>, start: usize, close: u8, deepest: Option<usize>) -> Result<Option<usize>, Rejected> {
    match deepest {
        Some(d) => {
            out.push(close);
            Ok(Some(d + 1))
        }
        None => {
            out.truncate(start);
            Ok(None)
        }
    }
}

/// Elastic's string form of the pruned value (`{b=1, a=[x, y]}`), or None when nothing is left.
pub fn render(value: &Json, field: &str) -> Result<Option<String>, Rejected> {
    let mut out = String::with_capacity(OUT_CAPACITY);
    Ok(render_into(value, field, 0, &mut out)?.then_some(out))
}

fn render_into(value: &Json, field: &str, depth: usize, out: &mut String) -> Result<bool, Rejected> {
    match value {
        Json::Null => return Ok(false),
        Json::Str(s) if s.is_empty() => return Ok(false),
        Json::Str(s) => out.push_str(s),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(n) => write!(out, "{n}").expect("writing to a String"),
        Json::UInt(n) => write!(out, "{n}").expect("writing to a String"),
        Json::Float(f) => out.push_str(&java_double(*f)),
        Json::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(field));
            }
            let start = out.len();
            out.push('[');
            let mut any = false;
            for item in items {
                let mark = out.len();
                if any {
                    out.push_str(", ");
                }
                if render_into(item, field, depth + 1, out)? {
                    any = true;
                } else {
                    out.truncate(mark);
                }
            }
            return Ok(close(out, start, ']', any));
        }
        Json::Object(o) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(field));
            }
            let start = out.len();
            out.push('{');
            let mut any = false;
            let mut order = [0u8; MAX_HASHED_KEYS];
            let hashed = java_hash_order(&o.members, &mut order);
            for (position, &hashed_position) in order.iter().enumerate().take(o.members.len()) {
                let (key, item) = &o.members[if hashed { usize::from(hashed_position) } else { position }];
                let mark = out.len();
                if any {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                if render_into(item, field, depth + 1, out)? {
                    any = true;
                } else {
                    out.truncate(mark);
                }
            }
            return Ok(close(out, start, '}', any));
        }
    }
    Ok(true)
}

fn close(out: &mut String, start: usize, bracket: char, any: bool) -> bool {
    if any {
        out.push(bracket);
    } else {
        out.truncate(start);
    }
    any
}

/// The order in which a java.util.HashMap filled with the members' keys iterates them, as
/// indexes into `order`; false when the keys are past the limits (then they keep their order).
fn java_hash_order(members: &[(Cow<str>, Json)], order: &mut [u8; MAX_HASHED_KEYS]) -> bool {
    let too_long = |k: &str| k.len() > MAX_HASHED_KEY_CHARS && k.chars().count() > MAX_HASHED_KEY_CHARS;
    if members.len() > MAX_HASHED_KEYS || members.iter().any(|(k, _)| too_long(k)) {
        return false;
    }
    let mut capacity = 16;
    while members.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let mask = capacity as u32 - 1;
    let mut buckets = [0u32; MAX_HASHED_KEYS];
    for (i, (key, _)) in members.iter().enumerate() {
        buckets[i] = spread(java_string_hash(key)) & mask;
        order[i] = i as u8;
    }
    // Same bucket → insertion order: a stable sort by bucket index alone.
    order[..members.len()].sort_by_key(|&i| buckets[i as usize]);
    true
}

/// Java's String.hashCode: over UTF-16 code units.
fn java_string_hash(text: &str) -> u32 {
    text.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)))
}

fn spread(h: u32) -> u32 {
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_tree::parse;

    fn rendered(text: &str) -> Option<String> {
        render(&parse(text).unwrap(), "f").unwrap()
    }

    fn flattened(text: &str) -> Option<String> {
        let plan = ObjectPlan { rendered: vec![], flattened: vec![], flattened_max_depth: 20 };
        plan.flattened_json(&parse(text).unwrap(), "f").unwrap().map(|j| String::from_utf8(j).unwrap())
    }

    #[test]
    fn java_string_form() {
        assert_eq!(rendered(r#"{"roleArn":"r","roleSessionName":"s","durationSeconds":3600}"#).unwrap(),
                   "{durationSeconds=3600, roleArn=r, roleSessionName=s}");
        assert_eq!(rendered(r#"{"credentials":{"a":[1,2.5,true]},"assumedRoleUser":"x"}"#).unwrap(),
                   "{assumedRoleUser=x, credentials={a=[1, 2.5, true]}}");
        assert_eq!(rendered(r#"{"a":"","b":{},"c":[null,{}]}"#), None);
        assert_eq!(rendered(r#""plain""#).unwrap(), "plain");
        assert_eq!(rendered(r#"1e7"#).unwrap(), "1.0E7");
    }

    #[test]
    fn pruned_json_and_depth() {
        assert_eq!(flattened(r#"{"groupId":"sg-1","groups":{},"ipv6Ranges":{"items":[]},"note":"","x":null}"#).unwrap(),
                   r#"{"groupId":"sg-1"}"#);
        assert_eq!(flattened(r#"[null,"",[],{"a":[1,null]}]"#).unwrap(), r#"[{"a":[1]}]"#);
        let deep = |n: usize| format!("{}1{}", r#"{"d":"#.repeat(n), "}".repeat(n));
        assert!(flattened(&deep(20)).is_some());
        assert!(flattened(&deep(21)).is_none());
        assert!(render(&parse(&deep(64)).unwrap(), "f").is_ok());
        assert_eq!(render(&parse(&deep(65)).unwrap(), "f").unwrap_err(), Rejected::new("nested deeper than 64 levels", "f"));
        // An empty container past the limit is refused too: the depth counts, not what is left.
        let empty = format!("{}{{}}{}", r#"{"d":"#.repeat(64), "}".repeat(64));
        assert!(render(&parse(&empty).unwrap(), "f").is_err());
    }

    #[test]
    fn java_hash_order_and_its_limits() {
        assert_eq!(rendered(r#"{"b":1,"a":2}"#).unwrap(), "{a=2, b=1}");
        assert_eq!(rendered(r#"{"é":1,"e":2,"ü":3}"#).unwrap(), "{e=2, é=1, ü=3}");
        let long = "k".repeat(129);
        assert_eq!(rendered(&format!(r#"{{"b":1,"{long}":2,"a":3}}"#)).unwrap(), format!("{{b=1, {long}=2, a=3}}"));
    }
}
