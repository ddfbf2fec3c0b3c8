//! AWS CloudTrail → ECS, matching Elastic's AWS integration (see docs/fields/cloudtrail.md).
//!
//! One event (or an EventBridge envelope of one) becomes the ECS document's JSON bytes: the
//! record is parsed once into a borrowed tree, the field map's plain copies run from a plan
//! compiled at import (normalizer/cloudtrail/document.py hands over fields.py's tables), and the
//! rules below combine or convert the rest. Values are hostile input: anything Elasticsearch
//! would refuse is a NormalizationError naming the native field.
use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use foldhash::{HashMap, HashSet};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};
use pyo3::intern;

use super::entities::{Call, EntityPlan, TargetKinds};
use super::identity::{add_identity, add_users};
use super::objects::ObjectPlan;
use crate::useragent;
use crate::converters::keyword;
use crate::doc::{Node, Obj};
use crate::errors::{rejected, Rejected};
use crate::ids::record_id;
use crate::inet::parse_ip;
use crate::json_tree::{self, Json, Object};
use crate::table_copy::CopyPlan;
use crate::timestamps::iso_utc;

const DATASET: &str = "aws.cloudtrail";
/// A longer eventID is not an id Elasticsearch takes: the document gets a hashed one.
const MAX_EVENT_ID: usize = 128;
static EMPTY: Object<'static> = Object { members: Vec::new() };

/// Why a record gave no document: a rejection, or the error normalizer.timestamps.from_iso raised.
enum Failure {
    Rejected(Rejected),
    FromIso(PyErr),
}

impl From<Rejected> for Failure {
    fn from(rejected: Rejected) -> Self {
        Failure::Rejected(rejected)
    }
}

fn rejection(reason: impl Into<String>, field: Option<&str>) -> Failure {
    Failure::Rejected(Rejected { reason: reason.into(), field: field.map(str::to_owned) })
}

/// CloudTrail's normalizer, its tables compiled.
#[pyclass(frozen, module = "normalizer._native")]
pub struct CloudTrail {
    copy: CopyPlan,
    objects: ObjectPlan,
    entities: EntityPlan,
    /// eventName → (event.category, event.type)
    categories: HashMap<String, (Vec<String>, Vec<String>)>,
    /// Every top-level native key the normalizer reads; any other is kept in flattened.unmapped.
    known: HashSet<String>,
    /// ecs.version, the ECS release the documents follow.
    ecs_version: String,
    /// Epoch seconds a timestamp may hold (normalizer/timestamps.py's range), end excluded.
    plausible: Range<i64>,
    dataset: Py<PyString>,
}

#[pymethods]
impl CloudTrail {
    #[new]
    #[pyo3(signature = (*, copied, objects, flattened_objects, flattened_max_depth, known, categories, related,
                        targets, hosts, user_resource_types, host_resource_types, service_resource_types,
                        host_id_prefixes, service_id_prefixes, user_identity_types, ecs_version, epochs))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        copied: Vec<(String, String, String)>,
        objects: Vec<(String, String)>,
        flattened_objects: Vec<(String, String)>,
        flattened_max_depth: usize,
        known: HashSet<String>,
        categories: HashMap<String, (Vec<String>, Vec<String>)>,
        related: HashMap<String, Vec<String>>,
        targets: HashMap<(String, String), Vec<String>>,
        hosts: Vec<String>,
        user_resource_types: HashSet<String>,
        host_resource_types: HashSet<String>,
        service_resource_types: HashSet<String>,
        host_id_prefixes: Vec<String>,
        service_id_prefixes: Vec<String>,
        user_identity_types: HashSet<String>,
        ecs_version: String,
        epochs: (i64, i64),
    ) -> PyResult<Self> {
        let copy = CopyPlan::new(copied).map_err(pyo3::exceptions::PyValueError::new_err)?;
        let kinds = TargetKinds {
            user_resource_types,
            host_resource_types,
            service_resource_types,
            host_id_prefixes,
            service_id_prefixes,
            user_identity_types,
        };
        Ok(CloudTrail {
            copy,
            objects: ObjectPlan { rendered: objects, flattened: flattened_objects, flattened_max_depth },
            entities: EntityPlan::new(related.into_iter().collect(), targets.into_iter().collect(), hosts, kinds),
            categories,
            known,
            ecs_version,
            plausible: epochs.0..epochs.1,
            dataset: PyString::intern(py, DATASET).unbind(),
        })
    }

    /// One record (a RawRecord) → (doc_id, ECS document as JSON bytes, event.dataset).
    fn document<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        original: bool,
    ) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyBytes>, Py<PyString>)> {
        let text = record.getattr(intern!(py, "text"))?;
        let text = text.cast::<PyString>()?;
        let text = text.to_str().map_err(|_| rejected(py, "not UTF-8 (a lone surrogate)", None))?;
        let built = catch_unwind(AssertUnwindSafe(|| self.build(py, text, original)));
        let (body, event_id) = match built {
            Ok(Ok(built)) => built,
            Ok(Err(Failure::Rejected(r))) => return Err(r.into_py(py)),
            Ok(Err(Failure::FromIso(err))) => return Err(err),
            Err(_) => return Err(rejected(py, "internal error in the native CloudTrail normalizer", None)),
        };
        // Without a usable eventID, the record's place: unique per record, the same on a replay.
        let doc_id = match event_id {
            Some(id) => PyString::new(py, &id),
            None => PyString::new(py, record_id(record)?.as_str()),
        };
        Ok((doc_id, PyBytes::new(py, &body), self.dataset.clone_ref(py)))
    }
}

impl CloudTrail {
    /// The document's bytes and its eventID when that can be its `_id`.
    fn build(&self, py: Python<'_>, text: &str, original: bool) -> Result<(Vec<u8>, Option<String>), Failure> {
        let root = json_tree::parse(text).map_err(|e| rejection(format!("invalid JSON: {e}"), None))?;
        let event = event_of(&root)?;
        let mut doc = Obj::new();
        self.fill(py, event, &mut doc)?;
        if original {
            doc.section("event").set_str("original", text);
        }
        let event_id = doc.get_obj("event").and_then(|e| e.get_str("id"));
        let event_id = event_id.filter(|id| !id.is_empty() && usable_id_length(id)).map(|id| id.to_string());
        let mut body = Vec::with_capacity(text.len() * 3);
        doc.write(&mut body);
        Ok((body, event_id))
    }

    fn fill<'a>(&'a self, py: Python<'_>, event: &'a Object<'a>, doc: &mut Obj<'a>) -> Result<(), Failure> {
        self.copy.copy(event, doc)?;
        doc.section("aws").section("cloudtrail");
        let ecs = doc.section("event");
        ecs.set_str("kind", "event");
        ecs.set_str("dataset", DATASET);
        let name: Option<Cow<'a, str>> = ecs.get_str("action").cloned();
        let provider: Option<Cow<'a, str>> = ecs.get_str("provider").cloned();
        let identity = event.get_object("userIdentity").unwrap_or(&EMPTY);

        // CloudTrail writes eventTime on every event: one without it is not an event to place
        // in time (an ingest time would put an API call where time-window rules treat it as now).
        let Some(when) = event.get_some("eventTime") else {
            return Err(rejection("no eventTime: a CloudTrail event always has one", Some("eventTime")));
        };
        let when = self.time(py, when, "eventTime")?;
        doc.set_str("@timestamp", when);
        doc.section("ecs").set_str("version", self.ecs_version.as_str());
        self.objects.add(event, ct(doc))?;
        let time = |value: &Json, field: &str| self.time(py, value, field).ok();
        add_identity(identity, doc, &self.objects, time)?;
        add_cloud(doc, provider.as_deref());
        add_source_and_agent(doc);
        add_resources(event, ct(doc))?;
        let outcome = outcome(event, name.as_deref(), provider.as_deref());
        let ecs = doc.section("event");
        ecs.set_str("outcome", outcome);
        match name.as_deref().and_then(|n| self.categories.get(n)) {
            Some((categories, types)) => {
                ecs.set("category", Node::List(categories.iter().map(|c| Cow::Borrowed(c.as_str())).collect()));
                ecs.set("type", Node::List(types.iter().map(|t| Cow::Borrowed(t.as_str())).collect()));
            }
            None => ecs.set("type", Node::List(vec![Cow::Borrowed("info")])),
        }
        if name.as_deref() == Some("ConsoleLogin") {
            add_console_login(event, ct(doc));
        }
        if let Some(management) = event.get_some("managementEvent") {
            if let Some(value) = keyword(management, "managementEvent")? {
                ct(doc).set_str("management_event", value);
            }
        }
        let call = Call { event, identity, kind: identity.get("type"), provider: provider.as_deref(), name: name.as_deref() };
        self.entities.add(&call, doc);
        add_users(event, identity, doc, &self.entities.hosts);
        self.add_unmapped(event, ct(doc))?;
        if ct(doc).is_empty() {
            doc.remove("aws");
        }
        Ok(())
    }

    /// ISO 8601 → UTC with milliseconds: AWS's own shape here, anything else (another shape, a
    /// value that is no timestamp) by normalizer.timestamps.from_iso, which owns the whole rule and
    /// its error messages (tests/cases/timestamps.json keeps the two in step).
    fn time(&self, py: Python<'_>, value: &Json, field: &str) -> Result<String, Failure> {
        if let Some(converted) = value.as_str().and_then(|text| cached_iso_utc(text, &self.plausible)) {
            return Ok(converted);
        }
        from_iso(py, value, field).map_err(Failure::FromIso)
    }

    /// Top-level keys the map does not know (new CloudTrail fields) are kept, not lost.
    fn add_unmapped<'a>(&'a self, event: &'a Object<'a>, ct: &mut Obj<'a>) -> Result<(), Rejected> {
        let unknown = || event.members.iter().filter(|(key, _)| !self.known.contains(key.as_ref()));
        let Some((first, _)) = unknown().next() else { return Ok(()) };
        let members = unknown().map(|(key, value)| (key.as_ref(), value));
        if let Some(json) = self.objects.flattened_members(members, first)? {
            ct.section("flattened").set("unmapped", Node::Json(json));
        }
        Ok(())
    }
}

/// A file's events share few distinct timestamps: each is converted once (per thread, bounded:
/// hostile input can invent timestamps without end). A process has one CloudTrail plan, so one
/// `plausible` range.
fn cached_iso_utc(value: &str, plausible: &Range<i64>) -> Option<String> {
    const MAX_CACHED_TIMES: usize = 100_000;
    thread_local! {
        static TIMES: RefCell<HashMap<String, String>> = RefCell::new(HashMap::default());
    }
    TIMES.with_borrow_mut(|times| {
        if let Some(found) = times.get(value) {
            return Some(found.clone());
        }
        let converted = iso_utc(value, plausible)?;
        if times.len() >= MAX_CACHED_TIMES {
            times.clear();
        }
        times.insert(value.to_owned(), converted.clone());
        Some(converted)
    })
}

/// `aws.cloudtrail`, the home of the fields with no ECS equivalent.
fn ct<'d, 'a>(doc: &'d mut Obj<'a>) -> &'d mut Obj<'a> {
    doc.section("aws").section("cloudtrail")
}

fn usable_id_length(id: &str) -> bool {
    id.len() <= MAX_EVENT_ID || id.chars().count() <= MAX_EVENT_ID
}

/// normalizer.timestamps.from_iso(value, field): the Python value of `value` (a string, or what a
/// JSON number or object is in Python), so its message quotes the value as for the Python sources.
fn from_iso(py: Python<'_>, value: &Json, field: &str) -> PyResult<String> {
    static FROM_ISO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let value = match value {
        Json::Str(s) => PyString::new(py, s).into_any(),
        other => {
            let mut json = Vec::new();
            other.write(&mut json);
            LOADS.import(py, "orjson", "loads")?.call1((PyBytes::new(py, &json),))?
        }
    };
    FROM_ISO.import(py, "normalizer.timestamps", "from_iso")?.call1((value, field))?.extract()
}

/// The CloudTrail event in a parsed record: the record itself, or an EventBridge envelope's detail.
fn event_of<'a>(root: &'a Json<'a>) -> Result<&'a Object<'a>, Failure> {
    let Json::Object(event) = root else {
        return Err(rejection(format!("expected a JSON object, got {}", root.type_name()), None));
    };
    let mut event: &'a Object<'a> = event;
    if event.contains("detail-type") {
        if let Some(detail) = event.get("detail") {
            event = detail
                .as_object()
                .ok_or_else(|| rejection("EventBridge detail is not an object", Some("detail")))?;
        }
    }
    if !["eventVersion", "eventTime", "eventName"].iter().any(|key| event.contains(key)) {
        return Err(rejection("not a CloudTrail event (no eventVersion, eventTime or eventName)", Some("eventVersion")));
    }
    Ok(event)
}

fn add_cloud<'a>(doc: &mut Obj<'a>, provider: Option<&str>) {
    let recipient = doc.get_obj("aws").and_then(|a| a.get_obj("cloudtrail")).and_then(|c| c.get_str("recipient_account_id"));
    let recipient = recipient.cloned();
    let cloud = doc.section("cloud");
    cloud.set_str("provider", "aws");
    if let (false, Some(account)) = (cloud.contains("account"), recipient) {
        cloud.section("account").set("id", Node::Str(account));
    }
    if let Some(service) = provider.and_then(|p| p.strip_suffix(".amazonaws.com")) {
        let service = service.split('.').next().unwrap_or(service).to_owned();
        cloud.section("service").set_str("name", service);
    }
}

fn add_source_and_agent(doc: &mut Obj<'_>) {
    let address = doc.get_obj("source").and_then(|s| s.get_str("address")).cloned();
    if let Some(address) = address.filter(|a| parse_ip(a).is_some()) {
        doc.section("source").set("ip", Node::Str(address.clone()));
        doc.section("related").set("ip", Node::List(vec![address]));
    }
    let agent = doc.get_obj("user_agent").and_then(|a| a.get_str("original"));
    if let Some(json) = agent.map(|agent| useragent::user_agent_json(agent)) {
        doc.set("user_agent", Node::Shared(json)); // nothing reads user_agent after this
    }
    let version = ct(doc).get_obj("tls_details").and_then(|t| t.get_str("tls_version")).cloned();
    if let Some((protocol, number)) = version.as_deref().and_then(|v| v.split_once('v')) {
        // "TLSv1.3" → tls, 1.3
        let tls = doc.section("tls");
        tls.set_str("version_protocol", protocol.to_lowercase());
        tls.set_str("version", number.to_owned());
    }
}

type ResourceKey<'a> = [Option<Cow<'a, str>>; 3];

/// resources: ARN → arn, accountId → account_id; exact duplicates dropped (as Elastic does).
fn add_resources<'a>(event: &'a Object<'a>, ct: &mut Obj<'a>) -> Result<(), Rejected> {
    let Some(resources) = event.get_some("resources") else { return Ok(()) };
    let Json::Array(resources) = resources else {
        return Err(Rejected::new("expected a list", "resources"));
    };
    // Each distinct (arn, account_id, type) once, with the resource written as JSON.
    let mut unique: Vec<(ResourceKey<'a>, Vec<u8>)> = Vec::new();
    for resource in resources {
        let Json::Object(resource) = resource else { continue };
        let mut out = Obj::new();
        for (key, value) in &resource.members {
            let value = keyword(value, "").map_err(|e| Rejected { field: Some(format!("resources.{key}")), ..e })?;
            if let Some(value) = value {
                let name = match key.as_ref() {
                    "ARN" => "arn",
                    "accountId" => "account_id",
                    other => other,
                };
                out.set(name, Node::Str(value));
            }
        }
        if out.is_empty() {
            continue;
        }
        let identity = ["arn", "account_id", "type"].map(|k| out.get_str(k).cloned());
        if !unique.iter().any(|(seen, _)| *seen == identity) {
            let mut json = Vec::new();
            out.write(&mut json);
            unique.push((identity, json));
        }
    }
    if !unique.is_empty() {
        let mut list = vec![b'['];
        list.extend(unique.into_iter().map(|(_, json)| json).collect::<Vec<_>>().join(&b","[..]));
        list.push(b']');
        ct.set("resources", Node::Json(list));
    }
    Ok(())
}

/// failure when AWS reports an error; a console sign-in step reports its own result.
fn outcome(event: &Object, name: Option<&str>, provider: Option<&str>) -> &'static str {
    let failed = ["errorCode", "errorMessage"].iter().any(|key| event.get(key).is_some_and(Json::truthy));
    let mut outcome = if failed { "failure" } else { "success" };
    if let (Some("signin.amazonaws.com"), Some(name)) = (provider, name) {
        // {"ConsoleLogin": "Failure"}
        if let Some(result) = event.get_object("responseElements").and_then(|r| r.get(name)).and_then(Json::as_str) {
            outcome = match result.to_lowercase().as_str() {
                "success" => "success",
                "failure" => "failure",
                _ => "unknown",
            };
        }
    }
    outcome
}

/// ConsoleLogin's additionalEventData as typed fields (MFAUsed, MobileVersion are "Yes"/"No").
fn add_console_login<'a>(event: &'a Object<'a>, ct: &mut Obj<'a>) {
    let Some(extra) = event.get_object("additionalEventData") else { return };
    let mut out = Obj::new();
    let yes = |value: &Json| value.as_str() != Some("No");
    if let Some(mobile) = extra.get_some("MobileVersion") {
        out.set("mobile_version", Node::Bool(yes(mobile)));
    }
    if let Some(login_to) = extra.get_text("LoginTo") {
        out.set_str("login_to", login_to);
    }
    if let Some(mfa) = extra.get_some("MFAUsed") {
        out.set("mfa_used", Node::Bool(yes(mfa)));
    }
    if !out.is_empty() {
        ct.section("console_login").set("additional_eventdata", Node::Obj(out));
    }
}
