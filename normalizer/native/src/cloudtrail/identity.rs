//! The caller and the users a call names: userIdentity values that depend on its type,
//! user.email, user.target/changes, group.*, related.user and related.hosts.
use std::borrow::Cow;

use super::entities::{Found, Trie};
use super::objects::ObjectPlan;
use crate::doc::{Node, Obj};
use crate::errors::Rejected;
use crate::json_tree::{Json, Object};

const ROLE_TYPES: [&str; 2] = ["AssumedRole", "FederatedUser"];
const SESSION_CONTEXT: [&str; 4] = ["aws", "cloudtrail", "user_identity", "session_context"];

fn is_role_session(kind: Option<&Json>) -> bool {
    kind.and_then(Json::as_str).is_some_and(|k| ROLE_TYPES.contains(&k))
}

/// userIdentity values that depend on its type, or need converting. `time` converts a
/// timestamp (a malformed creationDate is left out, as Elastic does: it is not the event's time).
pub fn add_identity<'a>(
    identity: &'a Object<'a>,
    doc: &mut Obj<'a>,
    objects: &ObjectPlan,
    time: impl Fn(&Json, &str) -> Option<String>,
) -> Result<(), Rejected> {
    let kind = identity.get("type");
    if let Some(context) = identity.get_object("sessionContext") {
        if is_role_session(kind) {
            // A role session's user.name is its role's.
            if let Some(name) = context.get_object("sessionIssuer").and_then(|i| i.get_text("userName")) {
                doc.section("user").set_str("name", name);
            }
        }
        let created = context.get_object("attributes").and_then(|a| a.get_some("creationDate"));
        if let Some(created) = created.and_then(|c| time(c, "userIdentity.sessionContext.attributes.creationDate")) {
            doc.section_path(&SESSION_CONTEXT).set_str("creation_date", created);
        }
        let attributes = context.get_object("webIdFederationData").and_then(|f| f.get_some("attributes"));
        if let Some(attributes) = attributes {
            let field = "userIdentity.sessionContext.webIdFederationData.attributes";
            if let Some(json) = objects.flattened_json(attributes, field)? {
                let federation = doc.section_path(&SESSION_CONTEXT).section("web_id_federation_data");
                federation.set("attributes", Node::Json(json));
            }
        }
    }
    let has_user_id = doc.get_obj("user").and_then(|u| u.get_str("id")).is_some();
    if kind.and_then(Json::as_str) == Some("IdentityCenterUser") && !has_user_id {
        if let Some(user_id) = identity.get_object("onBehalfOf").and_then(|b| b.get_text("userId")) {
            doc.section("user").set_str("id", user_id);
        }
    }
    Ok(())
}

/// related.user/hosts, user.email, and the user or group an IAM call acts on.
pub fn add_users<'a>(event: &'a Object<'a>, identity: &'a Object<'a>, doc: &mut Obj<'a>, hosts: &Trie) {
    let mut users: Vec<Cow<'a, str>> = Vec::new();
    // Whether the user object is read at the end: it existed, or a session e-mail made it.
    let mut has_user = doc.contains("user");
    if let Some(session) = session_name(identity) {
        users.push(Cow::Borrowed(session));
        if let Some((prefix, _)) = session.split_once('@') {
            if !prefix.is_empty() {
                users.push(Cow::Borrowed(prefix));
                doc.section("user").set_str("email", session);
                has_user = true;
            }
        }
    }
    if let Some(request) = event.get_object("requestParameters") {
        if let Some(name) = request.get_text("userName") {
            users.push(Cow::Borrowed(name));
            doc.section("user").section("target").set_str("name", name);
        }
        if let Some(name) = request.get_text("newUserName") {
            users.push(Cow::Borrowed(name));
            doc.section("user").section("changes").set_str("name", name);
        }
        if let Some(group) = request.get_text("groupName") {
            doc.section("group").set_str("name", group);
        }
    }
    if let Some(response) = event.get_object("responseElements") {
        if let Some(user_id) = response.get_object("user").and_then(|u| u.get_text("userId")) {
            users.push(Cow::Borrowed(user_id));
            doc.section("user").section("target").set_str("id", user_id);
        }
        if let Some(group_id) = response.get_object("group").and_then(|g| g.get_text("groupId")) {
            doc.section("group").set_str("id", group_id);
        }
    }
    if has_user {
        let user = doc.section("user");
        let name = user.get_str("name").cloned();
        if let Some(name) = &name {
            if !user.contains("email") && name.find('@').is_some_and(|at| at > 0) {
                user.set("email", Node::Str(name.clone()));
            }
        }
        users.extend(user.get_str("id").cloned().into_iter().chain(name).filter(|v| !v.is_empty()));
    }
    if !users.is_empty() {
        let mut distinct: Vec<Cow<'a, str>> = Vec::with_capacity(users.len());
        for user in users {
            if !distinct.contains(&user) {
                distinct.push(user);
            }
        }
        doc.section("related").set("user", Node::List(distinct));
    }
    let mut found = Found::new();
    hosts.gather(event, &mut found);
    if !found.is_empty() {
        doc.section("related").set("hosts", Node::List(found.into_iter().collect()));
    }
}

/// The session part of an assumed-role or federated-user ARN (after its last '/').
fn session_name<'a>(identity: &'a Object<'a>) -> Option<&'a str> {
    if !is_role_session(identity.get("type")) {
        return None;
    }
    let arn = identity.get("arn")?.as_str()?;
    if !arn.contains(":sts:") {
        return None;
    }
    arn.rsplit_once('/').map(|(_, session)| session).filter(|s| !s.is_empty())
}
