//! VPC Flow Logs: one space-separated line → its ECS document as JSON bytes, and its `_id`.
//!
//! normalizer/vpcflow.py checks a header line against the field table (vpcflow_fields.py) and hands
//! each header column's kind and ECS destinations to `FlowPlan`. The plan fixes, once per header,
//! the document's layout: every object, and in it every key in the order the Python normalizer
//! always wrote them. A line is then split, each column converted, and the layout walked, writing
//! the keys that have a value and leaving out objects that end up empty.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString};
use sha1::{Digest, Sha1};

use crate::errors::rejected;
use crate::ids::{hashed_id, id_bytes};
use crate::json::write_str;

const DATASET: &str = "aws.vpcflow";
/// Objects a document always has a place for (written only when something lands in them).
const CORE_SECTIONS: [&str; 7] = ["event", "cloud", "aws", "aws.vpcflow", "network", "source", "destination"];

/// How a column's text becomes a value (FlowField.kind in vpcflow_fields.py).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keyword,
    Count,
    Port,
    Ip,
    Protocol,
    TcpFlags,
    Action,
    Epoch,
}

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "keyword" => Kind::Keyword,
            "count" => Kind::Count,
            "port" => Kind::Port,
            "ip" => Kind::Ip,
            "protocol" => Kind::Protocol,
            "tcp_flags" => Kind::TcpFlags,
            "action" => Kind::Action,
            "epoch" => Kind::Epoch,
            _ => return None,
        })
    }

    /// What a value of this kind must be, for the error that rejects one.
    fn describe(self) -> &'static str {
        match self {
            Kind::Count => "count (a non-negative integer)",
            Kind::Port => "port number (0-65535)",
            Kind::Ip => "IP address",
            Kind::Protocol => "IANA protocol number (0-255)",
            Kind::TcpFlags => "TCP flags bitmask (0-255)",
            _ => "value",
        }
    }
}

/// Columns the derived fields read, when the header has them (by native name or by kind).
#[derive(Default)]
struct Roles {
    srcaddr: Option<usize>,
    dstaddr: Option<usize>,
    pkt_srcaddr: Option<usize>,
    pkt_dstaddr: Option<usize>,
    srcport: Option<usize>,
    dstport: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
    protocol: Option<usize>,
    tcp_flags: Option<usize>,
    action: Option<usize>,
}

/// Values no single column gives: decodings of one column, or combinations of several.
#[derive(Clone, Copy)]
enum Derived {
    EventType,
    Outcome,
    Transport,
    TcpFlagNames,
    Timestamp,
    Duration,
    NetworkType,
    CommunityId,
    RelatedIp,
    Error,
    Original,
}

/// What one key of an object holds.
enum Item {
    Const(&'static str),
    Column(usize),
    Derived(Derived),
    Child(usize),
}

/// A key, already rendered as `"key":`, and what it holds.
struct Entry {
    key: Vec<u8>,
    item: Item,
}

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

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order.
#[derive(Clone, Copy)]
struct Packed {
    bytes: [u8; 16],
    len: usize,
}

impl Packed {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
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

/// A header compiled: its columns and the layout of the documents its lines make.
#[pyclass(frozen, module = "normalizer._native")]
pub struct FlowPlan {
    header: Vec<String>,
    kinds: Vec<Kind>,
    /// Objects, the document first; each lists its keys in the order they are written.
    nodes: Vec<Vec<Entry>>,
    roles: Roles,
    /// `start` is lenient (a bad one goes to error.message) when `end` gives the time instead.
    lenient_start: bool,
    transports: Vec<Option<String>>,
    flag_names: Vec<String>,
    /// Epoch seconds a time may hold (timestamps.py's range), start included, end excluded.
    epochs: std::ops::Range<i64>,
}

#[pymethods]
impl FlowPlan {
    /// Compile a header: `columns` holds each field's (native name, kind, ECS destinations);
    /// `transports` maps IANA protocol numbers to network.transport, `flag_names` names TCP flag
    /// bits, lowest first; `epochs` is the (first, end) of plausible epoch seconds.
    #[new]
    fn new(
        columns: Vec<(String, String, Vec<String>)>,
        transports: std::collections::HashMap<u8, String>,
        flag_names: Vec<String>,
        epochs: (i64, i64),
    ) -> PyResult<Self> {
        let mut kinds = Vec::with_capacity(columns.len());
        for (native, kind, _) in &columns {
            let kind = Kind::parse(kind).ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(format!("field {native:?}: unknown kind {kind:?}"))
            })?;
            kinds.push(kind);
        }
        let roles = roles(&columns, &kinds);
        let mut layout = Layout::default();
        layout.build(&columns, &kinds, &roles);
        Ok(FlowPlan {
            header: columns.iter().map(|(native, _, _)| native.clone()).collect(),
            kinds,
            nodes: layout.nodes,
            lenient_start: roles.start.is_some() && roles.end.is_some(),
            roles,
            transports: (0..=255u8).map(|n| transports.get(&n).cloned()).collect(),
            flag_names,
            epochs: epochs.0..epochs.1,
        })
    }
}

/// The per-record entry point: finds a record's plan by its header (asking `plan_for`, in
/// normalizer/vpcflow.py, for a header it has not seen) and writes the record's document.
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
        FlowDocuments { plan_for, last: Mutex::new(None) }
    }

    /// document(record, original=False) -> (doc_id, document as JSON bytes, event.dataset) for a
    /// RawRecord holding one flow-log line; NormalizationError naming the field it cannot read.
    #[pyo3(signature = (record, original = false))]
    fn document<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        original: bool,
    ) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyBytes>, Bound<'py, PyString>)> {
        let header = record.getattr(pyo3::intern!(py, "header"))?;
        let plan = self.plan(py, &header)?;
        let text = record.getattr(pyo3::intern!(py, "text"))?;
        let source = record.getattr(pyo3::intern!(py, "source"))?;
        let offset = record.getattr(pyo3::intern!(py, "offset"))?;
        plan.get().document(py, text.cast()?, source.cast()?, &offset, header.is_none(), original)
    }
}

impl FlowDocuments {
    fn plan(&self, py: Python<'_>, header: &Bound<'_, PyAny>) -> PyResult<Py<FlowPlan>> {
        let last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((known, plan)) = last.as_ref() {
            if header.is(known) {
                return Ok(plan.clone_ref(py));
            }
        }
        drop(last); // plan_for runs Python code
        let plan: Py<FlowPlan> = self.plan_for.call1(py, (header,))?.extract(py)?;
        *self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((header.clone().unbind(), plan.clone_ref(py)));
        Ok(plan)
    }
}

impl FlowPlan {
    /// One line → (doc_id, document as JSON bytes, event.dataset); NormalizationError naming the
    /// field for a line this header cannot read. `headerless`: the object had no header line
    /// (said in the width error); the id hashes `source` and the line's byte `offset`.
    fn document<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        source: &Bound<'py, PyString>,
        offset: &Bound<'py, PyAny>,
        headerless: bool,
        original: bool,
    ) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyBytes>, Bound<'py, PyString>)> {
        let Ok(line) = text.to_str() else {
            return Err(rejected(py, "the line is not valid Unicode text (a lone surrogate)", None));
        };
        let body = with_buffer(|out| {
            match catch_unwind(AssertUnwindSafe(|| self.body(py, line, headerless, original, out))) {
                Ok(done) => done.map(|()| PyBytes::new(py, out)),
                // A bug must not take the object down: the line is rejected like any bad line.
                Err(_) => Err(rejected(py, "internal error in the native flow-log normalizer", None)),
            }
        })?;
        let mut digits = [0u8; 20];
        let offset_text = match offset.extract::<u64>() {
            Ok(n) => std::borrow::Cow::Borrowed(decimal(n, &mut digits)),
            Err(_) => id_bytes(&offset.str()?)?.into_owned().into(),
        };
        let id = hashed_id([&*id_bytes(source)?, &*offset_text]);
        Ok((PyString::new(py, id.as_str()), body, pyo3::intern!(py, DATASET).clone()))
    }

    fn body(&self, py: Python<'_>, text: &str, headerless: bool, original: bool, out: &mut Vec<u8>) -> PyResult<()> {
        let mut tokens = Vec::with_capacity(self.header.len());
        let (count, plain) = split(text, self.header.len(), &mut tokens);
        if count != self.header.len() {
            return Err(self.width_error(py, count, headerless));
        }
        let mut line = Line { text, plain, values: Vec::with_capacity(tokens.len()), problem: None, original };
        for (index, token) in tokens.into_iter().enumerate() {
            let value = self.convert(py, index, token, &mut line.problem)?;
            line.values.push(value);
        }
        self.write_object(0, &line, out);
        Ok(())
    }

    /// Python's message for a line whose width is not the header's (`got` fields).
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
            rejected(py, reason + " (extra values at the end)", self.header.last().map(String::as_str))
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
            Kind::Count => match python_int(py, token) {
                Int::Value(n) if n >= 0 => Some(Value::Number(n)),
                _ => None,
            },
            Kind::Port => match python_int(py, token) {
                Int::Value(n) if (0..=65535).contains(&n) => Some(Value::Number(n)),
                _ => None,
            },
            Kind::Ip => parse_ip(token).map(|packed| Value::Ip(token, packed)),
            Kind::Protocol | Kind::TcpFlags => byte_code(token).map(|code| Value::Code(token, code)),
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
            let reason = format!("not a valid {}: {}", kind.describe(), python_repr(py, token, 40));
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
                let Value::Code(_, bits) = self.value(line, self.roles.tcp_flags) else { return false };
                if bits == 0 {
                    return false;
                }
                out.push(b'[');
                let set = self.flag_names.iter().enumerate().filter(|(bit, _)| bits >> bit & 1 == 1);
                for (n, (_, name)) in set.enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    write_str(out, name);
                }
                out.push(b']');
            }
            Derived::Timestamp => {
                // `end` is the record's time; `start` only when the header has no `end`.
                let time = match self.value(line, self.roles.end) {
                    Value::Time(t) => t,
                    _ => match self.value(line, self.roles.start) {
                        Value::Time(t) => t,
                        _ => return false,
                    },
                };
                write_iso(out, time);
            }
            Derived::Duration => {
                let start = self.value(line, self.roles.start);
                let end = self.value(line, self.roles.end);
                let (Value::Time(start), Value::Time(end)) = (start, end) else { return false };
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
                out.extend_from_slice(if address.contains(':') { br#""ipv6""# } else { br#""ipv4""# });
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
                let Some(id) = community_id(src, dst, proto, port(self.roles.srcport), port(self.roles.dstport))
                else {
                    return false;
                };
                out.push(b'"');
                out.extend_from_slice(&id);
                out.push(b'"');
            }
            Derived::RelatedIp => {
                let mut related: Vec<&str> = Vec::with_capacity(4);
                for column in [self.roles.srcaddr, self.roles.dstaddr, self.roles.pkt_srcaddr, self.roles.pkt_dstaddr] {
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
                let Some(problem) = &line.problem else { return false };
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

fn roles(columns: &[(String, String, Vec<String>)], kinds: &[Kind]) -> Roles {
    let mut roles = Roles::default();
    for (index, ((native, _, _), kind)) in columns.iter().zip(kinds).enumerate() {
        let slot = match native.as_str() {
            "srcaddr" => &mut roles.srcaddr,
            "dstaddr" => &mut roles.dstaddr,
            "pkt-srcaddr" => &mut roles.pkt_srcaddr,
            "pkt-dstaddr" => &mut roles.pkt_dstaddr,
            "srcport" => &mut roles.srcport,
            "dstport" => &mut roles.dstport,
            "start" => &mut roles.start,
            "end" => &mut roles.end,
            _ => match kind {
                Kind::Protocol => &mut roles.protocol,
                Kind::TcpFlags => &mut roles.tcp_flags,
                Kind::Action => &mut roles.action,
                _ => continue,
            },
        };
        *slot = Some(index);
    }
    roles
}

/// The objects of a document and their keys, in the order the keys are first written.
#[derive(Default)]
struct Layout {
    nodes: Vec<Vec<Entry>>,
    /// Dotted path → node; the document is "".
    paths: std::collections::BTreeMap<String, usize>,
}

impl Layout {
    fn node(&mut self, path: &str) -> usize {
        if let Some(&node) = self.paths.get(path) {
            return node;
        }
        if let Some((parent, _)) = path.rsplit_once('.') {
            self.node(parent);
        }
        self.nodes.push(Vec::new());
        self.paths.insert(path.to_owned(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn put(&mut self, path: &str, key: &str, item: Item) {
        let node = self.node(path);
        let mut rendered = Vec::with_capacity(key.len() + 3);
        write_str(&mut rendered, key);
        rendered.push(b':');
        self.nodes[node].push(Entry { key: rendered, item });
    }

    /// Put `item` at a dotted ECS destination.
    fn put_at(&mut self, target: &str, item: Item) {
        let (parent, key) = target.rsplit_once('.').unwrap_or(("", target));
        self.put(parent, key, item);
    }

    /// The layout the Python normalizer produced: the fixed event and cloud keys, each column's
    /// destinations in header order (with the decodings of a column beside it), the fields
    /// derived from several columns, then the non-empty objects, deepest first, by path.
    fn build(&mut self, columns: &[(String, String, Vec<String>)], kinds: &[Kind], roles: &Roles) {
        self.node("");
        for section in CORE_SECTIONS {
            self.node(section);
        }
        for (_, _, targets) in columns {
            for target in targets {
                if let Some((parent, _)) = target.rsplit_once('.') {
                    self.node(parent);
                }
            }
        }
        self.put("event", "kind", Item::Const(r#""event""#));
        self.put("event", "category", Item::Const(r#"["network"]"#));
        self.put("event", "type", Item::Derived(Derived::EventType));
        self.put("event", "dataset", Item::Const(r#""aws.vpcflow""#));
        self.put("cloud", "provider", Item::Const(r#""aws""#));
        for (index, ((_, _, targets), kind)) in columns.iter().zip(kinds).enumerate() {
            // @timestamp comes with the derived fields: `end`, or `start` when there is no `end`.
            for target in targets.iter().filter(|t| *t != "@timestamp") {
                self.put_at(target, Item::Column(index));
            }
            match kind {
                Kind::Protocol => self.put("network", "transport", Item::Derived(Derived::Transport)),
                Kind::TcpFlags => self.put("aws.vpcflow", "tcp_flags_array", Item::Derived(Derived::TcpFlagNames)),
                Kind::Action => self.put("event", "outcome", Item::Derived(Derived::Outcome)),
                _ => {}
            }
        }
        if roles.start.is_some() || roles.end.is_some() {
            self.put("", "@timestamp", Item::Derived(Derived::Timestamp));
        }
        if roles.start.is_some() && roles.end.is_some() {
            self.put("event", "duration", Item::Derived(Derived::Duration));
        }
        if roles.srcaddr.is_some() || roles.dstaddr.is_some() {
            self.put("network", "type", Item::Derived(Derived::NetworkType));
        }
        if roles.srcaddr.is_some() && roles.dstaddr.is_some() && roles.protocol.is_some() {
            self.put("network", "community_id", Item::Derived(Derived::CommunityId));
        }
        if [roles.srcaddr, roles.dstaddr, roles.pkt_srcaddr, roles.pkt_dstaddr].iter().any(Option::is_some) {
            self.put("", "related", Item::Derived(Derived::RelatedIp));
        }
        self.put("", "error", Item::Derived(Derived::Error));
        let mut objects: Vec<(String, usize)> =
            self.paths.iter().filter(|(path, _)| !path.is_empty()).map(|(p, &n)| (p.clone(), n)).collect();
        objects.sort_by_key(|(path, _)| std::cmp::Reverse(path.matches('.').count()));
        for (path, node) in objects {
            let (parent, key) = path.rsplit_once('.').unwrap_or(("", &path));
            let (parent, key) = (parent.to_owned(), key.to_owned());
            self.put(&parent, &key, Item::Child(node));
        }
        self.put("event", "original", Item::Derived(Derived::Original));
    }
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

// ------------------------------------------------------------------------------------------------
// Splitting and converting text exactly as Python's str.split() and int() do.

/// Python's str.isspace(): Rust's Unicode White_Space plus the ASCII separators 0x1c-0x1f.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The whitespace-separated tokens of `text` as str.split() gives them, the first `keep` of them
/// pushed to `tokens`; returns how many there are, and whether they are plain: free of anything
/// JSON escapes (quotes, backslashes, control characters), so they can be copied as they are.
fn split<'a>(text: &'a str, keep: usize, tokens: &mut Vec<&'a str>) -> (usize, bool) {
    let mut count = 0;
    let mut take = |token: &'a str| {
        if !token.is_empty() {
            if count < keep {
                tokens.push(token);
            }
            count += 1;
        }
    };
    if !text.is_ascii() {
        text.split(is_python_space).for_each(take);
        return (count, false);
    }
    // Nearly every line: whitespace is then one of a few bytes, each a whole character.
    let (mut start, mut plain) = (0, true);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\t'..=b'\r' | 0x1c..=0x1f | b' ' => {
                take(&text[start..i]);
                start = i + 1;
            }
            0..=0x1f | b'"' | b'\\' => plain = false,
            _ => {}
        }
    }
    take(&text[start..]);
    (count, plain)
}

/// What Python's int() makes of a token.
enum Int {
    Value(i64),
    /// A valid integer beyond 64 bits.
    Big,
    Invalid,
}

/// int(token) as Python reads it: a sign, digits (any script's), single underscores between them.
fn python_int(py: Python<'_>, token: &str) -> Int {
    let bytes = token.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        let n = digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Int::Value(if negative { -n } else { n });
    }
    if token.is_ascii() && !digits.iter().all(|b| b.is_ascii_digit() || *b == b'_') {
        return Int::Invalid;
    }
    // Long numbers, underscores, other scripts' digits: rare, so Python's own int() decides.
    match py.get_type::<PyInt>().call1((token,)) {
        Ok(number) => number.extract::<i64>().map_or(Int::Big, Int::Value),
        Err(_) => Int::Invalid,
    }
}

/// Epoch seconds text → seconds within the plausible range, or the reason it is not.
fn epoch(py: Python<'_>, token: &str, plausible: &std::ops::Range<i64>) -> Result<i64, String> {
    let seconds = match python_int(py, token) {
        Int::Value(n) if (0..1i64 << 40).contains(&n) => n,
        Int::Invalid => return Err(format!("not an epoch timestamp: {}", python_repr(py, token, 40))),
        _ => return Err(format!("timestamp out of range: {}", python_repr(py, token, 40))),
    };
    if !plausible.contains(&seconds) {
        return Err(format!("timestamp out of range: '{seconds}'"));
    }
    Ok(seconds)
}

/// A protocol number or flags bitmask: exactly the decimal text of 0..=255 ("06" is not one).
fn byte_code(token: &str) -> Option<u8> {
    let bytes = token.as_bytes();
    let canonical = matches!(bytes.len(), 1..=3) && bytes.iter().all(u8::is_ascii_digit) && (bytes[0] != b'0' || bytes.len() == 1);
    if !canonical {
        return None;
    }
    token.parse().ok()
}

/// repr(text[:limit]) as Python writes it (error messages quote the value the way Python did).
fn python_repr(py: Python<'_>, text: &str, limit: usize) -> String {
    let end = text.char_indices().nth(limit).map_or(text.len(), |(i, _)| i);
    PyString::new(py, &text[..end])
        .repr()
        .and_then(|r| r.to_str().map(str::to_owned))
        .unwrap_or_else(|_| format!("{:?}", &text[..end]))
}

// ------------------------------------------------------------------------------------------------
// Addresses: socket.inet_pton as glibc implements it (the Python normalizer's validator).

/// An IPv6 address when the text has a ':', else IPv4 — as the Python normalizer chose the family.
fn parse_ip(text: &str) -> Option<Packed> {
    let mut packed = Packed { bytes: [0; 16], len: 16 };
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

// ------------------------------------------------------------------------------------------------
// Community ID v1 (seed 0): the same flow id Zeek, Suricata and Elastic Agent compute.

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
fn community_id(src: Packed, dst: Packed, proto: u8, sport: Option<u16>, dport: Option<u16>) -> Option<[u8; 30]> {
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

// ------------------------------------------------------------------------------------------------
// Numbers and dates as JSON.

/// The decimal digits of `n`, written at the end of `buffer`.
fn decimal(mut n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buffer[at..];
        }
    }
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(decimal(n.unsigned_abs(), &mut [0; 20]));
}

/// Epoch seconds (years 2000-2099) → "YYYY-MM-DDTHH:MM:SS.000Z", as timestamps.from_epoch writes.
fn write_iso(out: &mut Vec<u8>, seconds: i64) {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"\"0000-00-00T00:00:00.000Z\"";
    for (at, n) in [(1, year / 100), (3, year % 100), (6, month), (9, day), (12, secs / 3600), (15, secs / 60 % 60), (18, secs % 60)] {
        text[at] = b'0' + (n / 10) as u8;
        text[at + 1] = b'0' + (n % 10) as u8;
    }
    out.extend_from_slice(&text);
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<Vec<u8>> {
        parse_ip(text).map(|p| p.as_slice().to_vec())
    }

    #[test]
    fn addresses_follow_inet_pton() {
        assert_eq!(ip("10.0.0.1"), Some(vec![10, 0, 0, 1]));
        assert_eq!(ip("::1").unwrap()[15], 1);
        assert_eq!(ip("::ffff:1.2.3.4").unwrap()[12..], [1, 2, 3, 4]);
        assert!(ip("1:2:3:4:5:6:7::").is_some());
        for bad in ["10.0.0.999", "01.2.3.4", "1.2.3", "1.2.3.4.", "fe80::1%eth0", ":1", "1::2::3", "1:2:3:4:5:6:7:8::", "12345::", "1:"] {
            assert!(ip(bad).is_none(), "{bad}");
        }
    }

    fn tokens(text: &str, keep: usize) -> (Vec<&str>, usize, bool) {
        let mut tokens = Vec::new();
        let (count, plain) = split(text, keep, &mut tokens);
        (tokens, count, plain)
    }

    #[test]
    fn splits_on_python_whitespace() {
        assert_eq!(tokens("a\u{1f}b\u{a0}c \u{180e}d", 9), (vec!["a", "b", "c", "\u{180e}d"], 4, false));
        assert_eq!(tokens("  a \x0b\x1c b  ", 9), (vec!["a", "b"], 2, true));
        assert_eq!(tokens("a b c", 1), (vec!["a"], 3, true));
    }

    #[test]
    fn tokens_needing_escapes_are_not_plain() {
        for text in ["a\"b", "a\\b", "a\u{0}b", "a\u{8}b", "\u{7}"] {
            assert!(!tokens(text, 9).2, "{text:?}");
        }
        assert!(tokens("arn:aws:ecs:us-east-1:1:task/t1 10.0.0.1 \u{7f}", 9).2);
    }

    #[test]
    fn byte_codes_are_canonical_decimals() {
        assert_eq!(byte_code("6"), Some(6));
        assert_eq!(byte_code("255"), Some(255));
        for bad in ["06", "256", "+6", "", "1e2", "٣"] {
            assert_eq!(byte_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_dates() {
        let mut out = Vec::new();
        write_iso(&mut out, 1_763_596_860);
        assert_eq!(out, b"\"2025-11-20T00:01:00.000Z\"");
        out.clear();
        write_iso(&mut out, 951_782_400); // 2000-02-29
        assert_eq!(out, b"\"2000-02-29T00:00:00.000Z\"");
    }

    #[test]
    fn community_id_spec_vector() {
        let src = parse_ip("128.232.110.120").unwrap();
        let dst = parse_ip("66.35.250.204").unwrap();
        assert_eq!(&community_id(src, dst, 6, Some(34855), Some(80)).unwrap(), b"1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
        assert_eq!(&community_id(dst, src, 6, Some(80), Some(34855)).unwrap(), b"1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
        assert_eq!(community_id(src, dst, 6, None, Some(80)), None);
    }

    #[test]
    fn integers() {
        let mut out = Vec::new();
        write_int(&mut out, -1234567890123);
        write_int(&mut out, 0);
        assert_eq!(out, b"-12345678901230");
    }
}
