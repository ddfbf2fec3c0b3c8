//! The layout of a header's documents: every object and, in it, every key in a fixed order, so a
//! line's document is the same bytes whenever and wherever it is normalized.
use std::collections::BTreeMap;

use super::plan::{Derived, Entry, Item, Kind, Roles, CORE_SECTIONS};
use crate::json::write_str;

/// The objects of a document and their keys, in the order the keys are first written.
#[derive(Default)]
pub struct Layout {
    pub nodes: Vec<Vec<Entry>>,
    /// Dotted path → node; the document is "".
    paths: BTreeMap<String, usize>,
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
        self.nodes[node].push(Entry {
            key: rendered,
            item,
        });
    }

    /// Put `item` at a dotted ECS destination.
    fn put_at(&mut self, target: &str, item: Item) {
        let (parent, key) = target.rsplit_once('.').unwrap_or(("", target));
        self.put(parent, key, item);
    }

    /// The key order: the fixed event and cloud keys, each column's
    /// destinations in header order (with the decodings of a column beside it), the fields
    /// derived from several columns, then the non-empty objects, deepest first, by path.
    pub fn build(
        &mut self,
        columns: &[(String, String, Vec<String>)],
        kinds: &[Kind],
        roles: &Roles,
    ) {
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
                Kind::Protocol => {
                    self.put("network", "transport", Item::Derived(Derived::Transport))
                }
                Kind::TcpFlags => self.put(
                    "aws.vpcflow",
                    "tcp_flags_array",
                    Item::Derived(Derived::TcpFlagNames),
                ),
                Kind::Action => self.put("event", "outcome", Item::Derived(Derived::Outcome)),
                _ => {}
            }
        }
        // Every document has a time: the record's, else (a format without start and end, as a
        // NAT gateway's custom format can be) the ingest time, tagged as such.
        self.put("", "@timestamp", Item::Derived(Derived::Timestamp));
        self.put("", "tags", Item::Derived(Derived::IngestTimeTag));
        self.put("ecs", "version", Item::Derived(Derived::EcsVersion));
        if roles.start.is_some() && roles.end.is_some() {
            self.put("event", "duration", Item::Derived(Derived::Duration));
        }
        if roles.srcaddr.is_some() || roles.dstaddr.is_some() {
            self.put("network", "type", Item::Derived(Derived::NetworkType));
        }
        if roles.srcaddr.is_some() && roles.dstaddr.is_some() && roles.protocol.is_some() {
            self.put(
                "network",
                "community_id",
                Item::Derived(Derived::CommunityId),
            );
        }
        if [
            roles.srcaddr,
            roles.dstaddr,
            roles.pkt_srcaddr,
            roles.pkt_dstaddr,
        ]
        .iter()
        .any(Option::is_some)
        {
            self.put("", "related", Item::Derived(Derived::RelatedIp));
        }
        self.put("", "error", Item::Derived(Derived::Error));
        let mut objects: Vec<(String, usize)> = self
            .paths
            .iter()
            .filter(|(path, _)| !path.is_empty())
            .map(|(p, &n)| (p.clone(), n))
            .collect();
        objects.sort_by_key(|(path, _)| std::cmp::Reverse(path.matches('.').count()));
        for (path, node) in objects {
            let (parent, key) = path.rsplit_once('.').unwrap_or(("", &path));
            let (parent, key) = (parent.to_owned(), key.to_owned());
            self.put(&parent, &key, Item::Child(node));
        }
        self.put("event", "original", Item::Derived(Derived::Original));
    }
}
