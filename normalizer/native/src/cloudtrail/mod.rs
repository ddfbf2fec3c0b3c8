//! AWS CloudTrail, the native half of normalizer/cloudtrail/: `reader` cuts records out of an
//! object for cloudtrail/reader.py; `document` turns one event into its ECS document's JSON bytes
//! for cloudtrail/document.py, with the field-map copy (`copy`), the free-form objects
//! (`objects`), the caller and the users it names (`identity`), actors and targets (`entities`)
//! and the user agent (`useragent`).
mod copy;
mod document;
mod entities;
mod identity;
mod objects;
mod reader;
mod useragent;

pub use document::CloudTrail;
pub use reader::{RecordCutter, Scanner};
