//! Who acted and on what: actor.*, target.*, *.entity.id and related.entity for a CloudTrail event.
//!
//! Follows Elastic's actor/target mapping: the actor is the caller's ARN (for AssumeRole, the
//! role session's issuer or the AWS service); targets come from per-API native paths
//! (normalizer/cloudtrail/fields.py TARGETS) and are sorted into user/host/service/generic kinds by ARN
//! resource type or id prefix. The path tables are compiled into tries once, so a record costs
//! one lookup per key it actually has.
use std::borrow::Cow;
use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt, HashSet};

use crate::doc::{Node, Obj};
use crate::json_tree::{Json, Object};

/// Values found in a record, distinct and sorted by code point.
pub type Found<'a> = BTreeSet<Cow<'a, str>>;

/// The caller's own entities (paths in userIdentity), and an Identity Center user's store.
const IDENTITY: &[&str] = &["accessKeyId", "arn", "userName", "sessionContext.sessionIssuer.arn",
                            "sessionContext.sessionIssuer.userName"];
const IDENTITY_CENTER: &[&str] = &["onBehalfOf.identityStoreArn"];
const RESOURCES: &[&str] = &["resources.ARN"];
/// ARN resource types of an actor that is a user.
const USER_ARN_TYPES: &[&str] = &["user", "role", "assumed-role", "federated-user"];
const SERVICE_ROLE_MARKERS: [&str; 2] = ["/AWSServiceRoleFor", "/aws-service-role/"];

/// Native paths as a tree: a step into a list visits every object in it.
#[derive(Default)]
pub struct Trie {
    steps: Vec<(String, TrieStep)>,
}

#[derive(Default)]
struct TrieStep {
    /// The value at this path is taken (besides any paths below it).
    take: bool,
    below: Option<Trie>,
}

impl Trie {
    pub fn new<S: AsRef<str>>(paths: &[S]) -> Trie {
        let mut root = Trie::default();
        for path in paths {
            let mut node = &mut root;
            let parts: Vec<&str> = path.as_ref().split('.').collect();
            let (leaf, parents) = parts.split_last().expect("split gives at least one part");
            for part in parents {
                node = node.step(part).below.get_or_insert_with(Trie::default);
            }
            node.step(leaf).take = true;
        }
        root
    }

    fn step(&mut self, key: &str) -> &mut TrieStep {
        let index = match self.steps.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.steps.push((key.to_owned(), TrieStep::default()));
                self.steps.len() - 1
            }
        };
        &mut self.steps[index].1
    }

    /// Add to `out` the non-empty strings (and integers) the paths reach in `obj`.
    pub fn gather<'a>(&self, obj: &'a Object<'a>, out: &mut Found<'a>) {
        for (key, step) in &self.steps {
            let Some(value) = obj.get_some(key) else { continue };
            if step.take {
                take(value, out);
            }
            match (&step.below, value) {
                (Some(below), Json::Object(o)) => below.gather(o, out),
                (Some(below), Json::Array(items)) => {
                    for item in items {
                        if let Json::Object(o) = item {
                            below.gather(o, out); // lists of lists are not a shape AWS writes: not followed
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn take<'a>(value: &'a Json<'a>, out: &mut Found<'a>) {
    let names = |s: &str| !s.is_empty() && s != "*"; // "*" (all instances) names no entity
    match value {
        Json::Str(s) if names(s) => {
            out.insert(Cow::Borrowed(s.as_ref()));
        }
        Json::Int(n) => {
            out.insert(Cow::Owned(n.to_string()));
        }
        Json::UInt(n) => {
            out.insert(Cow::Owned(n.to_string()));
        }
        Json::Array(items) => {
            for item in items {
                if let Json::Str(s) = item {
                    if names(s) {
                        out.insert(Cow::Borrowed(s.as_ref()));
                    }
                }
            }
        }
        _ => {}
    }
}

/// The entity tables of normalizer/cloudtrail/fields.py, compiled.
pub struct EntityPlan {
    identity: Trie,
    identity_center: Trie,
    resources: Trie,
    /// eventSource → paths every event of that source names.
    related: HashMap<String, Trie>,
    /// eventSource → API name → paths of what the call acts on.
    targets: HashMap<String, HashMap<String, Trie>>,
    pub hosts: Trie,
    pub kinds: TargetKinds,
}

/// How an entity id is told to be a user, a host or a service.
pub struct TargetKinds {
    pub user_resource_types: HashSet<String>,
    pub host_resource_types: HashSet<String>,
    pub service_resource_types: HashSet<String>,
    pub host_id_prefixes: Vec<String>,
    pub service_id_prefixes: Vec<String>,
    pub user_identity_types: HashSet<String>,
}

/// The identity and call an event reports, as the entity rules read them.
pub struct Call<'e, 'a> {
    pub event: &'a Object<'a>,
    /// userIdentity, or an empty object when it is not one.
    pub identity: &'a Object<'a>,
    pub kind: Option<&'a Json<'a>>,
    pub provider: Option<&'e str>,
    pub name: Option<&'e str>,
}

impl Call<'_, '_> {
    fn kind_is(&self, wanted: &str) -> bool {
        self.kind.and_then(Json::as_str) == Some(wanted)
    }
}

impl EntityPlan {
    pub fn new(
        related: Vec<(String, Vec<String>)>,
        targets: Vec<((String, String), Vec<String>)>,
        hosts: Vec<String>,
        kinds: TargetKinds,
    ) -> EntityPlan {
        let mut by_source: HashMap<String, HashMap<String, Trie>> = HashMap::new();
        for ((source, name), paths) in targets {
            by_source.entry(source).or_default().insert(name, Trie::new(&paths));
        }
        EntityPlan {
            identity: Trie::new(IDENTITY),
            identity_center: Trie::new(IDENTITY_CENTER),
            resources: Trie::new(RESOURCES),
            related: related.into_iter().map(|(source, paths)| (source, Trie::new(&paths))).collect(),
            targets: by_source,
            hosts: Trie::new(&hosts),
            kinds,
        }
    }

    /// Write actor.*, target.*, user/host/service/entity ids and related.entity into `doc`.
    pub fn add<'a>(&'a self, call: &Call<'_, 'a>, doc: &mut Obj<'a>) {
        let identity = call.identity;
        let mut related = Found::new();
        self.identity.gather(identity, &mut related);
        if call.kind_is("IdentityCenterUser") {
            self.identity_center.gather(identity, &mut related);
        }
        if call.event.contains("resources") {
            self.resources.gather(call.event, &mut related);
        }
        if let Some(provider) = call.provider {
            if let Some(trie) = self.related.get(provider) {
                trie.gather(call.event, &mut related);
            }
            let trie = call.name.and_then(|name| self.targets.get(provider)?.get(api_name(provider, name)));
            if let Some(trie) = trie {
                let mut targets = Found::new();
                trie.gather(call.event, &mut targets);
                if !targets.is_empty() {
                    self.classify_targets(doc, &targets);
                    related.extend(targets);
                }
            }
        }
        if let Some(actor) = actor(call) {
            self.classify_actor(doc, actor, call);
        }
        if !related.is_empty() {
            doc.section("related").set("entity", Node::List(related.into_iter().collect()));
        }
    }

    fn classify_actor<'a>(&self, doc: &mut Obj<'a>, actor: &'a str, call: &Call<'_, 'a>) {
        let ids = || Obj::entity_ids(vec![Cow::Borrowed(actor)]);
        doc.section("actor").set("entity", ids());
        if call.kind_is("AWSService") {
            let service = doc.section("service");
            service.set_str("name", actor);
            service.set("entity", ids());
        } else if SERVICE_ROLE_MARKERS.iter().any(|m| actor.contains(m)) {
            doc.section("service").set("entity", ids());
        } else if call.kind.and_then(Json::as_str).is_some_and(|k| self.kinds.user_identity_types.contains(k)) {
            // A role session acts as its role: the user entity is the session issuer when known.
            let issuer = if call.kind_is("AssumedRole") { issuer_arn(call.identity).and_then(Json::as_text) } else { None };
            let entity = issuer.unwrap_or(actor);
            doc.section("user").set("entity", Obj::entity_ids(vec![Cow::Borrowed(entity)]));
        } else if arn_resource_type(actor).is_some_and(|t| USER_ARN_TYPES.contains(&t)) {
            doc.section("user").set("entity", ids());
        } else if arn_resource_type(actor).is_some_and(|t| self.kinds.host_resource_types.contains(t))
            || self.kinds.host_id_prefixes.iter().any(|p| actor.starts_with(p.as_str()))
        {
            doc.section("host").set("entity", ids());
        } else {
            doc.section("entity").set("id", Node::List(vec![Cow::Borrowed(actor)]));
        }
    }

    fn classify_targets<'a>(&self, doc: &mut Obj<'a>, targets: &Found<'a>) {
        let ordered: Vec<Cow<'a, str>> = targets.iter().cloned().collect();
        let mut kinds: Vec<(&'static str, Vec<Cow<'a, str>>)> = Vec::new();
        for target in &ordered {
            let kind = self.target_kind(target);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, values)) => values.push(target.clone()),
                None => kinds.push((kind, vec![target.clone()])),
            }
        }
        doc.section("target").set("entity", Obj::entity_ids(ordered));
        for (kind, values) in kinds {
            if kind == "entity" {
                doc.section("entity").section("target").set("id", Node::List(values));
            } else {
                doc.section(kind).section("target").set("entity", Obj::entity_ids(values));
            }
        }
    }

    fn target_kind(&self, target: &str) -> &'static str {
        let kinds = &self.kinds;
        let prefixed = |prefixes: &[String]| prefixes.iter().any(|p| target.starts_with(p.as_str()));
        if target.starts_with("arn:") {
            let resource_type = arn_resource_type(target);
            let is = |set: &HashSet<String>| resource_type.is_some_and(|t| set.contains(t));
            if SERVICE_ROLE_MARKERS.iter().any(|m| target.contains(m)) {
                "service"
            } else if is(&kinds.user_resource_types) {
                "user"
            } else if is(&kinds.host_resource_types) {
                "host"
            } else if is(&kinds.service_resource_types) || target.split(':').nth(2) == Some("s3") {
                "service"
            } else {
                "entity"
            }
        } else if target.starts_with("AKIA") && target.chars().count() == 20 {
            "user"
        } else if prefixed(&kinds.host_id_prefixes) {
            "host"
        } else if prefixed(&kinds.service_id_prefixes) {
            "service"
        } else {
            "entity"
        }
    }
}

/// Lambda versions its API names: AddPermission20150331v2 is AddPermission.
fn api_name<'n>(provider: &str, name: &'n str) -> &'n str {
    if provider == "lambda.amazonaws.com" && name.ends_with(|c: char| c.is_ascii_digit()) {
        return name.trim_end_matches(|c: char| c == 'v' || c.is_ascii_digit());
    }
    name
}

/// The session issuer's ARN of a role session (raw value).
pub fn issuer_arn<'a>(identity: &'a Object<'a>) -> Option<&'a Json<'a>> {
    identity.get_object("sessionContext")?.get_object("sessionIssuer")?.get("arn")
}

/// The caller's ARN, else the Identity Center user; for AssumeRole by a role session, the
/// session's issuer; for an AWS service with neither, the service itself.
fn actor<'a>(call: &Call<'_, 'a>) -> Option<&'a str> {
    let identity = call.identity;
    let mut actor = identity.get("arn").filter(|v| v.truthy());
    if actor.is_none() {
        actor = identity.get_object("onBehalfOf").and_then(|b| b.get("userId"));
    }
    if call.kind_is("AWSService") {
        if !actor.is_some_and(Json::truthy) {
            actor = identity.get("invokedBy");
        }
    } else if call.name == Some("AssumeRole") && call.provider == Some("sts.amazonaws.com") && call.kind_is("AssumedRole") {
        actor = issuer_arn(identity);
    }
    actor.and_then(Json::as_text)
}

/// 'arn:aws:iam::1:role/x' → 'role'; 'arn:aws:secretsmanager:r:1:secret:x' → 'secret'.
fn arn_resource_type(arn: &str) -> Option<&str> {
    arn.split(':').nth(5).and_then(|resource| resource.split('/').next())
}
