//! `normalizer._native`: the per-record work of the high-volume sources, done without building
//! Python objects. Field tables stay in Python (normalizer/*_fields.py) and are handed over at
//! import time, so one field map still feeds the normalizer, the Sigma pipeline and the mappings.
use pyo3::prelude::*;

mod errors;
mod ids;
mod json;
mod vpcflow;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ids::py_hashed_id, m)?)?;
    m.add_class::<vpcflow::FlowPlan>()?;
    m.add_class::<vpcflow::FlowDocuments>()?;
    Ok(())
}
