//! `normalizer._native`: the per-record work of the high-volume sources, done without building
//! Python objects. Field tables stay in Python (normalizer/*_fields.py) and are handed over at
//! import time, so one field map still feeds the normalizer, the Sigma pipeline and the mappings.
use pyo3::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cloudtrail;
mod cloudtrail_copy;
mod cloudtrail_entities;
mod cloudtrail_identity;
mod cloudtrail_objects;
mod cloudtrail_useragent;
mod doc;
mod errors;
mod json;
mod json_tree;
mod numbers;
mod timestamps;

/// True when `data` is exactly one well-formed JSON value (how a reader confirms where it cut).
#[pyfunction]
fn is_json_value(data: &[u8]) -> bool {
    json_tree::is_one_value(data)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<cloudtrail::CloudTrail>()?;
    m.add_function(wrap_pyfunction!(is_json_value, m)?)?;
    Ok(())
}
