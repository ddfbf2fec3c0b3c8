//! `normalizer._native`: the per-record work of the high-volume sources, done without building
//! Python objects. Field tables stay in Python (normalizer/<source>/fields.py) and are handed over at
//! import time, so one field map still feeds the normalizer, the Sigma pipeline and the mappings.
use pyo3::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The core every source builds on.
mod converters;
mod doc;
mod errors;
mod ids;
mod inet;
mod json;
mod json_tree;
mod numbers;
mod table_copy;
mod timestamps;
mod useragent;
// One folder per source, as in normalizer/.
mod cloudtrail;
mod vpcflow;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<cloudtrail::CloudTrail>()?;
    m.add_class::<cloudtrail::RecordCutter>()?;
    m.add_class::<cloudtrail::Scanner>()?;
    m.add_class::<vpcflow::FlowPlan>()?;
    m.add_class::<vpcflow::FlowDocuments>()?;
    m.add_function(wrap_pyfunction!(useragent::user_agent, m)?)?;
    Ok(())
}
