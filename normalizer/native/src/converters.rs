//! Native JSON values → Elasticsearch field values for the CloudTrail normalizer: a keyword is a
//! scalar's text, a boolean is true/false as JSON or as a string in any case. The Python sources'
//! converters (normalizer/converters.py) follow the same rules: tests/cases/keywords.json holds the
//! cases both must agree on.
use std::borrow::Cow;

use crate::errors::Rejected;
use crate::json_tree::Json;
use crate::numbers::python_str;

/// A scalar as a keyword string (None for null and ""); objects and arrays are refused.
pub fn keyword<'a>(value: &'a Json<'a>, field: &str) -> Result<Option<Cow<'a, str>>, Rejected> {
    Ok(Some(match value {
        Json::Str(s) if s.is_empty() => return Ok(None),
        Json::Str(s) => Cow::Borrowed(s.as_ref()),
        Json::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Json::Int(n) => Cow::Owned(n.to_string()),
        Json::UInt(n) => Cow::Owned(n.to_string()),
        Json::Float(f) => Cow::Owned(python_str(*f)),
        Json::Null => return Ok(None),
        other => return Err(Rejected::new(format!("expected a string, got {}", other.describe()), field)),
    }))
}

/// true/false, as JSON or as a string in any case; "" is malformed here, not absent.
pub fn boolean(value: &Json, field: &str) -> Result<Option<bool>, Rejected> {
    match value {
        Json::Null => Ok(None),
        Json::Bool(b) => Ok(Some(*b)),
        Json::Str(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Json::Str(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => Err(Rejected::new(format!("expected true or false, got {}", shown(other)), field)),
    }
}

/// A value as an error message quotes it: its text (a number as `keyword` writes it, a container as
/// Python would print it) cut to 40 characters, then quoted as Python's repr() quotes a string.
fn shown(value: &Json) -> String {
    let text = match value {
        Json::Str(s) => s.to_string(),
        other => {
            let mut out = String::new();
            python_repr(other, &mut out);
            out
        }
    };
    let mut out = String::new();
    python_repr_str(&text.chars().take(40).collect::<String>(), &mut out);
    out
}

/// The value as Python prints a parsed JSON value (None, True, 1.5, 'text', [..], {..}).
fn python_repr(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("None"),
        Json::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Json::Int(n) => out.push_str(&n.to_string()),
        Json::UInt(n) => out.push_str(&n.to_string()),
        Json::Float(f) => out.push_str(&python_str(*f)),
        Json::Str(s) => python_repr_str(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_repr(item, out);
            }
            out.push(']');
        }
        Json::Object(o) => {
            out.push('{');
            for (i, (key, item)) in o.members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_repr_str(key, out);
                out.push_str(": ");
                python_repr(item, out);
            }
            out.push('}');
        }
    }
}

/// A string quoted as Python's repr() quotes it: single quotes unless it holds only the other kind,
/// backslash escapes for the quote, the backslash and control characters.
fn python_repr_str(text: &str, out: &mut String) {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_tree::parse;
    use serde_json::Value;

    /// tests/cases/keywords.json, the cases normalizer/converters.py runs too.
    fn cases(section: &str) -> Vec<Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/cases/keywords.json");
        let all: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("tests/cases/keywords.json")).unwrap();
        all[section].as_array().unwrap().clone()
    }

    /// A case's expected result: the value (None for absent) or the error's reason.
    fn expected(case: &Value) -> Result<Value, String> {
        match case.get("error") {
            Some(reason) => Err(reason.as_str().unwrap().to_owned()),
            None => Ok(case["value"].clone()),
        }
    }

    #[test]
    fn keywords_match_the_shared_cases() {
        for case in cases("keyword") {
            let json = case["json"].as_str().unwrap();
            let value = parse(json).unwrap();
            let got = keyword(&value, "f").map(|k| k.map_or(Value::Null, |k| Value::String(k.into_owned())));
            assert_eq!(got.map_err(|e| e.reason), expected(&case), "{json}");
        }
    }

    #[test]
    fn booleans_match_the_shared_cases() {
        for case in cases("boolean") {
            let json = case["json"].as_str().unwrap();
            let value = parse(json).unwrap();
            let got = boolean(&value, "f").map(|b| b.map_or(Value::Null, Value::Bool));
            assert_eq!(got.map_err(|e| e.reason), expected(&case), "{json}");
        }
    }
}
