//! AWS CloudTrail, the native half of normalizer/cloudtrail/: `reader` cuts records out of an
//! object for cloudtrail/reader.py; `document` turns one event into its ECS document's JSON bytes
//! for cloudtrail/document.py (its plain rows copied by crate::table_copy), with the free-form objects
//! (`objects`), the caller and the users it names (`identity`), actors and targets (`entities`)
//! and the user agent (crate::useragent, shared with S3 access logs).
mod document;
mod entities;
mod identity;
mod objects;
mod reader;

pub use document::CloudTrail;
pub use reader::{RecordCutter, Scanner};
