//! The ECS document being built: a small ordered tree written out once as JSON bytes.
//!
//! Values are filled in from several places (the field-map copy, then the rules that combine
//! values) and a later rule may replace an earlier value, so the document is a tree first, like
//! a dict: keys keep their first insertion place when a later rule replaces their value.
use std::borrow::Cow;
use std::rc::Rc;

use crate::json::write_str;

pub enum Node<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    List(Vec<Cow<'a, str>>),
    /// A value already written as JSON (a flattened copy of a free-form object).
    Json(Vec<u8>),
    /// JSON shared between documents (a cached user agent).
    Shared(Rc<[u8]>),
    Obj(Obj<'a>),
}

#[derive(Default)]
pub struct Obj<'a> {
    fields: Vec<(&'a str, Node<'a>)>,
}

impl<'a> Obj<'a> {
    pub fn new() -> Self {
        Obj { fields: Vec::with_capacity(4) }
    }

    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.fields.iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
    }

    pub fn get_str(&self, key: &str) -> Option<&Cow<'a, str>> {
        match self.get(key) {
            Some(Node::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn get_obj(&self, key: &str) -> Option<&Obj<'a>> {
        match self.get(key) {
            Some(Node::Obj(o)) => Some(o),
            _ => None,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Set `key` (replacing its value in place, or appending it).
    pub fn set(&mut self, key: &'a str, node: Node<'a>) {
        match self.fields.iter_mut().find(|(k, _)| same_key(k, key)) {
            Some(field) => field.1 = node,
            None => self.fields.push((key, node)),
        }
    }

    pub fn set_str(&mut self, key: &'a str, value: impl Into<Cow<'a, str>>) {
        self.set(key, Node::Str(value.into()));
    }

    pub fn remove(&mut self, key: &str) {
        self.fields.retain(|(k, _)| *k != key);
    }

    /// The object at `key`, created where missing (or where a value was not an object).
    pub fn section(&mut self, key: &'a str) -> &mut Obj<'a> {
        let index = match self.fields.iter().position(|(k, _)| same_key(k, key)) {
            Some(i) => {
                if !matches!(self.fields[i].1, Node::Obj(_)) {
                    self.fields[i].1 = Node::Obj(Obj::new());
                }
                i
            }
            None => {
                self.fields.push((key, Node::Obj(Obj::new())));
                self.fields.len() - 1
            }
        };
        match &mut self.fields[index].1 {
            Node::Obj(o) => o,
            _ => unreachable!("made an object just above"),
        }
    }

    /// The object at a dotted path of keys, created with its parents.
    pub fn section_path(&mut self, path: &[&'a str]) -> &mut Obj<'a> {
        path.iter().fold(self, |node, key| node.section(key))
    }

    /// `{"id": [value]}`, the shape of every `*.entity` field.
    pub fn entity_ids(values: Vec<Cow<'a, str>>) -> Node<'a> {
        let mut entity = Obj::new();
        entity.set("id", Node::List(values));
        Node::Obj(entity)
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (key, node)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, key);
            out.push(b':');
            node.write(out);
        }
        out.push(b'}');
    }
}

/// Key equality, cheapest checks first: most keys differ in length or first byte, and the
/// same key is often the very same string (a plan's or a literal).
pub fn same_key(a: &str, b: &str) -> bool {
    // Compared inline: keys are short, and a library memcmp call costs more than the comparison.
    a.len() == b.len() && (a.as_ptr() == b.as_ptr() || a.bytes().zip(b.bytes()).all(|(x, y)| x == y))
}

impl Node<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Node::Str(s) => write_str(out, s),
            Node::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Node::List(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, item);
                }
                out.push(b']');
            }
            Node::Json(json) => out.extend_from_slice(json),
            Node::Shared(json) => out.extend_from_slice(json),
            Node::Obj(o) => o.write(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_first_place() {
        let mut doc = Obj::new();
        doc.set_str("a", "1");
        doc.section_path(&["b", "c"]).set("d", Node::Bool(true));
        doc.set_str("a", "2");
        doc.section("b").set("e", Node::List(vec!["x".into()]));
        let mut out = Vec::new();
        doc.write(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":"2","b":{"c":{"d":true},"e":["x"]}}"#);
    }
}
