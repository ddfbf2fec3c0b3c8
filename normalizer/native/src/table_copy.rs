//! The table copy engine, as normalizer/table_copy.py runs it for the Python sources: a field
//! table's plain rows (CloudTrail's COPIED) compiled once into a plan, native paths grouped into a
//! tree, so a record costs one lookup per native key, each value converted by its row's type and
//! written at its ECS path. Rows run in table order, grouped under the native object they come
//! from, so a table's order is its documents' key order and the first bad value found is the one
//! an error names.
use foldhash::HashMap;

use crate::converters::{boolean, keyword};
use crate::doc::{Node, Obj};
use crate::errors::Rejected;
use crate::json_tree::{Json, Object};

/// The Elasticsearch types a copied CloudTrail value can have.
enum Kind {
    Keyword,
    Boolean,
}

struct Row {
    native: String,
    ecs: Vec<String>,
    kind: Kind,
}

enum Step {
    /// Follow an object-valued native key.
    Object(Level),
    /// Copy the value of a native key, once per row naming it.
    Values(Vec<Row>),
}

/// The native keys read at one level of the record, in table order, with an index by name:
/// a record's members are looked up there (one hash each), not searched for once per key.
#[derive(Default)]
struct Level {
    steps: Vec<(String, Step)>,
    index: HashMap<String, usize>,
}

pub struct CopyPlan {
    root: Level,
}

impl CopyPlan {
    /// Compile (native, ecs, type) rows; an error names the row that cannot be planned.
    pub fn new(rows: Vec<(String, String, String)>) -> Result<CopyPlan, String> {
        let mut root = Level::default();
        for (native, ecs, kind) in rows {
            let kind = match kind.as_str() {
                "keyword" => Kind::Keyword,
                "boolean" => Kind::Boolean,
                other => return Err(format!("field map row {native:?}: no native copy for type {other:?}")),
            };
            let parts: Vec<&str> = native.split('.').collect();
            let (leaf, parents) = parts.split_last().expect("split gives at least one part");
            let mut steps = &mut root;
            for part in parents {
                steps = match steps.entry(part, || Step::Object(Level::default())) {
                    Step::Object(children) => children,
                    Step::Values(_) => return Err(format!("field map: {native:?} is below a value row")),
                };
            }
            let row = Row { native: native.clone(), ecs: ecs.split('.').map(str::to_owned).collect(), kind };
            match steps.entry(leaf, || Step::Values(Vec::new())) {
                Step::Values(rows) => rows.push(row),
                Step::Object(_) => return Err(format!("field map: {native:?} is both a value and an object")),
            }
        }
        Ok(CopyPlan { root })
    }

    /// Copy every planned value of `event` into `doc`.
    pub fn copy<'a>(&'a self, event: &'a Object<'a>, doc: &mut Obj<'a>) -> Result<(), Rejected> {
        self.root.copy(event, doc)
    }
}

/// Levels with more keys than this look members up one key at a time, and so do levels with
/// a handful (searching a few keys is cheaper than hashing every member).
const MAX_INDEXED_STEPS: usize = 32;
const MIN_INDEXED_STEPS: usize = 6;

impl Level {
    fn entry(&mut self, key: &str, make: impl FnOnce() -> Step) -> &mut Step {
        let index = *self.index.entry(key.to_owned()).or_insert_with(|| {
            self.steps.push((key.to_owned(), make()));
            self.steps.len() - 1
        });
        &mut self.steps[index].1
    }

    fn copy<'a>(&'a self, source: &'a Object<'a>, doc: &mut Obj<'a>) -> Result<(), Rejected> {
        // Find the planned keys among the record's members, then copy them in table order
        // (the order the first bad value is found in).
        let mut found: [Option<&'a Json<'a>>; MAX_INDEXED_STEPS] = [None; MAX_INDEXED_STEPS];
        let indexed = (MIN_INDEXED_STEPS..=MAX_INDEXED_STEPS).contains(&self.steps.len());
        if indexed {
            for (key, value) in &source.members {
                if let Some(&i) = self.index.get(key.as_ref()) {
                    found[i] = Some(value);
                }
            }
        }
        for (i, (key, step)) in self.steps.iter().enumerate() {
            let value = if indexed { found[i] } else { source.get(key) };
            let Some(value) = value else { continue };
            match step {
                Step::Object(level) => {
                    if let Json::Object(object) = value {
                        level.copy(object, doc)?;
                    }
                }
                Step::Values(rows) => copy_rows(rows, value, doc)?,
            }
        }
        Ok(())
    }
}

fn copy_rows<'a>(rows: &'a [Row], value: &'a Json<'a>, doc: &mut Obj<'a>) -> Result<(), Rejected> {
    for row in rows {
        let node = match row.kind {
            Kind::Keyword => keyword(value, &row.native)?.map(Node::Str),
            Kind::Boolean => boolean(value, &row.native)?.map(Node::Bool),
        };
        if let Some(node) = node {
            let (leaf, parents) = row.ecs.split_last().expect("an ECS name has a part");
            let mut target = &mut *doc;
            for part in parents {
                target = target.section(part);
            }
            target.set(leaf, node);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_tree::parse;

    fn plan() -> CopyPlan {
        let rows = [("a.b", "x.y", "keyword"), ("c", "x.z", "boolean"), ("a.d", "w", "keyword")];
        CopyPlan::new(rows.iter().map(|(n, e, t)| (n.to_string(), e.to_string(), t.to_string())).collect()).unwrap()
    }

    fn copied(text: &str) -> Result<String, Rejected> {
        let plan = plan();
        let event = parse(text).unwrap();
        let mut doc = Obj::new();
        plan.copy(event.as_object().unwrap(), &mut doc)?;
        let mut out = Vec::new();
        doc.write(&mut out);
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn copies_and_converts() {
        assert_eq!(copied(r#"{"c":"TRUE","a":{"b":1.5e-7,"d":""}}"#).unwrap(), r#"{"x":{"y":"1.5e-07","z":true}}"#);
        assert_eq!(copied(r#"{"a":[1],"c":null}"#).unwrap(), "{}");
    }

    #[test]
    fn bad_values_name_the_field() {
        let error = copied(r#"{"a":{"b":{"no":1}}}"#).unwrap_err();
        assert_eq!(error, Rejected::new("expected a string, got an object", "a.b"));
        let error = copied(r#"{"c":"it's"}"#).unwrap_err();
        assert_eq!(error, Rejected::new("expected true or false, got \"it's\"", "c"));
    }

    #[test]
    fn unplannable_rows_are_refused() {
        let row = |n: &str, t: &str| (n.to_string(), "e".to_string(), t.to_string());
        assert!(CopyPlan::new(vec![row("a", "long")]).is_err());
        assert!(CopyPlan::new(vec![row("a", "keyword"), row("a.b", "keyword")]).is_err());
        assert!(CopyPlan::new(vec![row("a.b", "keyword"), row("a", "keyword")]).is_err());
    }
}
