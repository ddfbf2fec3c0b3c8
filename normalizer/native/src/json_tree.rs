//! A record's JSON as a borrowed tree: strings without escapes point into the record's text, so
//! parsing a 1.3 KB CloudTrail event allocates a few vectors, not a String per key and value.
//!
//! It reads records as the Python sources' parser (orjson) reads them, so every source sees the same
//! values: integers beyond 64 bits become floats, nesting stops at 1024 levels, and a repeated key
//! keeps its first place and its last value.
use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;

use foldhash::HashMap;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::doc::same_key;
use crate::json::write_str;
use crate::numbers::write_float;

/// orjson's nesting limit: a record nested deeper is not JSON to the rest of the pipeline either.
pub const MAX_NESTING: usize = 1024;
const HASHED_ABOVE: usize = 32;

pub enum Json<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// A JSON object's members in document order, keys unique.
pub struct Object<'a> {
    pub members: Vec<(Cow<'a, str>, Json<'a>)>,
}

/// Parse `text` as exactly one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Json<'_>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    // Depth is counted by `Seed` instead, to stop where orjson stops (serde_json stops at 128).
    de.disable_recursion_limit();
    let value = Seed { depth: 0 }.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

impl<'a> Json<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string when it is a non-empty one (the shape most lookups want).
    pub fn as_text(&self) -> Option<&str> {
        self.as_str().filter(|s| !s.is_empty())
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether the value counts as given (an errorCode of "" or null is no error): anything but
    /// null, false, zero, "" and an empty array or object.
    pub fn truthy(&self) -> bool {
        match self {
            Json::Null => false,
            Json::Bool(b) => *b,
            Json::Int(n) => *n != 0,
            Json::UInt(n) => *n != 0,
            Json::Float(f) => *f != 0.0,
            Json::Str(s) => !s.is_empty(),
            Json::Array(items) => !items.is_empty(),
            Json::Object(o) => !o.members.is_empty(),
        }
    }

    /// What a value is, for error messages ("an object", "a list", "int").
    pub fn describe(&self) -> &'static str {
        match self {
            Json::Null => "NoneType",
            Json::Bool(_) => "bool",
            Json::Int(_) | Json::UInt(_) => "int",
            Json::Float(_) => "float",
            Json::Str(_) => "str",
            Json::Array(_) => "a list",
            Json::Object(_) => "an object",
        }
    }

    /// The value's type as error messages name it ("dict", "list", "str", …: the Python sources' names).
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Array(_) => "list",
            Json::Object(_) => "dict",
            other => other.describe(),
        }
    }

    /// Write the value as JSON, floats in orjson's form (numbers::write_float).
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Json::Int(n) => write!(out, "{n}").expect("writing to a Vec"),
            Json::UInt(n) => write!(out, "{n}").expect("writing to a Vec"),
            Json::Float(f) => write_float(out, *f),
            Json::Str(s) => write_str(out, s),
            Json::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Json::Object(o) => {
                out.push(b'{');
                for (i, (key, value)) in o.members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, key);
                    out.push(b':');
                    value.write(out);
                }
                out.push(b'}');
            }
        }
    }
}

impl<'a> Object<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.members.iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
    }

    /// The member's value unless it is absent or null.
    pub fn get_some(&self, key: &str) -> Option<&Json<'a>> {
        self.get(key).filter(|v| !matches!(v, Json::Null))
    }

    pub fn get_object(&self, key: &str) -> Option<&Object<'a>> {
        self.get(key).and_then(Json::as_object)
    }

    pub fn get_text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_text)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// Builds the tree, counting depth as it goes.
struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Seed {
    fn nested<E: de::Error>(&self) -> Result<Seed, E> {
        if self.depth >= MAX_NESTING {
            return Err(E::custom(format!("nested deeper than {MAX_NESTING} levels")));
        }
        Ok(Seed { depth: self.depth + 1 })
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Json::UInt(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Json::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed { depth: inner.depth })? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let inner = self.nested()?;
        let mut members: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        // Repeated keys are rare: a 64-bit signature set says which keys may have been seen
        // (only those are searched for), and past a few keys they are found by hashing (a
        // hostile object may have millions).
        let mut signatures: u64 = 0;
        let mut index: Option<HashMap<Cow<'de, str>, usize>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(Seed { depth: inner.depth })?;
            let signature = 1u64 << ((key.len() ^ usize::from(key.as_bytes().last().copied().unwrap_or(0))) % 64);
            let seen = match &mut index {
                None if signatures & signature == 0 => None,
                None if members.len() < HASHED_ABOVE => members.iter().position(|(k, _)| same_key(k, &key)),
                None => {
                    let built = members.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
                    index.insert(built).get(&key).copied()
                }
                Some(index) => index.get(&key).copied(),
            };
            signatures |= signature;
            match seen {
                Some(i) => members[i].1 = value, // a repeated key keeps its first place, its last value
                None => {
                    if let Some(index) = &mut index {
                        index.insert(key.clone(), members.len());
                    }
                    members.push((key, value));
                }
            }
        }
        Ok(Json::Object(Object { members }))
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        parse(text).unwrap().write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn repeated_keys_keep_first_place_and_last_value() {
        assert_eq!(written(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
        let many: Vec<String> = (0..100).map(|i| format!(r#""k{}":{i}"#, i % 40)).collect();
        let expected: Vec<String> = (0..40).map(|i| format!(r#""k{i}":{}"#, i + 80 - if i >= 20 { 40 } else { 0 })).collect();
        assert_eq!(written(&format!("{{{}}}", many.join(","))), format!("{{{}}}", expected.join(",")));
    }

    #[test]
    fn integers_past_64_bits_are_floats() {
        assert_eq!(written("18446744073709551615"), "18446744073709551615");
        assert_eq!(written("18446744073709551616"), "1.8446744073709552e+19");
        assert_eq!(written("-9223372036854775809"), "-9.223372036854776e+18");
    }

    #[test]
    fn nesting_stops_where_orjson_stops() {
        let ok = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_NESTING + 1), "]".repeat(MAX_NESTING + 1));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn lone_surrogates_and_trailing_data_are_refused() {
        assert!(parse(r#""\ud800""#).is_err());
        assert!(parse(r#"{"a":1} x"#).is_err());
        assert!(parse(r#""\ud83d\ude00""#).is_ok());
    }

    #[test]
    fn escaped_strings_are_owned_and_plain_ones_borrowed() {
        match parse(r#"["plain","tab\t"]"#).unwrap() {
            Json::Array(items) => {
                assert!(matches!(&items[0], Json::Str(Cow::Borrowed("plain"))));
                assert!(matches!(&items[1], Json::Str(Cow::Owned(s)) if s == "tab\t"));
            }
            _ => panic!("not an array"),
        }
    }
}
