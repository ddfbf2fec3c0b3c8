//! A flow-log header compiled into a plan: each column's kind and the layout of the documents its
//! lines make (every object, and in it every key in the order it is written).
use pyo3::prelude::*;

use super::layout::Layout;

/// Objects a document always has a place for (written only when something lands in them).
pub const CORE_SECTIONS: [&str; 7] = [
    "event",
    "cloud",
    "aws",
    "aws.vpcflow",
    "network",
    "source",
    "destination",
];

/// How a column's text becomes a value (FlowField.kind in normalizer/vpcflow/fields.py).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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
    pub(super) fn describe(self) -> &'static str {
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
pub struct Roles {
    pub(super) srcaddr: Option<usize>,
    pub(super) dstaddr: Option<usize>,
    pub(super) pkt_srcaddr: Option<usize>,
    pub(super) pkt_dstaddr: Option<usize>,
    pub(super) srcport: Option<usize>,
    pub(super) dstport: Option<usize>,
    pub(super) start: Option<usize>,
    pub(super) end: Option<usize>,
    pub(super) protocol: Option<usize>,
    pub(super) tcp_flags: Option<usize>,
    pub(super) action: Option<usize>,
}

/// Values no single column gives: decodings of one column, or combinations of several.
#[derive(Clone, Copy)]
pub enum Derived {
    EventType,
    Outcome,
    Transport,
    TcpFlagNames,
    Timestamp,
    IngestTimeTag,
    EcsVersion,
    Duration,
    NetworkType,
    CommunityId,
    RelatedIp,
    Error,
    Original,
}

/// What one key of an object holds.
pub enum Item {
    Const(&'static str),
    Column(usize),
    Derived(Derived),
    Child(usize),
}

/// A key, already rendered as `"key":`, and what it holds.
pub struct Entry {
    pub(super) key: Vec<u8>,
    pub(super) item: Item,
}

/// A header compiled: its columns and the layout of the documents its lines make.
#[pyclass(frozen, module = "normalizer._native")]
pub struct FlowPlan {
    pub(super) header: Vec<String>,
    pub(super) kinds: Vec<Kind>,
    /// Objects, the document first; each lists its keys in the order they are written.
    pub(super) nodes: Vec<Vec<Entry>>,
    pub(super) roles: Roles,
    /// `start` is lenient (a bad one goes to error.message) when `end` gives the time instead.
    pub(super) lenient_start: bool,
    pub(super) transports: Vec<Option<String>>,
    pub(super) flag_names: Vec<String>,
    /// Epoch seconds a time may hold (normalizer/timestamps.py's range), start included, end excluded.
    pub(super) epochs: std::ops::Range<i64>,
    /// ecs.version, the ECS release the documents follow.
    pub(super) ecs_version: String,
}

#[pymethods]
impl FlowPlan {
    /// Compile a header: `columns` holds each field's (native name, kind, ECS destinations);
    /// `transports` maps IANA protocol numbers to network.transport, `flag_names` names TCP flag
    /// bits, lowest first; `epochs` is the (first, end) of plausible epoch seconds; `ecs_version`
    /// is written as ecs.version.
    #[new]
    fn new(
        columns: Vec<(String, String, Vec<String>)>,
        transports: std::collections::HashMap<u8, String>,
        flag_names: Vec<String>,
        epochs: (i64, i64),
        ecs_version: String,
    ) -> PyResult<Self> {
        let mut kinds = Vec::with_capacity(columns.len());
        for (native, kind, _) in &columns {
            let kind = Kind::parse(kind).ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "field {native:?}: unknown kind {kind:?}"
                ))
            })?;
            kinds.push(kind);
        }
        let roles = roles(&columns, &kinds);
        let mut layout = Layout::default();
        layout.build(&columns, &kinds, &roles);
        Ok(FlowPlan {
            header: columns
                .iter()
                .map(|(native, _, _)| native.clone())
                .collect(),
            kinds,
            nodes: layout.nodes,
            lenient_start: roles.start.is_some() && roles.end.is_some(),
            roles,
            transports: (0..=255u8).map(|n| transports.get(&n).cloned()).collect(),
            flag_names,
            epochs: epochs.0..epochs.1,
            ecs_version,
        })
    }
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
