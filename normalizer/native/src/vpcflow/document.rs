//! VPC Flow Logs: one space-separated line → its ECS document as JSON bytes, and its `_id`.
//!
//! A line is split, each column converted by its kind, and the plan's layout walked, writing the
//! keys that have a value and leaving out objects that end up empty.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use super::community_id::community_id;
use super::plan::{Derived, FlowPlan, Item, Kind};
use super::text::{byte_code, epoch, integer, python_repr, split, Int};
use crate::errors::rejected;
use crate::ids::record_id;
use crate::inet::{parse_ip, Packed};
use crate::json::write_str;
use crate::numbers::write_int;
use crate::timestamps::{write_iso, write_now};

const DATASET: &str = "aws.vpcflow";
/// The tag of a document whose @timestamp is the ingest time: its line had no time of its own.
const INGEST_TIME_TAG: &str = "cloudsift_ingest_timestamp";
/// What `document` returns to Python: (doc_id, ECS document as JSON bytes, event.dataset).
type Document<'py> = (Bound<'py, PyString>, Bound<'py, PyBytes>, Bound<'py, PyString>);

/// One column's value on one line.
#[derive(Clone, Copy)]
enum Value<'a> {
    Absent,
    Text(&'a str),
    Number(i64),
    /// Epoch seconds, written as ISO 8601.
    Time(i64),
    Ip(&'a str, Packed),
    /// A protocol number or TCP flags bitmask: kept as written, decoded once.
    Code(&'a str, u8),
}

/// A line split and converted.
struct Line<'a> {
    text: &'a str,
    /// No token holds a character JSON escapes (the common case): tokens are copied as they are.
    plain: bool,
    values: Vec<Value<'a>>,
    /// A secondary value that could not be read (a bad `start` beside a good `end`).
    problem: Option<String>,
    original: bool,
}

/// The per-record entry point: finds a record's plan by its header (asking `plan_for`, in
/// normalizer/vpcflow/plans.py, for a header it has not seen) and writes the record's document.
#[pyclass(frozen, module = "normalizer._native")]
pub struct FlowDocuments {
    plan_for: Py<PyAny>,
    /// The last header and its plan: every line of an object carries the same header tuple.
    last: Mutex<Option<(Py<PyAny>, Py<FlowPlan>)>>,
}

#[pymethods]
impl FlowDocuments {
    #[new]
    fn new(plan_for: Py<PyAny>) -> Self {
        FlowDocuments {
            plan_for,
            last: Mutex::new(None),
        }
    }

    /// document(record, original=False) -> (doc_id, document as JSON bytes, event.dataset) for a
    /// RawRecord holding one flow-log line; NormalizationError naming the field it cannot read.
    #[pyo3(signature = (record, original = false))]
    fn document<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        original: bool,
    ) -> PyResult<Document<'py>> {
        let header = record.getattr(pyo3::intern!(py, "header"))?;
        let plan = self.plan(py, &header)?;
        let text = record.getattr(pyo3::intern!(py, "text"))?;
        let body = plan.get().document(py, text.cast()?, header.is_none(), original)?;
        Ok((
            PyString::new(py, record_id(record)?.as_str()),
            body,
            pyo3::intern!(py, DATASET).clone(),
        ))
    }
}

impl FlowDocuments {
    fn plan(&self, py: Python<'_>, header: &Bound<'_, PyAny>) -> PyResult<Py<FlowPlan>> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((known, plan)) = last.as_ref() {
            if header.is(known) {
                return Ok(plan.clone_ref(py));
            }
        }
        drop(last); // plan_for runs Python code
        let plan: Py<FlowPlan> = self.plan_for.call1(py, (header,))?.extract(py)?;
        *self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((header.clone().unbind(), plan.clone_ref(py)));
        Ok(plan)
    }
}

impl FlowPlan {
    /// One line → its document as JSON bytes; NormalizationError naming the field for a line
    /// this header cannot read. `headerless`: the object had no header line (said in the width error).
    fn document<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        headerless: bool,
        original: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let Ok(line) = text.to_str() else {
            return Err(rejected(
                py,
                "the line is not valid Unicode text (a lone surrogate)",
                None,
            ));
        };
        let body = with_buffer(|out| {
            match catch_unwind(AssertUnwindSafe(|| {
                self.body(py, line, headerless, original, out)
            })) {
                Ok(done) => done.map(|()| PyBytes::new(py, out)),
                // A bug must not take the object down: the line is rejected like any bad line.
                Err(_) => Err(rejected(
                    py,
                    "internal error in the native flow-log normalizer",
                    None,
                )),
            }
        })?;
        Ok(body)
    }

    fn body(
        &self,
        py: Python<'_>,
        text: &str,
        headerless: bool,
        original: bool,
        out: &mut Vec<u8>,
    ) -> PyResult<()> {
        let mut tokens = Vec::with_capacity(self.header.len());
        let (count, plain) = split(text, self.header.len(), &mut tokens);
        if count != self.header.len() {
            return Err(self.width_error(py, count, headerless));
        }
        let mut line = Line {
            text,
            plain,
            values: Vec::with_capacity(tokens.len()),
            problem: None,
            original,
        };
        for (index, token) in tokens.into_iter().enumerate() {
            let value = self.convert(py, index, token, &mut line.problem)?;
            line.values.push(value);
        }
        self.write_object(0, &line, out);
        Ok(())
    }

    /// The error for a line whose width is not the header's (`got` fields), naming the first missing
    /// column or the last one.
    fn width_error(&self, py: Python<'_>, got: usize, headerless: bool) -> PyErr {
        let want = self.header.len();
        let expected = if headerless {
            "no header line, so the default format applies:"
        } else {
            "the header line names"
        };
        let reason = format!("{expected} {want} fields, the line has {got}");
        if got < want {
            rejected(py, reason, Some(&self.header[got]))
        } else {
            rejected(
                py,
                reason + " (extra values at the end)",
                self.header.last().map(String::as_str),
            )
        }
    }

    /// Column `index`'s text → its value; '-' is "no value" in every column.
    fn convert<'a>(
        &self,
        py: Python<'_>,
        index: usize,
        token: &'a str,
        problem: &mut Option<String>,
    ) -> PyResult<Value<'a>> {
        if token == "-" {
            return Ok(Value::Absent);
        }
        let kind = self.kinds[index];
        let value = match kind {
            Kind::Keyword | Kind::Action => Some(Value::Text(token)),
            Kind::Count => match integer(token) {
                Int::Value(n) if n >= 0 => Some(Value::Number(n)),
                _ => None,
            },
            Kind::Port => match integer(token) {
                Int::Value(n) if (0..=65535).contains(&n) => Some(Value::Number(n)),
                _ => None,
            },
            Kind::Ip => parse_ip(token).map(|packed| Value::Ip(token, packed)),
            Kind::Protocol | Kind::TcpFlags => {
                byte_code(token).map(|code| Value::Code(token, code))
            }
            Kind::Epoch => {
                let field = &self.header[index];
                return match epoch(py, token, &self.epochs) {
                    Ok(seconds) => Ok(Value::Time(seconds)),
                    Err(reason) if self.lenient_start && Some(index) == self.roles.start => {
                        *problem = Some(format!("{field}: {reason}"));
                        Ok(Value::Absent)
                    }
                    Err(reason) => Err(rejected(py, reason, Some(field))),
                };
            }
        };
        value.ok_or_else(|| {
            let reason = format!(
                "not a valid {}: {}",
                kind.describe(),
                python_repr(py, token, 40)
            );
            rejected(py, reason, Some(&self.header[index]))
        })
    }

    /// Write object `node` (the document is node 0); returns how many keys it got.
    fn write_object(&self, node: usize, line: &Line<'_>, out: &mut Vec<u8>) -> usize {
        out.push(b'{');
        let mut written = 0;
        for entry in &self.nodes[node] {
            // Skip what is surely absent before writing its key (the rest is undone when empty).
            let absent = match entry.item {
                Item::Column(column) => matches!(line.values[column], Value::Absent),
                Item::Derived(Derived::Error) => line.problem.is_none(),
                Item::Derived(Derived::Original) => !line.original,
                _ => false,
            };
            if absent {
                continue;
            }
            let mark = out.len();
            if written > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&entry.key);
            let wrote = match entry.item {
                Item::Const(json) => {
                    out.extend_from_slice(json.as_bytes());
                    true
                }
                Item::Column(column) => write_value(line.values[column], line.plain, out),
                Item::Derived(derived) => self.write_derived(derived, line, out),
                Item::Child(child) => self.write_object(child, line, out) > 0,
            };
            if wrote {
                written += 1;
            } else {
                out.truncate(mark);
            }
        }
        out.push(b'}');
        written
    }

    /// The record's time: `end`, or `start` when the line has no `end`.
    fn time(&self, line: &Line<'_>) -> Option<i64> {
        match (self.value(line, self.roles.end), self.value(line, self.roles.start)) {
            (Value::Time(t), _) | (_, Value::Time(t)) => Some(t),
            _ => None,
        }
    }

    fn value<'a>(&self, line: &Line<'a>, column: Option<usize>) -> Value<'a> {
        column.map_or(Value::Absent, |c| line.values[c])
    }

    fn write_derived(&self, derived: Derived, line: &Line<'_>, out: &mut Vec<u8>) -> bool {
        let action = match self.value(line, self.roles.action) {
            Value::Text(action) => action,
            _ => "",
        };
        match derived {
            Derived::EventType => out.extend_from_slice(match action {
                "ACCEPT" => br#"["connection","allowed"]"#.as_slice(),
                "REJECT" => br#"["connection","denied"]"#,
                _ => br#"["connection"]"#,
            }),
            Derived::Outcome => match action {
                "ACCEPT" => out.extend_from_slice(br#""success""#),
                "REJECT" => out.extend_from_slice(br#""failure""#),
                _ => return false,
            },
            Derived::Transport => match self.value(line, self.roles.protocol) {
                Value::Code(_, number) => match &self.transports[number as usize] {
                    Some(name) => write_str(out, name),
                    None => return false,
                },
                _ => return false,
            },
            Derived::TcpFlagNames => {
                let Value::Code(_, bits) = self.value(line, self.roles.tcp_flags) else {
                    return false;
                };
                if bits == 0 {
                    return false;
                }
                out.push(b'[');
                let set = self
                    .flag_names
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| bits >> bit & 1 == 1);
                for (n, (_, name)) in set.enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    write_str(out, name);
                }
                out.push(b']');
            }
            Derived::Timestamp => match self.time(line) {
                Some(time) => write_iso(out, time),
                None => write_now(out),
            },
            Derived::IngestTimeTag => {
                if self.time(line).is_some() {
                    return false;
                }
                out.push(b'[');
                write_str(out, INGEST_TIME_TAG);
                out.push(b']');
            }
            Derived::EcsVersion => write_str(out, &self.ecs_version),
            Derived::Duration => {
                let start = self.value(line, self.roles.start);
                let end = self.value(line, self.roles.end);
                let (Value::Time(start), Value::Time(end)) = (start, end) else {
                    return false;
                };
                if end < start {
                    return false;
                }
                write_int(out, (end - start) * 1_000_000_000);
            }
            Derived::NetworkType => {
                let address = match self.value(line, self.roles.srcaddr) {
                    Value::Ip(text, _) => text,
                    _ => match self.value(line, self.roles.dstaddr) {
                        Value::Ip(text, _) => text,
                        _ => return false,
                    },
                };
                out.extend_from_slice(if address.contains(':') {
                    br#""ipv6""#
                } else {
                    br#""ipv4""#
                });
            }
            Derived::CommunityId => {
                let (Value::Ip(_, src), Value::Ip(_, dst), Value::Code(_, proto)) = (
                    self.value(line, self.roles.srcaddr),
                    self.value(line, self.roles.dstaddr),
                    self.value(line, self.roles.protocol),
                ) else {
                    return false;
                };
                let port = |column| match self.value(line, column) {
                    Value::Number(n) => Some(n as u16),
                    _ => None,
                };
                let Some(id) = community_id(
                    src,
                    dst,
                    proto,
                    port(self.roles.srcport),
                    port(self.roles.dstport),
                ) else {
                    return false;
                };
                out.push(b'"');
                out.extend_from_slice(&id);
                out.push(b'"');
            }
            Derived::RelatedIp => {
                let mut related: Vec<&str> = Vec::with_capacity(4);
                for column in [
                    self.roles.srcaddr,
                    self.roles.dstaddr,
                    self.roles.pkt_srcaddr,
                    self.roles.pkt_dstaddr,
                ] {
                    if let Value::Ip(text, _) = self.value(line, column) {
                        if !related.contains(&text) {
                            related.push(text);
                        }
                    }
                }
                if related.is_empty() {
                    return false;
                }
                out.extend_from_slice(br#"{"ip":["#);
                for (n, ip) in related.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    write_str(out, ip);
                }
                out.extend_from_slice(b"]}");
            }
            Derived::Error => {
                let Some(problem) = &line.problem else {
                    return false;
                };
                out.extend_from_slice(br#"{"message":"#);
                write_str(out, problem);
                out.push(b'}');
            }
            Derived::Original => {
                if !line.original {
                    return false;
                }
                write_str(out, line.text);
            }
        }
        true
    }
}

fn write_value(value: Value<'_>, plain: bool, out: &mut Vec<u8>) -> bool {
    match value {
        Value::Absent => return false,
        Value::Text(text) | Value::Ip(text, _) | Value::Code(text, _) if plain => {
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        }
        Value::Text(text) | Value::Ip(text, _) | Value::Code(text, _) => write_str(out, text),
        Value::Number(n) => write_int(out, n),
        Value::Time(seconds) => write_iso(out, seconds),
    }
    true
}

/// Run `f` with an empty output buffer, reusing one per thread (documents are made by the million).
fn with_buffer<T>(f: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(4096));
    }
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let result = f(&mut buffer);
            // A megabyte line must not pin a megabyte buffer for good.
            buffer.shrink_to(1 << 16);
            result
        }
        Err(_) => f(&mut Vec::new()),
    })
}
