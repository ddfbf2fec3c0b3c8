//! VPC Flow Logs, the native half of normalizer/vpcflow/: plans.py checks a header line against the
//! field table and hands each column's kind and ECS destinations to a `FlowPlan` (`plan`, with its
//! document `layout`), fixed once per header; `FlowDocuments` (`document`) turns each line under it
//! into its document's JSON bytes. `text` splits and reads the columns, `community_id` hashes a flow.
mod community_id;
mod document;
mod layout;
mod plan;
mod text;

pub use document::FlowDocuments;
pub use plan::FlowPlan;
